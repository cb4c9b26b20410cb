"""``psm run`` on the sample, which holds every column the policy readings added (policy.md
sections 1, 2, 3, 5): the referred and the flags for review are counted in the summary and the
manifest and listed in the report; the new intake of any year of study is ranked in its tier;
the round-trip and area notes reach scores.csv.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.xdist_group("sample_bundle")  # one worker makes the shared sample run


def read(run: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(run / name, dtype=str, keep_default_na=False)


def test_referred_applicants_are_counted_and_listed(sample_bundle):
    """Section A's "other full-time students with exceptional needs": status referred, never
    ranked; counted in the manifest and the summary (run.log), listed in the report."""
    ranking = read(sample_bundle, "ranking.csv")
    referred = ranking[ranking["status"] == "referred"]
    assert len(referred) > 0 and (referred["rank"] == "").all()
    assert referred["reason"].str.startswith("referred to the University for a special arrangement").all()
    counts = json.loads((sample_bundle / "manifest.json").read_text())["counts"]
    assert counts["referred"] == len(referred) == counts["statuses"]["referred"] == counts["tracks"]["referred"]
    assert f"{len(referred):,} referred to the University's special arrangement" in (sample_bundle / "run.log").read_text()
    report = (sample_bundle / "report.html").read_text()
    assert "Referred for the University&#39;s special arrangement" in report or \
        "Referred for the University's special arrangement" in report
    assert all(applicant in report for applicant in referred["applicant_id"])


def test_flags_that_cannot_apply_are_counted_and_listed(sample_bundle):
    """Sections B.4, E (policy.md section 5): SRS or RSCRC flags that cannot apply change nothing
    and are listed for review: review_note in scores.csv, a count in the summary, a list in the report."""
    scores = read(sample_bundle, "scores.csv")
    flagged = scores[scores["review_note"] != ""]
    assert len(flagged) > 0
    counts = json.loads((sample_bundle / "manifest.json").read_text())["counts"]
    assert counts["flagged_for_review"] == len(flagged)
    assert f"for review: {len(flagged):,} scheme flag(s)" in (sample_bundle / "run.log").read_text()
    report = (sample_bundle / "report.html").read_text()
    assert all(applicant in report for applicant in flagged["applicant_id"])


def test_the_new_intake_of_any_year_is_ranked_in_its_tier(sample_bundle):
    """Section B.2.a: non-local senior-year entrants admitted in 2025 are the new intake."""
    apps = read(sample_bundle / "inputs", "applications.csv").set_index("applicant_id")
    ranking = read(sample_bundle, "ranking.csv").set_index("applicant_id")
    entrants = apps[(apps["student_type"] == "non_local") & (apps["admission_year"] == "2025")
                    & (apps["year_of_study"] != "1") & (apps["funding"] == "ugc") & (apps["study_mode"] == "full_time")]
    assert len(entrants) > 0
    ranked = ranking.loc[entrants.index]
    assert set(ranked["tier"]) <= {"nonlocal_new_intake", "exceptional_needs", "lowered", ""}
    assert (ranked["tier"] == "nonlocal_new_intake").any()


def test_addresses_the_area_table_cannot_read_are_flagged(sample_bundle):
    """Part 1 (policy.md section 3): an address the area table cannot read takes the district
    figure with a note, never silently; Chinese area names are read."""
    notes = read(sample_bundle, "scores.csv")["travel_note"]
    assert notes.str.endswith("; district figure used").any()
    apps = read(sample_bundle / "inputs", "applications.csv")
    chinese = apps["home_address"].str.contains("長洲")
    if chinese.any():
        scores = read(sample_bundle, "scores.csv").set_index("applicant_id")
        noted = scores.loc[apps.loc[chinese, "applicant_id"], "travel_note"]
        assert noted[noted != ""].str.startswith("area estimate: Cheung Chau").all()
