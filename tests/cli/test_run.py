"""``psm run`` on the sample cohort with the full inventory: the allocation issue's acceptance.

Checked here independently of the engine's own rule check (room openness comes from the plain
one access rule, ``RoomAccess.allows_listed_room``): no rule broken; every mutual pair with both offered, of
one gender and able to share a room under the rules, shares one (the others are listed with the
reason); rooms with a local and a non-local resident reach at least 90% of the upper bound; a
re-run gives byte-identical files; ``psm verify`` passes on the bundle and names an altered output
(the bundles issue's acceptance).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import read_inventory
from cli.exits import EXIT_OK, EXIT_VERIFY_FAILED
from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"

pytestmark = pytest.mark.xdist_group("sample_bundle")  # one worker makes the shared sample run


@pytest.fixture(scope="module")
def runs(sample_bundle, sample_runner, tmp_path_factory):
    """The shared sample run, and a second run of the same inputs and seed."""
    return sample_bundle, sample_runner(tmp_path_factory.mktemp("rerun") / "second")


def read(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / name, dtype=str, keep_default_na=False)


def test_a_rerun_is_byte_identical(runs):
    first, second = runs
    for name in ("scores.csv", "ranking.csv", "assignments.csv", "unmatched_roommates.csv", "lottery.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_verify_passes_on_the_sample_run_and_names_an_altered_output(runs, capsys, tmp_path):
    first = runs[0]
    capsys.readouterr()
    assert main(["verify", str(first)]) == EXIT_OK
    assert "every output reproduces" in capsys.readouterr().out
    altered = tmp_path / "altered"
    shutil.copytree(first, altered)
    ranking = (altered / "ranking.csv").read_text()
    (altered / "ranking.csv").write_text(ranking.replace(",waitlisted,", ",offered,", 1))
    assert main(["verify", str(altered)]) == EXIT_VERIFY_FAILED
    assert "ranking.csv" in capsys.readouterr().out


def test_every_offer_has_one_bed_and_no_rule_is_broken(runs, policy):
    run = runs[0]
    ranking, assignments = read(run, "ranking.csv"), read(run, "assignments.csv")
    apps = read(SAMPLE, "applications.csv").set_index("applicant_id")
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    assert sorted(assignments["applicant_id"]) == sorted(offered)
    assert {"offered", "waitlisted", "ineligible", "disqualified"} <= set(ranking["status"]) \
        <= {"offered", "waitlisted", "ineligible", "disqualified", "referred"}
    rooms = read_inventory(policy).rooms.set_index("room_id")
    per_room = assignments["room_id"].value_counts()
    assert all(per_room[r] <= rooms.at[r, "beds"] for r in per_room.index)
    gender = assignments["applicant_id"].map(apps["gender"])
    assert (assignments.assign(g=gender).groupby("suite_id")["g"].nunique() == 1).all()
    pool = ranking.set_index("applicant_id")["pool"]
    access = RoomAccess.from_policy(policy)
    for a, r in zip(assignments["applicant_id"], assignments["room_id"]):
        college = rooms.at[r, "college"]
        released = college if college and college != apps.at[a, "college"] else ""  # a bed members left empty:
        assert not released or rooms.at[r, "hall"] in apps.at[a, "hall_preferences"].split(";")  # they listed it
        kind = ApplicantKind(pool[a], apps.at[a, "gender"], apps.at[a, "accessibility_needs"] == "true",
                             apps.at[a, "college"], released_to=released)
        assert access.allows_listed_room(kind, rooms.loc[r]), (a, r)


def test_no_college_bed_is_empty_while_someone_who_listed_the_college_waits(runs, policy):
    """Section 7: college beds members leave empty go down the waitlist to those who listed the
    college's hall; on the sample every college bed is used, and the summary says how many went
    to non-members."""
    run = runs[0]
    rooms = read_inventory(policy).rooms
    assignments = read(run, "assignments.csv")
    college_rooms = rooms[rooms["college"] != ""]
    used = assignments["room_id"].isin(college_rooms["room_id"]).sum()
    assert used == college_rooms["beds"].astype(int).sum()
    counts = json.loads((run / "manifest.json").read_text())["counts"]["college_beds_to_non_members"]
    assert sum(counts.values()) > 0
    assert "residential college beds" in (run / "run.log").read_text()


def test_mutual_pairs_share_a_room_where_the_rules_allow(runs, policy):
    run = runs[0]
    ranking, assignments = read(run, "ranking.csv"), read(run, "assignments.csv")
    unmatched = read(run, "unmatched_roommates.csv")
    apps = read(SAMPLE, "applications.csv").set_index("applicant_id")
    offered = set(ranking.loc[ranking["status"] == "offered", "applicant_id"])
    room = dict(zip(assignments["applicant_id"], assignments["room_id"]))
    request = apps["roommate_request"]
    pairs = {tuple(sorted((a, b))) for a, b in request.items() if b and request.get(b) == a
             and a in offered and b in offered and apps.at[a, "gender"] == apps.at[b, "gender"]}
    assert len(pairs) > 50
    explained = set(unmatched["applicant_id"]) | set(unmatched["roommate_request"])
    college_of_room = dict(zip(read_inventory(policy).rooms["room_id"], read_inventory(policy).rooms["college"]))
    released = {a for a in offered if college_of_room[room[a]] not in ("", apps.at[a, "college"])}
    for a, b in pairs:
        if apps.at[a, "college"] == apps.at[b, "college"] and not {a, b} & released:
            assert room[a] == room[b], (a, b)  # can share under the rules: they do
        else:
            assert room[a] == room[b] or {a, b} <= explained  # else listed, with the reason
    assert unmatched["reason"].str.len().gt(0).all()
    # Regression: pairs joined at placement only, 16 of 97 were apart; joined at admission, 4
    # are (the member's college room is for members alone and no ordinary room was left). Pairs
    # one of whom was offered a college bed its members left empty (section 7) come on top.
    assert sum(room[a] != room[b] for a, b in pairs if not {a, b} & released) <= 4


def test_mixed_rooms_reach_90_percent_of_the_upper_bound(runs):
    run = runs[0]
    assignments = read(run, "assignments.csv")
    apps = read(SAMPLE, "applications.csv").set_index("applicant_id")
    kind = assignments["applicant_id"].map(apps["student_type"])
    offered = apps.loc[assignments["applicant_id"]]
    bound = sum(min(((offered["gender"] == g) & (offered["student_type"] == "local")).sum(),
                    ((offered["gender"] == g) & (offered["student_type"] == "non_local")).sum()) for g in "FM")
    mixed = assignments.assign(kind=kind).groupby("room_id")["kind"].agg(lambda k: {"local", "non_local"} <= set(k)).sum()
    assert mixed >= 0.9 * bound
