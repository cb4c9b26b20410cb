"""``psm redact``: a shareable copy of a bundle, ids pseudonymised, no personal data.

One small run (500 synthetic applicants, three ordinary halls) with planted values: homes
whose address names an area (Cheung Chau, Tseung Kwan O; two areas at once), so that
travel notes name places; rows rejected for a household size, a floor area, a disciplinary
value and a district written as text, and for a cell in a column outside the contract; some
disciplinary decisions. None of these, no original id and no address may be anywhere in
the shared copy (every file's bytes are searched), nor the key.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED
from cli.main import main
from builders import capped_policy, run_folder
from hac.redact import KEY_ENV, pseudonym
from psm import domain
from synthetic import generate_cohort, write_cohort

KEY = "k3y-for-tests-Zq81vW0xL4mN7pRt"
OTHER_KEY = "another-key-9Hs2Dd7fKk3LmQ0wX"
ADDRESSES = {"Flat 7Q, Canary Mansion, 8 Sparrow Street, Cheung Chau": "Islands",
             "Block 2, Sentinel Plaza, Tseung Kwan O, Sai Kung": "Sai Kung",
             "House 3, Sentinel Lane, between Tai O and Mui Wo": "Islands"}
PLANTED = {"household_size": "CANARYHOUSEHOLD7", "home_floor_area_sqm": "9876.5x", "disciplinary": "CANARYDISC",
           "district": "Sentinel Town", "home_address": "Flat 1A, Rejected Canary Court, Sha Tin"}
OUTSIDE_COLUMN, OUTSIDE_VALUE = "notes_by_hall_tutor", "CANARYTUTORNOTE"
PSEUDONYM = re.compile(r"psn-[0-9a-f]{16}")
RESULTS = ("scores.csv", "ranking.csv", "assignments.csv", "unmatched_roommates.csv", "rejects.csv")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The bundle to share, with the planted values (see the module docstring)."""
    folder = tmp_path_factory.mktemp("redact")
    write_cohort(generate_cohort(n=500, seed=13), folder / "in")
    apps = pd.read_csv(folder / "in" / "applications.csv", dtype=str, keep_default_na=False)
    local = apps.index[(apps["student_type"] == "local") & (apps["funding"] == "ugc")
                       & (apps["study_mode"] == "full_time") & (apps["district"] != "")]
    for i, (address, district) in zip(local[:3], ADDRESSES.items()):
        apps.loc[i, ["home_address", "district", "travel_minutes"]] = [address, district, ""]
    for i, (column, value) in zip(local[3:8], PLANTED.items()):
        apps.loc[i, column] = value
        if column == "home_address":
            apps.loc[i, "household_size"] = "also bad"  # rejected, with its address in inputs/ only
    apps.loc[local[8:14], "disciplinary"] = "disqualify"
    apps.loc[local[14:20], "disciplinary"] = "lower_priority"
    apps[OUTSIDE_COLUMN] = ""
    apps.loc[local[20], OUTSIDE_COLUMN] = OUTSIDE_VALUE
    apps.to_csv(folder / "in" / "applications.csv", index=False)
    out = folder / "run"
    policy = capped_policy(folder / "policy.toml", undergraduate=760)
    assert run_folder(folder / "in", out, "redact-test", policy=policy) == EXIT_REJECTED
    return out


def redact(source: Path, out: Path, key: str | None) -> int:
    with pytest.MonkeyPatch.context() as mp:
        if key is None:
            mp.delenv(KEY_ENV, raising=False)
        else:
            mp.setenv(KEY_ENV, key)
        return main(["redact", str(source), "--out", str(out)])


@pytest.fixture(scope="module")
def shared(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("share") / "shared"
    assert redact(source, out, KEY) == EXIT_OK
    return out


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def test_the_setup_plants_what_must_not_leak(source):
    notes = read(source, "scores.csv")["travel_note"]
    assert any("Cheung Chau" in n for n in notes) and any("Tseung Kwan O" in n for n in notes)
    assert any("several areas" in n for n in notes)
    rejects = read(source, "rejects.csv")
    for column, value in PLANTED.items():  # rejected, with the personal value withheld even there
        if column != "home_address":
            assert column in set(rejects["column"]) and value not in set(rejects["value"]), column
    assert set(rejects.loc[rejects["column"].isin(PLANTED), "value"]) == {"(personal data)"}
    assert OUTSIDE_COLUMN in set(rejects["column"])
    assert {"disqualified"} <= set(read(source, "ranking.csv")["status"])


def test_the_shared_copy_holds_only_results_lottery_manifest_report_readme_and_minimal_inputs(shared):
    assert set(files_of(shared)) == {*RESULTS, "lottery.json", "manifest.json", "report.html", "README.txt",
                                     "inputs/applications.csv", "inputs/rooms.csv"}
    assert list(read(shared, "inputs/applications.csv").columns) == [
        "applicant_id", "gender", "student_type", "roommate_request", "hall_preferences", "room_type_preference", "college"]
    assert list(read(shared, "inputs/rooms.csv").columns) == ["room_id", "hall", "room_type", "beds", "college"]
    assert "pseudonymised, NOT anonymous" in (shared / "README.txt").read_text()


def test_no_original_id_address_place_household_or_disciplinary_value_anywhere(source, shared):
    apps = pd.read_csv(source / "inputs" / "applications.csv", dtype=str, keep_default_na=False)
    ids = {*apps["applicant_id"], *apps["roommate_request"]} - {""}
    addresses = set(apps["home_address"]) - {""}
    notes = [n for n in read(source, "scores.csv")["travel_note"] if n]
    places = {p for n in notes for found in re.findall(r"area estimate: (.+?) \((.+?)\)", n) for p in found}
    places |= {p for n in notes for found in re.findall(r"several areas \((.+?)\)", n) for p in found.split(", ")}
    assert {"Cheung Chau", "Islands", "Tseung Kwan O", "Sai Kung", "South Lantau", "Mui Wo"} <= places
    districts = set(apps["district"]) - {""}
    forbidden = {*ids, *addresses, *places, *districts, *PLANTED.values(), OUTSIDE_COLUMN, OUTSIDE_VALUE,
                 "Canary", "Sentinel", "Sparrow", "Tai O", "disqualify", "lower_priority", str(source.parent)}
    for name, data in files_of(shared).items():
        text = data.decode("utf-8")
        found = sorted(value for value in forbidden if value in text)
        assert not found, f"{name} holds {found[:5]}"
    shared_apps = read(shared, "inputs/applications.csv")
    assert set(shared_apps["gender"]) <= set(domain.GENDERS)
    assert set(read(shared, "rejects.csv")["value"]) == {""}


def test_every_id_is_a_pseudonym_and_rows_are_kept(source, shared):
    for name in RESULTS:
        before, after = read(source, name), read(shared, name)
        assert list(after.columns) == list(before.columns) and len(after) == len(before), name
        for column in ("applicant_id", "roommate_request"):
            if column in before:
                present = before[column] != ""
                assert (after[column] != "").equals(present), (name, column)
                assert after.loc[present, column].map(lambda v: bool(PSEUDONYM.fullmatch(v))).all(), (name, column)
                assert after.loc[present, column].tolist() == [pseudonym(KEY.encode(), v)
                                                                for v in before.loc[present, column]]
    ranking = read(shared, "ranking.csv")
    assert set(ranking["lottery_key"]) == {""}
    assert set(read(shared, "assignments.csv")["applicant_id"]) <= set(ranking["applicant_id"])
    scores = read(shared, "scores.csv")
    assert scores["applicant_id"].is_unique
    unchanged = [c for c in scores.columns if c not in ("applicant_id", "travel_note")]
    assert scores[unchanged].equals(read(source, "scores.csv")[unchanged])
    assert set(scores["travel_note"]) - {""} <= {"area estimate", "address names several areas; district figure used",
                                                       "address names no area the table knows; district figure used"}
    rejects = read(shared, "rejects.csv")
    assert set(rejects["file"]) == {"applications", "office_bearers", "achievements"}
    assert OUTSIDE_COLUMN not in set(rejects["column"]) and "(column not in the contract)" in set(rejects["column"])


def test_the_same_key_gives_the_same_copy_and_another_key_other_pseudonyms(source, shared, tmp_path):
    assert redact(source, tmp_path / "again", KEY) == EXIT_OK
    assert files_of(tmp_path / "again") == files_of(shared)
    assert redact(source, tmp_path / "other", OTHER_KEY) == EXIT_OK
    mine, theirs = read(shared, "ranking.csv"), read(tmp_path / "other", "ranking.csv")
    assert len(mine) == len(theirs) and not set(mine["applicant_id"]) & set(theirs["applicant_id"])
    assert mine.drop(columns="applicant_id").equals(theirs.drop(columns="applicant_id"))


def test_the_key_appears_nowhere(source, tmp_path, capsys):
    capsys.readouterr()
    assert redact(source, tmp_path / "s", KEY) == EXIT_OK
    printed = capsys.readouterr()
    assert KEY not in printed.out + printed.err
    for name, data in files_of(tmp_path / "s").items():
        assert KEY.encode() not in data and KEY[:12].encode() not in data, name


def test_the_manifest_keeps_counts_and_policy_but_no_file_name_or_hash_of_personal_data(source, shared):
    original = json.loads((source / "manifest.json").read_text())
    manifest = json.loads((shared / "manifest.json").read_text())
    assert manifest["counts"] == original["counts"] and manifest["policy"] == {
        "version": original["policy"]["version"], "sha256": original["policy"]["sha256"]}
    assert manifest["seed"] == "redact-test" and "lottery" not in manifest
    text = json.dumps(manifest)
    for role in ("applications", "office_bearers", "achievements"):
        assert original["inputs"][role]["sha256"] not in text
        assert manifest["inputs"][role]["rows"] == original["inputs"][role]["rows"]
    assert original["lottery"]["ranked_ids_sha256"] not in text
    assert original["lottery"]["ranked_ids_sha256"] not in (shared / "lottery.json").read_text()
    files = {name: data for name, data in files_of(shared).items() if name != "manifest.json"}
    import hashlib
    assert manifest["files"] == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


def test_the_report_is_rendered_from_the_shared_files(shared):
    page = (shared / "report.html").read_text()
    assert "Hall admission run" in page and "redact-test" in page
    assert "area estimate" in page and PSEUDONYM.search(page)


@pytest.mark.parametrize("key", [None, "", "fifteen-chars-x"])
def test_a_missing_or_short_key_is_a_clear_error_and_nothing_is_written(source, tmp_path, capsys, key):
    capsys.readouterr()
    assert redact(source, tmp_path / "s", key) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("psm redact: error: ") and KEY_ENV in err and "16 characters" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    if key:
        assert key not in err
    assert list(tmp_path.iterdir()) == []


def test_a_shared_copy_is_neither_verified_nor_redacted_again(shared, tmp_path, capsys):
    capsys.readouterr()
    assert main(["verify", str(shared)]) == EXIT_ERROR
    assert "shared copy (psm redact)" in capsys.readouterr().err
    assert redact(shared, tmp_path / "twice", KEY) == EXIT_ERROR
    assert "already a shared copy" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(source, shared, capsys):
    before = files_of(shared)
    assert redact(source, shared, KEY) == EXIT_ERROR
    assert "never overwritten" in capsys.readouterr().err
    assert files_of(shared) == before


def test_hall_wishes_outside_the_inventory_and_bad_codes_are_not_copied(source, tmp_path):
    """inputs/applications.csv keeps halls of the inventory and codes of the contract only."""
    copy = tmp_path / "bundle"
    shutil.copytree(source, copy)
    path = copy / "inputs" / "applications.csv"
    apps = pd.read_csv(path, dtype=str, keep_default_na=False)
    valid = set(read(source, "scores.csv")["applicant_id"])
    row = apps.index[apps["applicant_id"].isin(valid)][0]
    apps.loc[row, "hall_preferences"] = "Red Hall;Flat 9, Secret Canary House"
    apps.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    # a bundle from before the run checked wishes against the rooms: its manifest names this input
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"]["applications"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert redact(copy, tmp_path / "s", KEY) == EXIT_OK
    shared_apps = read(tmp_path / "s", "inputs/applications.csv")
    assert "Red Hall;(other hall)" in set(shared_apps["hall_preferences"])
    assert b"Secret Canary" not in b"".join(files_of(tmp_path / "s").values())
