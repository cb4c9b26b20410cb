"""The reader checks cells column by column (each distinct text once) and sends only the rows with a
problem through their row model: it must accept exactly the rows the row model accepts, with the
model's values, whatever form a valid cell takes ("3.0", "2_024", "TRUE", "1e0", full-width digits)."""

from __future__ import annotations

from builders import application, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from psm.io import AchievementRow, ApplicationRow, read_cohort, rows_to_frame

ODD = {
    "applicant_id": ["24000001a", "bad id!", "", "24000002B"],
    "gender": ["F", "M", "f", ""],
    "student_type": ["local", "non_local", "research", "exchange", "Local"],
    "admission_year": ["2024", "2024.0", "2_024", "２０２４", "2026", "1e3", "nan"],
    "year_of_study": ["2", "3.0", "1e0", "0x3", "7", "00002"],
    "prior_hall_semesters": ["0", "1.", ".5", "1e1", "-0.0", "inf", "2_0"],
    "prior_uma_semesters": ["", "0", "3", "1E0"],
    "normal_period_end": ["", "2027-08-31", "2027-02-30", "46203"],
    "district": ["Sha Tin", "", "Shatin", "Wan Chai"],
    "household_size": ["4", "4.0", "4e0", "", "0"],
    "gpa": ["", "3.3", "4.30", "4.3000000000000001", "A"],
    "exceptional_needs": ["", "TRUE", "Yes", "1", "0", "nO", "maybe"],
    "hall_preferences": ["", "Red Hall", "Red Hall ; Blue Hall", "Red Hall;;Blue Hall", "Red Hall;Red Hall"],
    "roommate_request": ["", "24000003c", "bad!"],
}


def expected(rows, model, policy):
    """What the row model alone accepts, a row at a time: valid rows with no cross-cell problem (the rows'
    ids are unique and known, so the file's own rule has nothing to say)."""
    header = list(dict.fromkeys(column for row in rows for column in row))  # the file's columns
    kept, numbers = [], []
    for number, row in enumerate(rows, 2):
        try:
            validated = model.model_validate({k: v for k, v in row.items() if v != ""})
        except ValidationError:
            continue
        if not model.cross_check_rows([validated], policy, columns=header)[0]:
            kept.append(validated)
            numbers.append(number)
    return rows_to_frame(model, kept, numbers)


def _row(i: int, change: dict[str, str]) -> dict[str, str]:
    """A valid applicant with ``change``; a valid applicant_id made unique, keeping its case."""
    row = application(applicant_id=f"2400{i:04d}A") | change
    if row["applicant_id"] in ("24000001a", "24000002B"):
        row["applicant_id"] = f"2400{i:04d}{row['applicant_id'][-1]}"
    return row


changes = st.dictionaries(st.sampled_from(list(ODD)), st.none(), max_size=4).flatmap(
    lambda keys: st.fixed_dictionaries({column: st.sampled_from(ODD[column]) for column in keys}))


@settings(max_examples=60)
@given(st.lists(changes, min_size=1, max_size=15))
def test_the_columns_accept_what_the_row_model_accepts(tmp_path_factory, policy, changes):
    rows = [_row(i, change) for i, change in enumerate(changes)]
    path = write_rows(tmp_path_factory.mktemp("odd") / "applications.csv", rows)
    cohort = read_cohort(policy, path)
    assert cohort.applications.equals(expected(rows, ApplicationRow, policy))
    assert {r.row for r in cohort.rejects}.isdisjoint(cohort.applications["source_row"])
    assert cohort.files[0].accepted + cohort.files[0].rejected == len(rows)


def test_achievements_read_by_column_match_the_row_model(tmp_path, policy):
    prizes = [dict(applicant_id="24000001A", kind=kind, level="polyu", prize=prize, award_date="2024-09-01",
                   verified=verified)
              for kind in ("", "competition", "award", "Scholarship")
              for prize in ("", "1", "2.0", "4")
              for verified in ("TRUE", "0", "perhaps")]
    columns = ["applicant_id", "kind", "level", "prize", "award_date", "verified"]
    cohort = read_cohort(policy, write_rows(tmp_path / "applications.csv", [application()]), None,
                         write_rows(tmp_path / "achievements.csv", prizes, columns))
    assert cohort.achievements.equals(expected(prizes, AchievementRow, policy))
    assert len(cohort.achievements) + cohort.files[1].rejected == len(prizes)
