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
- the tier order is a permutation of the known tiers;
- numbers are numbers: ``"25"`` (text) or ``true`` where a number belongs is an error, not
  converted, and a whole number is required where the policy counts (points, maxima, beds).

Every message names the file, the place and the value expected there: a TOML syntax error its
line, column, table and key; a wrong value its key (list items counted from 1, e.g.
``parts.district.bands[3].points``), the value as written and the kind of value expected; an
unknown key the keys allowed in its table; a missing key what to add.

Source: ``shared/spec/policy.md`` (sections 1-5).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import annotated_types
import numpy as np
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

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

# Numbers are strict: TOML has number, text and boolean values, and a policy number written as
# text ("25") or as true/false is a mistake to report, not to convert. A whole number (36) is
# also a valid Decimal; 36.0 is not a valid Whole; inf and nan are not numbers of a policy.
Whole = Annotated[int, Strict()]
Decimal = Annotated[float, Strict(), AllowInfNan(False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    """Values from ``at_least`` up to the next band's lower bound score ``points``."""

    at_least: Decimal = Field(ge=0)
    points: Whole = Field(ge=0)


class _Part(_Frozen):
    title: str
    group: Group
    max: Whole = Field(gt=0)


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

    points: dict[str, Whole]

    @model_validator(mode="after")
    def _points_reach_max(self) -> CategoryPart:
        _check_points_reach_max(list(self.points.values()), self.max)
        return self


class AchievementPart(_Part):
    """Verified achievements within ``window_years`` before the reference date, summed, capped at ``max``.

    Section C 3b counts "scholarships, open competitions, or ... awards": ``points_per_prize``
    pays a competition's 1st-3rd prize by level, ``points_per_scholarship`` and
    ``points_per_award`` a scholarship and an award. Either of the last two left out pays as a
    competition prize of its level (policy files written before the keys).
    """

    window_years: Whole = Field(gt=0)
    points_per_prize: dict[str, Whole]
    points_per_scholarship: dict[str, Whole] | None = None
    points_per_award: dict[str, Whole] | None = None

    @model_validator(mode="after")
    def _codes_and_points(self) -> AchievementPart:
        for kind in domain.ACHIEVEMENT_KINDS:
            key = _ACHIEVEMENT_KEYS[kind]
            points = getattr(self, key)
            if points is None:
                continue
            _check_codes(points, domain.ACHIEVEMENT_LEVELS, key)
            too_high = {k: v for k, v in points.items() if not 0 <= v <= self.max}
            if too_high:
                raise ValueError(f"{key}: points must lie in 0..{self.max} (the cap); got {too_high}")
        return self

    def points_of(self, kind: str) -> dict[str, int]:
        """Points by level of one achievement of ``kind`` (competition, scholarship, award)."""
        points = getattr(self, _ACHIEVEMENT_KEYS[kind])
        return points if points is not None else self.points_per_prize


_ACHIEVEMENT_KEYS = {"competition": "points_per_prize", "scholarship": "points_per_scholarship",
                     "award": "points_per_award"}


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
    total: Whole = Field(gt=0)
    weights: dict[Group, Whole]


class Settings(_Frozen):
    intake_year: Whole = Field(ge=2000, le=2100)
    reference_date: dt.date
    nonlocal_cohort_boundary: Whole = Field(ge=2000, le=2100)
    nonlocal_first_time_years_before_boundary: Whole = Field(ge=1, le=6)
    nonlocal_first_time_years_from_boundary: Whole = Field(ge=1, le=6)
    semester_boundary: Decimal = Field(gt=0)
    # Section A: research students "within normal study period": a normal period ending before
    # this date is over when the residential year starts. Absent (policy files written before the
    # key): not checked.
    residential_year_start: dt.date | None = None
    # Section E, the Readmission Scheme for CURI Residential College: the college (as in the
    # applications' ``college`` column) whose members the scheme serves. Absent: nobody is a member.
    rscrc_college: str | None = Field(default=None, min_length=1)


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
    """The tiers, highest first; and, within a tier holding both scored tracks (exceptional needs,
    lowered), the tracks' order, applied before score: a 150-point readmission total and a
    120-point first-time total are not on one scale (policy.md section 5). Absent (policy files
    written before the key): first-time before readmission, section D's "lower priority"."""

    order: tuple[TierName, ...]
    track_order: tuple[Literal[domain.SCORED_TRACKS], ...] = domain.SCORED_TRACKS

    @model_validator(mode="after")
    def _is_permutation(self) -> Tiers:
        if sorted(self.order) != sorted(domain.TIERS):
            missing = sorted(set(domain.TIERS) - set(self.order))
            raise ValueError(
                f"order must list each tier exactly once; missing {missing}, got {list(self.order)}"
            )
        if sorted(self.track_order) != sorted(domain.SCORED_TRACKS):
            raise ValueError(
                f"track_order must list {list(domain.SCORED_TRACKS)} once each; got {list(self.track_order)}"
            )
        return self


class Pool(_Frozen):
    """A pool's quota of beds and how it is ranked (by tiers, or by the lottery alone).

    ``beds`` is a cap (``shared/spec/policy.md`` section 7); absent, the pool has the beds of the
    rooms open to it (known only with the rooms file: :mod:`allocation.quotas`)."""

    beds: Whole | None = Field(default=None, ge=0)
    order: Literal["tiers", "lottery"]


class SpillOver(_Frozen):
    """Unused reserved beds go ``into`` one pool, taken from the other pools in ``order``."""

    into: str
    order: tuple[str, ...]


class AllocationSettings(_Frozen):
    """The order of importance of the wishes, whether a college member's mutual roommate may share
    the member's college room (the HAC's decision; false keeps college rooms for members alone),
    and the solver's settings (section 7)."""

    wishes: tuple[Literal["mutual_pairs", "hall_preferences", "mixing", "room_type"], ...]
    # Absent (policy files written before the key, e.g. in older run bundles): the contract's rule.
    college_rooms_for_member_roommates: bool = False
    # Beds a residential college's members leave empty go, down the waitlist in rank order, to
    # applicants who listed the college's hall in hall_preferences (policy.md section 7).
    college_beds_to_applicants_who_list_it: bool = True
    solver_seed: Whole = Field(ge=0)
    max_deterministic_time: Decimal = Field(gt=0, le=3600)
    # The admission fit check's limit for one CP-SAT proof, in deterministic seconds (work units,
    # the same on every machine); it uses ``solver_seed``. Absent in policy files written before
    # the key: 10, the limit those runs used.
    fit_max_deterministic_time: Decimal = Field(default=10.0, gt=0, le=3600)

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


class LetterSettings(_Frozen):
    """What the Notice of Offer (section B) says beside each applicant's own result: the office
    writing it, its date (fixed, so the same bundle gives the same letters), the deadlines, and
    the hall fees of the residential year (Student Handbook 12.C.x: lodging fee per room type,
    caution money, function fee)."""

    office: str = Field(min_length=1)
    address: tuple[str, ...]
    contact: str = Field(min_length=1)
    signatory: str = Field(min_length=1)
    document_date: dt.date
    acceptance_deadline: dt.date
    appeal_deadline: dt.date
    residential_year: str = Field(min_length=1)
    lodging_fee_hkd: dict[Literal["single", "double", "triple"], Whole]
    caution_money_hkd: Whole = Field(ge=0)
    function_fee_hkd: Whole = Field(ge=0)


class PublishSettings(_Frozen):
    """What ``psm publish`` may show: a cut-off score only for a group (pool, tier, gender,
    residency) of at least ``min_group_size`` applicants, since the lowest score of a group of
    one is that student's own score."""

    min_group_size: Whole = Field(default=5, ge=1)


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
    # Absent in policy files written before letters (older bundles): psm letters then says so.
    letters: LetterSettings | None = None
    publish: PublishSettings = PublishSettings()
    sha256: str = ""
    path: str = ""

    @property
    def version(self) -> str:
        return self.policy.version

    def part(self, name: str) -> BandedPart | CategoryPart | AchievementPart:
        return getattr(self.parts, name)

    def round(self, name: str) -> Round:
        """The scoring round ``name``: the profile that scores each track. PolicyError if there is none."""
        if name not in self.rounds:
            raise PolicyError(
                f"round {name!r} is not in the policy {self.path or self.version}; use one of {sorted(self.rounds)}"
            )
        return self.rounds[name]

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
    if not points:
        raise ValueError(
            f"points are missing; give each code or band its points, the best exactly the max ({maximum})"
        )
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
    """Read, validate and freeze a policy TOML; raise :class:`PolicyError` naming every problem.

    Each message names the file, the place (line and key for a syntax error; the key, with list
    items counted from 1, for a wrong value) and the value expected there.
    """
    path = Path(path) if path is not None else default_policy_path()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PolicyError(
            f"{path}: cannot read the policy file ({e.strerror}); pass --policy PATH to a policy TOML"
        ) from e
    data = _parse_toml(path, raw)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as e:
        raise PolicyError(_describe_policy_errors(path, e)) from e
    return policy.model_copy(update={"sha256": hashlib.sha256(raw).hexdigest(), "path": str(path)})


# --- Messages: file, place, expected value ---------------------------------------------------------

_TOML_PLACE = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_OF_LINE = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")
_AS_IN_BUNDLED = "a value as in config/policy/2025-26.toml"
_TOML_VALUES = (
    'a value is a number (25, 1.5), "text in double quotes", true or false, a date (2025-06-30), '
    "a list [1, 2] or an inline table { at_least = 0, points = 0 }"
)


def _parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    """The file as TOML data; a file that is not UTF-8 TOML is refused with its line and key. A
    byte-order mark (Notepad writes one) is read past, as in the input files."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise PolicyError(
            f"{path}: line {line} is not UTF-8 text (byte {e.start}); save the policy file as UTF-8"
        ) from e
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(_describe_syntax_error(path, text, e)) from e


def _describe_syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> str:
    """Where the TOML breaks (line, column, table, key), the line itself, and what a value looks like."""
    reason = _TOML_PLACE.sub("", str(error))
    reason += " (is a key or table given twice?)" if reason == "Cannot overwrite a value" else ""
    place = _TOML_PLACE.search(str(error))
    if place is None:
        return f"{path}: not valid TOML ({reason}); fix the syntax: {_TOML_VALUES}"
    number, column = int(place.group(1)), int(place.group(2))
    lines = text.split("\n")
    line = lines[number - 1] if number <= len(lines) else ""
    table = next((m.group(1) for m in map(_TABLE_HEADER.match, reversed(lines[: number - 1])) if m), None)
    key = _KEY_OF_LINE.match(line)
    where = f"line {number}, column {column}"
    where += f", in [{table}]" if table else ""
    where += f", key {key.group(1).strip()!r}" if key else ""
    return (f"{path}: not valid TOML at {where}: {reason}; the line reads {line.strip()!r}. "
            f"Fix the syntax there: {_TOML_VALUES}")


def _describe_policy_errors(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s) in the policy file (list items counted from 1):"]
    lines += [f"  - {_describe_problem(problem)}" for problem in error.errors()]
    return "\n".join(lines)


def _describe_problem(problem: Mapping[str, Any]) -> str:
    """One problem as 'key: what is wrong; what is expected there'."""
    loc = problem["loc"]
    key = _key_name(loc)
    if problem["type"] == "extra_forbidden":
        return f"{key}: unknown key; remove it or correct its spelling{_allowed_keys(loc)}"
    if loc and loc[-1] == "[key]":  # a key of a table whose keys are fixed codes
        keys = typing.get_args(_unwrap(_annotation_at(loc[:-2])))[0]
        table, wrong = _key_name(loc[:-2]), json.dumps(loc[-2])
        return f"{table}: unknown key {wrong}; the keys must each be {_describe_type(keys)}"
    if problem["type"] == "missing":
        return f"{key}: required key is missing; add it: {_expected(loc)} (see config/policy/2025-26.toml)"
    value = problem["input"]
    if problem["type"] == "value_error":  # the policy's own rules: the message states the rule
        shown = f" = {_toml_value(value)}" if not isinstance(value, (dict, list)) else ""
        return f"{key}{shown}: {problem['msg'].removeprefix('Value error, ')}"
    return f"{key} = {_toml_value(value)}: expected {_expected(loc)}"


def _key_name(loc: tuple[Any, ...]) -> str:
    """``('parts', 'district', 'bands', 2, 'points')`` as ``parts.district.bands[3].points``."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part + 1}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "(top level)"


def _toml_value(value: Any) -> str:
    """A value as it is written in TOML, so the message shows what the file says."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[...] (a list)"
    if isinstance(value, dict):
        return "{...} (a table)"
    return repr(value)


def _allowed_keys(loc: tuple[Any, ...]) -> str:
    """'(did you mean ...?); the keys allowed here are ...', from the model the key sits in."""
    parent = _annotation_at(loc[:-1])
    if not (isinstance(parent, type) and issubclass(parent, BaseModel)):
        return ""
    allowed = [name for name in parent.model_fields if name not in ("sha256", "path")]
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    place = f"in [{_key_name(loc[:-1])}]" if loc[:-1] else "at the top level"
    return f"{hint}; the keys allowed {place} are {', '.join(allowed)}"


def _expected(loc: tuple[Any, ...]) -> str:
    """The value expected at ``loc``, in words, e.g. 'a whole number from 2000 to 2100'."""
    annotation = _annotation_at(loc)
    return _describe_type(annotation) if annotation is not None else _AS_IN_BUNDLED


def _annotation_at(loc: tuple[Any, ...]) -> Any:
    """The type the policy model declares at ``loc`` (with its constraints), or None if there is none."""
    annotation: Any = Policy
    for part in loc:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
            annotation = Annotated[(annotation, *field.metadata)] if field.metadata else annotation
        elif origin is tuple:
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[0 if part == "[key]" else 1]
        else:
            return annotation  # past a value's type: pydantic names the member of ``X | None`` it tried
    return annotation


def _unwrap(annotation: Any) -> Any:
    """Drop Annotated constraints and ``| None`` (as often as they nest): the type a value must have."""
    while True:
        before = annotation
        if typing.get_origin(annotation) is Annotated:
            annotation = typing.get_args(annotation)[0]
        if typing.get_origin(annotation) in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
        if annotation is before:
            return annotation


def _describe_type(annotation: Any) -> str:
    constraints = typing.get_args(annotation)[1:] if typing.get_origin(annotation) is Annotated else ()
    kind = _unwrap(annotation)
    origin = typing.get_origin(kind)
    if origin is Literal:
        return "one of " + ", ".join(json.dumps(value) for value in typing.get_args(kind))
    if kind is bool:
        return "true or false"
    if kind in (int, float):
        noun = "a whole number" if kind is int else "a number"
        return f"{noun}{_bounds(constraints)} (no quotes)"
    if kind is str:
        return '"text in double quotes"' + (" (not empty)" if _min_length(constraints) else "")
    if kind is dt.date:
        return "a date such as 2025-06-30 (no quotes)"
    if kind is dt.time:
        return "a time of day such as 09:00:00 (no quotes)"
    if origin is tuple:
        size = "a non-empty list" if _min_length(constraints) else "a list"
        return f"{size} [ ... ] whose items are each {_describe_type(typing.get_args(kind)[0])}"
    if origin is dict:
        return f"a table whose values are each {_describe_type(typing.get_args(kind)[1])}"
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return f"a table with the keys {', '.join(kind.model_fields)}"
    return _AS_IN_BUNDLED


def _bounds(constraints: tuple[Any, ...]) -> str:
    """' from 1 to 6', ' >= 0', ' > 0 and <= 3600' from annotated-types constraints."""
    low = next((c for c in constraints if isinstance(c, (annotated_types.Ge, annotated_types.Gt))), None)
    high = next((c for c in constraints if isinstance(c, (annotated_types.Le, annotated_types.Lt))), None)
    if isinstance(low, annotated_types.Ge) and isinstance(high, annotated_types.Le):
        return f" from {low.ge:g} to {high.le:g}"
    parts = [f">= {low.ge:g}" if isinstance(low, annotated_types.Ge) else f"> {low.gt:g}"] if low else []
    parts += [f"<= {high.le:g}" if isinstance(high, annotated_types.Le) else f"< {high.lt:g}"] if high else []
    return (" " + " and ".join(parts)) if parts else ""


def _min_length(constraints: tuple[Any, ...]) -> int:
    return max((c.min_length for c in constraints if isinstance(c, annotated_types.MinLen)), default=0)
