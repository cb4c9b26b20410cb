"""A comparison's charts, drawn by :mod:`hac.plots` (the one place plots are drawn).

Each is drawn from a table of :class:`whatif.Comparison` (what the console keeps of a scenario),
so the console and a notebook show the same chart; the tables carry the same numbers:

- :func:`changes_plot`: how many gain a place (right) and lose one (left), from ``summary()``;
- :func:`shifts_plot`: per pool, tier and gender whose lowest score offered moved, the shift in
  points (after - before; left: the bar is lower), from ``cutoffs``;
- :func:`net_plot`: per value of a breakdown, the net change in places held, from ``breakdown(by)``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from hac.plots import Plot, no_plot, signed_bars

__all__ = ["changes_plot", "net_plot", "shifts_plot"]


def changes_plot(summary: Mapping[str, int]) -> Plot:
    """Applicants who gain a place (to the right) and who lose one (to the left)."""
    gains, losses = int(summary["gains"]), int(summary["loses"])
    if not gains and not losses:
        return no_plot("Nobody gains or loses a place.")
    return signed_bars(["gain a place", "lose a place"], [gains, -losses], "applicants",
                       "Applicants who gain and lose a place.", names=("gain", "lose"))


def shifts_plot(cutoffs: pd.DataFrame) -> Plot:
    """The shift of the lowest score offered, for each pool, tier and gender where it moved."""
    moved = cutoffs[cutoffs["shift"].notna() & (cutoffs["shift"] != 0)]
    labels = [f"{pool} · {tier or '—'} · {gender}"
              for pool, tier, gender in zip(moved["pool"], moved["tier"], moved["gender"])]
    return signed_bars(labels, [int(v) for v in moved["shift"]], "points",
                       "Shift of the lowest score offered, by pool, tier and gender (after minus before).",
                       names=("higher", "lower"))


def net_plot(breakdown: pd.DataFrame, by: str) -> Plot:
    """The net change in places held (after - before) for each value of ``by``; every value is
    shown, no change as 0, unless nothing changed anywhere."""
    values = [int(v) for v in breakdown["net"]]
    caption = f"Net change in places by {by.replace('_', ' ')}."
    if not any(values):
        return no_plot(f"{caption} No change.")
    return signed_bars([str(v) for v in breakdown[by]], values, "applicants", caption, names=("more", "fewer"))
