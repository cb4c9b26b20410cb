"""``psm score`` end to end: files in, scores.csv and rejects.csv out, a summary, an exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from builders import application, write_rows
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED
from cli.main import main
from psm.scoring import SCORE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
CONTRACT_COLUMNS = [
    "applicant_id", "track", "district_points", "housing_type_points", "floor_area_points", "leadership_points",
    "achievement_points", "llc_points", "volunteer_points", "pairing_points", "academic_points", "total_points",
    "ineligible_reason",
]


def score_sample(out: Path) -> int:
    return main([
        "score",
        "--applications", str(SAMPLE / "applications.csv"),
        "--office-bearers", str(SAMPLE / "office_bearers.csv"),
        "--achievements", str(SAMPLE / "achievements.csv"),
        "--out", str(out / "scores.csv"),
    ])


def test_sample_cohort_scores_every_applicant(tmp_path, capsys, policy):
    assert score_sample(tmp_path) == EXIT_OK
    scores = pd.read_csv(tmp_path / "scores.csv", dtype={"applicant_id": str})
    applications = pd.read_csv(SAMPLE / "applications.csv", dtype=str)
    assert list(scores.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert list(scores["applicant_id"]) == list(applications["applicant_id"])  # every row, input order
    assert set(scores["policy_sha256"]) == {policy.sha256}
    local = scores["track"].isin(["first_time", "readmission"]) & (applications["student_type"] == "local")
    assert scores.loc[local, "travel_source"].isin(["override", "table"]).all()
    assert scores.loc[local, "travel_minutes"].notna().all()
    rejects = pd.read_csv(tmp_path / "rejects.csv")
    assert rejects.empty and list(rejects.columns[:5]) == ["row", "applicant_id", "column", "value", "error"]
    out = capsys.readouterr().out
    assert f"policy 2025-26 (sha256 {policy.sha256[:12]})" in out
    assert "applications.csv" in out and "6,000 used" in out


def test_same_inputs_give_byte_identical_outputs(tmp_path):
    score_sample(tmp_path / "a")
    score_sample(tmp_path / "b")
    for name in ("scores.csv", "rejects.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_rejected_rows_finish_the_valid_ones_then_exit_3(tmp_path, capsys):
    apps = write_rows(tmp_path / "applications.csv", [
        application(applicant_id="24000001A", home_address="Flat 9, Secret Court"),
        application(applicant_id="24000002B", household_size="0", home_address="Flat 1, Hidden Mansion"),
    ])
    status = main(["score", "--applications", str(apps), "--out", str(tmp_path / "out" / "scores.csv"),
                   "--rejects", str(tmp_path / "problems.csv")])
    assert status == EXIT_REJECTED
    assert list(pd.read_csv(tmp_path / "out" / "scores.csv")["applicant_id"]) == ["24000001A"]
    rejects = pd.read_csv(tmp_path / "problems.csv", dtype=str)
    assert rejects[["row", "applicant_id", "column", "value"]].values.tolist() == [["3", "24000002B", "household_size", "(personal data)"]]
    out = capsys.readouterr().out
    assert "1 rows rejected (exit status 3)" in out
    assert "Secret Court" not in out and "Hidden Mansion" not in out  # no addresses on the terminal


def test_bad_policy_stops_with_exit_1_and_the_reason(tmp_path, capsys):
    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\nversion = 1\n")
    status = main(["score", "--applications", str(SAMPLE / "applications.csv"), "--policy", str(policy),
                   "--out", str(tmp_path / "scores.csv")])
    assert status == EXIT_ERROR
    err = capsys.readouterr().err
    assert "psm score: error:" in err and str(policy) in err and "settings: required key is missing" in err
    assert not (tmp_path / "scores.csv").exists()


def test_unknown_round_is_refused(tmp_path, capsys):
    status = main(["score", "--applications", str(SAMPLE / "applications.csv"), "--round", "winter",
                   "--out", str(tmp_path / "scores.csv")])
    assert status == EXIT_ERROR
    assert "round 'winter' is not in the policy" in (err := capsys.readouterr().err) and "use one of ['regular', 'summer']" in err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--out", "x.csv"])
    assert exit_.value.code == 2


def test_console_script_runs_as_a_process(tmp_path):
    apps = write_rows(tmp_path / "applications.csv", [application()])
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "score", "--applications", str(apps), "--out", str(tmp_path / "s.csv")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert "1 used" in done.stdout


def test_sample_command_regenerates_the_bundled_sample_byte_for_byte(tmp_path):
    assert main(["sample", "--n", "6000", "--seed", "2025", "--out", str(tmp_path)]) == EXIT_OK
    for name in ("applications.csv", "office_bearers.csv", "achievements.csv"):
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_rank_writes_the_contract_ranking_and_the_lottery_record(tmp_path, capsys, policy):
    out = tmp_path / "ranking.csv"
    status = main(["rank", "--applications", str(SAMPLE / "applications.csv"),
                   "--office-bearers", str(SAMPLE / "office_bearers.csv"),
                   "--achievements", str(SAMPLE / "achievements.csv"), "--seed", "HAC-2025-26", "--out", str(out)])
    assert status == EXIT_OK
    ranking = pd.read_csv(out, dtype={"applicant_id": str, "lottery_key": str})
    assert list(ranking.columns[:8]) == ["applicant_id", "pool", "tier", "rank", "score", "lottery_key", "status", "reason"]
    assert len(ranking) == 6000 and set(ranking["status"]) == {"ranked", "ineligible", "disqualified", "referred"}
    assert ranking["lottery_key"].str.fullmatch(r"[0-9a-f]{64}").all()
    record = json.loads((tmp_path / "lottery.json").read_text())
    assert record["seed"] == "HAC-2025-26" and record["ranked_applicants"] == (ranking["status"] == "ranked").sum()
    from psm.lottery import commitment

    assert record["ranked_ids_sha256"] == commitment(ranking.loc[ranking["status"] == "ranked", "applicant_id"])
    out_text = capsys.readouterr().out
    assert "undergraduate:" in out_text and "first_time" in out_text and "spilled in" in out_text


def test_lottery_prints_every_key_in_draw_order(tmp_path, capsys):
    ids = tmp_path / "ids.csv"
    ids.write_text("applicant_id\n23012345D\n24000001A\n")
    assert main(["lottery", "--seed", "abc", "--applications", str(ids)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# key = SHA-256") and "ids_sha256 459adc7c9da7cf8f" in lines[0]
    assert lines[1:] == [
        "position,applicant_id,lottery_key",
        "1,24000001A,35eddf5e44446a12d6dacbc96a86e163b146b592e2108baf597f929006b756e4",
        "2,23012345D,8f5ee7044958a96ffa787321d79fe236f89c97b0a5aed9a04edb0e20b91fc8a5",
    ]
