"""Does a set of admitted people fit the halls? The exact test, on aggregated counts.

People are counted by :class:`Kind` (pool, gender, needs an accessible room, college
membership); suites by :class:`~allocation.inventory.SuiteClass`. A set of people fits when
whole suites can be given to each gender so that, class by class and gender by gender:

- the people placed there number at most the beds of the suites given to that gender;
- those needing an accessible room number at most the accessible beds of those suites;
- each person is in a class open to them: their pool (or a pool whose unused beds spill into
  theirs), female-only halls for women only, college suites for that college's members only.

Within one class and gender this is also sufficient (fill the accessible beds with those who
need them first, then the rest), so the test is exact, not a relaxation.

:class:`Fit` keeps a current placement and adds people one at a time: a cheap greedy step
(an open suite of their gender with a free bed, else a fresh suite) answers most additions;
only when it cannot does a small CP-SAT model re-place everyone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocation.inventory import SuiteClass
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["Kind", "Fit", "opens_to", "deterministic_solver"]


@dataclass(frozen=True, order=True)
class Kind:
    """People who are interchangeable for admission."""

    pool: str
    gender: str
    accessible: bool
    college: str


def opens_to(suite: SuiteClass, kind: Kind, spill_into: dict[str, str]) -> bool:
    """May a person of ``kind`` live in a suite of this class? (the hard rules, one by one)"""
    pool_ok = kind.pool in suite.pools or any(spill_into.get(p) == kind.pool for p in suite.pools)
    gender_ok = suite.gender == "any" or suite.gender == kind.gender
    access_ok = not kind.accessible or suite.accessible_beds > 0
    college_ok = suite.college == "" or suite.college == kind.college
    return pool_ok and gender_ok and access_ok and college_ok


def deterministic_solver(seed: int = 0, time_limit: float = 10.0) -> cp_model.CpSolver:
    """A CP-SAT solver that gives the same answer on any machine: one worker, a fixed seed and
    a deterministic time limit (work units, not wall-clock seconds)."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = time_limit
    return solver


@dataclass
class Fit:
    """A current placement of admitted people on suite classes, grown one person at a time."""

    classes: tuple[SuiteClass, ...]
    policy: Policy
    people: Counter = field(default_factory=Counter)  # Kind -> admitted
    placed: Counter = field(default_factory=Counter)  # (Kind, class key) -> people
    suites: Counter = field(default_factory=Counter)  # (class key, gender) -> suites given
    solver_calls: int = 0

    def __post_init__(self) -> None:
        spill = self.policy.spill_over
        self._spill_into = {pool: spill.into for pool in spill.order}
        self._open: dict[Kind, list[SuiteClass]] = {}
        self._reindex()

    def _reindex(self) -> None:
        """People per (class, gender), and those of them needing accessible beds."""
        self._load: Counter = Counter()
        self._load_accessible: Counter = Counter()
        for (kind, key), n in self.placed.items():
            self._load[key, kind.gender] += n
            if kind.accessible:
                self._load_accessible[key, kind.gender] += n

    def _place(self, kind: Kind, suite: SuiteClass) -> None:
        self.placed[kind, suite.key] += 1
        self._load[suite.key, kind.gender] += 1
        self._load_accessible[suite.key, kind.gender] += kind.accessible

    def open_classes(self, kind: Kind) -> list[SuiteClass]:
        """Classes open to ``kind``, scarce ones last (accessible beds, colleges, other pools)."""
        if kind not in self._open:
            eligible = [c for c in self.classes if opens_to(c, kind, self._spill_into)]
            self._open[kind] = sorted(
                eligible,
                key=lambda c: (
                    kind.pool not in c.pools,  # spilled beds after the pool's own
                    c.college != kind.college,  # members into their college first
                    (c.accessible_beds > 0) != kind.accessible,  # accessible beds for those who need them
                    c.key,
                ),
            )
        return self._open[kind]

    def try_add(self, kind: Kind) -> bool:
        """Admit one more person of ``kind`` if everyone admitted so far still fits."""
        if self._greedy_add(kind):
            self.people[kind] += 1
            return True
        wanted = self.people + Counter({kind: 1})
        solution = self._solve(wanted)
        if solution is None:
            return False
        self.people, (self.placed, self.suites) = wanted, solution
        self._reindex()
        return True

    def _room(self, suite: SuiteClass, gender: str) -> tuple[int, int]:
        """Free beds and free accessible beds in the suites of ``suite`` given to ``gender``."""
        given = self.suites[suite.key, gender]
        return (given * suite.beds - self._load[suite.key, gender],
                given * suite.accessible_beds - self._load_accessible[suite.key, gender])

    def _greedy_add(self, kind: Kind) -> bool:
        candidates = self.open_classes(kind)
        for suite in candidates:  # a free bed in a suite already given to this gender
            free, free_accessible = self._room(suite, kind.gender)
            if free > 0 and (not kind.accessible or free_accessible > 0):
                self._place(kind, suite)
                return True
        for suite in candidates:  # else open a fresh suite for this gender
            if self.suites[suite.key, "F"] + self.suites[suite.key, "M"] < suite.count:
                self.suites[suite.key, kind.gender] += 1
                self._place(kind, suite)
                return True
        return False

    def _solve(self, people: Counter) -> tuple[Counter, Counter] | None:
        """Place ``people`` from scratch with CP-SAT; None when they cannot all fit."""
        self.solver_calls += 1
        model = cp_model.CpModel()
        suites = {}
        for c in self.classes:
            for g in ("F", "M"):
                suites[c.key, g] = model.new_int_var(0, c.count if (c.gender == "any" or g == "F") else 0, f"s{c.key}{g}")
            model.add(suites[c.key, "F"] + suites[c.key, "M"] <= c.count)  # a suite has one gender
        placed = {}
        for kind, n in sorted(people.items()):
            options = self.open_classes(kind)
            if not options:
                return None
            for c in options:
                placed[kind, c.key] = model.new_int_var(0, n, f"y{c.key}")
            model.add(sum(placed[kind, c.key] for c in options) == n)  # everyone admitted is placed
        for c in self.classes:
            for g in ("F", "M"):
                here = [(k, v) for (k, key), v in placed.items() if key == c.key and k.gender == g]
                if here:
                    model.add(sum(v for _, v in here) <= c.beds * suites[c.key, g])  # beds
                    needing = [v for k, v in here if k.accessible]
                    if needing:
                        model.add(sum(needing) <= c.accessible_beds * suites[c.key, g])  # accessible beds
        solver = deterministic_solver()
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # never read a time-out as "does not fit"
            raise PsmError(
                f"the admission fit check ended {solver.status_name(status)} after "
                f"{solver.parameters.max_deterministic_time:g} deterministic seconds with {sum(people.values()):,} "
                f"people; nobody was refused on its account. Report this with the inventory and policy used."
            )
        new_placed = Counter({key: solver.value(v) for key, v in placed.items() if solver.value(v)})
        new_suites = Counter({key: solver.value(v) for key, v in suites.items() if solver.value(v)})
        return new_placed, new_suites
