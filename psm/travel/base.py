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
    """Anything that gives travel minutes for applicants (the district table, Google Maps, ...).

    ``travel_times`` gets the rows to look up (columns of ``applications.csv``: ``district``,
    ``home_address``, ...) and returns one entry per row, in order: minutes (NaN if none),
    ``source`` (``google`` / ``cache`` / ``table``) and ``note`` (why the table stood in, or
    which finer figure was used; empty otherwise). It never returns a silent gap: a row it
    cannot serve has NaN minutes *and* a note, and the scorer refuses to score NaN.
    """

    name: str

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes: ...


def resolve_travel(
    applicants: pd.DataFrame, provider: TravelProvider, needed: np.ndarray | None = None
) -> TravelTimes:
    """Minutes for local applicants: the HAC-verified ``travel_minutes`` first, else the provider.

    Non-local, exchange and research applicants get NaN: part 1 is not looked up for them.
    ``needed`` (optional boolean mask) narrows the look-ups further, e.g. to applicants who are
    scored: an ineligible applicant's address then never reaches Google. Rows outside it get NaN.
    """
    local = (applicants["student_type"] == "local").to_numpy()
    if needed is not None:
        local = local & np.asarray(needed, dtype=bool)
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
