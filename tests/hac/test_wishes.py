"""Wishes against the rooms (``io-contract``: rooms.csv; ``shared/spec/policy.md`` section 7):
every hall in ``hall_preferences`` and every ``college`` must be a name in the rooms file.

An unknown name rejects the row like any other bad value (rejects.csv: row, applicant_id, column,
value, the fix naming the nearest name), and the row leaves the cohort as a reader's reject does:
its office-bearer and achievement rows are rejected with it and every file's counts follow.
"""

from __future__ import annotations

from builders import ROOM_COLUMNS, application, suite_rows, write_rows

from allocation.inventory import read_inventory
from hac.pipeline import wishes_checked
from psm.io import read_cohort


def test_unknown_halls_and_colleges_reject_their_rows_like_a_reader(tmp_path, policy):
    rooms = read_inventory(policy, write_rows(tmp_path / "rooms.csv", suite_rows("H1", hall="Huixin Hall")
                                              + suite_rows("C1", hall="CURI College", college="CURI"), ROOM_COLUMNS))
    apps = write_rows(tmp_path / "applications.csv", [
        application(applicant_id="24000001A", hall_preferences="Huixin Hall;CURI College", college="CURI"),
        application(applicant_id="24000002A", hall_preferences="Huixin Hal"),
        application(applicant_id="24000003A", college="curi"),
        application(applicant_id="24000004A", college="CURI College")])
    posts = write_rows(tmp_path / "office_bearers.csv", [
        {"applicant_id": "24000001A", "body": "Student Union", "post_level": "chair"},
        {"applicant_id": "24000002A", "body": "Student Union", "post_level": "chair"}])
    cohort = read_cohort(policy, apps, posts)
    checked = wishes_checked(cohort, rooms)
    assert list(checked.applications["applicant_id"]) == ["24000001A"]
    assert list(checked.office_bearers["applicant_id"]) == ["24000001A"]
    assert [(r.row, r.applicant_id, r.column, r.value, r.file) for r in checked.rejects] == [
        (3, "24000002A", "hall_preferences", "Huixin Hal", "applications.csv"),
        (4, "24000003A", "college", "curi", "applications.csv"),
        (5, "24000004A", "college", "CURI College", "applications.csv"),
        (3, "24000002A", "applicant_id", "24000002A", "office_bearers.csv")]
    assert checked.rejects[0].error == ("no hall named 'Huixin Hal' in rooms.csv; did you mean 'Huixin Hall'? "
                                        "write the name exactly as rooms.csv has it")
    assert checked.rejects[1].error == ("no residential college named 'curi' in rooms.csv; did you mean 'CURI'? "
                                        "write the name exactly as rooms.csv has it")
    assert checked.rejects[3].error == "this applicant's application row was rejected; fix that row first"
    assert [(f.rows, f.accepted, f.rejected) for f in checked.files] == [(4, 1, 3), (2, 1, 1)]
    assert checked.rejected_rows == 4
    assert wishes_checked(checked, rooms) == checked  # nothing more to reject
