"""The halls of the illustrative inventory and the synthetic cohort: one list, used by both.

ILLUSTRATIVE, NOT THE REAL HALL LIST. The halls follow their public description (Student
Handbook 12.C.x, "Student Halls of Residence", and the Student Halls' pages): the Hung Hom Halls
(about 3,000 places) and the Homantin Halls (about 1,650 places). Each hall's facts:

- ``campus``: ``"Hung Hom"`` or ``"Homantin"``; the room generator lays each campus out its own
  way (:mod:`synthetic.rooms`).
- ``gender``: ``"F"`` for a female-only hall, else ``"any"``. Only women list it as a preference.
- ``pools``: the pool its rooms serve off the exchange floors: ``"research"`` for a hall for
  research students only (only research students list it, and they list it first), else
  ``"undergraduate"``.
- ``exchange_floors``: the floors reserved for inbound exchange students (floors 3-5 of the
  general Hung Hom halls, floor 3 of the female-only hall).
- ``college``: the residential college (the ``college`` column of applications.csv) whose members
  live there; its members list it first, and its clusters are for them only.
- ``popularity``: the hall's relative weight when synthetic applicants draw their preferences.

The order of :data:`HALLS` is the Hung Hom halls open to undergraduates, the Homantin halls, then
the research hall: it is the order of the cohort generator's preference draw, so changing it
changes the generated sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["HALLS", "HALL_NAMES", "Hall", "halls_on"]

Campus = Literal["Hung Hom", "Homantin"]


@dataclass(frozen=True)
class Hall:
    """One hall: its name and the facts the generators need (see the module docstring)."""

    name: str
    code: str
    campus: Campus
    popularity: float
    gender: Literal["F", "any"] = "any"
    pools: Literal["undergraduate", "research"] = "undergraduate"
    exchange_floors: tuple[int, ...] = ()
    college: str = ""

    @property
    def female_only(self) -> bool:
        """Only female students live here."""
        return self.gender == "F"

    @property
    def research_only(self) -> bool:
        """Only research students live here."""
        return self.pools == "research"


_HUNG_HOM_EXCHANGE_FLOORS = (3, 4, 5)

HALLS: tuple[Hall, ...] = (
    Hall("Xuemin Hall", "XM", "Hung Hom", 3.0, gender="F", exchange_floors=(3,)),
    Hall("Chengxin Hall", "CX", "Hung Hom", 3.0, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Dexin Hall", "DX", "Hung Hom", 3.0, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Huixin Hall", "HX", "Hung Hom", 2.5, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Jingxin Hall", "JX", "Hung Hom", 2.5, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Mingxin Hall", "MX", "Hung Hom", 2.5, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Renxin Hall", "RX", "Hung Hom", 2.0, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Zhixin Hall", "ZX", "Hung Hom", 2.0, exchange_floors=_HUNG_HOM_EXCHANGE_FLOORS),
    Hall("Red Hall", "RD", "Homantin", 1.5),
    Hall("Orange Hall", "OR", "Homantin", 1.5),
    Hall("Yellow Hall", "YL", "Homantin", 1.5),
    Hall("Blue Hall", "BL", "Homantin", 1.5),
    Hall("CURI College", "CU", "Homantin", 1.0, college="CURI"),
    Hall("STARS College", "ST", "Homantin", 1.0, college="STARS"),
    Hall("Boyan Hall", "BY", "Hung Hom", 1.0, pools="research"),
)
"""Every hall, in the order described in the module docstring."""

HALL_NAMES: tuple[str, ...] = tuple(hall.name for hall in HALLS)


def halls_on(campus: Campus) -> tuple[Hall, ...]:
    """The halls of one campus, in :data:`HALLS` order."""
    return tuple(hall for hall in HALLS if hall.campus == campus)
