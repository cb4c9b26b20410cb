"""Every kind of reject, its message, and the rule: valid rows + rejected rows = input rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import application, write_rows
from psm.domain import DISTRICTS
from psm.errors import InputFileError
from psm.io import read_cohort


def read(tmp_path: Path, policy, apps, posts=None, prizes=None, columns=None):
    paths = [write_rows(tmp_path / "applications.csv", apps, columns)]
    if posts is not None:
        paths.append(write_rows(tmp_path / "office_bearers.csv", posts, ["applicant_id", "body", "post_level"]))
    else:
        paths.append(None)
    if prizes is not None:
        paths.append(
            write_rows(tmp_path / "achievements.csv", prizes, ["applicant_id", "level", "prize", "award_date", "verified"])
        )
    else:
        paths.append(None)
    return read_cohort(policy, *paths)


def problems(cohort):
    """(file, row, column, value, error) of every reject."""
    return [(r.file, r.row, r.column, r.value, r.error) for r in cohort.rejects]


def assert_rows_add_up(cohort):
    for f in cohort.files:
        assert f.accepted + f.rejected == f.rows


def test_valid_rows_are_used(tmp_path, policy):
    cohort = read(tmp_path, policy, [application(applicant_id="24000001A"), application(applicant_id="24000002B")])
    assert list(cohort.applications["applicant_id"]) == ["24000001A", "24000002B"]
    assert list(cohort.applications["source_row"]) == [2, 3]
    assert cohort.rejects == ()


def test_duplicate_ids_reject_every_copy(tmp_path, policy):
    rows = [application(applicant_id="24000001A"), application(applicant_id="24000002B"), application(applicant_id="24000001A")]
    cohort = read(tmp_path, policy, rows)
    assert problems(cohort) == [
        ("applications.csv", 2, "applicant_id", "24000001A", "duplicate applicant_id, also on row(s) 4; keep one row per applicant"),
        ("applications.csv", 4, "applicant_id", "24000001A", "duplicate applicant_id, also on row(s) 2; keep one row per applicant"),
    ]
    assert list(cohort.applications["applicant_id"]) == ["24000002B"]
    assert_rows_add_up(cohort)


def test_unknown_district_suggests_the_nearest(tmp_path, policy):
    cohort = read(tmp_path, policy, [application(district="Shatin")])
    assert problems(cohort) == [
        ("applications.csv", 2, "district", "Shatin",
         "unknown district 'Shatin' (did you mean 'Sha Tin'?); use one of "
         + ", ".join(repr(d) for d in DISTRICTS)),
    ]


def test_unknown_column_rejects_the_rows_that_fill_it(tmp_path, policy):
    rows = [application(applicant_id="24000001A", remarks="call back"), application(applicant_id="24000002B", remarks="")]
    cohort = read(tmp_path, policy, rows)
    assert problems(cohort) == [
        ("applications.csv", 2, "remarks", "call back",
         "column is not in the file contract; rename it to a contract column or remove it"),
    ]
    assert cohort.files[0].unknown_columns == ("remarks",)
    assert list(cohort.applications["applicant_id"]) == ["24000002B"]


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("year_of_study", "7", "out of range: must be at most 6"),
        ("year_of_study", "0", "out of range: must be at least 1"),
        ("gpa", "4.5", "out of range: must be at most 4.3"),
        ("home_floor_area_sqm", "0", "out of range: must be more than 0"),
        ("household_size", "0", "out of range: must be at least 1"),
        ("volunteer_hours", "-1", "out of range: must be at least 0"),
        ("paired_days", "400", "out of range: must be at most 366"),
        ("travel_minutes", "0", "out of range: must be more than 0"),
        ("prior_hall_semesters", "-0.5", "out of range: must be at least 0"),
        ("admission_year", "2026", "admitted after the intake year 2025; check the year"),
        ("household_size", "3.5", "'3.5' is not a whole number; write digits only, e.g. 3"),
        ("volunteer_hours", "lots", "'lots' is not a number; write digits, e.g. 12.5"),
        ("gender", "female", "unknown gender 'female'; use one of 'F', 'M'"),
        ("housing_type", "Public", "unknown housing type 'Public' (did you mean 'public'?); use one of "
                                   "'boat_squatter', 'improvised', 'public', 'private_other'"),
        ("exceptional_needs", "maybe", "'maybe' is not a yes/no value; write true/false, yes/no or 1/0"),
        ("applicant_id", "24-001", "not a student number: 4-20 letters and digits, e.g. 23012345D"),
        ("roommate_request", "24000001A", "an applicant cannot request themselves; leave it empty"),
        ("hall_preferences", "Red Hall;;Blue Hall", "'Red Hall;;Blue Hall' has an empty hall name; separate hall names with single ';'"),
        ("hall_preferences", "Red Hall;Red Hall", "hall(s) ['Red Hall'] listed more than once; list each hall once, in order"),
    ],
)
def test_out_of_range_and_malformed_values(tmp_path, policy, column, value, error):
    cohort = read(tmp_path, policy, [application(**{column: value})])
    assert [(c, v, e) for _, _, c, v, e in problems(cohort)] == [(column, value, error)]
    assert cohort.applications.empty


def test_readmission_track_without_gpa(tmp_path, policy):
    cohort = read(tmp_path, policy, [application(prior_hall_semesters=1, gpa="")])
    assert [(c, e) for _, _, c, _, e in problems(cohort)] == [
        ("gpa", "required on the readmission track (academic performance); fill it in")
    ]
    first_timer = read(tmp_path, policy, [application(prior_hall_semesters=0.5, gpa="")])
    assert first_timer.rejects == ()


@pytest.mark.parametrize("column", ["district", "housing_type", "home_floor_area_sqm", "household_size"])
def test_local_row_without_housing_data(tmp_path, policy, column):
    cohort = read(tmp_path, policy, [application(**{column: ""})])
    assert [(c, e) for _, _, c, _, e in problems(cohort)] == [
        (column, "required for a local applicant, who is scored on it; fill it in")
    ]


def test_ineligible_and_non_local_rows_need_no_housing_data(tmp_path, policy):
    no_home = dict(district="", housing_type="", home_floor_area_sqm="", household_size="")
    rows = [
        application(applicant_id="24000001A", funding="self_financed", **no_home),
        application(applicant_id="24000002B", student_type="non_local", admission_year=2025, year_of_study=1, **no_home),
    ]
    assert read(tmp_path, policy, rows).rejects == ()


def test_every_problem_of_a_row_is_reported(tmp_path, policy):
    row = application(gender="X", district="Atlantis", household_size="0", gpa="9", prior_hall_semesters=2)
    cohort = read(tmp_path, policy, [row])
    assert sorted(c for _, _, c, _, _ in problems(cohort)) == ["district", "gender", "gpa", "household_size"]
    assert cohort.files[0].rejected == 1  # one row, four problems


def test_missing_required_cell(tmp_path, policy):
    cohort = read(tmp_path, policy, [application(gender="")])
    assert [(c, e) for _, _, c, _, e in problems(cohort)] == [("gender", "required but empty; fill it in")]


def test_row_with_more_cells_than_the_header(tmp_path, policy):
    path = write_rows(tmp_path / "applications.csv", [application()])
    path.write_text(path.read_text().rstrip("\n") + ",surplus\n")
    cohort = read_cohort(policy, path)
    assert [(c, e) for _, _, c, _, e in problems(cohort)] == [
        ("(row)", "row has 13 cells but the header names 12 columns; remove the extra cells or name their columns")
    ]


def test_office_bearers_and_achievements_are_validated_and_linked(tmp_path, policy):
    apps = [application(applicant_id="24000001A"), application(applicant_id="24000002B", gender="Q")]
    posts = [
        {"applicant_id": "24000001A", "body": "Student Union", "post_level": "chair"},
        {"applicant_id": "24000001A", "body": "Chess Club", "post_level": "president"},
        {"applicant_id": "24000002B", "body": "Chess Club", "post_level": "exco"},
        {"applicant_id": "99000009Z", "body": "Chess Club", "post_level": "exco"},
        {"applicant_id": "24000001A", "body": "", "post_level": "exco"},
    ]
    prizes = [
        {"applicant_id": "24000001A", "level": "polyu", "prize": "1", "award_date": "2024-05-01", "verified": "true"},
        {"applicant_id": "24000001A", "level": "polyu", "prize": "4", "award_date": "01/05/2024", "verified": "true"},
    ]
    cohort = read(tmp_path, policy, apps, posts, prizes)
    assert problems(cohort)[1:] == [
        ("office_bearers.csv", 3, "post_level", "president",
         "unknown post level 'president' (did you mean 'representative'?); use one of 'chair', 'vice_chair', 'exco', 'representative'"),
        ("office_bearers.csv", 4, "applicant_id", "24000002B",
         "this applicant's application row was rejected; fix that row first"),
        ("office_bearers.csv", 5, "applicant_id", "99000009Z",
         "no application with this applicant_id; check the id or add the application"),
        ("office_bearers.csv", 6, "body", "", "required but empty; fill it in"),
        ("achievements.csv", 3, "prize", "4", "out of range: must be at most 3"),
        ("achievements.csv", 3, "award_date", "01/05/2024", "'01/05/2024' is not a date; write it as YYYY-MM-DD, e.g. 2024-05-31"),
    ]
    assert len(cohort.office_bearers) == 1 and len(cohort.achievements) == 1
    assert_rows_add_up(cohort)


# --- Whole-file problems: nothing can be scored, so the run stops with a clear message ----------------

def test_missing_required_column_stops_with_its_name(tmp_path, policy):
    rows = [{k: v for k, v in application().items() if k != "study_mode"}]
    with pytest.raises(InputFileError, match=r"applications\.csv: required column\(s\) \['study_mode'\] are missing"):
        read(tmp_path, policy, rows)


def test_repeated_header_column(tmp_path, policy):
    path = tmp_path / "applications.csv"
    path.write_text("applicant_id,gender,gender\n24000001A,F,F\n")
    with pytest.raises(InputFileError, match=r"column\(s\) \['gender'\] appear more than once"):
        read_cohort(policy, path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"applicant_id,gender\n\xff\xfe,F\n", "line 2 is not UTF-8"),
        (b"\napplicant_id\n", "the header must be on row 1"),
    ],
)
def test_unreadable_files(tmp_path, policy, content, message):
    path = tmp_path / "applications.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        read_cohort(policy, path)


def test_unsupported_file_type(tmp_path, policy):
    path = tmp_path / "applications.json"
    path.write_text("{}")
    with pytest.raises(InputFileError, match=r"unsupported file type '\.json'; give a \.csv or \.xlsx file"):
        read_cohort(policy, path)


def test_header_only_file_has_no_rows(tmp_path, policy):
    path = write_rows(tmp_path / "applications.csv", [], list(application()))
    cohort = read_cohort(policy, path)
    assert cohort.applications.empty and cohort.files[0].rows == 0


def test_blank_rows_are_counted_not_lost(tmp_path, policy):
    path = write_rows(tmp_path / "applications.csv", [application(applicant_id="24000001A"), application(applicant_id="24000002B")])
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], "", ",,,", lines[2]]) + "\n")
    cohort = read_cohort(policy, path)
    assert cohort.files[0].blank_rows == 2
    assert list(cohort.applications["source_row"]) == [2, 5]  # rows keep their spreadsheet numbers


def test_utf8_bom_is_accepted(tmp_path, policy):
    path = write_rows(tmp_path / "applications.csv", [application()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_cohort(policy, path).rejects == ()


def test_xlsx_reads_like_csv(tmp_path, policy):
    rows = [application(applicant_id="24000001A", gpa="3.5", exceptional_needs="true"), application(applicant_id="24000002B")]
    csv_path = write_rows(tmp_path / "applications.csv", rows)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = list(rows[0])
    sheet.append(header)
    for row in rows:  # numbers as numbers and booleans as booleans, as Excel stores them
        sheet.append([_excel_value(row.get(c, "")) for c in header])
    xlsx_path = tmp_path / "applications.xlsx"
    workbook.save(xlsx_path)
    from_csv, from_xlsx = read_cohort(policy, csv_path), read_cohort(policy, xlsx_path)
    assert from_xlsx.rejects == ()
    assert from_csv.applications.equals(from_xlsx.applications)


def _excel_value(text: str):
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text or None


# --- The invariant, under random damage -----------------------------------------------------------------

DAMAGE = {
    "gender": ["", "X", "f"],
    "year_of_study": ["0", "9", "two"],
    "gpa": ["5", "-1", "A"],
    "district": ["", "Narnia"],
    "household_size": ["0", "2.5"],
    "exceptional_needs": ["perhaps"],
    "applicant_id": ["", "24000001A", "bad id!"],
}


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), st.sampled_from([(c, v) for c, vs in DAMAGE.items() for v in vs])), min_size=1, max_size=25))
def test_valid_plus_rejected_rows_equal_input_rows(tmp_path_factory, policy, damage):
    rows = []
    for i, change in enumerate(damage):
        row = application(applicant_id=f"2400{i:04d}A", prior_hall_semesters=2, gpa="3.1")
        if change:
            row[change[0]] = change[1]
        rows.append(row)
    cohort = read(tmp_path_factory.mktemp("cohort"), policy, rows)
    summary = cohort.files[0]
    assert summary.rows == len(rows)
    assert summary.accepted + summary.rejected == summary.rows
    assert len(cohort.applications) == summary.accepted
    assert {r.row for r in cohort.rejects} | set(cohort.applications["source_row"]) == set(range(2, len(rows) + 2))


# --- Ids without regard to case; Excel date serials; the policy-fidelity columns -----------------

def test_ids_differing_only_in_case_are_one_applicant(tmp_path, policy):
    """io-contract: applicant ids are matched without regard to case in every file: 19381469q and
    19381469Q are one applicant, so both rows are duplicates and both are rejected."""
    rows = [application(applicant_id="19381469q"), application(applicant_id="19381469Q"),
            application(applicant_id="24000002B")]
    cohort = read(tmp_path, policy, rows)
    assert [(r.row, r.column, r.value) for r in cohort.rejects] == [
        (2, "applicant_id", "19381469q"), (3, "applicant_id", "19381469Q")]
    assert list(cohort.applications["applicant_id"]) == ["24000002B"]


def test_ids_are_read_in_capitals_and_link_across_files(tmp_path, policy):
    """A lower-case id in office_bearers.csv or a roommate request links to the applicant."""
    rows = [application(applicant_id="24000001a", roommate_request="24000002b"),
            application(applicant_id="24000002B", roommate_request="24000001A")]
    posts = [{"applicant_id": "24000001a", "body": "Hall Association", "post_level": "chair"}]
    cohort = read(tmp_path, policy, rows, posts=posts)
    assert cohort.rejects == ()
    assert list(cohort.applications["applicant_id"]) == ["24000001A", "24000002B"]
    assert list(cohort.applications["roommate_request"]) == ["24000002B", "24000001A"]
    assert list(cohort.office_bearers["applicant_id"]) == ["24000001A"]


def test_an_excel_date_serial_gets_a_hint(tmp_path, policy):
    """A date column a spreadsheet turned into its serial number says so, with the fix."""
    prizes = [{"applicant_id": "24000001A", "level": "polyu", "prize": "1", "award_date": "45321", "verified": "true"}]
    cohort = read(tmp_path, policy, [application()], prizes=prizes)
    assert problems(cohort) == [("achievements.csv", 2, "award_date", "45321",
                                 "'45321' is not a date but an Excel date serial number: format the column as text or "
                                 "as a date YYYY-MM-DD, e.g. 2024-05-31")]
    research = read(tmp_path, policy, [application(student_type="research", normal_period_end="46203")])
    assert problems(research)[0][2:4] == ("normal_period_end", "46203")
    assert "Excel date serial number" in problems(research)[0][4]


def _prizes(tmp_path, rows, columns):
    return write_rows(tmp_path / "achievements.csv", rows, columns)


def test_achievement_kinds_and_prizes(tmp_path, policy):
    """Section C 3b: scholarships, open competitions (a 1st-3rd prize) and awards; a competition
    needs its prize, a scholarship or award has none; an empty kind is a competition."""
    columns = ["applicant_id", "kind", "level", "prize", "award_date", "verified"]
    rows = [dict(applicant_id="24000001A", kind="scholarship", level="regional", prize="", award_date="2024-09-01",
                 verified="true"),
            dict(applicant_id="24000001A", kind="", level="polyu", prize="2", award_date="2024-09-01", verified="true"),
            dict(applicant_id="24000001A", kind="competition", level="polyu", prize="", award_date="2024-09-01",
                 verified="true"),
            dict(applicant_id="24000001A", kind="award", level="polyu", prize="1", award_date="2024-09-01",
                 verified="true")]
    cohort = read_cohort(policy, write_rows(tmp_path / "applications.csv", [application()]), None,
                         _prizes(tmp_path, rows, columns))
    assert list(cohort.achievements["kind"]) == ["scholarship", "competition"]
    assert [(r.row, r.column) for r in cohort.rejects] == [(4, "prize"), (5, "prize")]
    assert cohort.rejects[0].error.startswith("required for a competition (section C 3b")
    assert cohort.rejects[1].error.startswith("an award has no prize (section C 3b")


@pytest.mark.parametrize("kind", ["participation", "certificate", "language test", "volunteer"])
def test_an_achievement_the_policy_does_not_recognise_is_rejected_in_its_words(tmp_path, policy, kind):
    """Section C 3b: "reaching a standard ..., completion of a course, certificate of participation
    ... will not be recognized"; the reject quotes what the policy does not recognise."""
    columns = ["applicant_id", "kind", "level", "prize", "award_date", "verified"]
    rows = [dict(applicant_id="24000001A", kind=kind, level="polyu", prize="", award_date="2024-09-01",
                 verified="true")]
    cohort = read_cohort(policy, write_rows(tmp_path / "applications.csv", [application()]), None,
                         _prizes(tmp_path, rows, columns))
    (reject,) = cohort.rejects
    assert (reject.column, reject.value) == ("kind", kind)
    assert "section C 3b recognises scholarships, open competitions" in reject.error
    assert "certificate of participation" in reject.error and "not recognised" in reject.error.lower()


def test_an_old_achievements_file_without_kind_reads_as_competitions(tmp_path, policy):
    """A file written before the kind column: every row is a competition prize, as before."""
    prizes = [{"applicant_id": "24000001A", "level": "polyu", "prize": "1", "award_date": "2024-09-01",
               "verified": "true"}]
    cohort = read(tmp_path, policy, [application()], prizes=prizes)
    assert cohort.rejects == () and list(cohort.achievements["kind"]) == ["competition"]


def test_uma_semesters_below_hall_semesters_are_rejected(tmp_path, policy):
    """Section B.2: University-managed accommodation includes the Student Halls, so the UMA
    semesters cannot be fewer than the hall semesters; empty means the hall semesters."""
    rows = [application(applicant_id="23000001A", student_type="non_local", admission_year=2023, year_of_study=2,
                        prior_hall_semesters=2, prior_uma_semesters=1, gpa=3.0),
            application(applicant_id="23000002B", student_type="non_local", admission_year=2023, year_of_study=2,
                        prior_hall_semesters=2, prior_uma_semesters=3, gpa=3.0),
            application(applicant_id="23000003C", student_type="non_local", admission_year=2023, year_of_study=2,
                        prior_hall_semesters=2, gpa=3.0)]
    cohort = read(tmp_path, policy, rows)
    assert problems(cohort) == [("applications.csv", 2, "prior_uma_semesters", "1",
                                 "less than prior_hall_semesters (2), but University-managed accommodation includes "
                                 "the halls (section B.2); give at least that many semesters, or leave it empty to "
                                 "take prior_hall_semesters")]
    assert list(cohort.applications["applicant_id"]) == ["23000002B", "23000003C"]


def test_research_applicants_need_normal_period_end_when_the_file_has_the_column(tmp_path, policy):
    """Section A: "Research Students within normal study period": the end of the period is required
    of research applicants; a file written before the column is read as it was."""
    with_column = [application(applicant_id="25000001R", student_type="research", normal_period_end=""),
                   application(applicant_id="25000002R", student_type="research", normal_period_end="2027-08-31")]
    cohort = read(tmp_path, policy, with_column)
    assert [(r.row, r.column) for r in cohort.rejects] == [(2, "normal_period_end")]
    assert cohort.rejects[0].error.startswith("required for a research applicant (section A")
    old_file = read(tmp_path, policy, [application(applicant_id="25000001R", student_type="research")])
    assert old_file.rejects == ()


def test_a_nonlocal_senior_year_entrant_needs_no_gpa(tmp_path, policy):
    """Section B.2.a: the new intake is on the first-time track, so no GPA is asked of them."""
    entrant = application(applicant_id="25000001N", student_type="non_local", admission_year=2025, year_of_study=3)
    cohort = read(tmp_path, policy, [entrant])
    assert cohort.rejects == ()


def test_a_referred_applicant_needs_no_home_data(tmp_path, policy):
    """Section A: a referred applicant is not scored, so parts 1-2's cells are not required."""
    referred = application(funding="self_financed", exceptional_needs="true", district="", housing_type="",
                           home_floor_area_sqm="", household_size="")
    assert read(tmp_path, policy, [referred]).rejects == ()
