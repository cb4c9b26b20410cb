"""hac.stats on a hand-worked run: six applicants, four rooms in two halls.

a and b ask for each other (both F, one local and one non-local) and share r1; c (F) and d (M)
ask for each other across genders; d waits in the M waitlist while e (M) is offered below him;
f is referred. Each figure below is worked out by hand from these rows.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from hac import stats


@pytest.fixture
def tables() -> stats.RunTables:
    ranking = pd.DataFrame({
        "applicant_id": ["a", "c", "b", "d", "e", "f"], "pool": ["undergraduate"] * 6,
        "tier": ["t1", "t1", "t1", "t1", "t2", ""], "rank": [1, 2, 3, 4, 5, None],
        "score": [50, 45, 40, 30, 20, None],
        "status": ["offered", "offered", "offered", "waitlisted", "offered", "referred"]})
    applications = pd.DataFrame({
        "applicant_id": ["a", "b", "c", "d", "e", "f"], "gender": ["F", "F", "F", "M", "M", "F"],
        "student_type": ["local", "non_local", "local", "local", "non_local", "local"],
        "roommate_request": ["b", "a", "d", "c", "", ""],
        "hall_preferences": ["H2; H1", "H1", "H1", "", "", ""],
        "room_type_preference": ["double", "", "double", "", "", ""], "college": [""] * 6})
    assignments = pd.DataFrame({"applicant_id": ["a", "b", "c", "e"], "pool": ["undergraduate"] * 4,
                                "hall": ["H1", "H1", "H1", "H2"], "room_id": ["r1", "r1", "r2", "r3"]})
    rooms = pd.DataFrame({"room_id": ["r1", "r2", "r3", "r4"], "hall": ["H1", "H1", "H2", "H2"],
                          "room_type": ["double", "double", "single", "double"], "beds": [2, 2, 1, 2],
                          "college": [""] * 4})
    scores = pd.DataFrame({"applicant_id": list("abcdef"), "track": ["first_time"] * 5 + ["referred"],
                           "total_points": [50, 40, 45, 30, 20, None],
                           "ineligible_reason": [""] * 5 + ["funding self_financed is not eligible"],
                           "travel_note": [""] * 6, "review_note": ["", "", "", "SRS flag off the readmission track", "",
                                                                    ""]})
    return stats.tables_of(ranking, applications, assignments, rooms, scores, None, None)


def test_mutual_pairs_count_placed_pairs_of_one_gender(tables):
    assert stats.mutual_pairs(tables) == (1, 1)  # a-b; c-d differ in gender and d waits


def test_mixing_and_its_bound(tables):
    # r1 holds a (local) and b (non-local); F placed: 2 local, 1 non-local; M placed: e non-local only
    assert stats.mixing(tables) == (1, 1)


def test_a_pair_is_one_unit_at_the_worse_rank_with_the_better_ranked_members_wishes(tables):
    units = stats.placed_units(tables)
    assert units[["rank", "hall", "wish", "got"]].values.tolist() == [
        [3, "H1", "double", "double"], [2, "H1", "double", "double"], [5, "H2", "", "single"]]
    assert units["halls"].tolist() == [("H2", "H1"), ("H1",), ()]


def test_preferences_by_band_and_room_types(tables):
    bands = stats.preference_bands(tables)
    assert bands.values.tolist() == [["undergraduate", "1-100", 2, 1, 2]]  # a's unit got H1, its second choice
    assert stats.room_type_wishes(tables) == (2, 2)


def test_occupancy_shared_and_mixed_rooms_by_hall(tables):
    halls = stats.hall_occupancy(tables)
    assert halls.values.tolist() == [["H1", 2, 4, 3, 1, 1], ["H2", 2, 3, 1, 0, 0]]
    assert halls["mixed"].sum() == stats.mixing(tables)[0]
    assert stats.hall_occupancy(tables) is halls  # worked out once per tables


def test_waitlist_starts_and_places_held_below_them(tables):
    starts = stats.waitlist_starts(tables).set_index("gender")
    assert math.isnan(starts.at["F", "waitlist_from_rank"]) and starts.at["F", "placed_below"] == 0
    assert starts.loc["M", ["offered", "waitlisted", "waitlist_from_rank", "tier", "score", "placed_below"]].tolist() \
        == [1, 1, 4, "t1", 30, 1]


def test_cutoffs_per_tier_and_gender(tables):
    cutoffs = stats.tier_cutoffs(tables)
    assert cutoffs[["tier", "gender", "offered", "waitlisted"]].values.tolist() == [
        ["t1", "F", 3, 0], ["t1", "M", 0, 1], ["t2", "M", 1, 0]]
    assert cutoffs["lowest_placed"].tolist()[0::2] == [40, 20]
    assert cutoffs["best_waitlisted"].tolist()[1] == 30


def test_the_review_lists(tables):
    assert stats.referred(tables).values.tolist() == [["f", "funding self_financed is not eligible"]]
    assert stats.flagged_for_review(tables).values.tolist() == [["d", "SRS flag off the readmission track"]]


def test_no_rows_give_empty_figures():
    empty = stats.tables_of(None, None, None, None, None, None, None)
    assert stats.mixing(empty) == (0, 0) and stats.mutual_pairs(empty) == (0, 0)
    assert stats.tier_cutoffs(empty).empty and stats.waitlist_starts(empty).empty
    assert stats.preference_bands(empty).empty and stats.hall_occupancy(empty).empty
    assert stats.referred(empty).empty
