"""``psm redact RUN_DIR --out SHARE_DIR``: a copy of a run bundle to share, ids pseudonymised.

A bundle holds personal data (``inputs/``: addresses, household and disciplinary columns;
``appeals.jsonl``). The shared copy holds only:

- the result CSVs (``scores.csv``, ``ranking.csv``, ``assignments.csv``,
  ``unmatched_roommates.csv``, ``rejects.csv``), row for row, with every ``applicant_id`` and
  ``roommate_request`` replaced by its pseudonym, ids inside free text too; ``travel_note``
  cut to its kind (no area or district: they locate a home, see :func:`hac.report.note_kind`);
  ``rejects.csv`` with ``value`` blank, quoted values in ``error`` withheld, ``file`` as the
  input's role and a column not in the contract as ``(column not in the contract)``;
  ``ranking.csv`` with ``lottery_key`` blank (it is SHA-256 of the seed and the *original* id,
  which a search over the student-number space would invert);
- ``lottery.json`` without the commitment (``ranked_ids_sha256`` is made from the original ids);
- ``inputs/applications.csv`` with only the columns the report reads (pseudonymised id,
  gender, student type, roommate request, hall and room-type wishes; codes and halls outside
  the contract or the inventory blanked), for valid rows; ``inputs/rooms.csv`` (room id, hall,
  room type, beds: no person);
- ``manifest.json``: a whitelist of the bundle's manifest (policy version and hash, seed,
  round, offer round, travel provider, counts, solver, packages, timings; per input its role
  and counts, no file name or path; SHA-256 only of inputs without personal data), plus
  ``shared_copy`` and the SHA-256 of every shared file; ``report.html`` rendered from these
  files; ``README.txt`` saying what it is.

Never copied: ``inputs/`` as kept, ``appeals.jsonl`` and ``appeals/``, ``run.log`` (it names
the input files as given), the parent bundle's path.

Pseudonym = ``psn-`` + the first 16 hex digits (64 bits) of HMAC-SHA256(key, applicant_id),
with the key from the environment variable ``PSM_REDACT_KEY`` (at least 16 characters; never
printed or stored). The same key gives the same pseudonyms in every bundle and offer round,
so rounds can be followed; a different key gives unrelated ones. 64 bits: for the ~10^5 ids
of ten years of cohorts, two ids share a pseudonym with probability about 3e-10 (and a
collision is refused, not written). Whoever holds the key can link a pseudonym back to an id
by computing it, so the copy is pseudonymised, not anonymous: still personal data.

The copy is written into a scratch folder and renamed into place when complete
(:func:`hac.bundle.building`); before that, every file is checked for the original ids and
the key, and the copy is refused if one is found.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hac.bundle import building, read_checked_manifest, sha256_of
from hac.pipeline import withhold_quoted, write_json
from hac.report import note_kind, write_report
from hac.stats import APPLICATION_COLUMNS, ROOM_COLUMNS
from psm import domain
from psm.errors import PsmError
from psm.io import AchievementRow, ApplicationRow, OfficeBearerRow, read_table
from psm.io.writers import safe_text

__all__ = ["KEY_ENV", "MIN_KEY_CHARS", "PREFIX", "DIGITS", "redact_key", "pseudonym", "Pseudonyms",
           "SharedCopy", "redact_bundle"]

KEY_ENV = "PSM_REDACT_KEY"
MIN_KEY_CHARS = 16
PREFIX = "psn-"
DIGITS = 16
SHARED_FORMAT = "shared copy (psm redact): not a run bundle; verify, appeal and offer rounds need the original"

RESULTS = ("scores.csv", "ranking.csv", "assignments.csv", "unmatched_roommates.csv", "rejects.csv")
ID_COLUMNS = ("applicant_id", "roommate_request")
#: Free text that may name an id (rows, reasons): ids in it are pseudonymised token by token.
TEXT_COLUMNS = ("reason", "error", "ineligible_reason")
WITHHELD = {"rejects.csv": ("value",), "ranking.csv": ("lottery_key",)}
#: Inputs without personal data: their SHA-256 stays in the manifest (provenance).
PUBLIC_INPUTS = ("policy", "rooms", "district_minutes", "area_minutes")
COUNT_KEYS = ("rows", "used", "rejected", "blank_rows")
MANIFEST_KEYS = ("command", "seed", "round", "offer_round", "counts", "solver", "packages", "timings")
LOTTERY_KEYS = ("seed", "formula", "ranked_applicants", "policy_version", "policy_sha256")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_BYTES_TOKEN = re.compile(rb"[A-Za-z0-9]+")
_CACHE_PATH = re.compile(r"cache .*? \(TTL")

README = """\
Shared copy of a hall admission run bundle, made by `psm redact`
=================================================================

What this is: the results of one run (or offer round) of the hall admission engine, for
people who need the allocation but not the applicants' personal data.

Pseudonyms: every applicant id (and roommate request) is replaced by
    psn- + the first 16 hex digits of HMAC-SHA256(key, applicant_id)
The HAC keeps the key (never in this folder). The same key gives the same pseudonym in every
shared copy, so one applicant can be followed from round to round; without the key a
pseudonym cannot be turned back into an id. This is pseudonymised, NOT anonymous data: the
HAC can re-identify every row, and points, travel minutes, tier and status (e.g. a
disciplinary "disqualified" or the "lowered" tier) stay with each pseudonym. Handle it as
personal data (PDPO): share it only with whom it is meant for, and do not try to re-identify.
In pools ranked by lottery alone (exchange, research), whoever holds the published seed and
the real ids of that pool can order them as the lottery did and match them to ranks.

Left out or changed:
- inputs as the committee gave them (addresses, districts, household and housing data,
  disciplinary decisions, GPAs, ...), appeals.jsonl and appeals/, run.log;
- ranking.csv: lottery_key blank (it is computed from the original id);
- lottery.json and manifest.json: the commitment (SHA-256 of the original ids);
- rejects.csv: value blank, quoted values in error replaced by (value), file as the input's role;
- scores.csv: travel_note cut to its kind (area and district names removed);
- manifest.json: input file names and paths, the parent bundle's folder, SHA-256 of inputs
  holding personal data; `files` lists the SHA-256 of each file of this copy.

Kept: inputs/applications.csv holds only the columns report.html reads (pseudonymised id,
gender, student type, roommate request, hall and room-type wishes); inputs/rooms.csv the room
list (no person). report.html is rendered from these files.

psm verify, psm appeal and psm offers do not work on this copy: use the original bundle.
"""


def redact_key(env: Mapping[str, str] | None = None) -> bytes:
    """The pseudonym key from ``PSM_REDACT_KEY``; a clear error (never the key) if absent or short."""
    key = (os.environ if env is None else env).get(KEY_ENV, "")
    if not key:
        raise PsmError(f"the environment variable {KEY_ENV} is not set; set it to the HAC's pseudonym key "
                       f"(at least {MIN_KEY_CHARS} characters, e.g. from: python -c \"import secrets; "
                       "print(secrets.token_hex(32))\"), kept outside the bundle; nothing was written")
    if len(key) < MIN_KEY_CHARS:
        raise PsmError(f"the key in {KEY_ENV} is too short: it needs at least {MIN_KEY_CHARS} characters "
                       "(a random one, e.g. secrets.token_hex(32)); nothing was written")
    return key.encode("utf-8")


def pseudonym(key: bytes, applicant_id: str) -> str:
    """``psn-`` + the first 16 hex digits of HMAC-SHA256(key, applicant_id)."""
    return PREFIX + hmac.new(key, applicant_id.encode("utf-8"), hashlib.sha256).hexdigest()[:DIGITS]


class Pseudonyms:
    """Pseudonyms of one shared copy, remembered so a collision is refused, not written."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._of: dict[str, str] = {}       # id -> pseudonym
        self._back: dict[str, str] = {}     # pseudonym -> id

    def __call__(self, value: str) -> str:
        if not value:
            return value
        made = self._of.get(value)
        if made is None:
            made = pseudonym(self._key, value)
            if self._back.setdefault(made, value) != value:
                raise PsmError(f"two applicant ids share the pseudonym {made}; "
                               "use another key in PSM_REDACT_KEY (this is a once-in-billions event)")
            self._of[value] = made
        return made

    @property
    def originals(self) -> set[str]:
        return set(self._of)

    def in_text(self, text: str) -> str:
        """``text`` with every token that is a known original id replaced by its pseudonym."""
        return _TOKEN.sub(lambda m: self._of.get(m.group(0), m.group(0)), text)


@dataclass
class SharedCopy:
    rows: dict[str, int] = field(default_factory=dict)
    pseudonyms: int = 0


def redact_bundle(run_dir: Path, out: Path, key: bytes) -> SharedCopy:
    """Write the shared copy of the bundle ``run_dir`` into the new folder ``out`` (see the module docstring)."""
    run_dir, out = Path(run_dir), Path(out)
    _refuse_shared(run_dir)
    manifest = read_checked_manifest(run_dir)
    missing = [name for name in (*RESULTS, "lottery.json") if not (run_dir / name).is_file()]
    if missing:
        raise PsmError(f"{run_dir}: {', '.join(missing)} missing; give a complete bundle (psm verify names "
                       "what is wrong)")
    tables = {name: _read_csv(run_dir / name) for name in RESULTS}
    ids = Pseudonyms(key)
    for header, rows in tables.values():  # every id first, so that ids inside free text are known
        for column in ID_COLUMNS:
            if column in header:
                at = header.index(column)
                for row in rows:
                    ids(row[at])
    applications, rooms = _minimal_inputs(run_dir, manifest, tables["scores.csv"], ids)
    done = SharedCopy()
    with building(out) as folder:
        for name, (header, rows) in tables.items():
            done.rows[name] = len(rows)
            _write_csv(folder / name, header, [_redact_row(name, header, row, ids) for row in rows])
        (folder / "inputs").mkdir()
        _write_csv(folder / "inputs" / "applications.csv", list(APPLICATION_COLUMNS), applications)
        _write_csv(folder / "inputs" / "rooms.csv", list(ROOM_COLUMNS), rooms)
        lottery = json.loads((run_dir / "lottery.json").read_text(encoding="utf-8"))
        write_json(folder / "lottery.json", {k: lottery[k] for k in LOTTERY_KEYS if k in lottery}
                    | {"ranked_ids_sha256": "withheld in a shared copy (made from the original ids)"})
        shared = _manifest(run_dir, manifest)
        write_json(folder / "manifest.json", shared)
        write_report(folder)
        (folder / "README.txt").write_text(README, encoding="utf-8")
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        shared["files"] = {name: sha256_of(folder / name) for name in files if name != "manifest.json"}
        write_json(folder / "manifest.json", shared)
        _check_nothing_leaks(folder, ids.originals, key)
        done.pseudonyms = len(ids.originals)
    return done


# -- the parts --------------------------------------------------------------------------------


def _refuse_shared(run_dir: Path) -> None:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # read_manifest names the problem
    if isinstance(manifest, dict) and "shared_copy" in manifest:
        raise PsmError(f"{run_dir} is already a shared copy (psm redact); give the original bundle")


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as e:
        raise PsmError(f"{path}: not a result file the engine wrote ({e}); run psm verify on the bundle") from e
    if not rows:
        raise PsmError(f"{path}: empty, not a result file; give a complete bundle")
    header, body = rows[0], rows[1:]
    width = len(header)  # a cell beyond the header would not be redacted: it is not copied
    return header, [row[:width] + [""] * (width - len(row)) for row in body]


def _redact_row(name: str, header: list[str], row: list[str], ids: Pseudonyms) -> list[str]:
    cells = list(row)
    for i, column in enumerate(header):
        value = cells[i]
        if column in ID_COLUMNS:
            cells[i] = ids(value)
        elif column in WITHHELD.get(name, ()):
            cells[i] = ""
        elif column == "travel_note":
            cells[i] = note_kind(value) if value.strip() else ""
        elif name == "rejects.csv" and column == "error":
            cells[i] = ids.in_text(withhold_quoted(value))
        elif name == "rejects.csv" and column == "file":
            cells[i] = _role_of(value, row, header)
        elif name == "rejects.csv" and column == "column":
            cells[i] = value if value in _CONTRACT_COLUMNS or value == "(row)" else "(column not in the contract)"
        elif column in TEXT_COLUMNS:
            cells[i] = ids.in_text(value)
    return cells


_OFFICE_BEARER = set(OfficeBearerRow.model_fields) - {"applicant_id"}
_ACHIEVEMENT = set(AchievementRow.model_fields) - {"applicant_id"}
_CONTRACT_COLUMNS = set(ApplicationRow.model_fields) | _OFFICE_BEARER | _ACHIEVEMENT | {"applicant_id"}
ROLES = ("applications", "office_bearers", "achievements")


def _role_of(file: str, row: list[str], header: list[str]) -> str:
    """The input's role for a rejects.csv row: by the file's stem, else by the rejected column."""
    stem = Path(file).stem.lower()
    if stem in ROLES:
        return stem
    column = row[header.index("column")] if "column" in header else ""
    if column in _OFFICE_BEARER:
        return "office_bearers"
    if column in _ACHIEVEMENT:
        return "achievements"
    if column in ApplicationRow.model_fields and column != "applicant_id":
        return "applications"
    return "input file"


def _minimal_inputs(run_dir: Path, manifest: dict, scores: tuple[list[str], list[list[str]]],
                    ids: Pseudonyms) -> tuple[list[list[str]], list[list[str]]]:
    """inputs/applications (valid rows, report columns only) and inputs/rooms (report columns) as cells."""
    rooms_table = read_table(_input_path(run_dir, manifest, "rooms"))
    rooms = _columns(rooms_table, ROOM_COLUMNS)
    halls = {cells[1] for cells in rooms if cells[1]}
    header, rows = scores
    valid = {row[header.index("applicant_id")] for row in rows}
    table = read_table(_input_path(run_dir, manifest, "applications"))
    codes = {"gender": domain.GENDERS, "student_type": domain.STUDENT_TYPES,
             "room_type_preference": domain.ROOM_TYPE_PREFERENCES}
    kept, seen = [], set()
    for cells in _columns(table, APPLICATION_COLUMNS):
        record = dict(zip(APPLICATION_COLUMNS, cells))
        if record["applicant_id"] not in valid or record["applicant_id"] in seen:
            continue
        seen.add(record["applicant_id"])
        for column, allowed in codes.items():
            if record[column] not in allowed:
                record[column] = ""
        record["hall_preferences"] = ";".join(h.strip() if h.strip() in halls else "(other hall)"
                                              for h in record["hall_preferences"].split(";") if h.strip())
        record["applicant_id"] = ids(record["applicant_id"])
        record["roommate_request"] = ids(record["roommate_request"])
        kept.append([record[c] for c in APPLICATION_COLUMNS])
    return kept, rooms


def _input_path(run_dir: Path, manifest: dict, role: str) -> Path:
    entry = manifest.get("inputs", {}).get(role, {})
    path = run_dir / entry["file"] if "file" in entry else None
    if path is None or not path.is_file():
        raise PsmError(f"{run_dir}: the bundle's inputs/ lacks the {role} file; give a complete bundle")
    return path


def _columns(table, columns: tuple[str, ...]) -> list[list[str]]:
    at = {c: table.header.index(c) for c in columns if c in table.header}
    return [[cells[at[c]] if c in at and at[c] < len(cells) else "" for c in columns] for _, cells in table.rows]


def _manifest(run_dir: Path, manifest: dict) -> dict:
    """The bundle's manifest, whitelisted: no file name, path or hash of personal data."""
    inputs = {}
    for role, entry in manifest.get("inputs", {}).items():
        kept = {k: entry[k] for k in COUNT_KEYS if k in entry}
        if role in PUBLIC_INPUTS:
            kept["sha256_of_original"] = entry.get("sha256")
        if role in ("applications", "rooms"):
            kept["file"] = f"inputs/{role}.csv"
            kept["columns_kept"] = list(APPLICATION_COLUMNS if role == "applications" else ROOM_COLUMNS)
        inputs[role] = kept
    travel = manifest.get("travel", {})
    shared = {k: manifest[k] for k in MANIFEST_KEYS if k in manifest} | {
        "bundle_format": SHARED_FORMAT,
        "shared_copy": {
            "made_by": "psm redact",
            "pseudonyms": f"{PREFIX} + first {DIGITS} hex digits of HMAC-SHA256(key, applicant_id); "
                          "the key is not stored",
            "source_manifest_sha256": sha256_of(run_dir / "manifest.json"),
            "withheld": ["inputs as given", "appeals", "run.log", "lottery_key", "ranked_ids_sha256",
                         "rejects value", "place names in travel_note", "input file names and paths"],
        },
        "policy": {k: manifest.get("policy", {}).get(k) for k in ("version", "sha256")},
        "travel": {"provider": travel.get("provider"),
                   "description": _CACHE_PATH.sub("cache (TTL", str(travel.get("description", "")))},
        "inputs": inputs,
    }
    if "parent" in manifest:
        shared["parent"] = {k: manifest["parent"][k] for k in ("manifest_sha256", "offer_round")
                            if k in manifest["parent"]}
    return shared


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Cells as given (already safe in the engine's results), new text made safe against formulas."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([[safe_text(cell) for cell in row] for row in rows])


def _check_nothing_leaks(folder: Path, originals: set[str], key: bytes) -> None:
    """Refuse the copy if a file holds an original id or the key.

    Ids of digits only are not checked: a number in the report (a count, a plot coordinate)
    could equal one without being it.
    """
    watched = {i.encode("utf-8") for i in originals if not i.isdigit()}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if key in data:
            raise PsmError(f"internal check: the shared copy's {path.name} would hold the key; nothing was written")
        found = watched & set(_BYTES_TOKEN.findall(data))
        if found:
            raise PsmError(f"internal check: the shared copy's {path.name} would hold {len(found)} original "
                           "applicant id(s); nothing was written (please report this as a bug)")
