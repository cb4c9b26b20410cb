"""make_provider: the one entry point the command line uses; replaying recorded minutes."""

from __future__ import annotations

import pandas as pd
import pytest

from builders import application, frame
from psm.travel import (
    PROVIDERS, RecordedTravel, TableProvider, TravelConfigError, TravelError, make_provider,
    resolve_travel,
)
from psm.travel.stats import TravelStats


def test_table_is_the_offline_default_with_areas(table, travel_policy):
    provider = make_provider("table", None, None, table, progress=False, env={})
    assert isinstance(provider, TableProvider) and provider.districts is table and provider.areas is not None
    assert PROVIDERS == ("table", "google", "google-routes")


def test_unknown_provider_and_missing_settings_are_refused(table, travel_policy):
    with pytest.raises(TravelConfigError, match=r"--travel 'bing' is not a provider"):
        make_provider("bing", travel_policy, None, table, env={})
    with pytest.raises(TravelConfigError, match=r"needs the policy's \[travel\] settings"):
        make_provider("google", None, None, table, env={"GOOGLE_MAPS_API_KEY": "AIzaSyX"})


def test_the_online_provider_describes_itself_without_secrets(make_google, tmp_path):
    provider = make_google()
    text = provider.describe() + repr(provider)
    assert "Google Distance Matrix (transit, arriving Monday 09:00 Asia/Hong_Kong)" in text
    assert "TTL 30 days" in text and "AIza" not in text


def test_summary_lines_count_requests_hits_and_fallbacks():
    stats = TravelStats(provider="google", applicants=70, unique_addresses=60, cache_hits=10, geocode_requests=50,
                        matrix_requests=2, retries=1, fetched=50)
    stats.fallbacks.update({"no home address": 3, "no transit route": 1})
    assert stats.summary_lines() == [
        "travel look-ups (google): 70 applicants, 60 distinct addresses, 10 from cache, 50 fetched",
        "  requests: 53 (50 geocode, 2 matrix, 1 retries)",
        "  district table stood in for 4 applicants (see travel_note): no home address 3 · no transit route 1",
    ]


def test_recorded_minutes_replay_an_earlier_decision(table):
    apps = frame([
        application(applicant_id="24000001A", home_address="1 A Road"),
        application(applicant_id="24000002B", district="Islands"),
    ])
    scores = pd.DataFrame({
        "applicant_id": ["24000001A", "24000002B"], "travel_minutes": [41.1, 60.0],
        "travel_source": ["google", "table"], "travel_note": ["", "no home address given; table used"],
    })
    times = resolve_travel(apps, RecordedTravel(scores))
    assert list(times.minutes) == [41.1, 60.0] and list(times.source) == ["google", "table"]
    assert times.note[1] == "no home address given; table used"
    with pytest.raises(TravelError, match=r"no recorded travel minutes \(first: \['24000003C'\]\)"):
        RecordedTravel(scores).travel_times(frame([application(applicant_id="24000003C")]))
