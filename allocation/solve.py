"""Deterministic CP-SAT: the solver's settings, and the lexicographic solve of several objectives.

Determinism (``shared/design``: "The solver is deterministic"): one worker, a fixed random
seed and a deterministic time limit (work units, the same on every machine, not wall-clock
seconds), so the same model gives the same answer anywhere. :class:`SolverSettings` holds them
and :meth:`SolverSettings.as_dict` gives them in the form a run's manifest records.

Objectives in order of importance (the policy's ``[allocation] wishes``) are met
lexicographically (:func:`solve_lexicographically`): solve the first, keep its value as a
constraint, solve the next, and so on. Several maximised counts can be met in one step
(:func:`in_one_step`); a step so combined, once proven optimal, keeps each part's value.

A step whose solution is not kept, only its value, may be raced (:func:`race`): the policy's
configuration and a second one (:data:`RIVAL`) solve it at once, one on each core, and the
first to prove its answer gives it. A proven optimum's value is the same whoever proves it, so
the answer does not depend on which finishes first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ortools.sat.python import cp_model

from psm.interrupt import stoppable

__all__ = ["LINEARIZATION_LEVEL", "RIVAL", "SolverSettings", "deterministic_solver", "in_one_step", "solve",
           "BackgroundSolve", "race", "Objective", "StepResult", "LexicographicResult", "solve_lexicographically"]

# The full LP relaxation suits these counting models: on the second offer round of the sample
# it solved the room model's three steps to optimality in about two seconds, where the default
# level had not proved the first optimal in forty. Re-measured on a second round of the sample
# (a fifth of the offers declined): level 1 needed 17 deterministic seconds for the first step
# where level 2 needed 0.16; on the first round level 1 was faster, so the level stays 2.
LINEARIZATION_LEVEL = 2

# What the configuration raced against the policy's (:func:`race`) changes: no cuts in the LP.
# Measured on the room model's wishes step, deterministic seconds over random seeds 0-9 (the
# policy's seed for both): the sample's median 0.34 -> 0.23 raced (mean 0.43 -> 0.29), the
# 20,000-applicant benchmark's 0.52 -> 0.29 (mean 0.73 -> 0.30, worst 2.33 -> 0.44). Raced
# with the same parameters and another seed, or with linear_split_size 0, probing level 1, no
# MIR cuts, core-based search or pseudo-cost branching, the means fell less.
RIVAL = (("max_num_cuts", 0),)


@dataclass(frozen=True)
class SolverSettings:
    """A deterministic CP-SAT configuration. ``max_deterministic_time`` as the policy states it;
    ``overrides``: further CP-SAT parameters, by name (:meth:`rival`)."""

    random_seed: int
    max_deterministic_time: Decimal | float
    num_workers: int = 1
    linearization_level: int = LINEARIZATION_LEVEL
    overrides: tuple[tuple[str, int], ...] = ()

    def solver(self) -> cp_model.CpSolver:
        """A fresh solver with these settings."""
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = self.num_workers
        solver.parameters.random_seed = self.random_seed
        solver.parameters.max_deterministic_time = self.max_deterministic_time
        solver.parameters.linearization_level = self.linearization_level
        solver.parameters.catch_sigint_signal = False  # a signal stops the command (psm.interrupt), never quietly the solve
        for name, value in self.overrides:
            setattr(solver.parameters, name, value)
        return solver

    def rival(self) -> SolverSettings:
        """These settings changed by :data:`RIVAL`: the configuration :func:`race` runs beside them."""
        return replace(self, overrides=RIVAL)

    def as_dict(self) -> dict[str, object]:
        """The settings under CP-SAT's parameter names, for a run's manifest."""
        return {"num_workers": self.num_workers, "random_seed": self.random_seed,
                "linearization_level": self.linearization_level,
                "max_deterministic_time": self.max_deterministic_time, **dict(self.overrides)}


def deterministic_solver(seed: int = 0, time_limit: float = 10.0) -> cp_model.CpSolver:
    """A CP-SAT solver that gives the same answer on any machine (:class:`SolverSettings`)."""
    return SolverSettings(random_seed=seed, max_deterministic_time=time_limit).solver()


def solve(solver: cp_model.CpSolver, model: cp_model.CpModel) -> int:
    """``solver.solve(model)``, stoppable by SIGINT, SIGTERM and SIGHUP: a stopped solve raises
    :class:`psm.interrupt.Interrupted` and its answer is never used."""
    with stoppable(solver):
        return solver.solve(model)


class BackgroundSolve:
    """:func:`solve` on a thread of its own, started at once, so that the caller can work on
    meanwhile: CP-SAT releases the interpreter's lock while it searches, so the two share the
    machine's cores. :meth:`status` waits for the answer; :meth:`abandon` stops the search and
    waits for it to end, its answer unread.

    The solve is the same as in the caller's thread (same model, same parameters, one worker):
    the same answer, whichever finishes first. A signal stops it as it stops any solve
    (:func:`psm.interrupt.stoppable`); the :class:`~psm.interrupt.Interrupted` it raises, or any
    other error, is raised again by :meth:`status`.

    ``ended``, if given, receives this object once the solve has ended (a queue shared by
    several solves tells which ends first).
    """

    def __init__(self, solver: cp_model.CpSolver, model: cp_model.CpModel,
                 ended: queue.SimpleQueue | None = None) -> None:
        self.solver = solver
        self._outcome: tuple[int | None, BaseException | None] = (None, None)
        self._ended = ended
        self._done = threading.Event()  # set once the outcome is known, before ``ended`` hears of it
        self._thread = threading.Thread(target=self._run, args=(model,), name="cp-sat", daemon=True)
        self._thread.start()

    def _run(self, model: cp_model.CpModel) -> None:
        try:
            self._outcome = (solve(self.solver, model), None)
        except BaseException as error:  # noqa: BLE001 (handed to the waiting thread, raised there)
            self._outcome = (None, error)
        self._done.set()
        if self._ended is not None:
            self._ended.put(self)

    def ended(self) -> bool:
        """Has the solve ended (its :meth:`status` then answers at once)? True from the moment
        its outcome is known, so a caller woken by ``ended`` always finds it ended."""
        return self._done.is_set()

    def status(self) -> int:
        """The solve's status, once it has ended."""
        self._thread.join()
        status, error = self._outcome
        if error is not None:
            raise error
        return status

    def abandon(self) -> None:
        """Stop the search (its answer is not wanted) and wait for it to end."""
        while self._thread.is_alive():
            self.solver.stop_search()  # before the search has begun this does nothing: so, again until it ends
            self._thread.join(0.001)


def race(model: cp_model.CpModel, settings: SolverSettings,
         rival: SolverSettings | None = None) -> tuple[int, cp_model.CpSolver]:
    """Solve ``model`` with ``settings`` and, at the same time on a copy, with ``rival`` (by
    default ``settings.rival()``; one worker each, so one core each); returns the status and the
    solver whose answer counts.

    That is the first to prove its answer (OPTIMAL or INFEASIBLE; the other is stopped), else,
    once both have ended, the rival if it proved its answer, else ``settings``' own. So the
    answer is deterministic: a proven optimum has one value, and each solve's own outcome
    within its deterministic limit is the same on any machine. Only the value is: two
    configurations reach the optimum with other solutions, so race only a step whose solution
    is not kept. A rival must prove what ``settings`` proves (the same gap limits: an optimum
    is exact). An error in either solve (a signal's :class:`~psm.interrupt.Interrupted`, say)
    stops the other and is raised; once one has proved its answer, the other's end is not read.
    """
    copy = model.clone()  # before either solve starts: nothing reads the model while it is copied
    solvers = (settings.solver(), (rival or settings.rival()).solver())
    ended: queue.SimpleQueue = queue.SimpleQueue()
    running: list[BackgroundSolve] = []
    proven = (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    try:
        running.append(BackgroundSolve(solvers[0], model, ended))
        running.append(BackgroundSolve(solvers[1], copy, ended))
        first = ended.get()
        status = first.status()
        if status in proven:
            return status, first.solver
        second = ended.get()
        status = second.status()
        if status in proven:
            return status, second.solver
        return running[0].status(), running[0].solver
    finally:
        for solve_ in running:
            solve_.abandon()


@dataclass(frozen=True)
class Objective:
    """One step of a lexicographic solve: a named expression, maximised or minimised."""

    name: str
    expression: cp_model.LinearExprT
    maximise: bool = True
    parts: tuple[Objective, ...] = ()  # the objectives combined in one step (:func:`in_one_step`)


def in_one_step(objectives: Sequence[Objective], bound: int) -> Objective:
    """Maximised objectives, most important first, as one: ``((a * (bound + 1)) + b) * (bound + 1) + c ...``.

    When every objective but the first is a count between 0 and ``bound``, the maximum of this
    sum is exactly the lexicographic optimum (one more of an earlier objective outweighs
    anything the later ones can add), so one solve replaces several. Each objective's own value
    is read from the solution (``solver.value(objective.expression)``). The objectives are kept
    as the result's ``parts``, for :func:`solve_lexicographically`.
    """
    if any(not o.maximise for o in objectives):
        raise ValueError("in_one_step combines maximised objectives only")
    expression = objectives[0].expression
    for later in objectives[1:]:
        expression = expression * (bound + 1) + later.expression
    return Objective(" then ".join(o.name for o in objectives), expression, parts=tuple(objectives))


@dataclass(frozen=True)
class StepResult:
    """How one step ended: its CP-SAT status, and the value reached (None if no solution)."""

    name: str
    status: int
    value: int | None
    raced: bool = False  # solved by :func:`race` (only its value kept)

    @property
    def solved(self) -> bool:
        return self.status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    @property
    def optimal(self) -> bool:
        return self.status == cp_model.OPTIMAL


@dataclass(frozen=True)
class LexicographicResult:
    """The steps tried, in order (the last one failed if it has no solution), and the last
    step's solver, to read the solution (or, if that step failed, why)."""

    steps: tuple[StepResult, ...]
    solver: cp_model.CpSolver | None  # None when there were no objectives

    @property
    def failed(self) -> StepResult | None:
        return self.steps[-1] if self.steps and not self.steps[-1].solved else None


def solve_lexicographically(model: cp_model.CpModel, objectives: Sequence[Objective],
                            settings: SolverSettings, hint_from_each_step: Sequence[cp_model.IntVar] = (),
                            after_step: Callable[[], object] | None = None,
                            race_values: bool = False) -> LexicographicResult:
    """Solve ``objectives`` in order, each with a fresh solver of ``settings``; stop at the first
    step that finds no solution. With ``race_values`` (and no ``hint_from_each_step``), every
    step but the last is raced (:func:`race`): only its value is kept, the same either way.

    Steps: (1) set the objective and solve; (2) if no solution, stop; (3) keep the value reached
    as a constraint (at least it when maximising, at most it when minimising), so later steps
    never give it up: for a step of several ``parts`` (:func:`in_one_step`) proven optimal, each
    part's value instead, the same solutions (the combined optimum is the lexicographic one, so
    every solution reaching it has these parts' values, the first exactly) in a tighter linear
    relaxation: on the sample the room model's tie-break then needed 0.56 deterministic seconds
    instead of 0.96; (4) if ``hint_from_each_step`` is given, hint those variables with this
    step's answer, which meets every step so far, so the next step starts from it; (5) call
    ``after_step`` (a progress line, say) and go on with the next objective.
    """
    steps: list[StepResult] = []
    solver = None
    for i, objective in enumerate(objectives):
        (model.maximize if objective.maximise else model.minimize)(objective.expression)
        raced = race_values and not hint_from_each_step and i < len(objectives) - 1
        if raced:
            status, solver = race(model, settings)
        else:
            solver = settings.solver()
            status = solve(solver, model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            steps.append(StepResult(objective.name, status, None, raced))
            break
        value = int(round(solver.objective_value))
        steps.append(StepResult(objective.name, status, value, raced))
        if objective.parts and status == cp_model.OPTIMAL:
            for part in objective.parts:
                model.add(part.expression >= int(solver.value(part.expression)))
        else:
            model.add(objective.expression >= value if objective.maximise else objective.expression <= value)
        if hint_from_each_step:
            model.clear_hints()
            for var in hint_from_each_step:
                model.add_hint(var, solver.value(var))
        if after_step is not None:
            after_step()
    return LexicographicResult(tuple(steps), solver)
