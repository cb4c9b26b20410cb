"""The online provider: cache first, then Google (geocode, then a travel-time matrix), then the table.

One engine serves both Google back ends (:mod:`psm.travel.google`: Distance Matrix;
:mod:`psm.travel.routes`: Routes API). For the applicants it is given (resolve_travel has already
taken HAC overrides out), the rule of part 1, "time required for travelling to and from PolyU"
(policy section C 1; ``shared/spec/policy.md`` section 3), is:

1. No ``home_address``: the district table, ``travel_note`` "no home address given".
2. Each distinct *normalised* address (:func:`psm.travel.cache.normalise_address`) is looked up
   once. A fresh cache entry (younger than ``cache_ttl_days``) answers it: ``travel_source=cache``.
3. Otherwise it is geocoded (region and country from the policy) to a place id; no usable
   result means the district table with a note. Geocoding results are cached as they come.
4. The distinct place ids are sent to the matrix in batches (``batch_size`` origins; the
   Distance Matrix allows 25 origins and 100 elements a request), arriving at
   :func:`psm.travel.settings.next_arrival`. Requests made = ceil(distinct uncached place ids /
   batch size) + retries: the fewest possible. Each batch is stored in one transaction.
5. A route found: ``travel_source=google``, minutes = seconds / 60 rounded half-up to one
   decimal (integer arithmetic, so the same seconds always give the same minutes). No route
   (``NOT_FOUND``, ``ZERO_RESULTS``, ...): the district table with a note naming the status.
   Negative results are cached like positive ones, so a re-run sends no request.

Under ``[travel] measure = "round_trip"`` (policy section 3, part 1: "time required for travelling
to and from PolyU") steps 2, 4 and 5 run twice, once per direction, each cached under its own
settings key: the trip to PolyU arriving at ``arrival_time`` and the trip home leaving PolyU at
``return_departure_time`` the same day (the matrix asked the other way round: one origin, PolyU,
to the batch's places). The minutes are the sum of the two; an address either direction has no
answer for takes the table (its round-trip figure), with a note naming the direction.

OVER_QUERY_LIMIT and 5xx are retried within the retry budget (:mod:`psm.travel.retry`);
a refusal (REQUEST_DENIED, INVALID_REQUEST) stops with :class:`TravelRequestDenied`; a network
failure or an exhausted budget stops with :class:`TravelInterrupted`, after every finished
batch has been stored, so the same command run again continues where this one stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from psm.errors import TravelError
from psm.progress import Progress
from psm.travel.areas import TableProvider
from psm.travel.base import TravelTimes
from psm.travel.cache import CachedTravel, TravelCache, address_key, normalise_address
from psm.travel.errors import TravelInterrupted
from psm.travel.retry import RetriesExhausted, RetryPolicy, call_with_retries
from psm.travel.settings import DIRECTIONS, TravelPolicy, next_arrival, next_departure_home, settings_key
from psm.travel.stats import TravelStats

__all__ = ["Geocoder", "Matrix", "MatrixAnswer", "OnlineProvider", "minutes_from_seconds", "NO_GEOCODE"]

NO_GEOCODE = "NO_GEOCODE"
NO_ADDRESS_NOTE = "no home address given"
_PLACE_FLUSH = 25  # geocoding results are stored at least every this many look-ups


@dataclass(frozen=True)
class MatrixAnswer:
    """One origin's answer: ``status`` ``OK`` with ``seconds``, or the API's reason for no route."""

    status: str
    seconds: int | None = None


class Geocoder(Protocol):
    def geocode(self, address: str) -> str | None:
        """The place id of ``address`` (None: no usable result). Raises Busy / TravelError."""


class Matrix(Protocol):
    name: str          # the API, stored as the cache entry's source: "google" / "google-routes"
    title: str         # for the summary, e.g. "Google Distance Matrix"
    batch_size: int    # origins per request (one destination)

    def durations(self, place_ids: Sequence[str], arrival: dt.datetime) -> list[MatrixAnswer]:
        """Transit durations from each place to the policy's destination, in order."""

    def durations_home(self, place_ids: Sequence[str], departure: dt.datetime) -> list[MatrixAnswer]:
        """Transit durations from the policy's destination to each place, leaving at ``departure``, in order."""


def minutes_from_seconds(seconds: int) -> float:
    """Seconds to minutes, one decimal, half up, by integer arithmetic: 1234 s -> 20.6, 3 s -> 0.1."""
    return ((int(seconds) + 3) // 6) / 10


def _reason(status: str) -> str:
    if status == NO_GEOCODE:
        return "Google found no place for the home address"
    return f"Google found no transit route ({status})"


class OnlineProvider:
    """A :class:`~psm.travel.base.TravelProvider` backed by Google, the cache and the table."""

    def __init__(
        self,
        *,
        geocoder: Geocoder,
        matrix: Matrix,
        cache: TravelCache,
        policy: TravelPolicy,
        table: TableProvider,
        retry: RetryPolicy | None = None,
        stats: TravelStats | None = None,
        progress: bool = True,
        today: Callable[[], dt.date] | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.geocoder, self.matrix, self.cache, self.policy, self.table = geocoder, matrix, cache, policy, table
        self.name = matrix.name
        self.retry = retry or RetryPolicy()
        self.stats = stats or TravelStats(provider=matrix.name)
        self.progress = progress
        self.now = now or (lambda: dt.datetime.now(dt.timezone.utc))
        self.today = today or (lambda: self.now().astimezone(dt.timezone.utc).date())
        self.settings = settings_key(policy)
        self.directions = DIRECTIONS if policy.round_trip else DIRECTIONS[:1]

    def __repr__(self) -> str:  # never the key (held by the clients) nor addresses
        return f"OnlineProvider({self.matrix.title}, cache={self.cache.path})"

    def close(self) -> None:
        """Close the cache file (everything is already committed)."""
        self.cache.close()

    def describe(self) -> str:
        p = self.policy
        home = f"; round trip: home leaving {p.return_departure_time:%H:%M}" if p.round_trip else ""
        return (
            f"{self.matrix.title} (transit, arriving {p.arrival_weekday.title()} {p.arrival_time:%H:%M} "
            f"{p.timezone}{home}), cache {self.cache.path} (TTL {p.cache_ttl_days} days), "
            "district/area table where Google has no answer, HAC overrides first"
        )

    # -- the provider interface ---------------------------------------------------------------

    def travel_times(self, applicants: pd.DataFrame) -> TravelTimes:
        n = len(applicants)
        raw = applicants["home_address"] if "home_address" in applicants else pd.Series([None] * n)
        keys: list[str | None] = []
        text_of: dict[str, str] = {}
        for value in raw:
            if isinstance(value, str) and value.strip():
                key = address_key(value)
                text_of.setdefault(key, normalise_address(value))
                keys.append(key)
            else:
                keys.append(None)
        self.stats.applicants += n
        self.stats.unique_addresses += len(text_of)

        now = self.now()
        answers = [self._direction(text_of, direction, now) for direction in self.directions]

        minutes = np.full(n, np.nan)
        source = np.full(n, "", dtype=object)
        note = np.full(n, "", dtype=object)
        fallback_rows, reasons = [], []
        for i, key in enumerate(keys):
            found = [results.get(key) if key else None for results, _ in answers]
            failed = next((d for d, f in enumerate(found) if f is None or f.status != "OK"), None)
            if failed is None:
                minutes[i] = round(sum(f.minutes for f in found), 1)
                source[i] = "cache" if all(key in from_cache for _, from_cache in answers) else "google"
            else:
                fallback_rows.append(i)
                status = found[failed].status if found[failed] else "MISSING"
                reason = NO_ADDRESS_NOTE if key is None else _reason(status)
                reasons.append(reason + (" for the trip home" if key is not None and failed == 1 else ""))
        if fallback_rows:
            stand_in = self.table.fallback(applicants.iloc[fallback_rows], reasons)
            minutes[fallback_rows], source[fallback_rows], note[fallback_rows] = (
                stand_in.minutes, stand_in.source, stand_in.note
            )
            for reason in reasons:
                self.stats.fallbacks[_short(reason)] += 1
        return TravelTimes(minutes, source, note)

    # -- look-ups -----------------------------------------------------------------------------

    def _direction(self, text_of: dict[str, str], direction: str,
                   now: dt.datetime) -> tuple[dict[str, CachedTravel], set[str]]:
        """One direction's results for every address (cache first, then Google), and the keys the cache answered."""
        settings = settings_key(self.policy, direction)
        results = self.cache.get(text_of, settings, now)
        from_cache = set(results)
        self.stats.cache_hits += len(from_cache)
        missing = [k for k in text_of if k not in results]
        if missing:
            results.update(self._fetch(missing, text_of, now, direction))
        return results, from_cache

    def _fetch(self, missing: list[str], text_of: dict[str, str], now: dt.datetime,
               direction: str = "to_polyu") -> dict[str, CachedTravel]:
        """Geocode and measure the uncached addresses; store as it goes; see the module rules."""
        done: dict[str, CachedTravel] = {}
        try:
            return self._fetch_into(done, missing, text_of, now, direction)
        except RetriesExhausted as e:
            raise TravelInterrupted(
                f"Google still answered {e.reason} after {e.attempts} attempts within the retry budget of "
                f"{self.retry.budget:g} s; {self._progress_text(done, missing)}; wait and run the same command again"
            ) from None
        except TravelInterrupted as e:
            raise TravelInterrupted(f"{e}; {self._progress_text(done, missing)}; run the same command again") from e
        finally:
            self.stats.fetched += len(done)

    def _fetch_into(
        self, done: dict[str, CachedTravel], missing: list[str], text_of: dict[str, str], now: dt.datetime,
        direction: str,
    ) -> dict[str, CachedTravel]:
        settings = settings_key(self.policy, direction)
        place_of = self._geocode_all(missing, text_of, now)
        no_place = {
            k: CachedTravel(NO_GEOCODE, None, None, self.matrix.name, now) for k, p in place_of.items() if p is None
        }
        self.cache.put(no_place, settings)
        done.update(no_place)
        keys_of: dict[str, list[str]] = {}
        for key, place in place_of.items():
            if place is not None:
                keys_of.setdefault(place, []).append(key)
        self._measure_all(list(keys_of), keys_of, now, done, direction)
        return done

    def _progress_text(self, done: dict, missing: list[str]) -> str:
        return (
            f"{len(done):,} of {len(missing):,} uncached addresses were fetched and stored in the cache "
            f"{self.cache.path}, which the next run uses"
        )

    def _geocode_all(self, missing: list[str], text_of: dict[str, str], now: dt.datetime) -> dict[str, str | None]:
        place_of: dict[str, str | None] = {}
        pending: dict[str, str | None] = {}
        bar = Progress(len(missing), "geocoding", self.progress)
        try:
            for key in missing:
                cached = self.cache.get_place(key, now)
                if cached is not None:
                    place_of[key] = cached[0]
                else:
                    place_of[key] = pending[key] = self._attempt(lambda: self.geocoder.geocode(text_of[key]), "geocode")
                    if len(pending) >= _PLACE_FLUSH:
                        self.cache.put_places(pending, now)
                        pending = {}
                bar.advance()
        finally:
            if pending:
                self.cache.put_places(pending, now)  # keep what was geocoded, even when stopping
            bar.close()
        return place_of

    def _measure_all(self, places: list[str], keys_of: dict[str, list[str]], now: dt.datetime, done: dict,
                     direction: str = "to_polyu") -> None:
        size = self.matrix.batch_size
        settings = settings_key(self.policy, direction)
        if direction == "to_polyu":
            arrival = next_arrival(self.policy, self.today())
            ask = lambda batch: self.matrix.durations(batch, arrival)  # noqa: E731
        else:
            departure = next_departure_home(self.policy, self.today())
            ask = lambda batch: self.matrix.durations_home(batch, departure)  # noqa: E731
        label = "travel times" if direction == "to_polyu" else "travel times home"
        bar = Progress(len(places), label, self.progress)
        try:
            for start in range(0, len(places), size):
                batch = places[start : start + size]
                answers = self._attempt(lambda: ask(batch), "matrix")
                if len(answers) != len(batch):
                    raise TravelError(
                        f"{self.matrix.title} answered {len(answers)} origins for a request of {len(batch)}; "
                        "the service or proxy at PSM_GOOGLE_MAPS_BASE_URL is not behaving as documented"
                    )
                stored = {}
                for place, answer in zip(batch, answers):
                    ok = answer.status == "OK" and answer.seconds is not None
                    entry = CachedTravel(
                        "OK" if ok else answer.status,
                        minutes_from_seconds(answer.seconds) if ok else None,
                        place,
                        self.matrix.name,
                        now,
                    )
                    stored.update({key: entry for key in keys_of[place]})
                self.cache.put(stored, settings)  # one transaction per batch
                done.update(stored)
                bar.advance(len(batch))
        finally:
            bar.close()

    def _attempt(self, call: Callable, kind: str):
        counter = "geocode_requests" if kind == "geocode" else "matrix_requests"
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)

        def on_retry(reason: str) -> None:
            self.stats.retries += 1

        return call_with_retries(call, self.retry, on_retry)


def _short(reason: str) -> str:
    if reason == NO_ADDRESS_NOTE:
        return "no home address"
    if reason.startswith("Google found no place"):
        return "no place found"
    return "no transit route"

