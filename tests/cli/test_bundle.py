"""Run bundles (``psm run``) and ``psm verify``: self-sufficient, atomic, reproducible, private."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

import hac.bundle
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED, EXIT_VERIFY_FAILED
from cli.main import main
from builders import capped_policy, run_folder
from psm.errors import PsmError
from synthetic import generate_cohort, write_cohort


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cohort")
    write_cohort(generate_cohort(n=700, seed=11), folder)
    return folder


def run(cohort: Path, out: Path) -> int:
    return run_folder(cohort, out, "bundle-test")


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
    assert {"ortools", "pandas", "pyarrow", "python"} <= set(manifest["packages"])
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

    monkeypatch.setattr(hac.bundle, "write_log", broken)  # fails after the results are written
    out = tmp_path / "interrupted"
    assert run(cohort, out) == EXIT_ERROR
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # and no partial folder is left behind


def test_a_signal_whose_exception_was_lost_still_keeps_the_bundle_out(tmp_path, monkeypatch):
    # A signal's exception raised inside a destructor is ignored by Python; the signal is still
    # recorded (psm.interrupt), and the bundle is not put in place.
    import psm.interrupt

    monkeypatch.setattr(psm.interrupt, "_received", [2])  # SIGINT, its exception lost
    out = tmp_path / "run"
    with pytest.raises(psm.interrupt.Interrupted), hac.bundle.building(out) as folder:
        (folder / "manifest.json").write_text("{}")
    assert list(tmp_path.iterdir()) == []


def test_a_partial_folder_left_by_a_killed_run_is_removed_by_the_next_run(cohort, tmp_path):
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id no longer running
    left = tmp_path / f".run.partial-{gone.pid}" / "inputs"
    left.mkdir(parents=True)
    (left / "applications.csv").write_text("personal data")
    alive = tmp_path / ".run.partial-1"  # process 1 runs: perhaps a run still going, kept
    alive.mkdir()
    assert run(cohort, tmp_path / "run") == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run", alive.name])


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


def test_regression_verify_reads_inputs_under_the_names_rejects_csv_quotes(cohort, tmp_path, capsys):
    """Found by review: rejects.csv names the file as given ("data.csv"), the bundle keeps it as
    inputs/applications.csv, so a bundle with a rejected row failed psm verify on rejects.csv."""
    applications = pd.read_csv(cohort / "applications.csv", dtype=str, keep_default_na=False)
    applications.loc[0, "gender"] = "X"  # one rejected row
    applications.to_csv(tmp_path / "data.csv", index=False)
    out = tmp_path / "run"
    assert main(["run", "--applications", str(tmp_path / "data.csv"), "--seed", "s", "--out", str(out)]) == EXIT_REJECTED
    assert "data.csv" in (out / "rejects.csv").read_text()
    capsys.readouterr()
    assert main(["verify", str(out)]) == EXIT_OK, capsys.readouterr().out


# -- personal data: permissions, an offer round's bundle, appeals.jsonl, shared copies across rounds --

APPEALED_ADDRESS = "Flat 99Z, Appeal Canary Court, 1 Sentinel Road, Tai Po"
APPEALED = {"home_address": APPEALED_ADDRESS, "household_size": "11", "home_floor_area_sqm": "23.45",
            "housing_type": "improvised", "disciplinary": "lower_priority"}


def owner_only(path: Path, mode: int) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == mode


def test_the_inputs_of_a_bundle_are_readable_by_their_owner_only(bundle):
    assert owner_only(bundle / "inputs", 0o700)
    assert all(owner_only(p, 0o600) for p in (bundle / "inputs").iterdir())
    assert owner_only(bundle / "report.html", 0o666 & ~current_umask())  # results are left as they were


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.fixture(scope="module")
def rounds(tmp_path_factory) -> tuple[Path, Path, Path, str]:
    """Round one (400 applicants for 230 undergraduate beds: a waitlist), an upheld appeal changing
    every private column of a waitlisted applicant, 70% acceptances, and round two."""
    folder = tmp_path_factory.mktemp("rounds")
    write_cohort(generate_cohort(n=400, seed=29), folder / "in")
    policy = capped_policy(folder / "policy.toml", undergraduate=230)
    first, second = folder / "round1", folder / "round2"
    assert run_folder(folder / "in", first, "rounds-test", policy=policy) == EXIT_OK
    ranking = pd.read_csv(first / "ranking.csv", dtype=str, keep_default_na=False)
    apps = pd.read_csv(first / "inputs" / "applications.csv", dtype=str, keep_default_na=False)
    local = set(apps.loc[apps["student_type"] == "local", "applicant_id"])
    appellant = next(a for a in ranking.loc[ranking["status"] == "waitlisted", "applicant_id"] if a in local)
    changes = [item for column, value in APPEALED.items() for item in ("--set", f"{column}={value}")]
    assert main(["appeal", str(first), "--applicant", appellant, *changes, "--by", "HAC secretary",
                 "--reason", "documents received", "--uphold"]) == EXIT_OK
    responses = folder / "responses.csv"
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    pd.DataFrame({"applicant_id": offered,
                  "response": ["declined" if int(hashlib.sha256(a.encode()).hexdigest(), 16) % 10 < 3 else "accepted"
                               for a in offered]}).to_csv(responses, index=False)
    assert main(["offers", str(first), "--responses", str(responses), "--out", str(second)]) == EXIT_OK
    return first, second, folder, appellant


def personal_values(folder: Path) -> list[str]:
    """Addresses of the cohort and the appeal's values: none may reach a log, report or manifest."""
    apps = pd.read_csv(folder / "in" / "applications.csv", dtype=str, keep_default_na=False)
    return [a for a in apps["home_address"] if a] + [APPEALED_ADDRESS, "Appeal Canary", "23.45", "improvised",
                                                     "disqualify", "lower_priority"]


def test_no_personal_data_in_an_offer_rounds_manifest_log_or_report(rounds):
    first, second, folder, appellant = rounds
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["offer_round"] == 2 and manifest["counts"]["upheld_appeals_applied"] == 1
    assert APPEALED_ADDRESS in (second / "inputs" / "applications.csv").read_text()  # the setup: it is in inputs/
    forbidden = personal_values(folder)
    for name in ("manifest.json", "run.log", "report.html"):
        text = (second / name).read_text()
        found = [value for value in forbidden if value in text]
        assert not found, (name, found[:3])
    assert owner_only(second / "inputs", 0o700)
    assert all(owner_only(p, 0o600) for p in (second / "inputs").iterdir())


def test_appeals_jsonl_records_private_columns_only_as_changed(rounds):
    first, _, folder, appellant = rounds
    text = (first / "appeals.jsonl").read_text()
    record = json.loads(text.splitlines()[-1])
    assert record["applicant_id"] == appellant
    assert record["changes"] == {column: "(changed)" for column in APPEALED}
    found = [value for value in personal_values(folder) if value in text]
    assert not found, found[:3]
    amendments = first / "appeals" / "amendments.jsonl"
    assert APPEALED_ADDRESS in amendments.read_text() and owner_only(amendments, 0o600)


def test_a_district_changed_on_appeal_is_recorded_only_as_changed(rounds, tmp_path):
    import shutil

    first, _, _, appellant = rounds
    copy = tmp_path / "round1"
    shutil.copytree(first, copy)
    assert main(["appeal", str(copy), "--applicant", appellant, "--set", "district=Islands",
                 "--by", "HAC secretary", "--reason", "moved"]) == EXIT_OK
    assert json.loads((copy / "appeals.jsonl").read_text().splitlines()[-1])["changes"] == {"district": "(changed)"}


def test_shared_copies_of_two_rounds_follow_each_applicant_by_the_same_pseudonym(rounds, tmp_path, monkeypatch):
    first, second, _, _ = rounds
    monkeypatch.setenv("PSM_REDACT_KEY", "rounds-key-0123456789abcdef")
    for bundle_dir, name in ((first, "one"), (second, "two")):
        assert main(["redact", str(bundle_dir), "--out", str(tmp_path / name)]) == EXIT_OK
    before = pd.read_csv(tmp_path / "one" / "assignments.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(tmp_path / "two" / "assignments.csv", dtype=str, keep_default_na=False)
    kept = after[after["round"] == "1"]
    assert len(kept) and set(zip(kept["applicant_id"], kept["room_id"])) <= set(zip(before["applicant_id"],
                                                                                     before["room_id"]))
    original = pd.read_csv(second / "ranking.csv", dtype=str, keep_default_na=False)
    shared = pd.read_csv(tmp_path / "two" / "ranking.csv", dtype=str, keep_default_na=False)
    assert shared["status"].tolist() == original["status"].tolist()
    for text in ((tmp_path / "two" / "manifest.json").read_text(), (tmp_path / "two" / "report.html").read_text()):
        assert str(first) not in text  # the parent bundle's folder is not named
    assert json.loads((tmp_path / "two" / "manifest.json").read_text())["parent"]["offer_round"] == 1


def test_verify_of_a_bundle_made_by_another_engine_version_names_both(bundle, tmp_path, capsys):
    """A later engine may place differently: a re-run that differs names the engine that made the
    bundle and the one verifying, so it is not taken for tampering (hac.verify)."""
    import hashlib
    import shutil

    from hac.bundle import ENGINE, package_versions

    copy = tmp_path / "older"
    shutil.copytree(bundle, copy)
    assignments = copy / "assignments.csv"
    lines = assignments.read_text().splitlines()
    first, second = lines[1].split(","), lines[2].split(",")
    first[4], second[4] = second[4], first[4]  # what an older engine might have placed
    assignments.write_text("\n".join([lines[0], ",".join(first), ",".join(second), *lines[3:]]) + "\n")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["packages"][ENGINE] = "0.0.1"
    manifest["outputs"]["assignments.csv"] = hashlib.sha256(assignments.read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    capsys.readouterr()
    assert main(["verify", str(copy)]) == EXIT_VERIFY_FAILED
    out = capsys.readouterr().out
    this = package_versions()[ENGINE]
    assert f"made by engine 0.0.1, verified with engine {this}" in out.splitlines()[0]
    assert "assignments.csv            DIFFERS: the re-run from the bundle's inputs gives different content " \
           f"(the bundle was made by engine 0.0.1, this is engine {this}" in out
    assert "ranking.csv                reproduces" in out
