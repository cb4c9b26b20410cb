"""Run bundles (``psm run``) and ``psm verify``: self-sufficient, atomic, reproducible, private."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cli.commands
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_VERIFY_FAILED
from cli.main import main
from psm.errors import PsmError
from psm.synthetic import generate_cohort, write_cohort


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(generate_cohort(n=700, seed=11), folder)
    return folder


def run(cohort: Path, out: Path) -> int:
    return main(["run", "--applications", str(cohort / "applications.csv"),
                 "--office-bearers", str(cohort / "office_bearers.csv"),
                 "--achievements", str(cohort / "achievements.csv"), "--seed", "bundle-test", "--out", str(out)])


@pytest.fixture(scope="module")
def bundle(cohort, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "one"
    assert run(cohort, out) == EXIT_OK
    return out


def test_the_bundle_holds_inputs_results_manifest_log_and_report(bundle):
    names = {p.name for p in bundle.iterdir()}
    assert names == {"inputs", "manifest.json", "run.log", "report.html", "scores.csv", "rejects.csv",
                     "ranking.csv", "lottery.json", "assignments.csv", "unmatched_roommates.csv"}
    assert {p.name for p in (bundle / "inputs").iterdir()} == {
        "applications.csv", "office_bearers.csv", "achievements.csv", "rooms.csv", "policy.toml",
        "district_minutes.csv", "area_minutes.csv"}
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["seed"] == "bundle-test" and manifest["policy"]["version"] == "2025-26"
    assert {"ortools", "pandas", "python"} <= set(manifest["packages"])
    assert manifest["solver"]["num_workers"] == 1 and "objectives" in manifest["solver"]
    assert set(manifest["timings"]) >= {"scoring", "admission", "placement"}
    assert manifest["counts"]["applicants"] == 700
    assert manifest["inputs"]["applications"]["rows"] == 700


def test_no_personal_data_in_manifest_log_or_report(bundle, cohort):
    apps = pd.read_csv(cohort / "applications.csv", dtype=str, keep_default_na=False)
    addresses = [a for a in apps["home_address"] if a][:50]
    assert addresses
    for name in ("manifest.json", "run.log", "report.html"):
        text = (bundle / name).read_text()
        assert not any(address in text for address in addresses), name
        assert "disqualify" not in text and "lower_priority" not in text, name


def test_a_rerun_gives_byte_identical_results_and_verify_passes(bundle, cohort, tmp_path, capsys):
    again = tmp_path / "two"
    assert run(cohort, again) == EXIT_OK
    manifest = json.loads((bundle / "manifest.json").read_text())
    for name in manifest["outputs"]:
        assert (bundle / name).read_bytes() == (again / name).read_bytes(), name
    capsys.readouterr()
    assert main(["verify", str(bundle)]) == EXIT_OK
    assert "every output reproduces" in capsys.readouterr().out


def test_verify_fails_naming_an_altered_output(bundle, tmp_path, capsys):
    import shutil

    copy = tmp_path / "altered"
    shutil.copytree(bundle, copy)
    assignments = copy / "assignments.csv"
    lines = assignments.read_text().splitlines()
    first, second = lines[1].split(","), lines[2].split(",")
    first[4], second[4] = second[4], first[4]  # two residents swap rooms
    assignments.write_text("\n".join([lines[0], ",".join(first), ",".join(second), *lines[3:]]) + "\n")
    capsys.readouterr()
    assert main(["verify", str(copy)]) == EXIT_VERIFY_FAILED
    out = capsys.readouterr().out
    assert "assignments.csv            DIFFERS" in out and "ranking.csv                reproduces" in out


def test_verify_names_a_deleted_output_without_a_traceback(bundle, tmp_path, capsys):
    import shutil

    copy = tmp_path / "deleted"
    shutil.copytree(bundle, copy)
    (copy / "unmatched_roommates.csv").unlink()
    capsys.readouterr()
    assert main(["verify", str(copy)]) == EXIT_VERIFY_FAILED
    assert "unmatched_roommates.csv    DIFFERS: missing from the bundle" in capsys.readouterr().out


def test_an_existing_bundle_is_never_overwritten(bundle, cohort, capsys):
    before = (bundle / "manifest.json").read_bytes()
    assert run(cohort, bundle) == EXIT_ERROR
    assert "never overwritten" in capsys.readouterr().err
    assert (bundle / "manifest.json").read_bytes() == before


def test_an_interrupted_run_leaves_nothing_that_looks_like_a_bundle(cohort, tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise PsmError("the machine was switched off")

    monkeypatch.setattr(cli.commands, "summarise", broken)  # fails after the results are written
    out = tmp_path / "interrupted"
    assert run(cohort, out) == EXIT_ERROR
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # and no partial folder is left behind


def test_inputs_named_alike_keep_their_own_counts(cohort, tmp_path):
    import shutil

    for folder, name in (("a", "applications.csv"), ("b", "achievements.csv")):
        (tmp_path / folder).mkdir()
        shutil.copyfile(cohort / name, tmp_path / folder / "data.csv")
    out = tmp_path / "run"
    assert main(["run", "--applications", str(tmp_path / "a" / "data.csv"),
                 "--achievements", str(tmp_path / "b" / "data.csv"), "--seed", "s", "--out", str(out)]) == EXIT_OK
    inputs = json.loads((out / "manifest.json").read_text())["inputs"]
    achievements = pd.read_csv(cohort / "achievements.csv")
    assert inputs["applications"]["rows"] == 700
    assert inputs["achievements"]["rows"] == len(achievements)
