"""The finer area table, and the table provider that uses it where an area is known.

A District Council district is coarse for part 1 (policy section 3, part 1): a home in Cheung
Chau and one in Tung Chung are both in Islands, an hour apart. ``data/travel/area_minutes.csv``
lists areas (``district, area, names, minutes``) with the place names that identify them.

Matching rule (documented in ``data/travel/README.md``): the address and each name are
normalised (Unicode NFKC, case-folded, every run of non-letters/digits made one space); an area
matches when one of its names appears as whole words in the applicant's ``home_address`` (a
Chinese name, written without spaces between words, anywhere in it) *and* the area lies in the
applicant's ``district``. Exactly one matching area: its minutes, with ``travel_note`` "area
estimate: <area> (<district>)" so the committee can see a finer figure was used. Two or more
areas: the district's figure, with a note naming the areas (ambiguous). An address in a district
the table has areas for that names none of them (a typo, a spelling the table lacks): the
district's figure, with the note "... district figure used", never silently. No address, or a
district without areas in the table: the district's figure, no note. ``travel_source`` is
``table`` always.

Part 1's measure (``[travel] measure``, policy section 3): under ``round_trip`` the table's
one-way figure is doubled (the trip home taken to last as long as the trip there), and
``travel_note`` says so.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from psm import domain
from psm.errors import InputFileError
from psm.travel.base import TravelTimes
from psm.travel.stats import TravelStats
from psm.travel.table import DistrictTable

__all__ = ["AreaTable", "TableProvider", "default_area_path", "match_words", "ROUND_TRIP_NOTE", "for_measure"]


def default_area_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "travel" / "area_minutes.csv"


def match_words(text: str) -> str:
    """``text`` normalised for whole-word matching: NFKC, case-folded, non-alphanumerics to spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " " + " ".join(re.sub(r"[^\w]+|_", " ", folded).split()) + " "


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
ROUND_TRIP_NOTE = "round trip: twice the one-way table figure"


def _name_key(name: str) -> str:
    """How a place name is looked for in an address: padded by spaces (whole words), or, for a
    Chinese name (Chinese is written without spaces), bare (anywhere in the address)."""
    key = match_words(name)
    return key.strip() if _CJK.search(name) else key


@dataclass(frozen=True)
class AreaTable:
    """Areas within districts: their place names and minutes (see the module docstring)."""

    areas: tuple[tuple[str, str, tuple[str, ...], float], ...]  # (district, area, names, minutes)
    path: str
    sha256: str
    _by_district: dict[str, list[tuple[str, tuple[str, ...], float]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for district, area, names, minutes in self.areas:
            self._by_district.setdefault(district, []).append((area, tuple(_name_key(n) for n in names), minutes))

    @classmethod
    def load(cls, path: str | Path | None = None) -> AreaTable:
        """Read and check: known districts, names given, no name shared by two areas or equal to a
        district's name (a district name in an address says nothing finer), minutes > 0."""
        path = Path(path) if path is not None else default_area_path()
        try:
            raw = path.read_bytes()
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as e:
            raise InputFileError(f"{path}: cannot read the area travel table ({e})") from e
        if not {"district", "area", "names", "minutes"} <= set(frame.columns):
            raise InputFileError(
                f"{path}: needs columns 'district', 'area', 'names' and 'minutes', has {list(frame.columns)}"
            )
        problems, areas, seen = [], [], {}
        district_words = {match_words(d) for d in domain.DISTRICTS}
        for row, record in enumerate(frame.to_dict("records"), start=2):
            names = tuple(n.strip() for n in record["names"].split(";") if n.strip())
            minutes = pd.to_numeric(record["minutes"], errors="coerce")
            if record["district"] not in domain.DISTRICTS:
                problems.append(f"row {row}: unknown district {record['district']!r}")
            if not record["area"].strip() or not names:
                problems.append(f"row {row}: give an area and at least one place name")
            if not minutes > 0:
                problems.append(f"row {row}: minutes {record['minutes']!r} is not a number > 0")
            for name in names:
                key = match_words(name)
                if key in district_words:
                    problems.append(f"row {row}: place name {name!r} is a district's name; use a finer name")
                elif key in seen:
                    problems.append(f"row {row}: place name {name!r} is also on row {seen[key]}")
                seen.setdefault(key, row)
            areas.append((record["district"], record["area"].strip(), names, float(minutes)))
        if problems:
            raise InputFileError(f"{path}: the area table has {len(problems)} problem(s): " + "; ".join(problems))
        return cls(tuple(areas), str(path), hashlib.sha256(raw).hexdigest())

    @property
    def districts(self) -> frozenset[str]:
        """The districts the table refines into areas."""
        return frozenset(self._by_district)

    def match(self, district: str | None, address: str | None) -> list[tuple[str, float]]:
        """The areas of ``district`` whose names occur in ``address``: ``[(area, minutes), ...]``."""
        if not district or not address or district not in self._by_district:
            return []
        words = match_words(address)
        return [(area, minutes) for area, names, minutes in self._by_district[district] if any(n in words for n in names)]


@dataclass(frozen=True)
class TableProvider:
    """The offline provider: the district table, refined by the area table where an area is known."""

    districts: DistrictTable
    areas: AreaTable | None = None
    measure: Literal["one_way", "round_trip"] = "one_way"
    name: str = "table"
    stats: TravelStats = field(default_factory=TravelStats, compare=False, repr=False)

    @classmethod
    def load(cls, district_path: str | Path | None = None, area_path: str | Path | None = None) -> TableProvider:
        return cls(DistrictTable.load(district_path), AreaTable.load(area_path))

    @property
    def path(self) -> str:  # so code that printed DistrictTable.path keeps working
        return self.districts.path

    @property
    def sha256(self) -> str:
        return self.districts.sha256

    def describe(self) -> str:
        areas = f" refined by {Path(self.areas.path).name} (sha256 {self.areas.sha256[:12]})" if self.areas else ""
        doubled = ", doubled for the round trip" if self.measure == "round_trip" else ""
        return (
            f"district table {Path(self.districts.path).name} (sha256 {self.districts.sha256[:12]}){areas}{doubled}, "
            "HAC overrides first"
        )

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes:
        """District minutes, or the one matching area's minutes (with a note); see the module rules."""
        times = self._times(applicants)
        self.stats.applicants += len(applicants)
        self.stats.area_estimates += sum(1 for n in times.note if n.startswith("area estimate"))
        return times

    def _times(self, applicants: pd.DataFrame) -> TravelTimes:
        times = self.districts.travel_times(applicants)
        minutes, note = times.minutes.copy(), times.note.copy()
        if self.areas is not None and not applicants.empty and "home_address" in applicants:
            refined = self.areas.districts
            for i, (district, address) in enumerate(zip(applicants["district"].tolist(),
                                                         applicants["home_address"].tolist())):
                if district not in refined or _text(address) is None:  # nothing to match, nothing to note
                    continue
                found = self.areas.match(district, address)
                if len(found) == 1:
                    minutes[i] = found[0][1]
                    note[i] = f"area estimate: {found[0][0]} ({district})"
                elif len(found) > 1:
                    note[i] = f"address names several areas ({', '.join(a for a, _ in found)}); district figure used"
                else:  # a district the table refines
                    note[i] = f"address names no area the table knows ({district}); district figure used"
        if self.measure == "round_trip":
            minutes = minutes * 2
            note = np.array(["; ".join(filter(None, (n, ROUND_TRIP_NOTE))) for n in note], dtype=object)
        known = ~np.isnan(minutes)
        return TravelTimes(minutes, np.where(known, "table", "").astype(object), note)

    def fallback(self, applicants: pd.DataFrame, reasons: list[str]) -> TravelTimes:
        """The table's minutes for rows a look-up could not serve, each note led by its reason."""
        times = self._times(applicants)
        notes = np.array(
            [f"{reason}; table used" + (f" ({n})" if n else "") for reason, n in zip(reasons, times.note)],
            dtype=object,
        )
        no_district = np.isnan(times.minutes)
        notes[no_district] = [f"{r}; no district either, so no minutes" for r, m in zip(reasons, no_district) if m]
        return TravelTimes(times.minutes, times.source, notes)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def for_measure(provider, travel_policy):
    """``provider`` measuring part 1 as ``travel_policy`` says (``[travel] measure``).

    The district table alone or refined by areas becomes a :class:`TableProvider` with the
    policy's measure (doubling under ``round_trip``); any other provider (Google, recorded minutes)
    is returned as it is: it was built from the same policy, or replays minutes already measured.
    """
    if isinstance(provider, DistrictTable):
        provider = TableProvider(provider)
    if isinstance(provider, TableProvider) and travel_policy is not None and provider.measure != travel_policy.measure:
        return replace(provider, measure=travel_policy.measure)
    return provider
