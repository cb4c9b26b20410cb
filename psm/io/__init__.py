"""Reading the committee's input files and writing result files (``shared/spec/io-contract.md``)."""

from psm.io.readers import (
    REJECT_COLUMNS,
    Cohort,
    FileSummary,
    ReadResult,
    Reject,
    describe_problem,
    read_achievements,
    read_applications,
    read_cohort,
    read_office_bearers,
    read_rows,
    rows_to_frame,
)
from psm.io.rows import AchievementRow, ApplicationRow, OfficeBearerRow
from psm.io.tables import RawTable, read_table
from psm.io.writers import neutralise_formula, write_csv

__all__ = [
    "REJECT_COLUMNS",
    "AchievementRow",
    "ApplicationRow",
    "Cohort",
    "FileSummary",
    "OfficeBearerRow",
    "RawTable",
    "ReadResult",
    "describe_problem",
    "Reject",
    "neutralise_formula",
    "read_achievements",
    "read_applications",
    "read_cohort",
    "read_office_bearers",
    "read_rows",
    "read_table",
    "rows_to_frame",
    "write_csv",
]
