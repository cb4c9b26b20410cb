"""A bundle is built upon only while it matches its manifest; ``psm show`` reads a card without
recording anything; seeds and rejects.csv as the integrity rules say.

Regressions: an edit of ``inputs/applications.csv`` (an applicant's ``exceptional_needs`` set to
true) was carried into the next offer round and laundered by its manifest; ``psm appeal`` went
on over edited rows; a seed with a trailing space was silently another draw; rejects.csv held an
address typed in the district column, readable by anyone.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import stat
from pathlib import Path

import pytest

from builders import application, run_folder, write_rows
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED, EXIT_VERIFY_FAILED
from cli.main import main
from synthetic import generate_cohort, write_cohort

KEY = "integrity-test-key-0123456789"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A small run: 600 applicants against the bundled inventory (everyone ranked is offered)."""
    folder = tmp_path_factory.mktemp("integrity")
    write_cohort(generate_cohort(n=600, seed=5), folder / "in")
    out = folder / "run"
    assert run_folder(folder / "in", out, "integrity-test") in (EXIT_OK, EXIT_REJECTED)
    return out


@pytest.fixture
def copy(bundle, tmp_path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(bundle, target)
    return target


def offered_ids(run: Path) -> list[str]:
    with (run / "ranking.csv").open(encoding="utf-8") as handle:
        return [row["applicant_id"] for row in csv.DictReader(handle) if row["status"] == "offered"]


def dependent_commands(run: Path, tmp_path: Path) -> dict[str, list[str]]:
    """Every command that builds on a bundle, with arguments that would otherwise succeed."""
    offered = offered_ids(run)
    responses = write_rows(tmp_path / "responses.csv", [{"applicant_id": a, "response": "accepted"} for a in offered])
    return {
        "offers": ["offers", str(run), "--responses", str(responses), "--out", str(tmp_path / "next")],
        "appeal": ["appeal", str(run), "--applicant", offered[0], "--by", "t", "--reason", "t"],
        "show": ["show", str(run), "--applicant", offered[0]],
        "redact": ["redact", str(run), "--out", str(tmp_path / "shared")],
        "letters": ["letters", str(run), "--out", str(tmp_path / "letters")],
        "publish": ["publish", str(run), "--out", str(tmp_path / "published")],
    }


def test_an_edited_input_is_refused_by_every_command_that_builds_on_the_bundle(copy, tmp_path, monkeypatch,
                                                                               capsys):
    monkeypatch.setenv("PSM_REDACT_KEY", KEY)
    commands = dependent_commands(copy, tmp_path)
    path = copy / "inputs" / "applications.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows[3]["exceptional_needs"] = "true"
    write_rows(path, rows)
    for name, args in commands.items():
        capsys.readouterr()
        assert main(args) == EXIT_VERIFY_FAILED, name
        err = capsys.readouterr().err
        assert "inputs/applications.csv" in err and "psm verify" in err, (name, err)
    assert not any((tmp_path / name).exists() for name in ("next", "shared", "letters", "published"))
    assert not (copy / "appeals.jsonl").exists()


@pytest.mark.parametrize("example", range(6))
def test_one_changed_byte_anywhere_is_refused(copy, tmp_path, monkeypatch, capsys, example):
    """Fuzz: one random byte of one random file the manifest records, changed."""
    monkeypatch.setenv("PSM_REDACT_KEY", KEY)
    commands = dependent_commands(copy, tmp_path)
    draw = random.Random(example)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    files = sorted([*manifest["outputs"], *(e["file"] for e in manifest["inputs"].values())])
    target = copy / draw.choice(files)
    data = bytearray(target.read_bytes())
    at = draw.randrange(len(data))
    data[at] = (data[at] + draw.randrange(1, 256)) % 256
    target.write_bytes(bytes(data))
    for name, args in commands.items():
        assert main(args) == EXIT_VERIFY_FAILED, (name, target.name)
    assert target.relative_to(copy).as_posix() in capsys.readouterr().err


def test_show_prints_the_card_and_records_nothing(bundle, capsys):
    before = sorted(p.relative_to(bundle) for p in bundle.rglob("*"))
    applicant = offered_ids(bundle)[0]
    assert main(["show", str(bundle), "--applicant", applicant.lower(), "--json"]) == EXIT_OK
    card = json.loads(capsys.readouterr().out)
    assert card["applicant_id"] == applicant and card["status"] == "offered" and card["room_id"]
    with (bundle / "scores.csv").open(encoding="utf-8") as handle:
        stored = next(row for row in csv.DictReader(handle) if row["applicant_id"] == applicant)
    assert card["total_points"] == (int(stored["total_points"]) if stored["total_points"] else None)
    for part in card["parts"]:
        assert part["points"] == int(stored[f"{part['part']}_points"])
    assert sorted(p.relative_to(bundle) for p in bundle.rglob("*")) == before  # nothing written


def test_an_appeal_with_no_waitlist_says_so_in_words(copy, capsys):
    applicant = offered_ids(copy)[0]
    assert main(["appeal", str(copy), "--applicant", applicant, "--by", "t", "--reason", "t"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "no waitlist for the pool and gender" in out and "the new position no waitlist" not in out


def test_a_seed_with_surrounding_spaces_is_refused(bundle, tmp_path, capsys):
    cohort = bundle / "inputs"
    args = ["run", "--applications", str(cohort / "applications.csv"), "--seed", "integrity-test ",
            "--out", str(tmp_path / "run")]
    assert main(args) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "white space" in err and "--seed 'integrity-test'" in err
    assert not (tmp_path / "run").exists()


def test_rejects_withhold_personal_values_and_are_owner_only(tmp_path):
    rows = [application(applicant_id="24000001A", district="12 Shatin Road, flat 3"),
            application(applicant_id="24000002A", disciplinary="expelled"),
            application(applicant_id="24000003A", gender="X")]
    path = write_rows(tmp_path / "applications.csv", rows)
    assert main(["score", "--applications", str(path), "--out", str(tmp_path / "scores.csv")]) == EXIT_REJECTED
    rejects = tmp_path / "rejects.csv"
    text = rejects.read_text(encoding="utf-8")
    assert "Shatin Road" not in text and "expelled" not in text
    listed = {row["column"]: row for row in csv.DictReader(text.splitlines())}
    assert listed["district"]["value"] == listed["disciplinary"]["value"] == "(personal data)"
    assert listed["gender"]["value"] == "X"  # not personal: kept, so the officer sees what to fix
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600


def test_a_bad_responses_file_is_named_as_the_officer_gave_it(bundle, tmp_path, capsys):
    """Regression: problems in the responses named the copy in the new bundle's scratch folder."""
    offered = offered_ids(bundle)
    path = write_rows(tmp_path / "my responses.csv",
                      [{"applicant_id": a, "response": "yes please" if i == 0 else "accepted"}
                       for i, a in enumerate(offered)])
    assert main(["offers", str(bundle), "--responses", str(path), "--out", str(tmp_path / "next")]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert str(path) in err and ".partial-" not in err and "row 2, response = 'yes please'" in err
    assert not (tmp_path / "next").exists()


def test_ids_match_whatever_their_case_in_responses_and_appeals(copy, tmp_path, capsys):
    offered = offered_ids(copy)
    path = write_rows(tmp_path / "responses.csv", [{"applicant_id": a.lower(), "response": "accepted"}
                                                   for a in offered])
    assert main(["appeal", str(copy), "--applicant", offered[0].lower(), "--by", "t", "--reason", "t"]) == EXIT_OK
    assert json.loads((copy / "appeals.jsonl").read_text().splitlines()[-1])["applicant_id"] == offered[0]
    assert main(["offers", str(copy), "--responses", str(path), "--out", str(tmp_path / "next")]) == EXIT_OK
    with (tmp_path / "next" / "ranking.csv").open(encoding="utf-8") as handle:
        statuses = {row["applicant_id"]: row["status"] for row in csv.DictReader(handle)}
    assert all(statuses[a] == "accepted" for a in offered)
