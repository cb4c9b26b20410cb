"""The embedded district table: typical one-way minutes to PolyU per district (offline, default).

The figures and their status as estimates are documented in ``data/travel/README.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from psm import domain
from psm.errors import InputFileError
from psm.travel.base import TravelTimes

__all__ = ["DistrictTable", "default_table_path"]


def default_table_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "travel" / "district_minutes.csv"


@dataclass(frozen=True)
class DistrictTable:
    """Minutes per district, read from a CSV with columns ``district, minutes`` (more allowed)."""

    minutes_by_district: dict[str, float]
    path: str
    sha256: str
    name: str = "table"

    @classmethod
    def load(cls, path: str | Path | None = None) -> DistrictTable:
        """Read and check the table: the 18 districts, each once, minutes > 0."""
        path = Path(path) if path is not None else default_table_path()
        try:
            raw = path.read_bytes()
            frame = pd.read_csv(path, dtype={"district": str})
        except (OSError, ValueError) as e:
            raise InputFileError(f"{path}: cannot read the district travel table ({e})") from e
        problems = []
        if not {"district", "minutes"} <= set(frame.columns):
            raise InputFileError(f"{path}: needs columns 'district' and 'minutes', has {list(frame.columns)}")
        listed = list(frame["district"])
        missing = [d for d in domain.DISTRICTS if d not in listed]
        unknown = [d for d in listed if d not in domain.DISTRICTS]
        repeated = sorted({d for d in listed if listed.count(d) > 1})
        minutes = pd.to_numeric(frame["minutes"], errors="coerce")
        bad = [f"{d}={m}" for d, m, v in zip(listed, frame["minutes"], minutes) if not v > 0]
        for label, items in (("missing", missing), ("unknown", unknown), ("repeated", repeated), ("minutes not > 0", bad)):
            if items:
                problems.append(f"{label}: {items}")
        if problems:
            raise InputFileError(
                f"{path}: the district table must list the 18 districts once each with minutes > 0; "
                + "; ".join(problems)
            )
        return cls(dict(zip(listed, minutes.astype(float))), str(path), hashlib.sha256(raw).hexdigest())

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes:
        """The district's minutes for every applicant (NaN where no district is given)."""
        minutes = applicants["district"].map(self.minutes_by_district).to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(minutes)
        return TravelTimes(
            minutes=minutes,
            source=np.where(known, "table", "").astype(object),
            note=np.full(len(applicants), "", dtype=object),
        )
