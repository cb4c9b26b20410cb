"""Synthetic sample data for demos, tests and benchmarks: no row describes a real person.

- :mod:`synthetic.halls`: the one list of halls and their facts, used by both generators.
- :mod:`synthetic.cohort`: a seeded applicant cohort in the contract's three input files
  (``psm sample`` writes the bundled ``data/sample/``).
- :mod:`synthetic.rooms`: the illustrative room inventory ``data/halls/polyu_rooms.csv``
  (``python -m synthetic.rooms`` rewrites it).
"""

from __future__ import annotations

from typing import Any

from synthetic.cohort import SyntheticCohort, generate_cohort, write_cohort
from synthetic.halls import HALL_NAMES, HALLS, Hall

__all__ = [
    "HALLS",
    "HALL_NAMES",
    "Hall",
    "SyntheticCohort",
    "generate_cohort",
    "room_inventory",
    "write_cohort",
    "write_rooms",
]

_FROM_ROOMS = ("room_inventory", "write_rooms")


def __getattr__(name: str) -> Any:
    # synthetic.rooms loads on first use, so that `python -m synthetic.rooms` runs it only once.
    if name in _FROM_ROOMS:
        from synthetic import rooms

        return getattr(rooms, name)
    raise AttributeError(f"module 'synthetic' has no attribute {name!r}")
