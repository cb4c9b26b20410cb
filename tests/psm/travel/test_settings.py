"""The policy's travel settings: validation, the deterministic arrival moment, the cache key."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from pydantic import ValidationError

from psm.travel import TravelPolicy, next_arrival, settings_key

# The block proposed for config/policy/2025-26.toml (kept here so the proposal stays valid).
TOML_BLOCK = """
[travel]
destination = "The Hong Kong Polytechnic University, 11 Yuk Choi Road, Hung Hom, Kowloon, Hong Kong"
mode = "transit"
arrival_weekday = "monday"
arrival_time = 09:00:00
timezone = "Asia/Hong_Kong"
region = "hk"
cache_ttl_days = 30
skip_dates = []
"""


def test_the_proposed_toml_block_validates(travel_policy):
    policy = TravelPolicy.model_validate(tomllib.loads(TOML_BLOCK)["travel"])
    assert policy == travel_policy.model_copy(update={"region": "hk"})
    assert policy.arrival_time == dt.time(9, 0) and policy.destination_place_id is None


def test_frozen_unknown_keys_and_bad_values_are_refused(travel_policy):
    with pytest.raises(ValidationError):
        travel_policy.cache_ttl_days = 5
    data = tomllib.loads(TOML_BLOCK)["travel"]
    for change, field in (
        ({"arrival_hour": 9}, "arrival_hour"),
        ({"timezone": "Hong Kong"}, "timezone"),
        ({"arrival_weekday": "mon"}, "arrival_weekday"),
        ({"cache_ttl_days": 31}, "cache_ttl_days"),
        ({"mode": "driving"}, "mode"),
    ):
        with pytest.raises(ValidationError, match=field):
            TravelPolicy.model_validate(data | change)


@pytest.mark.parametrize(
    ("run_day", "expected"),
    [
        (dt.date(2026, 11, 4), dt.date(2026, 11, 9)),   # Wednesday -> next Monday
        (dt.date(2026, 11, 8), dt.date(2026, 11, 9)),   # Sunday -> tomorrow
        (dt.date(2026, 11, 9), dt.date(2026, 11, 16)),  # Monday -> strictly after: a week later
    ],
)
def test_the_arrival_is_the_next_weekday_strictly_after_the_run_date(travel_policy, run_day, expected):
    arrival = next_arrival(travel_policy, run_day)
    assert arrival.date() == expected and arrival.time() == dt.time(9, 0)
    assert arrival.utcoffset() == dt.timedelta(hours=8)


def test_skip_dates_move_the_arrival_past_public_holidays(travel_policy):
    policy = travel_policy.model_copy(update={"skip_dates": (dt.date(2026, 12, 28),)})
    assert next_arrival(policy, dt.date(2026, 12, 24)).date() == dt.date(2027, 1, 4)


def test_the_cache_key_depends_on_what_changes_a_travel_time_only(travel_policy):
    key = settings_key(travel_policy)
    assert key == settings_key(travel_policy.model_copy(update={"cache_ttl_days": 7, "skip_dates": (dt.date(2027, 1, 1),)}))
    for change in ({"arrival_time": dt.time(8, 30)}, {"arrival_weekday": "tuesday"},
                   {"destination": "place_id:ChIJpolyu"}, {"timezone": "UTC"}):
        assert settings_key(travel_policy.model_copy(update=change)) != key
    assert len(key) == 64
