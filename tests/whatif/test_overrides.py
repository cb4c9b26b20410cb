"""A policy with overrides: merged, validated like a file, named by its own version and hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builders import application, score
from psm.errors import PolicyError
from psm.policy import default_policy_path, load_policy
from whatif.overrides import merge, override_toml, policy_with

BASE_TEXT = default_policy_path().read_text(encoding="utf-8")

# Wider district bands: 0-19 min 0, 20-39 min 12, 40-59 min 24, 60+ min 36.
WIDE = [{"at_least": 0, "points": 0}, {"at_least": 20, "points": 12}, {"at_least": 40, "points": 24},
        {"at_least": 60, "points": 36}]
MINUTES = [5, 15, 20, 25, 39.9, 40, 45, 55, 60, 65, 75, 90]


def test_district_bands_change_exactly_the_expected_applicants(policy):
    apps = [application(applicant_id=f"2400{i:04d}A", travel_minutes=m) for i, m in enumerate(MINUTES)]
    before = score(apps, policy)["district_points"].astype(int).tolist()
    after = score(apps, policy_with({"parts.district.bands": WIDE}))["district_points"].astype(int).tolist()
    # worked from the two band tables (the bundled one: 0/15/25/35/45/55/65/75 -> 0/6/12/18/24/28/32/36)
    assert before == [0, 6, 6, 12, 18, 18, 24, 28, 28, 32, 36, 36]
    assert after == [0, 0, 12, 12, 12, 24, 24, 24, 36, 36, 36, 36]
    changed = [m for m, b, a in zip(MINUTES, before, after) if b != a]
    assert changed == [15, 20, 39.9, 40, 55, 60, 65]


def test_only_the_overridden_part_changes(policy):
    apps = [application(applicant_id=f"2400{i:04d}A", travel_minutes=m, volunteer_hours=40)
            for i, m in enumerate(MINUTES)]
    before, after = score(apps, policy), score(apps, policy_with({"parts.district.bands": WIDE}))
    for part in ("housing_type", "floor_area", "leadership", "achievement", "llc", "volunteer", "pairing"):
        assert before[f"{part}_points"].equals(after[f"{part}_points"])
    diff = (after["total_points"] - before["total_points"]).astype(int)
    assert diff.equals((after["district_points"] - before["district_points"]).astype(int))


@given(threshold=st.integers(1, 200), hours=st.lists(st.integers(0, 300), min_size=1, max_size=6))
def test_a_volunteer_threshold_gives_full_points_from_the_threshold(policy, threshold, hours):
    changed = policy_with({"parts": {"volunteer": {"bands": [{"at_least": 0, "points": 0},
                                                             {"at_least": threshold, "points": 8}]}}})
    apps = [application(applicant_id=f"2400{i:04d}A", volunteer_hours=h) for i, h in enumerate(hours)]
    points = score(apps, changed)["volunteer_points"].astype(int).tolist()
    assert points == [8 if h >= threshold else 0 for h in hours]


def test_version_and_hash_name_the_overridden_policy(tmp_path):
    overrides = {"parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 30, "points": 8}]}
    changed = policy_with(overrides)
    text = override_toml(overrides)
    assert changed.version.startswith("2025-26+whatif.")
    assert len(changed.version) == len("2025-26+whatif.12345678")  # 8 hex digits of the overrides' hash
    assert changed.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest() != load_policy().sha256
    assert text.startswith("# What-if policy: 2025-26.toml with overrides\n# overrides: {\"parts\"")
    written = tmp_path / "what-if.toml"
    written.write_bytes(text.encode("utf-8"))
    again = load_policy(written)  # a file psm run --policy accepts, with the same hash
    assert again.sha256 == changed.sha256
    assert again.model_dump(exclude={"path"}) == changed.model_dump(exclude={"path"})
    assert policy_with(overrides).sha256 == changed.sha256  # the same overrides, the same policy
    other = policy_with({"parts.volunteer.bands": [{"at_least": 0, "points": 0},
                                                   {"at_least": 31, "points": 8}]})
    assert other.version != changed.version and other.sha256 != changed.sha256


def test_dotted_and_nested_keys_are_the_same_override():
    bands = [{"at_least": 0, "points": 0}, {"at_least": 30, "points": 8}]
    dotted = policy_with({"parts.volunteer.bands": bands, "pools.undergraduate.beds": 100})
    nested = policy_with({"parts": {"volunteer": {"bands": bands}},
                          "pools": {"undergraduate": {"beds": 100}}})
    mixed = policy_with({"parts.volunteer": {"bands": bands}, "pools": {"undergraduate.beds": 100}})
    assert dotted.sha256 == nested.sha256 == mixed.sha256
    assert dotted.pools["undergraduate"].beds == 100 and dotted.pools["exchange"].beds == 380


def test_no_overrides_is_the_base_policy_unchanged(policy):
    assert policy_with().sha256 == policy_with({}).sha256 == policy.sha256
    assert policy_with(None, policy) is policy
    assert policy_with(None, default_policy_path()).sha256 == policy.sha256


def test_an_override_of_the_version_is_kept():
    assert policy_with({"policy.version": "2025-26-draft-3"}).version == "2025-26-draft-3"


def test_merge_replaces_lists_whole_and_merges_tables():
    base = {"a": {"b": [1, 2, 3], "c": 1}, "d": 2}
    merged = merge(base, {"a": {"b": [9]}})
    assert merged == {"a": {"b": [9], "c": 1}, "d": 2} and base["a"]["b"] == [1, 2, 3]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 40, "points": 9}]},
     r"parts\.volunteer: points must not exceed the part's max \(8\)"),
    ({"parts.distrct.max": 36}, r"parts\.distrct: unknown key; .*did you mean 'district'\?"),
    ({"parts.district.bands": [{"at_least": 0, "points": "6"}]},
     r'parts\.district\.bands\[1\]\.points = "6": expected a whole number'),
    ({"pools.exchange.beds": 12.5}, r"pools\.exchange\.beds = 12\.5: expected a whole number"),
    ({"parts.volunteer.bands": [{"at_least": 50, "points": 8}]}, r"the first band must start at 0"),
])
def test_a_bad_override_gets_the_loaders_message_naming_the_key(overrides, message):
    with pytest.raises(PolicyError, match=message) as raised:
        policy_with(overrides)
    assert str(raised.value).startswith(f"{default_policy_path()} with overrides: ")
    assert "whatif-policy-" not in str(raised.value)  # never the temporary file


def test_an_override_of_nothing_reads_as_the_base_policy(policy, tmp_path):
    written = tmp_path / "nothing.toml"
    written.write_text(override_toml({}), encoding="utf-8")
    same = load_policy(written)
    assert same.version == f"{policy.version}+whatif.{hashlib.sha256(b'{}').hexdigest()[:8]}"
    ignore = {"policy": {"version"}, "sha256": True, "path": True}
    assert same.model_dump(exclude=ignore) == policy.model_dump(exclude=ignore)


def test_the_base_files_comments_and_layout_are_kept():
    text = override_toml({"parts.volunteer.bands": [{"at_least": 0, "points": 0},
                                                    {"at_least": 30.5, "points": 8}]})
    version = tomllib.loads(text)["policy"]["version"]
    body = text.split("\n\n", 1)[1]  # after the two comment lines naming the base and the overrides
    before, after = BASE_TEXT.split("[parts.volunteer]\n")
    assert body.startswith(before.replace('version = "2025-26"', f'version = "{version}"'))
    assert body.endswith(after.split("\n[", 1)[1])  # every section after [parts.volunteer]
    assert "bands = [\n    {at_least = 0, points = 0},\n    {at_least = 30.5, points = 8},\n]" in body


keys = st.text(min_size=1, max_size=8).filter(lambda key: "." not in key)
scalars = (st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=True) | st.booleans()
           | st.text(max_size=12) | st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31))
           | st.times().map(lambda t: t.replace(tzinfo=None)))
values = st.recursive(scalars,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                      max_leaves=12)


@given(new=st.dictionaries(keys, values, max_size=4), title=st.text(max_size=12), beds=st.integers(0, 10**6))
def test_the_text_reads_back_as_the_base_data_with_the_overrides_merged(new, title, beds):
    overrides = {"policy.title": title, "pools.exchange.beds": beds, "scenario": new}
    data = tomllib.loads(override_toml(overrides))
    expected = merge(tomllib.loads(BASE_TEXT), {"policy": {"title": title}, "pools": {"exchange": {"beds": beds}},
                                                "scenario": new})
    expected["policy"]["version"] = data["policy"]["version"]
    assert data == expected and data["policy"]["version"].startswith("2025-26+whatif.")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"parts.district.max": None}, r"overrides: parts\.district\.max = None: TOML has no such value"),
    ({"parts.district.bands": [{"points": 0}, {"points": None}]},
     r"overrides: parts\.district\.bands\[2\]\.points = None: TOML has no such value"),
    ({"parts.district.max": object()}, r"overrides: parts\.district\.max = <object .*>: TOML has no such value"),
    ({"parts.district.max": 36, "parts": {"district": {"max": 30}}}, r"parts\.district\.max is given twice"),
    ({"parts..max": 3}, r"is not a policy key"),
    ({3: 3}, r"is not a policy key"),
    (["parts"], r"overrides must be a dict"),
])
def test_overrides_that_are_not_policy_data_are_refused(overrides, message):
    with pytest.raises(PolicyError, match=message):
        policy_with(overrides)


def test_overrides_on_an_overridden_policy_must_come_together():
    changed = policy_with({"pools.undergraduate.beds": 100})
    with pytest.raises(PolicyError, match="pass the overrides together"):
        policy_with({"pools.exchange.beds": 10}, changed)


def test_numpy_values_are_plain_numbers():
    changed = policy_with({"pools.undergraduate.beds": np.int64(100),
                           "parts.volunteer.bands": [{"at_least": np.float64(0), "points": np.int64(0)},
                                                     {"at_least": 30, "points": 8}]})
    assert changed.pools["undergraduate"].beds == 100
