"""``psm appeal``: a recalculation against the exact run that decided the case."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cli.exits import EXIT_ERROR, EXIT_OK
from cli.main import main
from builders import capped_policy, run_folder
from synthetic import generate_cohort, write_cohort


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """1,500 applicants for 1,000 undergraduate beds (a policy with small quotas): a real waitlist."""
    folder = tmp_path_factory.mktemp("appeal")
    write_cohort(generate_cohort(n=1500, seed=3), folder / "in")
    out = folder / "run"
    policy = capped_policy(folder / "policy.toml", undergraduate=1000)
    assert run_folder(folder / "in", out, "appeal-test", policy=policy) == EXIT_OK
    return out


def appeal(bundle: Path, applicant: str, *extra: str) -> int:
    return main(["appeal", str(bundle), "--applicant", applicant, *extra, "--by", "HAC secretary",
                 "--reason", "documents received"])


def records(bundle: Path) -> list[dict]:
    return [json.loads(line) for line in (bundle / "appeals.jsonl").read_text().splitlines()]


def waitlisted_local(bundle: Path) -> str:
    ranking = pd.read_csv(bundle / "ranking.csv", dtype=str, keep_default_na=False)
    scores = pd.read_csv(bundle / "scores.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    apps = pd.read_csv(bundle / "inputs" / "applications.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    for applicant_id in ranking.loc[ranking["status"] == "waitlisted", "applicant_id"]:
        if scores.at[applicant_id, "track"] == "readmission" and apps.at[applicant_id, "student_type"] == "local":
            return applicant_id
    raise AssertionError("test setup: the cohort should leave local readmission applicants on the waitlist")


def test_no_change_reproduces_the_stored_card_and_is_recorded(bundle):
    stored = pd.read_csv(bundle / "scores.csv", dtype=str, keep_default_na=False)
    applicant = stored.loc[stored["track"] == "readmission", "applicant_id"].iloc[0]
    outputs = {p.name: p.read_bytes() for p in bundle.iterdir() if p.suffix == ".csv"}
    assert appeal(bundle, applicant) == EXIT_OK
    record = records(bundle)[-1]
    assert record["old"] == record["new"]
    row = stored.set_index("applicant_id").loc[applicant]
    assert record["new"]["card"]["total_points"] == int(row["total_points"])
    assert record["by"] == "HAC secretary" and record["reason"] == "documents received"
    assert {p.name: p.read_bytes() for p in bundle.iterdir() if p.suffix == ".csv"} == outputs  # results untouched


def test_an_upheld_appeal_raises_the_card_moves_up_and_may_clear_the_cutoff(bundle, capsys):
    applicant = waitlisted_local(bundle)
    capsys.readouterr()
    assert appeal(bundle, applicant, "--set", "volunteer_hours=120", "--set", "llc_role=coordinator",
                  "--set", "household_size=12", "--add-achievement", "international,1,2024-11-02,true",
                  "--add-post", "Student Union,chair") == EXIT_OK
    record = records(bundle)[-1]
    old, new = record["old"]["card"], record["new"]["card"]
    assert (new["volunteer_points"], new["llc_points"], new["leadership_points"]) == (8, 8, 22)
    assert new["achievement_points"] == min(old["achievement_points"] + 10, 14)
    assert new["floor_area_points"] >= old["floor_area_points"]
    assert new["total_points"] > old["total_points"]
    assert record["new"]["position"]["rank_in_pool"] < record["old"]["position"]["rank_in_pool"]
    assert record["clears_cutoff"] is True
    assert record["changes"]["household_size"] == "(changed)"  # household data never recorded
    out = capsys.readouterr().out
    assert "clears this round's cut-off" in out and "<-" in out


def test_a_bad_change_is_refused_naming_the_column_and_fix(bundle, capsys):
    stored = pd.read_csv(bundle / "scores.csv", dtype=str)
    applicant = stored["applicant_id"].iloc[0]
    before = (bundle / "appeals.jsonl").read_text() if (bundle / "appeals.jsonl").exists() else ""
    assert appeal(bundle, applicant, "--set", "volunteer_hours=-5") == EXIT_ERROR
    assert "--set volunteer_hours: out of range: must be at least 0" in capsys.readouterr().err
    assert appeal(bundle, applicant, "--set", "shoe_size=44") == EXIT_ERROR
    assert "not columns an appeal can change" in capsys.readouterr().err
    assert appeal(bundle, "00000000X") == EXIT_ERROR
    assert "has no valid application" in capsys.readouterr().err
    after = (bundle / "appeals.jsonl").read_text() if (bundle / "appeals.jsonl").exists() else ""
    assert after == before  # refused appeals record nothing


def test_appeals_do_not_disturb_verify(bundle, capsys):
    capsys.readouterr()
    assert main(["verify", str(bundle)]) == EXIT_OK


def test_an_appeal_may_add_a_scholarship_with_its_kind_and_a_bad_kind_is_named(bundle, capsys):
    """achievements.csv's ``kind`` (io-contract: competition / scholarship / award; a scholarship has no prize)."""
    applicant = waitlisted_local(bundle)
    capsys.readouterr()
    assert appeal(bundle, applicant, "--add-achievement", "polyu,,2024-11-02,true,scholarship") == EXIT_OK
    record = records(bundle)[-1]
    assert record["achievements_added"] == [{"level": "polyu", "prize": "", "award_date": "2024-11-02",
                                             "verified": "true", "kind": "scholarship"}]
    assert record["new"]["card"]["achievement_points"] >= record["old"]["card"]["achievement_points"]
    capsys.readouterr()
    assert appeal(bundle, applicant, "--add-achievement", "polyu,,2024-11-02,true,bursary") == EXIT_ERROR
    assert "kind" in capsys.readouterr().err
    assert appeal(bundle, applicant, "--add-achievement", "polyu,1,2024-11-02,true,award,extra") == EXIT_ERROR
    assert "expected 4 to 5 comma-separated fields" in capsys.readouterr().err
