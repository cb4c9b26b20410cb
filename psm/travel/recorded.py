"""Replay the minutes a decision used (appeals): travel read back from a ``scores.csv``.

``scores.csv`` keeps ``travel_minutes``, ``travel_source`` and ``travel_note`` of every local
applicant, so an appeal re-scores with exactly those minutes and never calls Google (whose
cached results expire after 30 days). The recorded source and note are kept as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from psm.errors import TravelError
from psm.travel.base import TravelTimes
from psm.travel.stats import TravelStats

__all__ = ["RecordedTravel"]


@dataclass(frozen=True)
class RecordedTravel:
    """A provider answering from a scores frame (``applicant_id`` + the three travel columns)."""

    scores: pd.DataFrame
    name: str = "recorded"
    stats: TravelStats = field(default_factory=lambda: TravelStats(provider="recorded"), compare=False)

    def describe(self) -> str:
        return "minutes recorded with the scores (no look-up)"

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes:
        recorded = self.scores.drop_duplicates("applicant_id").set_index("applicant_id")
        ids = applicants["applicant_id"]
        minutes = ids.map(recorded["travel_minutes"]).to_numpy(dtype=float, na_value=np.nan)
        missing = ids[np.isnan(minutes)].tolist()
        if missing:
            raise TravelError(
                f"{len(missing)} applicant(s) have no recorded travel minutes (first: {missing[:5]}); "
                "re-score them with a look-up provider, or give travel_minutes (HAC-verified)"
            )
        source = ids.map(recorded["travel_source"]).astype(object).fillna("").to_numpy(dtype=object)
        # an all-empty column reads back as float NaN: text only from here on
        note = ids.map(recorded.get("travel_note", pd.Series(dtype=object))).astype(object).fillna("")
        note = note.to_numpy(dtype=object)
        self.stats.applicants += len(ids)
        return TravelTimes(minutes, source, note)
