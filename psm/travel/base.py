"""The travel-time provider interface, and the rule that puts the HAC override first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

__all__ = ["TravelTimes", "TravelProvider", "resolve_travel"]


@dataclass(frozen=True)
class TravelTimes:
    """Per applicant: one-way minutes (NaN if none), where they came from, and a note for review."""

    minutes: np.ndarray
    source: np.ndarray
    note: np.ndarray


class TravelProvider(Protocol):
    """Anything that gives travel minutes for applicants (the district table, Google Maps, ...)."""

    name: str

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes: ...


def resolve_travel(applicants: pd.DataFrame, provider: TravelProvider) -> TravelTimes:
    """Minutes for local applicants: the HAC-verified ``travel_minutes`` first, else the provider.

    Non-local, exchange and research applicants get NaN: part 1 is not looked up for them.
    """
    local = (applicants["student_type"] == "local").to_numpy()
    override = applicants["travel_minutes"].to_numpy(dtype=float, na_value=np.nan)
    has_override = local & ~np.isnan(override)
    needs_lookup = local & ~has_override
    looked_up = provider.travel_times(applicants[needs_lookup])

    minutes = np.full(len(applicants), np.nan)
    source = np.full(len(applicants), "", dtype=object)
    note = np.full(len(applicants), "", dtype=object)
    minutes[has_override], source[has_override] = override[has_override], "override"
    minutes[needs_lookup], source[needs_lookup], note[needs_lookup] = looked_up.minutes, looked_up.source, looked_up.note
    return TravelTimes(minutes, source, note)
