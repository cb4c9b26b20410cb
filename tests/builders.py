"""Builders for tests: applicants in the contract's cell form, CSV files, frames and score cards."""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from psm.io import AchievementRow, ApplicationRow, OfficeBearerRow, rows_to_frame
from psm.policy import Policy
from psm.scoring import score_frames
from psm.travel import DistrictTable


def application(**cells: object) -> dict[str, str]:
    """A valid first-time local applicant as CSV cells; keyword arguments replace cells."""
    row = {
        "applicant_id": "24000001A",
        "gender": "F",
        "student_type": "local",
        "funding": "ugc",
        "study_mode": "full_time",
        "admission_year": "2024",
        "year_of_study": "2",
        "prior_hall_semesters": "0",
        "district": "Sha Tin",
        "housing_type": "public",
        "home_floor_area_sqm": "40",
        "household_size": "4",
    }
    row.update({key: "" if value is None else str(value) for key, value in cells.items()})
    return row


def write_rows(path: Path, rows: Iterable[Mapping[str, str]], columns: Iterable[str] | None = None) -> Path:
    """Write rows as a CSV with the given columns (default: the keys of all rows, in order)."""
    rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def frame(rows: Iterable[Mapping[str, str]], model=ApplicationRow) -> pd.DataFrame:
    """Validated rows as the engine's frame (raises if a row is invalid)."""
    return rows_to_frame(model, [model.model_validate({k: v for k, v in r.items() if v != ""}) for r in rows])


def score(
    apps: Iterable[Mapping[str, str]],
    policy: Policy,
    posts: Iterable[Mapping[str, str]] = (),
    prizes: Iterable[Mapping[str, str]] = (),
    round_name: str = "regular",
) -> pd.DataFrame:
    """Score cards of the given applicants with the district table, indexed by applicant_id."""
    scores = score_frames(
        frame(apps),
        frame(posts, OfficeBearerRow),
        frame(prizes, AchievementRow),
        policy,
        _table(),
        round_name,
    )
    return scores.set_index("applicant_id", drop=False)


@functools.cache
def _table() -> DistrictTable:
    return DistrictTable.load()


ROOM_COLUMNS = ["room_id", "campus", "hall", "floor", "wing", "suite_id", "room_type", "beds", "gender",
                "accessible", "pools", "college"]


def suite_rows(suite_id, hall="Red Hall", rooms=(("double", 2),), gender="any", accessible=False,
               pools="undergraduate", college=""):
    return [dict(room_id=f"{suite_id}{i}", campus="Homantin", hall=hall, floor="2", wing="A", suite_id=suite_id,
                 room_type=kind, beds=str(beds), gender=gender, accessible=str(accessible).lower(), pools=pools,
                 college=college) for i, (kind, beds) in enumerate(rooms)]


def college_and_ordinary_rooms():
    """A CURI double (in CURI College) and an ordinary double; a member, three non-members who
    did not list the college, and two who did (24000004A, 24000006A), all women, in rank order."""
    rooms = suite_rows("C1", hall="CURI College", rooms=(("double", 2),), college="CURI") \
        + suite_rows("O1", rooms=(("double", 2),))
    apps = [application(applicant_id="24000001A", travel_minutes=90, college="CURI"),
            application(applicant_id="24000002A", travel_minutes=80),
            application(applicant_id="24000003A", travel_minutes=70),
            application(applicant_id="24000004A", travel_minutes=60, hall_preferences="Red Hall;CURI College"),
            application(applicant_id="24000005A", travel_minutes=55),
            application(applicant_id="24000006A", travel_minutes=50, hall_preferences="CURI College")]
    return rooms, apps


def run_folder(cohort: Path, out: Path, seed: str, rooms: Path | None = None, policy: Path | None = None) -> int:
    """``psm run`` on the applications, office-bearer and achievement files in ``cohort``
    (and ``rooms`` and ``policy``, default the bundled ones) into ``out``; the exit status."""
    from cli.main import main  # noqa: PLC0415 (only the command-line tests need it)

    return main(["run", "--applications", str(cohort / "applications.csv"),
                 "--office-bearers", str(cohort / "office_bearers.csv"),
                 "--achievements", str(cohort / "achievements.csv"),
                 *(["--rooms", str(rooms)] if rooms is not None else []),
                 *(["--policy", str(policy)] if policy is not None else []), "--seed", seed, "--out", str(out)])


def capped_policy(path: Path, undergraduate: int, exchange: int = 30, research: int = 60) -> Path:
    """The bundled policy with small pool quotas, written to ``path``: a small cohort then has a
    waitlist in the full inventory (every hall of the applicants' wishes stays in the rooms file)."""
    from whatif import override_toml  # noqa: PLC0415

    quotas = {"undergraduate": {"beds": undergraduate}, "exchange": {"beds": exchange}, "research": {"beds": research}}
    path.write_text(override_toml({"pools": quotas}), encoding="utf-8")
    return path


def write_responses(path: Path, answers: Iterable[tuple[str, str]]) -> Path:
    """A responses file for ``psm offers``: one ``applicant_id, response`` row per (id, answer)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["applicant_id", "response"])
        writer.writerows(answers)
    return path
