"""The policy file: the bundled 2025/26 numbers, and every check made on load (policy.md 3-5)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from psm.errors import PolicyError
from psm.policy import default_policy_path, load_policy

BUNDLED = default_policy_path()


def edited(tmp_path: Path, old: str, new: str) -> Path:
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in the policy file"
    path = tmp_path / "edited.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_bundled_policy_names_its_version_and_file_hash(policy):
    assert policy.version == "2025-26"
    assert policy.sha256 == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
    assert policy.path == str(BUNDLED)


def test_stated_totals_and_maxima(policy):
    maxima = {name: policy.part(name).max for name in policy.profiles["readmission"].parts}
    assert maxima == {
        "district": 36, "housing_type": 14, "floor_area": 10, "leadership": 22, "achievement": 14,
        "llc": 8, "volunteer": 8, "pairing": 8, "academic": 30,
    }
    assert policy.profiles["first_time"].total == 120
    assert policy.profiles["readmission"].total == 150
    assert policy.profiles["summer"].parts == ("district", "housing_type", "floor_area")


def test_settings_of_the_2025_26_exercise(policy):
    s = policy.settings
    assert (s.intake_year, s.reference_date.isoformat(), s.nonlocal_cohort_boundary, s.semester_boundary) == (
        2025, "2025-06-30", 2023, 1.0,
    )
    assert policy.tiers.order[0] == "exceptional_needs" and policy.tiers.order[-1] == "lowered"


def test_policy_is_frozen(policy):
    with pytest.raises(ValidationError):
        policy.settings.intake_year = 2030


def test_unknown_key_names_file_key_and_fix(tmp_path):
    path = edited(tmp_path, "window_years = 2", "window_years = 2\nwindow_yeras = 3")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    message = str(error.value)
    assert str(path) in message
    assert "parts.achievement.window_yeras: unknown key" in message
    assert "remove it or correct its spelling" in message


#: (rule, text in the bundled file, the edit that breaks the rule, the message that names it)
INCONSISTENT = [
    ("bands ascend", "{ at_least = 25, points = 12 }", "{ at_least = 10, points = 12 }",
     r"parts\.district.*ascend strictly"),
    ("the first band starts at zero", "  { at_least = 0, points = 10 },", "  { at_least = 1, points = 10 },",
     r"parts\.floor_area.*start at 0"),
    ("no band pays more than the part's max", "{ at_least = 75, points = 36 }", "{ at_least = 75, points = 40 }",
     r"must not exceed the part's max \(36\)"),
    ("maxima add up to the stated total", "total = 120", "total = 125",
     r"profiles\.first_time: the parts' maxima add up to 120, not the stated total 125"),
    ("group weights match the maxima", "weights = { living_district = 30, home_environment = 20, contribution = 50 }",
     "weights = { living_district = 25, home_environment = 25, contribution = 50 }",
     r"group 'living_district' has maxima adding up to 36, but its weight 25%"),
    ("category points cover every code", "improvised = 10, ", "",
     r"housing_type\.points must give points for exactly.*missing \['improvised'\]"),
    ("the tier order is a permutation", '"special_readmission", "readmission"', '"readmission", "readmission"',
     r"each tier exactly once; missing \['special_readmission'\]"),
    ("a round names a known profile", 'first_time = "summer"', 'first_time = "winter"',
     r"rounds\.summer\.first_time names profile 'winter'"),
]


@pytest.mark.parametrize(("rule", "text", "edit", "message"), INCONSISTENT, ids=[row[0] for row in INCONSISTENT])
def test_an_inconsistent_policy_is_refused_naming_the_rule(tmp_path, rule, text, edit, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(edited(tmp_path, text, edit))


def test_malformed_toml_and_missing_file(tmp_path):
    broken = edited(tmp_path, "max = 36", "max = = 36")
    syntax = r"not valid TOML at line \d+, column \d+, in \[parts\.district\], key 'max'"
    with pytest.raises(PolicyError, match=syntax):
        load_policy(broken)
    with pytest.raises(PolicyError, match=r"cannot read the policy file.*--policy"):
        load_policy(tmp_path / "absent.toml")


def test_every_problem_is_reported_at_once(tmp_path):
    path = edited(tmp_path, "intake_year = 2025", "intake_year = 1900\nfoo = 1")
    message = str(pytest.raises(PolicyError, load_policy, path).value)
    assert "2 problem(s)" in message
    assert "settings.intake_year" in message and "settings.foo: unknown key" in message


def test_a_policy_file_from_before_the_college_roommate_key_still_loads_with_the_contracts_rule(tmp_path):
    # Run bundles keep their own policy file; one written before the key must still verify and take appeals.
    path = edited(tmp_path, "college_rooms_for_member_roommates = false\n", "")
    assert "college_rooms_for_member_roommates" not in path.read_text()
    assert load_policy(path).allocation.college_rooms_for_member_roommates is False


def test_a_policy_file_from_before_the_fidelity_keys_still_loads_as_it_read(tmp_path):
    """Run bundles keep their own policy file: one written before residential_year_start,
    rscrc_college, track_order, the travel measure and the 3b kinds loads with the readings it had
    (no research period check, nobody an RSCRC member, first-time before readmission, one way,
    scholarships and awards paid as prizes)."""
    text = BUNDLED.read_text(encoding="utf-8")
    for line in ("residential_year_start = 2025-08-29\n", 'rscrc_college = "CURI"\n', 'measure = "one_way"\n',
                 "return_departure_time = 18:00:00\n", 'track_order = ["first_time", "readmission"]',
                 "points_per_scholarship = { international = 10, regional = 6, polyu = 3 }\n",
                 "points_per_award = { international = 10, regional = 6, polyu = 3 }\n"):
        assert line in text, line
        text = text.replace(line, "", 1)
    path = tmp_path / "old.toml"
    path.write_text(text, encoding="utf-8")
    old = load_policy(path)
    assert (old.settings.residential_year_start, old.settings.rscrc_college) == (None, None)
    assert old.tiers.track_order == ("first_time", "readmission") and old.travel.measure == "one_way"
    assert old.parts.achievement.points_of("award") == old.parts.achievement.points_per_prize


def test_track_order_lists_both_scored_tracks(tmp_path):
    """Policy.md section 5: the order of tracks in a mixed tier is policy data, each track once."""
    with pytest.raises(PolicyError, match="track_order must list"):
        load_policy(edited(tmp_path, 'track_order = ["first_time", "readmission"]', 'track_order = ["first_time"]'))


def test_a_round_trip_needs_the_time_the_trip_home_leaves(tmp_path):
    """Policy.md section 3: the round trip is the trip there plus the trip home at return_departure_time."""
    path = edited(tmp_path, 'measure = "one_way"\nreturn_departure_time = 18:00:00\n', 'measure = "round_trip"\n')
    with pytest.raises(PolicyError, match="needs return_departure_time"):
        load_policy(path)
    assert load_policy(edited(tmp_path, 'measure = "one_way"', 'measure = "round_trip"')).travel.round_trip


def test_each_direction_has_its_own_cache_key(policy):
    """The trip to PolyU keeps the one-way key (a one-way cache serves it); the trip home has its own."""
    from psm.travel import settings_key

    round_trip = policy.travel.model_copy(update={"measure": "round_trip"})
    assert settings_key(round_trip) == settings_key(policy.travel)
    assert settings_key(round_trip, "from_polyu") != settings_key(round_trip)
