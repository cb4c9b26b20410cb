"""What-if scenarios from a bundle, run in the background.

The rules:

- **The form** shows the bundle's own policy numbers: each banded part's bands (from how much,
  how many points), each coded part's points, each pool's quota, the priority tiers' order.
  Only the numbers an officer changed become overrides (:func:`overrides_from_form`), validated
  at once by :func:`whatif.policy_with` exactly as a policy file is, so a wrong number is named
  on the form before anything runs.
- **The run** is :mod:`whatif`'s: the bundle's own round again (:class:`whatif.BundleReplay`),
  once under the bundle's policy (the baseline: the round as the run made it) and once under the
  overrides, then :func:`whatif.compare`. The bundle read and its baseline are kept in the worker
  for the next scenario.
- **From a later offer round** the scenario replays that round (:mod:`whatif.replay`): scored
  and ranked under the changed numbers, the recorded answers to the previous round's offers (and
  any withdrawals or revocations) applied, residents keeping their rooms, the freed beds offered
  down the new waitlist; it is compared with this round's own offers. The form and the job page
  say so (:func:`round_note`).
- **In the background**: one worker process, so a scenario (half a minute or more) never holds up
  a page; scenarios wait their turn. The job page shows the step under way and refreshes itself.
- The result keeps counts, scores, ranks and applicant ids only (the comparison's tables).
"""

from __future__ import annotations

import json
import multiprocessing
import secrets
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from hac.bundle import read_manifest
from whatif.compare import BREAKDOWNS

__all__ = ["plain_number", "PolicyForm", "policy_form", "overrides_from_form", "round_note", "Scenario",
           "ScenarioResult", "Scenarios", "run_scenario"]


@dataclass(frozen=True)
class PolicyForm:
    """The policy numbers the what-if form shows: banded parts' bands, coded parts' points,
    pools' quotas, tiers in order."""

    bands: dict[str, list[tuple[str, int]]]
    codes: dict[str, dict[str, int]]
    titles: dict[str, str]
    quotas: dict[str, int | None]
    tiers: list[str]


def plain_number(value: Decimal | float | int) -> str:
    """A policy number as the policy file writes it: 45, 2.3 (no needless ``.0``)."""
    return format(Decimal(str(value)).normalize(), "f")


def policy_form(policy) -> PolicyForm:
    """The numbers of ``policy`` (a :class:`psm.policy.Policy`) the form can change."""
    bands, codes, titles = {}, {}, {}
    for name in type(policy.parts).model_fields:
        part = policy.part(name)
        titles[name] = part.title
        if hasattr(part, "bands"):
            bands[name] = [(plain_number(b.at_least), int(b.points)) for b in part.bands]
        elif isinstance(getattr(part, "points", None), dict):
            codes[name] = dict(part.points)
    return PolicyForm(bands, codes, titles, {name: pool.beds for name, pool in policy.pools.items()},
                      list(policy.tiers.order))


def overrides_from_form(form: dict[str, str], base: PolicyForm) -> tuple[dict[str, Any], list[str]]:
    """The overrides (dotted keys) the submitted form makes to ``base``, and each field that is
    not a number. Unchanged values, and fields the form left out, make no override."""
    overrides: dict[str, Any] = {}
    problems: list[str] = []

    def number(key: str, whole: bool, current: str | int | None) -> Decimal | int | None:
        text = str(form.get(key, "" if current is None else current)).strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            problems.append(f"{key} = {text!r}: give a {'whole ' if whole else ''}number")
            return None
        if whole and value != value.to_integral_value():
            problems.append(f"{key} = {text!r}: give a whole number")
            return None
        return int(value) if whole else value

    for part, rows in base.bands.items():
        given = [(number(f"parts.{part}.bands[{i}].at_least", False, at_least),
                  number(f"parts.{part}.bands[{i}].points", True, points))
                 for i, (at_least, points) in enumerate(rows, 1)]
        if any(v is None for pair in given for v in pair):
            continue
        if [(plain_number(a), p) for a, p in given] != rows:
            overrides[f"parts.{part}.bands"] = [{"at_least": int(a) if a == a.to_integral_value() else float(a),
                                                 "points": p} for a, p in given]
    for part, points in base.codes.items():
        given = {code: number(f"parts.{part}.points.{code}", True, p) for code, p in points.items()}
        if None not in given.values() and given != points:
            overrides[f"parts.{part}.points"] = given
    for pool, beds in base.quotas.items():
        text = str(form.get(f"pools.{pool}.beds", "" if beds is None else beds)).strip()
        if text == "" and beds is None:
            continue
        value = number(f"pools.{pool}.beds", True, beds)
        if value is not None and value != beds:
            overrides[f"pools.{pool}.beds"] = value
    positions = {tier: number(f"tiers.order.{tier}", True, i) for i, tier in enumerate(base.tiers, 1)}
    if None not in positions.values():
        order = sorted(base.tiers, key=lambda t: (positions[t], base.tiers.index(t)))
        if order != base.tiers:
            overrides["tiers.order"] = order
    return overrides, problems


@dataclass(frozen=True)
class ScenarioResult:
    """What the result page shows: the comparison's tables (counts, scores, ranks, ids)."""

    before_label: str
    after_label: str
    policy_version: str
    summary: dict[str, int]
    gains: pd.DataFrame
    losses: pd.DataFrame
    cutoffs: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]
    seconds: float


def round_note(offer_round: int) -> str:
    """What a scenario from a bundle of ``offer_round`` replays, for a later round; "" for a first
    round (the form's own words say what a first round's scenario does)."""
    if offer_round <= 1:
        return ""
    return (f"This run is offer round {offer_round}. A scenario replays this round under the changed numbers: "
            "the students are scored and ranked again, the recorded answers to the offers of round "
            f"{offer_round - 1} (and any withdrawals or revocations) are applied, residents keep their rooms, and "
            "the freed beds go down the new waitlist. It is compared with this round's own offers; residents hold "
            "their places on both sides.")


_replays: dict[tuple[str, str], tuple] = {}  # in the worker: (bundle, manifest hash) -> (BundleReplay, baseline)


def _write_step(progress: Path, step: str) -> None:
    progress.write_text(json.dumps({"step": step, "at": time.time()}), encoding="utf-8")


def run_scenario(run_dir: str, overrides: dict[str, Any], label: str, progress: str) -> ScenarioResult:
    """In the worker: the bundle's round under its own policy (kept for the next scenario)
    against the same round under ``overrides`` (:class:`whatif.BundleReplay`)."""
    from hac.bundle import read_checked_manifest, sha256_of  # noqa: PLC0415 (the worker's imports)
    from whatif import BundleReplay, compare  # noqa: PLC0415

    started, folder, progress_path = time.perf_counter(), Path(run_dir), Path(progress)
    _write_step(progress_path, "reading the bundle")
    read_checked_manifest(folder)  # every scenario: the bundle still matches its manifest
    key = (str(folder), sha256_of(folder / "manifest.json"))
    if key not in _replays:
        replay = BundleReplay(folder)
        _write_step(progress_path, f"the baseline: {replay.steps} under the bundle's policy")
        first = "the run's policy" if not replay.later_round else f"round {replay.offer_round} as the run made it"
        baseline = replay.run(label=first)
        _replays.clear()
        _replays[key] = (replay, baseline)
    replay, baseline = _replays[key]
    _write_step(progress_path, f"the scenario: {replay.steps} under the changed policy")
    scenario = replay.run(overrides, label=label)
    _write_step(progress_path, "comparing")
    comparison = compare(baseline, scenario)
    return ScenarioResult(
        before_label=comparison.before_label, after_label=comparison.after_label,
        policy_version=scenario.policy.version, summary={k: int(v) for k, v in comparison.summary().items()},
        gains=comparison.gains, losses=comparison.losses, cutoffs=comparison.cutoffs,
        breakdowns={by: comparison.breakdown(by) for by in BREAKDOWNS},
        seconds=time.perf_counter() - started)


@dataclass
class Scenario:
    """One submitted scenario: its bundle, overrides, who asked, and its future."""

    id: str
    run: str
    label: str
    overrides: dict[str, Any]
    officer: str
    progress: Path
    future: Future
    offer_round: int = 1
    submitted: float = field(default_factory=time.time)

    @property
    def state(self) -> str:
        if self.future.done():
            return "failed" if self.future.exception() is not None else "done"
        return "running" if self.future.running() else "waiting"

    @property
    def step(self) -> str:
        try:
            return json.loads(self.progress.read_text(encoding="utf-8"))["step"]
        except (OSError, ValueError, KeyError):
            return "waiting for the worker"

    @property
    def elapsed(self) -> int:
        return int(time.time() - self.submitted)


class Scenarios:
    """The scenarios of this console session, run one at a time in one worker process."""

    def __init__(self, state: Path) -> None:
        self.folder = Path(state) / "scenarios"
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._jobs: dict[str, Scenario] = {}
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _worker(self) -> ProcessPoolExecutor:
        if self._executor is None:  # spawn: the worker starts clean, not as a copy of the server's threads
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    def submit(self, run: str, run_dir: Path, overrides: dict[str, Any], label: str, officer: str) -> Scenario:
        with self._lock:
            job_id = secrets.token_hex(8)
            progress = self.folder / f"{job_id}.json"
            _write_step(progress, "waiting for the worker")
            future = self._worker().submit(run_scenario, str(run_dir), overrides, label, str(progress))
            offer_round = read_manifest(run_dir).get("offer_round", 1)
            job = self._jobs[job_id] = Scenario(job_id, run, label, overrides, officer, progress, future, offer_round)
        return job

    def get(self, run: str, job_id: str) -> Scenario | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.run == run else None

    def of_run(self, run: str) -> list[Scenario]:
        return sorted((j for j in self._jobs.values() if j.run == run), key=lambda j: -j.submitted)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
