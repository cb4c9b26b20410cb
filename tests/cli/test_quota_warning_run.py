"""Pool quotas the rooms do not match, end to end (policy section 7; ``shared/spec/policy.md``:
a quota is a cap, compared with the rooms before admitting): ``psm run`` prints one warning line
per such pool, and the manifest and report.html carry the same lines."""

from __future__ import annotations

import html
import json

import pandas as pd

from builders import capped_policy, run_folder
from synthetic import generate_cohort, write_cohort

from cli.exits import EXIT_OK
from cli.main import main
from psm.policy import load_policy


def test_a_quota_below_the_rooms_and_one_above_them_reach_the_summary_manifest_and_report(tmp_path, capsys):
    write_cohort(generate_cohort(n=1000, seed=5), tmp_path / "in")
    policy = capped_policy(tmp_path / "policy.toml", undergraduate=150, exchange=9000)
    out = tmp_path / "run"
    assert run_folder(tmp_path / "in", out, "quota-warnings", policy=policy) == EXIT_OK
    printed = capsys.readouterr().out

    warnings = {w["pool"]: w for w in json.loads((out / "manifest.json").read_text())["quota_warnings"]}
    below, above = warnings["undergraduate"], warnings["exchange"]
    assert (below["quota"], above["quota"]) == (150, 9000)
    assert below["empty_beds"] == min(below["beds"], below["applicants"]) - 150 > 0
    assert above["beds"] < 9000 and above["empty_beds"] == 0
    assert "leaves" in below["message"] and "at most" in above["message"]

    report = (out / "report.html").read_text(encoding="utf-8")
    for warning in (below, above):
        assert warning["message"] in printed
        assert html.escape(warning["message"]) in report or warning["message"] in report
    ranking = pd.read_csv(out / "ranking.csv", dtype=str, keep_default_na=False)
    ranked = ranking[ranking["status"].isin(["offered", "waitlisted"])]["pool"].value_counts()
    offered = ranking[ranking["status"] == "offered"]["pool"].value_counts()
    assert tuple(load_policy(policy).spill_over.order) == ("exchange",)  # unused exchange beds go to undergraduates
    spilled = above["beds"] - ranked["exchange"]  # only beds that exist spill, not 9,000 - ranked
    assert offered["undergraduate"] == 150 + spilled < ranked["undergraduate"]
    assert main(["verify", str(out)]) == EXIT_OK
