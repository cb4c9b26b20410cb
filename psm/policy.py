"""The admission policy as data: one TOML per residential year, loaded into a frozen model.

``load_policy(path)`` reads ``config/policy/<year>.toml``, checks it against the rules below
and returns a :class:`Policy` that carries its version and the SHA-256 of the file, so every
output can name the policy it used. Checks (all problems are collected and raised at once):

- unknown or misspelt keys are errors (naming the key and the keys allowed there);
- bands start at 0 and ascend strictly; no band pays more than its part's maximum, and the
  best band pays exactly the maximum;
- category points cover exactly the contract's codes (housing types, posts, LLC roles);
- in each scoring profile, the parts' maxima add up to the stated total (120, 150, ...) and,
  group by group, to the policy's weights (e.g. 30% / 20% / 50% of 120);
- the tier order is a permutation of the known tiers.

Source: ``shared/spec/policy.md`` (sections 1-5).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from psm import domain
from psm.errors import PolicyError
from psm.travel.settings import TravelPolicy

__all__ = [
    "Band",
    "BandedPart",
    "CategoryPart",
    "AchievementPart",
    "Policy",
    "load_policy",
    "default_policy_path",
]

Group = Literal["living_district", "home_environment", "contribution", "academic"]
PartName = Literal[domain.PARTS]  # a tuple subscript: one of the contract's part names
TierName = Literal[domain.TIERS]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    """Values from ``at_least`` up to the next band's lower bound score ``points``."""

    at_least: float = Field(ge=0)
    points: int = Field(ge=0)


class _Part(_Frozen):
    title: str
    group: Group
    max: int = Field(gt=0)


class BandedPart(_Part):
    """A part scored by the half-open band its value falls in."""

    bands: tuple[Band, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_ascend_and_reach_max(self) -> BandedPart:
        bounds = [band.at_least for band in self.bands]
        if bounds[0] != 0:
            raise ValueError(f"the first band must start at 0 (at_least = 0), not {bounds[0]:g}")
        if any(b <= a for a, b in zip(bounds, bounds[1:])):
            raise ValueError(f"bands must ascend strictly by at_least; got {bounds}")
        _check_points_reach_max([band.points for band in self.bands], self.max)
        return self

    @property
    def lower_bounds(self) -> np.ndarray:
        return np.array([band.at_least for band in self.bands], dtype=float)

    @property
    def band_points(self) -> np.ndarray:
        return np.array([band.points for band in self.bands], dtype=np.int64)

    def points_for(self, values: np.ndarray) -> np.ndarray:
        """Points of each value; values must be >= 0 (validated at the edge)."""
        index = np.searchsorted(self.lower_bounds, values, side="right") - 1
        return self.band_points[index]


class CategoryPart(_Part):
    """A part scored by a code (housing type, post level, LLC role)."""

    points: dict[str, int]

    @model_validator(mode="after")
    def _points_reach_max(self) -> CategoryPart:
        _check_points_reach_max(list(self.points.values()), self.max)
        return self


class AchievementPart(_Part):
    """Verified prizes within ``window_years`` before the reference date, summed, capped at ``max``."""

    window_years: int = Field(gt=0)
    points_per_prize: dict[str, int]

    @model_validator(mode="after")
    def _codes_and_points(self) -> AchievementPart:
        _check_codes(self.points_per_prize, domain.ACHIEVEMENT_LEVELS)
        too_high = {k: v for k, v in self.points_per_prize.items() if not 0 <= v <= self.max}
        if too_high:
            raise ValueError(f"points per prize must lie in 0..{self.max} (the cap); got {too_high}")
        return self


class Parts(_Frozen):
    district: BandedPart
    housing_type: CategoryPart
    floor_area: BandedPart
    leadership: CategoryPart
    achievement: AchievementPart
    llc: CategoryPart
    volunteer: BandedPart
    pairing: BandedPart
    academic: BandedPart

    @model_validator(mode="after")
    def _category_codes(self) -> Parts:
        _check_codes(self.housing_type.points, domain.HOUSING_TYPES, "housing_type.points")
        _check_codes(self.leadership.points, domain.POST_LEVELS, "leadership.points")
        _check_codes(self.llc.points, domain.LLC_ROLES, "llc.points")
        return self


class Profile(_Frozen):
    """The parts that count, their stated total and the policy's group weights in percent."""

    parts: tuple[PartName, ...] = Field(min_length=1)
    total: int = Field(gt=0)
    weights: dict[Group, int]


class Settings(_Frozen):
    intake_year: int = Field(ge=2000, le=2100)
    reference_date: dt.date
    nonlocal_cohort_boundary: int = Field(ge=2000, le=2100)
    nonlocal_first_time_years_before_boundary: int = Field(ge=1, le=6)
    nonlocal_first_time_years_from_boundary: int = Field(ge=1, le=6)
    semester_boundary: float = Field(gt=0)


class Eligibility(_Frozen):
    funding: tuple[Literal["ugc", "self_financed"], ...] = Field(min_length=1)
    study_mode: tuple[Literal["full_time", "part_time"], ...] = Field(min_length=1)
    research_study_mode: tuple[Literal["full_time", "part_time"], ...] = Field(min_length=1)


class Rules(_Frozen):
    nonlocal_full_marks: tuple[PartName, ...]
    freshman_not_applicable: tuple[PartName, ...]


class Round(_Frozen):
    first_time: str
    readmission: str


class Tiers(_Frozen):
    order: tuple[TierName, ...]

    @model_validator(mode="after")
    def _is_permutation(self) -> Tiers:
        if sorted(self.order) != sorted(domain.TIERS):
            missing = sorted(set(domain.TIERS) - set(self.order))
            raise ValueError(
                f"order must list each tier exactly once; missing {missing}, got {list(self.order)}"
            )
        return self


class Pool(_Frozen):
    """A pool's quota of beds and how it is ranked (by tiers, or by the lottery alone)."""

    beds: int = Field(ge=0)
    order: Literal["tiers", "lottery"]


class SpillOver(_Frozen):
    """Unused reserved beds go ``into`` one pool, taken from the other pools in ``order``."""

    into: str
    order: tuple[str, ...]


class AllocationSettings(_Frozen):
    """The order of importance of the wishes, and the solver's settings (allocation issue)."""

    wishes: tuple[Literal["mutual_pairs", "hall_preferences", "mixing", "room_type"], ...]
    solver_seed: int = Field(ge=0)
    max_deterministic_time: float = Field(gt=0, le=3600)

    @model_validator(mode="after")
    def _structural_wishes_first(self) -> AllocationSettings:
        if sorted(self.wishes) != sorted(["mutual_pairs", "hall_preferences", "mixing", "room_type"]):
            raise ValueError(f"wishes must list each of mutual_pairs, hall_preferences, mixing, room_type once; got {list(self.wishes)}")
        if self.wishes[:2] != ("mutual_pairs", "hall_preferences"):
            raise ValueError(
                "wishes must begin with mutual_pairs, hall_preferences (pairs are formed, then halls served in "
                f"rank order, before rooms are optimised); only mixing and room_type may be reordered; got {list(self.wishes)}"
            )
        return self


class PolicyHeader(_Frozen):
    version: str = Field(min_length=1)
    title: str
    source: str


class Policy(_Frozen):
    """A whole policy file, validated. ``sha256`` and ``path`` are filled in by :func:`load_policy`."""

    policy: PolicyHeader
    settings: Settings
    eligibility: Eligibility
    rules: Rules
    parts: Parts
    profiles: dict[str, Profile]
    rounds: dict[str, Round]
    pools: dict[str, Pool]
    spill_over: SpillOver
    allocation: AllocationSettings
    tiers: Tiers
    travel: TravelPolicy
    sha256: str = ""
    path: str = ""

    @property
    def version(self) -> str:
        return self.policy.version

    def part(self, name: str) -> BandedPart | CategoryPart | AchievementPart:
        return getattr(self.parts, name)

    @model_validator(mode="after")
    def _profiles_add_up(self) -> Policy:
        for name, profile in self.profiles.items():
            maxima = {part: self.part(part).max for part in profile.parts}
            if sum(maxima.values()) != profile.total:
                raise ValueError(
                    f"profiles.{name}: the parts' maxima add up to {sum(maxima.values())}, "
                    f"not the stated total {profile.total} ({maxima})"
                )
            if sum(profile.weights.values()) != 100:
                raise ValueError(
                    f"profiles.{name}.weights must add up to 100 (%), not {sum(profile.weights.values())}"
                )
            groups = dict.fromkeys([*(self.part(p).group for p in profile.parts), *profile.weights])
            mismatched = []
            for group in groups:  # in the file's order, so the message is the same on every run
                group_max = sum(m for p, m in maxima.items() if self.part(p).group == group)
                weight = profile.weights.get(group, 0)
                if group_max * 100 != weight * profile.total:
                    mismatched.append(
                        f"group {group!r} has maxima adding up to {group_max}, but its weight {weight}% of "
                        f"{profile.total} is {weight * profile.total / 100:g}"
                    )
            if mismatched:
                raise ValueError(f"profiles.{name}: " + "; ".join(mismatched))
        for name, round_ in self.rounds.items():
            for track, profile in round_.model_dump().items():
                if profile not in self.profiles:
                    raise ValueError(
                        f"rounds.{name}.{track} names profile {profile!r}, which is not one of "
                        f"{sorted(self.profiles)}"
                    )
        if set(self.pools) != set(domain.POOLS):
            raise ValueError(f"pools must be exactly {list(domain.POOLS)}; got {sorted(self.pools)}")
        spill = self.spill_over
        if spill.into not in self.pools or any(p not in self.pools or p == spill.into for p in spill.order):
            raise ValueError(
                f"spill_over: 'into' ({spill.into!r}) and every pool in 'order' ({list(spill.order)}) must be "
                f"pools of this policy, and a pool cannot spill into itself"
            )
        if "regular" not in self.rounds:
            raise ValueError("rounds.regular is required: it scores the regular admission round")
        return self


def _check_points_reach_max(points: list[int], maximum: int) -> None:
    if any(p > maximum for p in points) or max(points) != maximum:
        raise ValueError(
            f"points must not exceed the part's max ({maximum}) and the best must equal it; got {points}"
        )


def _check_codes(points: Mapping[str, int], codes: tuple[str, ...], where: str = "points") -> None:
    if set(points) != set(codes):
        missing = [c for c in codes if c not in points]
        unknown = [c for c in points if c not in codes]
        raise ValueError(
            f"{where} must give points for exactly {list(codes)}; missing {missing}, unknown {unknown}"
        )


def default_policy_path() -> Path:
    """The bundled 2025/26 policy: ``config/policy/2025-26.toml`` at the project's root."""
    return Path(__file__).resolve().parent.parent / "config" / "policy" / "2025-26.toml"


def load_policy(path: str | Path | None = None) -> Policy:
    """Read, validate and freeze a policy TOML; raise :class:`PolicyError` naming every problem."""
    path = Path(path) if path is not None else default_policy_path()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(
            f"{path}: cannot read the policy file ({e.strerror}); pass --policy PATH to a policy TOML"
        ) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise PolicyError(f"{path}: not valid UTF-8 TOML: {e}; fix the syntax at that place") from e
    try:
        policy = Policy.model_validate(data)
    except ValidationError as e:
        raise PolicyError(_describe_policy_errors(path, e)) from e
    return policy.model_copy(update={"sha256": hashlib.sha256(raw).hexdigest(), "path": str(path)})


def _describe_policy_errors(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s) in the policy file:"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if problem["type"] == "extra_forbidden":
            lines.append(f"  - {key}: unknown key; remove it or correct its spelling")
        elif problem["type"] == "missing":
            lines.append(f"  - {key}: required key is missing; add it (see config/policy/2025-26.toml)")
        else:
            message = problem["msg"].removeprefix("Value error, ")
            value = problem.get("input")
            shown = f" = {value!r}" if isinstance(value, (str, int, float, bool)) else ""
            lines.append(f"  - {key}{shown}: {message}")
    return "\n".join(lines)
