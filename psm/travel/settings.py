"""The policy's travel settings (part 1 of the PSM, policy section 3 / section C.1).

Part 1 is "the time to travel between home and PolyU by the fastest public transport, with
reference to the travelling time estimated by Google Maps". A travel time depends on *when* one
travels, so the policy fixes it: public transport (``transit``), arriving at ``destination`` at
``arrival_time`` on an ``arrival_weekday``, in ``timezone``. These are numbers of the policy, so
they live in the policy TOML (``[travel]``) and are validated into the frozen :class:`TravelPolicy`.

Two rules keep results reproducible although Google refuses transit times in the past:

- The **cache key** (:func:`settings_key`) is derived from the settings only (destination, mode,
  weekday, time of day, timezone, region), never from a date: the same settings find the same
  cached minutes on any day.
- The **request time** (:func:`next_arrival`) is the first ``arrival_weekday`` strictly after the
  run date, at ``arrival_time`` in ``timezone``, skipping ``skip_dates`` (public holidays, when
  timetables differ). It is computed from the run date passed in (the CLI passes today's date),
  so it is always in the future, and it is the same for every request of a run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["TravelPolicy", "WEEKDAYS", "DIRECTIONS", "next_arrival", "next_departure_home", "settings_key"]

#: Weekday names as the policy file spells them, Monday first (``date.weekday()`` order).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class TravelPolicy(BaseModel):
    """``[travel]`` of the policy file: where and when the travel time to PolyU is measured.

    - ``destination``: the PolyU campus, as an address or ``place_id:<Google place id>``.
    - ``arrival_weekday`` / ``arrival_time`` / ``timezone``: arrive then (a weekday morning).
    - ``region``: the Geocoding region bias and country filter (``hk``: Hong Kong).
    - ``cache_ttl_days``: cached Google results older than this are fetched again (at most 30,
      the limit Google's terms set for caching its content).
    - ``skip_dates``: dates never used as the request date (public holidays).
    - ``measure``: what part 1's minutes are, since the policy's "time required for travelling
      to and from PolyU" reads two ways: ``one_way`` (default; the trip to PolyU) or
      ``round_trip`` (that trip plus the trip home leaving PolyU at ``return_departure_time``
      on the same day). The bands of part 1 are in the measure's minutes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    destination: str = Field(min_length=3)
    mode: Literal["transit"] = "transit"
    arrival_weekday: Weekday
    arrival_time: dt.time
    timezone: str = "Asia/Hong_Kong"
    region: str = Field(default="hk", pattern=r"^[a-z]{2}$")
    cache_ttl_days: int = Field(default=30, ge=1, le=30)
    skip_dates: tuple[dt.date, ...] = ()
    measure: Literal["one_way", "round_trip"] = "one_way"
    return_departure_time: dt.time | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as 'Asia/Hong_Kong'") from e
        return value

    @field_validator("arrival_time")
    @classmethod
    def _naive_time(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("give arrival_time without an offset (e.g. 09:00:00); the timezone key sets it")
        return value

    @field_validator("return_departure_time")
    @classmethod
    def _naive_return_time(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("give return_departure_time without an offset (e.g. 18:00:00); the timezone key sets it")
        return value

    @model_validator(mode="after")
    def _round_trip_has_return_time(self) -> TravelPolicy:
        if self.measure == "round_trip" and self.return_departure_time is None:
            raise ValueError(
                'measure = "round_trip" needs return_departure_time (when the trip home leaves PolyU, '
                "e.g. 18:00:00); add it to [travel], or use measure = \"one_way\""
            )
        return self

    @property
    def round_trip(self) -> bool:
        return self.measure == "round_trip"

    @property
    def destination_place_id(self) -> str | None:
        """The place id when ``destination`` is given as ``place_id:<id>``, else None."""
        return self.destination.removeprefix("place_id:") if self.destination.startswith("place_id:") else None


#: The directions of a trip: to PolyU (arriving at ``arrival_time``; the one-way measure) and
#: home from PolyU (leaving at ``return_departure_time``; with it, the round trip).
DIRECTIONS = ("to_polyu", "from_polyu")


def settings_key(policy: TravelPolicy, direction: str = "to_polyu") -> str:
    """The cache key of the settings of one direction: SHA-256 of the settings that change its time.

    TTL and ``skip_dates`` are left out: they decide *whether* and *on which date* to ask, not
    what a typical arrival at that weekday and time is; ``measure`` too, since each direction is
    cached on its own (the trip to PolyU is the same trip under either measure, so its key is
    the one-way key). The trip home adds its direction and departure time to the key.
    """
    fields = {
        "destination": policy.destination.strip(),
        "mode": policy.mode,
        "arrival_weekday": policy.arrival_weekday,
        "arrival_time": policy.arrival_time.isoformat(),
        "timezone": policy.timezone,
        "region": policy.region,
    }
    if direction == "from_polyu":
        if policy.return_departure_time is None:
            raise ValueError("the trip home needs return_departure_time in [travel]")
        fields |= {"direction": direction, "departure_time": policy.return_departure_time.isoformat()}
    elif direction != "to_polyu":
        raise ValueError(f"direction {direction!r} is not one of {DIRECTIONS}")
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()


def next_arrival(policy: TravelPolicy, run_date: dt.date) -> dt.datetime:
    """The arrival moment to request: the first ``arrival_weekday`` strictly after ``run_date``.

    At ``arrival_time`` in ``timezone`` (timezone-aware), skipping ``skip_dates``. Strictly
    after, so that the moment is in the future whatever the time of day of the run.
    """
    wanted = WEEKDAYS.index(policy.arrival_weekday)
    day = run_date + dt.timedelta(days=1)
    skipped = set(policy.skip_dates)
    while day.weekday() != wanted or day in skipped:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, policy.arrival_time, tzinfo=ZoneInfo(policy.timezone))


def next_departure_home(policy: TravelPolicy, run_date: dt.date) -> dt.datetime:
    """The moment the trip home leaves PolyU: ``return_departure_time`` on the day of :func:`next_arrival`."""
    if policy.return_departure_time is None:
        raise ValueError("the trip home needs return_departure_time in [travel]")
    day = next_arrival(policy, run_date).date()
    return dt.datetime.combine(day, policy.return_departure_time, tzinfo=ZoneInfo(policy.timezone))
