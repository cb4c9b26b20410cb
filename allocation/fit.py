"""Does a set of admitted people fit the halls? The exact test, on aggregated counts.

Units (a person, or a mutual roommate pair who must share a room) are counted by
:class:`~allocation.access.ApplicantKind` (pool, gender, needs an accessible room, college
membership, size); suites by :class:`~allocation.inventory.SuiteClass`. A set of units fits
when whole suites can be given to each gender so that, class by class and gender by gender:

- the people placed there number at most the beds of the suites given to that gender;
- those needing an accessible room number at most the accessible beds of those suites;
- the pairs number at most the rooms of two or more beds in those suites (and accessible
  pairs at most the accessible ones);
- every unit promised a hall (:meth:`Fit.try_commit`) is in a suite of that hall;
- each unit is in a class open to it (:class:`~allocation.access.RoomAccess`: pools and
  spill-over, gender rule, accessible rooms, college rooms).

Within one class and gender this is also sufficient (pairs into triples first, then doubles;
accessible beds to those who need them; singles fill any bed left), so the test is exact for
suites whose rooms are all accessible or none, as in the bundled inventory; not a relaxation.
``rooms.csv`` may give one suite accessible and plain rooms: there the test can say "fits" of
people no split into whole suites places, and the room model, exact room by room
(:mod:`allocation.rooms`), then stops the run ("room placement is impossible"), never a wrong
room. (:func:`allocation.residual.join_resident_roommates` relies on exactness only where it holds.)

:class:`Fit` keeps a current placement and grows it one person, or one hall promise, at a
time. Quick moves on the counts answer most requests (a free bed of the right gender, a fresh
suite, a suite the other gender can spare, moving an unpromised unit out, or single people
out to make room for a pair, swapping suite genders with a twin class, trading places between
units of two kinds); only when none works
is the question decided afresh (:meth:`Fit._decide`), and its "impossible" is final because
people and promises only accumulate. Each way of deciding is trusted only for what it proves, so every answer is the
exact one: a count on whole suites, the LP relaxation and that relaxation with whole suites (a
MIP) prove "impossible", a placement built from scratch proves "fits", and a CP-SAT model of
the question answers either way. CP-SAT is
run with the policy's ``[allocation] solver_seed`` and ``fit_max_deterministic_time``
(:attr:`Fit.solver_settings`, recorded by :class:`~allocation.admit.Admission`), first without
presolve on a small deterministic budget, then, if that budget runs out, in full.
"""

from __future__ import annotations

import functools
import queue
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.sat.python import cp_model

from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import SuiteClass
from allocation.solve import BackgroundSolve, SolverSettings
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["ApplicantKind", "Fit"]

# The quick CP-SAT solve's budget, in deterministic seconds (:meth:`Fit._quick_solve`). Measured
# (/tmp/fitbench): the quick solves that found a placement took at most 0.12 (median 0.006) on
# the sample, 0.03 on a 10,000-applicant cohort; those that ran out on the sparse inventories
# were impossible cases the full model (presolve, rounding cuts) proves faster, so a larger
# budget only wastes time there. An answer never depends on it: the full model follows.
QUICK_DETERMINISTIC_TIME = 0.15
FULL_SEARCH_AFTER = 0.05  # wall seconds a quick solve runs alone after the LP (Fit._answer); only the time depends on it
WHOLE_SUITES_AFTER = 0.02  # wall seconds before the relaxation with whole suites joins it (Fit._answer); the same
WHOLE_SUITES_LIMIT = 0.1  # wall seconds SCIP searches the relaxation with whole suites (_WholeSuites); the same
_UNSETTLED = object()  # the quick solve ran out of budget: no answer
_IMPOSSIBLE = object()  # a relaxation proved "impossible" before it was solved (Fit._relaxation)
_ANSWERED = (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)  # a solve's statuses that answer
_NOTHING = (0, 0, 0, 0)  # the needs of no units (_needs_of)


@functools.cache
def _needs_of(kind: ApplicantKind) -> tuple[int, int, int, int]:
    """What one unit of ``kind`` needs of a suite, as :attr:`Fit._NEEDS` counts it: beds,
    accessible beds, rooms of two or more beds, accessible such rooms."""
    return tuple(need(kind) for need, _ in Fit._NEEDS)


def _in_halls(hall: str, promised: str | tuple[str, ...]) -> bool:
    """Is a class of ``hall`` in what was promised: one hall, or any of several (a question
    :meth:`Fit._may_fit_outside_college` asks, never a promise kept)?"""
    return hall == promised if isinstance(promised, str) else hall in promised


def _twins(a: SuiteClass, b: SuiteClass) -> bool:
    """Suites alike in rooms and rules (the hall aside): people of one fit the other."""
    return (a.rooms, a.pools, a.college, a.gender) == (b.rooms, b.pools, b.college, b.gender) and a.gender == "any"


@dataclass
class Fit:
    """A current placement of admitted people on suite classes, grown one person at a time."""

    classes: tuple[SuiteClass, ...]
    policy: Policy
    people: Counter = field(default_factory=Counter)  # ApplicantKind -> admitted
    placed: Counter = field(default_factory=Counter)  # (ApplicantKind, class key) -> people
    suites: Counter = field(default_factory=Counter)  # (class key, gender) -> suites given
    committed: Counter = field(default_factory=Counter)  # (ApplicantKind, hall) -> units promised that hall
    solver_calls: int = 0  # full CP-SAT solves (:meth:`_solve`)
    quick_solver_calls: int = 0  # quick CP-SAT solves (:meth:`_quick_solve`)
    refused: set = field(default_factory=set)  # (ApplicantKind, hall) promises found impossible: they stay so
    access: RoomAccess = field(init=False)  # who may live in which suite class
    solver_settings: SolverSettings = field(init=False)  # for the CP-SAT model that re-places everyone

    def __post_init__(self) -> None:
        self.access = RoomAccess.from_policy(self.policy)
        settings = self.policy.allocation
        self.solver_settings = SolverSettings(random_seed=settings.solver_seed,
                                              max_deterministic_time=settings.fit_max_deterministic_time)
        self._open: dict[ApplicantKind, list[SuiteClass]] = {}
        self._open_keys: dict[ApplicantKind, frozenset[int]] = {}  # the keys of open_classes
        self._keys_in_hall: dict[tuple[ApplicantKind, object], frozenset[int]] = {}  # (kind, promise) -> keys (_groups)
        self._refused_adds: list[ApplicantKind] = []  # kinds refused by try_add (see there)
        self._refused_joins: set[tuple[ApplicantKind, ApplicantKind]] = set()  # see try_join
        self._moves: list | None = None  # moves made during a trial, to undo it (:meth:`_try_moves`)
        self._trials = 0  # trials begun and not yet ended (they nest)
        self._fits_outside: dict[ApplicantKind, tuple] = {}  # kind -> (promises, people) when it fitted outside its college
        self._last_skeleton: tuple | None = None  # (kinds, _Skeleton) last built (:meth:`_skeleton`)
        self._richest: dict[tuple[frozenset, str], list] = {}  # (classes, gender) -> :meth:`_richest_first`
        self._reindex()

    def _reindex(self) -> None:
        """Rebuild the indexes of ``placed``: loads per (class, gender), units per hall and per class."""
        self._by_key = {c.key: c for c in self.classes}
        self._load: dict[tuple[int, str], list[int]] = {}  # (class key, gender) -> what its units need (_NEEDS)
        self._in_hall: Counter = Counter()  # (ApplicantKind, hall) -> units placed there
        self._where: dict[ApplicantKind, Counter] = {}  # ApplicantKind -> class key -> units
        for (kind, key), n in self.placed.items():
            self._count(kind, key, n)

    def _count(self, kind: ApplicantKind, key: int, n: int) -> None:
        self._in_hall[kind, self._by_key[key].hall] += n
        self._where.setdefault(kind, Counter())[key] += n
        load = self._load.setdefault((key, kind.gender), [0, 0, 0, 0])
        for r, need in enumerate(_needs_of(kind)):
            load[r] += n * need

    def _place(self, kind: ApplicantKind, suite: SuiteClass, n: int = 1) -> None:
        self.placed[kind, suite.key] += n
        self._count(kind, suite.key, n)
        if self._moves is not None:
            self._moves.append((kind, suite, n))

    def _try_moves(self) -> tuple[int, Counter]:
        """Start a trial: moves (:meth:`_place`) are recorded to undo them if it fails; returns
        where its moves begin and a copy of ``suites`` to restore then. Cheaper than copying
        ``placed`` and rebuilding its indexes. Trials nest: one begun within another is kept
        (:meth:`_keep_moves`) or undone (:meth:`_undo_moves`) on its own, and the outer one can
        still undo what it kept."""
        if self._moves is None:
            self._moves = []
        self._trials += 1
        return len(self._moves), Counter(self.suites)

    def _keep_moves(self) -> None:
        """End the innermost trial, keeping its moves."""
        self._trials -= 1
        if not self._trials:
            self._moves = None

    def _undo_moves(self, trial: tuple[int, Counter]) -> None:
        """Undo every move of the innermost trial (:meth:`_try_moves`), give back its ``suites`` and end it."""
        start, suites = trial
        moves, recording = self._moves[start:], self._moves
        del recording[start:]
        self._moves = None  # the undoing is not recorded
        for kind, suite, n in reversed(moves):
            self._place(kind, suite, -n)
        self._moves = recording
        self.suites = suites
        self._keep_moves()

    def _hall_of(self, key: int) -> str:
        return self._by_key[key].hall

    def open_classes(self, kind: ApplicantKind) -> list[SuiteClass]:
        """Classes open to ``kind``, scarce ones last (accessible beds, colleges, other pools)."""
        if kind not in self._open:
            eligible = [c for c in self.classes if self.access.allows_suite(kind, c)]
            self._open[kind] = sorted(
                eligible,
                key=lambda c: (
                    kind.pool not in c.pools,  # spilled beds after the pool's own
                    c.college != (kind.released_to or kind.college),  # members into their college first; those
                    # released a college's beds into those beds (ordinary ones were full for them)
                    (c.accessible_beds > 0) != kind.accessible,  # accessible beds for those who need them
                    c.key,
                ),
            )
        return self._open[kind]

    def open_keys(self, kind: ApplicantKind) -> frozenset[int]:
        """The keys of :meth:`open_classes`, as a set."""
        if kind not in self._open_keys:
            self._open_keys[kind] = frozenset(c.key for c in self.open_classes(kind))
        return self._open_keys[kind]

    def try_add(self, kind: ApplicantKind) -> bool:
        """Admit one more person of ``kind`` if everyone admitted so far still fits.

        A kind at least as hard to place as one refused since is refused at once
        (:meth:`_at_least_as_hard`): people only got harder to place since (:meth:`try_join`),
        so it cannot fit.
        """
        if any(self._at_least_as_hard(kind, other) for other in self._refused_adds):
            return False
        if self._greedy_add(kind):
            self.people[kind] += 1
            return True
        wanted = self.people + Counter({kind: 1})
        solution = self._decide(wanted, self.committed)
        if solution is None:
            self._refused_adds.append(kind)
            return False
        self.people, (self.placed, self.suites) = wanted, solution
        self._reindex()
        return True

    def _at_least_as_hard(self, kind: ApplicantKind, other: ApplicantKind) -> bool:
        """Is one more ``kind`` at least as hard to place as one more ``other``?

        True when they share a gender and every class open to ``kind`` is open to ``other``, and
        ``kind`` needs at least what ``other`` needs there (size, accessible beds): any placement
        with ``kind`` then gives one with ``other`` in its place.
        """
        return (kind.gender == other.gender and kind.size >= other.size and kind.accessible >= other.accessible
                and self.open_keys(kind) <= self.open_keys(other))

    def start_from(self, other: Fit) -> None:
        """Take over the people and placement of ``other`` (no promises): a placement known to be valid."""
        self.people, self.placed, self.suites = Counter(other.people), Counter(other.placed), Counter(other.suites)
        self.committed = Counter()
        self._refused_adds, self._refused_joins = [], set()
        self._reindex()

    def _fits(self, suite: SuiteClass, gender: str, given: int, adding: ApplicantKind | None = None) -> bool:
        """Would ``gender``'s units in this class (and one more ``adding``) fit in ``given`` suites?"""
        beds, accessible_beds, pairs, accessible_pairs = self._load.get((suite.key, gender), _NOTHING)
        if adding is not None:
            more = _needs_of(adding)
            beds, accessible_beds, pairs, accessible_pairs = (
                beds + more[0], accessible_beds + more[1], pairs + more[2], accessible_pairs + more[3])
        return (beds <= given * suite.beds and accessible_beds <= given * suite.accessible_beds
                and pairs <= given * suite.shared_rooms and accessible_pairs <= given * suite.accessible_shared_rooms)

    def _has_room(self, suite: SuiteClass, kind: ApplicantKind, extra_suites: int = 0) -> bool:
        """Is there room for one more unit of ``kind`` in this class's suites of its gender?"""
        return self._fits(suite, kind.gender, self.suites[suite.key, kind.gender] + extra_suites, kind)

    def _find_slot(self, kind: ApplicantKind, hall: str | None = None,
                   avoid: str | None = None) -> tuple[SuiteClass, str] | None:
        """Where one more ``kind`` could go (in ``hall``, or outside ``avoid``), and how; changes nothing.

        How: ``free`` (a free place in a suite already given to the gender), ``fresh`` (a
        suite no gender has yet) or ``flip`` (a suite the other gender does not need).
        """
        candidates = [c for c in self.open_classes(kind) if (hall is None or c.hall == hall) and c.hall != avoid]
        other = "M" if kind.gender == "F" else "F"
        for suite in candidates:
            if self._has_room(suite, kind):
                return suite, "free"
        for suite in candidates:
            if self.suites[suite.key, "F"] + self.suites[suite.key, "M"] < suite.count and self._has_room(suite, kind, 1):
                return suite, "fresh"
        for suite in candidates:
            if self._spare(suite, other) and self._has_room(suite, kind, 1):
                return suite, "flip"
        return None

    def _take(self, kind: ApplicantKind, slot: tuple[SuiteClass, str]) -> SuiteClass:
        """Put one ``kind`` in the slot :meth:`_find_slot` found."""
        suite, how = slot
        if how in ("fresh", "flip"):
            self.suites[suite.key, kind.gender] += 1
        if how == "flip":
            self.suites[suite.key, "M" if kind.gender == "F" else "F"] -= 1
        self._place(kind, suite)
        return suite

    def _spare(self, suite: SuiteClass, gender: str) -> bool:
        """Would ``gender``'s people in this class still fit in one suite fewer?"""
        given = self.suites[suite.key, gender] - 1
        return given >= 0 and self._fits(suite, gender, given)

    def _greedy_add(self, kind: ApplicantKind) -> bool:
        slot = self._find_slot(kind)
        if slot is None:
            return False
        self._take(kind, slot)
        return True

    def try_join(self, a: ApplicantKind, b: ApplicantKind) -> bool:
        """Make two placed people, of kinds ``a`` and ``b``, one pair unit sharing a room
        (:meth:`RoomAccess.pair_kind`) if everyone still fits; otherwise change nothing.

        What was refused is remembered while the people only get harder to place: people added,
        and pairs joined whose kind is at least as hard as each member's (:meth:`_at_least_as_hard`:
        any placement of the pair places both members in its room). A join refused is then
        refused at once, and so is any person of a kind refused. A pair of a college member and a
        non-member may be given the college's rooms (``[allocation]
        college_rooms_for_member_roommates``), which the non-member alone may not use: joining
        them may make room, so it forgets what was refused.
        """
        if (a, b) in self._refused_joins:
            return False
        pair = self.access.pair_kind(a, b)
        refused_adds = list(self._refused_adds)
        taken = [(kind, self._remove(kind)) for kind in (a, b)]
        if self.try_add(pair):
            if self._at_least_as_hard(pair, a) and self._at_least_as_hard(pair, b):
                self._refused_adds = refused_adds  # harder than before: still refused
            else:
                self._refused_joins.clear()
            return True
        for kind, suite in reversed(taken):
            self._restore(kind, suite)
        self._refused_adds = refused_adds + [pair]  # refused with two people fewer: refused now
        self._refused_joins.add((a, b))
        return False

    def _remove(self, kind: ApplicantKind) -> SuiteClass:
        """Take one unit of ``kind`` out (from the last class holding one); returns that class.
        People no longer only accumulate: what was refused is forgotten (the caller may know better)."""
        key = max(key for key, n in self._where[kind].items() if n > 0)
        self._refused_adds = []
        self._place(kind, self._by_key[key], -1)
        self.people[kind] -= 1
        return self._by_key[key]

    def _restore(self, kind: ApplicantKind, suite: SuiteClass) -> None:
        """Undo :meth:`_remove`: the unit goes back where it was (suites were never changed)."""
        self._place(kind, suite)
        self.people[kind] += 1

    def try_commit(self, kind: ApplicantKind, hall: str) -> bool:
        """Promise one placed unit of ``kind`` the hall ``hall``, if everything still fits.

        Promises only accumulate, so a promise found impossible stays impossible: it is
        remembered and refused at once the next time.
        """
        if (kind, hall) in self.refused:
            return False
        if self._in_hall[kind, hall] > self.committed[kind, hall]:  # an unpromised unit already lives there
            self.committed[kind, hall] += 1
            return True
        if self._move_in(kind, hall) or self._swap_suites(kind, hall) or self._swap_units(kind, hall):
            self.committed[kind, hall] += 1
            return True
        if not self._may_fit_outside_college(kind, hall):
            return False
        wanted = self.committed + Counter({(kind, hall): 1})
        solution = self._decide(self.people, wanted)
        if solution is None:
            self.refused.add((kind, hall))
            return False
        (self.placed, self.suites), self.committed = solution, wanted
        self._reindex()
        return True

    def _move_in(self, kind: ApplicantKind, hall: str) -> bool:
        """Move an unpromised unit of ``kind`` from elsewhere into ``hall``: to a free place there,
        or one made by moving others out (:meth:`_make_room`, :meth:`_make_room_for_pair`).
        Changes nothing when it finds none."""
        source = self._movable(kind)
        if source is None:
            return False
        self._place(kind, source, -1)  # take the unit out while looking for its place in the hall
        slot = self._find_slot(kind, hall) or self._make_room(kind, hall) or self._make_room_for_pair(kind, hall)
        if slot is None:
            self._place(kind, source)
            return False
        self._take(kind, slot)
        return True

    def _may_fit_outside_college(self, kind: ApplicantKind, hall: str) -> bool:
        """For a unit released a college's empty beds (section 7) and a hall without that
        college's rooms: False when no such hall can be promised it at all, which refuses them
        all at once; True when that is not so (or not asked), which proves nothing.

        One question for all those halls (the unit in any of them), decided once while the
        promises stay as they are: if it is impossible, so is each hall, and promises only
        accumulate. Why: on the sample, such units listed the ordinary halls their pool had
        filled, and proving each of them impossible one by one was 45 of hall choice's 77
        decisions.
        """
        if not kind.released_to:
            return True
        college = {c.hall for c in self.classes if c.college == kind.released_to}
        outside = tuple(sorted({c.hall for c in self.open_classes(kind)} - college))
        if hall not in outside or len(outside) < 2:
            return True
        state = (sum(self.committed.values()), sorted((+self.people).items()))
        if self._fits_outside.get(kind) == state:  # asked already, with these people and promises: it fits
            return True
        if (kind, outside) not in self.refused:
            if self._decide(self.people, self.committed + Counter({(kind, outside): 1})) is not None:
                self._fits_outside[kind] = state
                return True
            self.refused.add((kind, outside))
        self.refused.update((kind, h) for h in outside)
        return False

    def _swap_suites(self, kind: ApplicantKind, hall: str, tries: int = 16) -> bool:
        """Swap the genders of a suite in ``hall`` and a suite of a twin class elsewhere, if that
        brings an unpromised unit of ``kind`` into the hall, or makes room there for one from
        elsewhere (:meth:`_move_in`: a pair, say, where the twin had only single people of its
        gender to send). Restores everything when it does not.

        Twins are classes with the same rooms and rules in other halls (the exchange floors of
        the Hung Hom halls, say): when a pool is nearly full, a hall's choice often needs exactly
        this trade, which the steps above cannot make.
        """
        gender, other = kind.gender, ("M" if kind.gender == "F" else "F")
        attempts = 0
        for here in (c for c in self.open_classes(kind) if c.hall == hall and self.suites[c.key, other] > 0):
            for there in (c for c in self.classes if c.hall != hall and self.suites[c.key, gender] > 0
                          and _twins(c, here)):
                attempts += 1
                if attempts > tries:
                    return False
                saved = self._try_moves()
                self.suites[here.key, other] -= 1
                self.suites[here.key, gender] += 1
                self.suites[there.key, gender] -= 1
                self.suites[there.key, other] += 1
                if (self._shed(here, other, there, prefer=None) and self._shed(there, gender, here, prefer=kind)
                        and (self._in_hall[kind, hall] > self.committed[kind, hall] or self._move_in(kind, hall))):
                    self._keep_moves()
                    return True
                self._undo_moves(saved)
        return False

    def _swap_units(self, kind: ApplicantKind, hall: str, tries: int = 64) -> bool:
        """For a single person: trade places between an unpromised unit of another kind in a
        class of ``hall`` and as many unpromised units of ``kind`` (one, or two for a pair) in
        a class elsewhere, if both classes still fit. Restores everything when no trade does.

        Why: on the sample most of hall choice's CP-SAT solves that found a placement (17 of
        31) needed no more than such a trade, which the moves above cannot make, since every
        bed of the gender was taken: a pair in the hall for two single people of ``kind``
        elsewhere (a double room free there), or someone needing an accessible bed for a
        person of ``kind`` holding one in another hall.
        """
        if kind.size != 1:
            return False
        gender = kind.gender
        holding = sorted((key for key, n in self._where.get(kind, Counter()).items() if n > 0
                          and self._hall_of(key) != hall), key=lambda key: (-self._where[kind][key], key))
        attempts = 0
        for here in (c for c in self.open_classes(kind) if c.hall == hall):
            for other in sorted(k for k, where in self._where.items() if where[here.key] > 0 and k.gender == gender
                                and k != kind and self._in_hall[k, hall] > self.committed[k, hall]):
                n = other.size
                for key in holding:
                    there = self._by_key[key]
                    if (self._where[kind][key] < n or key not in self.open_keys(other)
                            or self._in_hall[kind, there.hall] - self.committed[kind, there.hall] < n):
                        continue
                    attempts += 1
                    if attempts > tries:
                        return False
                    saved = self._try_moves()
                    self._place(other, here, -1)
                    self._place(other, there)
                    self._place(kind, there, -n)
                    self._place(kind, here, n)
                    if not self._over(here, gender) and not self._over(there, gender):
                        self._keep_moves()
                        return True
                    self._undo_moves(saved)
        return False

    def _shed(self, source: SuiteClass, gender: str, target: SuiteClass,
              prefer: ApplicantKind | None) -> bool:
        """Move unpromised units of ``gender`` from ``source`` to ``target`` until ``source`` fits
        its suites: each time a unit that needs what ``source`` lacks (a pair, say, when its
        shared rooms are short), ``prefer`` first among those, then the largest that does not
        free more beds than lacking (two pairs, not three singles and a pair, for four beds)."""
        while self._over(source, gender):
            short = self._shortfall(source, gender)
            movers = sorted((k for k, where in self._where.items() if where[source.key] > 0 and k.gender == gender
                             and self._in_hall[k, source.hall] > self.committed[k, source.hall]
                             and target.key in self.open_keys(k)),
                            key=lambda k: (not any(_needs_of(k)[r] for r in short), k != prefer,
                                           k.size > short.get(0, 0), -k.size, k))
            mover = next((k for k in movers if self._has_room(target, k)), None)
            if mover is None:
                return False
            self._place(mover, source, -1)
            self._place(mover, target)
        return True

    def _over(self, suite: SuiteClass, gender: str) -> bool:
        """Does ``gender`` hold more than its suites in this class allow?"""
        return not self._fits(suite, gender, self.suites[suite.key, gender])

    def _shortfall(self, suite: SuiteClass, gender: str) -> dict[int, int]:
        """What ``gender``'s units in this class need beyond its suites: resource (:attr:`_NEEDS`,
        0 the beds) -> how much, for each resource short."""
        given = self.suites[suite.key, gender]
        load = self._load.get((suite.key, gender), _NOTHING)
        return {r: load[r] - given * has(suite) for r, (_, has) in enumerate(self._NEEDS) if load[r] > given * has(suite)}

    def _make_room(self, kind: ApplicantKind, hall: str, tries: int = 24) -> tuple[SuiteClass, str] | None:
        """Move one unpromised unit out of a class of ``hall`` open to ``kind``, if that frees a place.

        The unit moved goes to any place outside the hall (often the one ``kind`` just left).
        """
        attempts = 0
        for suite in (c for c in self.open_classes(kind) if c.hall == hall):
            for other in sorted(k for k, where in self._where.items() if where[suite.key] > 0
                                and k.gender == kind.gender and self._in_hall[k, hall] > self.committed[k, hall]):
                attempts += 1
                if attempts > tries:
                    return None
                self._place(other, suite, -1)
                elsewhere = self._find_slot(other, avoid=hall)
                if elsewhere is not None and self._has_room(suite, kind):
                    self._take(other, elsewhere)
                    return suite, "free"
                self._place(other, suite)  # no luck: put it back
        return None

    def _make_room_for_pair(self, kind: ApplicantKind, hall: str, tries: int = 24) -> tuple[SuiteClass, str] | None:
        """For a pair: move unpromised people of its gender, one kind at a time, out of a class of
        ``hall`` open to it to any places outside the hall, until the pair has a place there.
        Restores everything when that fails.

        Why: on the sample most of the CP-SAT solves that found a placement for a hall choice
        (39 of 69) only swapped a pair with two single people (the pair's old room for theirs),
        which :meth:`_make_room`, moving one unit, cannot do.
        """
        if kind.size < 2:
            return None
        attempts = 0
        for suite in (c for c in self.open_classes(kind) if c.hall == hall):
            for other in sorted(k for k, where in self._where.items() if where[suite.key] > 0 and k.size == 1
                                and k.gender == kind.gender and self._in_hall[k, hall] > self.committed[k, hall]):
                attempts += 1
                if attempts > tries:
                    return None
                saved = self._try_moves()
                while (not self._has_room(suite, kind) and self._where[other][suite.key] > 0
                       and self._in_hall[other, hall] > self.committed[other, hall]):
                    self._place(other, suite, -1)
                    elsewhere = self._find_slot(other, avoid=hall)
                    if elsewhere is None:
                        self._place(other, suite)
                        break
                    self._take(other, elsewhere)
                if self._has_room(suite, kind):
                    self._keep_moves()
                    return suite, "free"
                self._undo_moves(saved)
        return None

    def _movable(self, kind: ApplicantKind) -> SuiteClass | None:
        """A class holding a unit of ``kind`` that no promise keeps in its hall."""
        for key, n in sorted(self._where.get(kind, Counter()).items()):
            hall = self._hall_of(key)
            if n > 0 and self._in_hall[kind, hall] > self.committed[kind, hall]:
                return self._by_key[key]
        return None

    # What a unit of a kind needs of a suite, resource by resource: beds, accessible beds, rooms of
    # two or more beds (a pair shares one), accessible such rooms; and what one suite of a class has.
    _NEEDS = ((lambda k: k.size, lambda c: c.beds),
              (lambda k: k.size * k.accessible, lambda c: c.accessible_beds),
              (lambda k: int(k.size > 1), lambda c: c.shared_rooms),
              (lambda k: int(k.size > 1) * k.accessible, lambda c: c.accessible_shared_rooms))

    def _decide(self, people: Counter, committed: Counter) -> tuple[Counter, Counter] | None:
        """Place ``people`` keeping every promise, or None if impossible: the exact answer.

        Cheapest first, each step trusted only for the answer it proves: a counting argument
        proves "impossible" (:meth:`_surely_impossible`); a placement built from scratch proves
        "fits" (:meth:`_construct`); the LP relaxation proves "impossible" when it has no
        solution (:meth:`_relaxation`); a quick CP-SAT solve (:meth:`_quick_solve`) answers
        either way unless it runs out of its small budget; only then the full CP-SAT model
        (:meth:`_solve`). When the halls are nearly full (:meth:`_nearly_full`) the quick solve
        is skipped: on the sparse inventories it ran out on every impossible case there (each
        a waste of about 0.5 s), which the full model, presolving the empty beds counted
        (:meth:`_add_empty_beds`), proves in 0.05 to 0.3 s.

        Measured on the sample (``/tmp/fitbench``, CPU): the CP-SAT solves left after the first
        two steps took about 85 ms each (125 of them); the LP proved 54 of the 59 impossible ones
        in about 15 ms each, and the quick solve settled all but one of the others in about 40 ms.

        The CP-SAT solve starts before the LP and runs beside it, on a thread of its own
        (:meth:`_search`); the LP's "impossible" stops it, and CP-SAT's answer stops the LP
        (:meth:`_relaxation` gives up: the answer is CP-SAT's either way, since both are
        exact). The answer is the one the steps give in the order above, whichever ends first:
        "impossible" when the LP says so, otherwise CP-SAT's, waited for. Why: building the LP
        is Python (about half of its time on the sample) and CP-SAT releases the interpreter, so
        on two cores most of one hides the other. When the LP proves nothing and CP-SAT has not
        answered soon after, the same relaxation with whole suites (:class:`_WholeSuites`, a
        MIP) runs beside it (:meth:`_answer`).
        """
        groups = self._groups(people, committed)
        if groups is None:
            return None
        least = self._least_suites(groups)
        if self._surely_impossible(groups, least):
            return None
        built = self._construct(groups)
        if built is not None:
            return built
        quick = not self._nearly_full(people)  # nearly full, presolve is what proves the hard cases
        ended: queue.SimpleQueue = queue.SimpleQueue()
        search = self._search(people, committed, quick, ended)  # runs while the LP is built and solved
        try:
            relaxation = self._relaxation(groups, least, give_up=search.settled)
        except BaseException:  # interrupted (Ctrl-C in a notebook, say): no solve left running
            search.abandon()
            raise
        if relaxation is _IMPOSSIBLE or (relaxation is not None and relaxation.lp_infeasible()):
            search.abandon()
            return None
        answer = self._answer(search, people, committed, ended, relaxation)
        return answer and self._without_spare_suites(*answer)

    def _answer(self, search: _Search, people: Counter, committed: Counter, ended: queue.SimpleQueue,
                relaxation: _Relaxation | None = None) -> tuple[Counter, Counter] | None:
        """CP-SAT's answer: the quick solve's, or, where it runs out of budget, the full search's;
        or "impossible" from the ``relaxation`` with whole suites, if it proves that first.

        Beside a quick solve still running, each on a thread of its own: the relaxation with
        whole suites (:class:`_WholeSuites`) from :data:`WHOLE_SUITES_AFTER` seconds after the
        LP, and the full search from :data:`FULL_SEARCH_AFTER`. Taken at once: "impossible" from
        either (exact). The full search's placement is taken where the quick solve runs out of
        budget (the search that would follow then, on the same model: the same placement);
        otherwise the quick solve's, waited for. So which ends first changes nothing but the
        time: every answer is exact, and a placement comes from the quick solve, or from the
        full search where the quick one found none. Every solve still running at the end is
        stopped.

        Why the whole suites: the questions CP-SAT proved impossible on the sample took it
        33-377 ms each (a promise of Huixin Hall 0.38 s), the MIP 15-40 ms of SCIP after about
        10 ms to load it, and it proved all of them; the LP none, since each needs suites
        counted whole in several halls at once. It starts late so that the questions CP-SAT
        answers at once (most that fit) do not pay for it. Why the full search: on the sample a
        quick solve took 0.34-0.56 s to prove one question impossible, where the full search
        (presolve, rounding cuts) took 0.27-0.32 s; the quick solves that answer take 0.02-0.2 s.
        """
        if search.running is None:  # a kind with no class open: impossible
            return None
        full: _Search | None = None
        whole_suites: BackgroundSolve | None = None
        after_lp = time.monotonic()
        try:
            while True:
                if whole_suites is not None and whole_suites.ended() and whole_suites.status() == cp_model.INFEASIBLE:
                    return None
                if search.running.ended():
                    answer = search.answer()
                    if answer is not _UNSETTLED:
                        return answer
                if (full is not None and full.running.ended()
                        and (full.running.status() == cp_model.INFEASIBLE or search.running.ended())):
                    return full.answer()
                waited = time.monotonic() - after_lp
                if whole_suites is None and relaxation is not None and waited >= WHOLE_SUITES_AFTER:
                    whole_suites = BackgroundSolve(_WholeSuites(relaxation), None, ended)
                if full is None and (search.running.ended() or (search.quick and waited >= FULL_SEARCH_AFTER)):
                    full = self._search(people, committed, quick=False, ended=ended)
                    if full.running is None:
                        return None
                waits = []  # until the next solve is due to start
                if whole_suites is None and relaxation is not None:
                    waits.append(WHOLE_SUITES_AFTER - waited)
                if full is None and search.quick:
                    waits.append(FULL_SEARCH_AFTER - waited)
                try:
                    ended.get(timeout=max(0.0, min(waits)) if waits else None)
                except queue.Empty:
                    pass
        finally:
            for running in (search, full, whole_suites):
                if running is not None:
                    running.abandon()

    def _without_spare_suites(self, placed: Counter, suites: Counter) -> tuple[Counter, Counter]:
        """The solver's placement with each class giving each gender only the suites its people
        there need (every need covered, whole suites): the suites it gave beyond that are left
        free, so the quick moves of the next requests find fresh suites (the solver, asked for
        any placement, gives spare suites as it happens to)."""
        load: Counter = Counter()
        for (kind, key), n in placed.items():
            for r, need in enumerate(_needs_of(kind)):
                load[key, kind.gender, r] += n * need
        fewest = Counter()
        for key, gender in suites:
            c = self._by_key[key]
            fewest[key, gender] = max([-(-load[key, gender, r] // has(c)) for r, (_, has) in enumerate(self._NEEDS)
                                       if load[key, gender, r]], default=0)
        return placed, +fewest

    def _groups(self, people: Counter, committed: Counter) -> list[tuple[ApplicantKind, frozenset, int]] | None:
        """Units as (kind, classes they may use, how many): those promised a hall confined to the
        classes of that hall open to them, the others to every class open to them. None if a kind
        has more promises than units."""
        groups = []
        promises: dict[ApplicantKind, list[tuple[str, int]]] = {}
        for (promised, hall), m in sorted(committed.items(), key=repr):
            promises.setdefault(promised, []).append((hall, m))
        for kind, n in sorted(people.items()):
            for hall, m in promises.get(kind, ()):
                if m:
                    if (kind, hall) not in self._keys_in_hall:
                        self._keys_in_hall[kind, hall] = frozenset(
                            c.key for c in self.open_classes(kind) if _in_halls(c.hall, hall))
                    groups.append((kind, self._keys_in_hall[kind, hall], m))
                    n -= m
            if n < 0:
                return None
            if n:
                groups.append((kind, self.open_keys(kind), n))
        return groups

    def _surely_impossible(self, groups: list[tuple[ApplicantKind, frozenset, int]], least: dict | None = None) -> bool:
        """A necessary condition, counted on whole suites: True proves that the units cannot fit.

        For a set W of classes (each group's classes, each hall's, and all) and each gender, the
        units of that gender confined to W need, for each resource (beds, accessible beds, shared
        rooms, accessible shared ones), suites of W of that gender holding at least that much: at
        least as many suites as the fewest that do, largest first. A suite has one gender, so if
        the women's and the men's least numbers exceed W's suites, or W cannot hold them at all,
        nothing fits. ``least``: :meth:`_least_suites` of ``groups``, if computed already.
        """
        for within, needed in (least or self._least_suites(groups)).items():
            if any(n is None for n in needed.values()):
                return True
            if sum(needed.values()) > sum(self._by_key[k].count for k in within):
                return True
        return False

    def _least_suites(self, groups: list[tuple[ApplicantKind, frozenset, int]]) -> dict[frozenset, dict[str, int | None]]:
        """For each set of :meth:`_confining_sets` and gender with units confined to it: the
        fewest suites of that gender there that hold them (:meth:`_fewest_suites`; None if no
        number does)."""
        least: dict[frozenset, dict[str, int | None]] = {}
        wanted: dict[tuple[str, frozenset], list[int]] = {}  # (gender, classes) -> the units' needs, by resource
        for kind, w, n in groups:
            total = wanted.setdefault((kind.gender, w), [0, 0, 0, 0])
            for r, need in enumerate(_needs_of(kind)):
                total[r] += need * n
        for within in self._confining_sets(groups):
            least[within] = {}
            for gender in ("F", "M"):
                confined = [total for (g, w), total in wanted.items() if g == gender and w <= within]
                if confined:
                    least[within][gender] = self._fewest_suites(within, gender, [sum(t) for t in zip(*confined)])
        return least

    def _confining_sets(self, groups: list[tuple[ApplicantKind, frozenset, int]]) -> list[frozenset]:
        """Sets of classes worth counting on: each group's classes, per hall the union of the
        groups' sets inside it, and all the groups' classes together; in a fixed order."""
        family = {w for _, w, _ in groups}
        for hall in {self._hall_of(k) for w in family for k in w}:
            family.add(frozenset().union(*(w for w in family if all(self._hall_of(k) == hall for k in w))))
        family.add(frozenset().union(*family) if family else frozenset())
        return sorted(family, key=sorted)

    def _fewest_suites(self, within: frozenset, gender: str, wanted: list[int]) -> int | None:
        """A lower bound on the suites of ``gender`` in the classes ``within`` that hold units
        needing ``wanted`` of each resource (:attr:`_NEEDS`); None if they cannot hold them: per
        resource, the classes richest in it first, as many suites of each as still needed."""
        fewest = 0
        for r, richest in enumerate(self._richest_first(within, gender)):
            left = wanted[r]
            if left <= 0:
                continue
            suites = 0
            for c, has in richest:
                if left <= 0:
                    break
                taken = min(c.count, -(-left // has))
                suites += taken
                left -= taken * has
            if left > 0:
                return None
            fewest = max(fewest, suites)
        return fewest

    def _richest_first(self, within: frozenset, gender: str) -> list[list[tuple[SuiteClass, int]]]:
        """Per resource (:attr:`_NEEDS`), the classes ``within`` that house ``gender`` and have
        some of it, with how much one suite has, most first (kept: the sets recur)."""
        if (within, gender) not in self._richest:
            houses = [self._by_key[k] for k in within if self._by_key[k].houses(gender)]
            self._richest[within, gender] = [
                [(c, has(c)) for c in sorted(houses, key=has, reverse=True) if has(c) > 0]
                for _, has in self._NEEDS]
        return self._richest[within, gender]

    def _construct(self, groups: list[tuple[ApplicantKind, frozenset, int]]) -> tuple[Counter, Counter] | None:
        """A placement built from scratch, or None if this simple way finds none (which proves nothing).

        Groups with the fewest classes open to them go first (pairs, then accessible needs, on a
        tie); each fills the free places of suites its gender already holds in its classes, in
        :meth:`open_classes` order, then takes fresh suites, class by class, as many as it needs
        there (:meth:`_suites_to_give`; found by halving, not one suite at a time: on a 20,000
        applicant cohort stepping took 2.4 s of the fit check).
        """
        placed: Counter = Counter()
        suites: Counter = Counter()
        load: Counter = Counter()  # (class key, gender, resource) -> used
        for kind, within, n in sorted(groups, key=lambda g: (len(g[1]), -g[0].size, -g[0].accessible, g[0])):
            gender = kind.gender
            needs = _needs_of(kind)
            options = [c for c in self.open_classes(kind) if c.key in within]

            def room(c: SuiteClass, given: int, gender: str = gender, needs: tuple = needs) -> int:
                """How many more units of this group fit in ``given`` suites of ``c``."""
                return min((given * has(c) - load[c.key, gender, r]) // needs[r]
                           for r, (_, has) in enumerate(self._NEEDS) if needs[r])  # needs[0], the beds, > 0

            for fresh in (False, True):
                for c in options:
                    if n == 0:
                        break
                    if fresh:
                        suites[c.key, gender] = self._suites_to_give(
                            lambda given, c=c: room(c, given), n, suites[c.key, gender],
                            suites[c.key, gender] + c.count - suites[c.key, "F"] - suites[c.key, "M"])
                    take = max(0, min(n, room(c, suites[c.key, gender])))
                    if take:
                        placed[kind, c.key] += take
                        for r in range(len(needs)):
                            load[c.key, gender, r] += take * needs[r]
                        n -= take
            if n:
                return None
        return placed, +suites

    @staticmethod
    def _suites_to_give(room, n: int, given: int, most: int) -> int:
        """The fewest suites from ``given`` to ``most`` with room for ``n`` units, or, if even
        ``most`` have not, the fewest with as much room as ``most``: ``room(suites)`` never falls
        as suites are added, so a binary search finds it."""
        wanted = min(n, room(most))
        if room(given) >= wanted:
            return given
        low, high = given, most  # room(low) < wanted <= room(high)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if room(middle) >= wanted else (middle, high)
        return high

    def _relaxation(self, groups: list[tuple[ApplicantKind, frozenset, int]], least: dict | None = None,
                    give_up: Callable[[], bool] = lambda: False) -> _Relaxation | object | None:
        """The LP relaxation of the fit model, with valid integer cuts (:class:`_Relaxation`: with
        no solution, it proves that the units cannot fit); ``_IMPOSSIBLE`` when a cut already
        proves it; None as soon as ``give_up()`` is true (asked after each group and before
        returning: the answer is known elsewhere).

        Variables: suites per class and gender, and units per group and class, all fractional.
        Rows: a suite has one gender; each group placed in full within its classes; per class,
        gender and resource (:attr:`_NEEDS`) the units' needs at most what the suites hold. A cut
        per set of :meth:`_confining_sets` and gender: the suites of that gender there number at
        least :meth:`_fewest_suites` of the units confined to the set (whole suites; ``least``:
        :meth:`_least_suites`, if computed already). Measured on the sample's cases the counting
        argument left to CP-SAT: the LP proved 54 of the 59 impossible ones (about 15 ms each,
        against 85 ms a CP-SAT solve); the bed rows of :meth:`_add_rounding_cuts`, rounded by
        the capacities' common divisor, proved no more and cost more.
        """
        # Built as a proto, rows and columns appended in C, and loaded in one call: about half the
        # time of a row and a coefficient at a time through the solver's API (the same LP).
        model = linear_solver_pb2.MPModelProto()
        columns, rows = model.variable, model.constraint
        suites = {}
        for c in self.classes:
            for g in ("F", "M"):
                suites[c.key, g] = len(columns)
                columns.add(lower_bound=0, upper_bound=c.count if c.houses(g) else 0)
            rows.add(upper_bound=c.count, var_index=[suites[c.key, "F"], suites[c.key, "M"]], coefficient=[1, 1])
        holds = {}  # (class, gender, resource) -> its row: needs - capacity <= 0
        for kind, within, n in groups:
            if give_up():
                return None
            everyone = rows.add(lower_bound=n, upper_bound=n)
            needs = [(r, need) for r, need in enumerate(_needs_of(kind)) if need]
            for key in sorted(within):
                units = len(columns)
                columns.add(lower_bound=0, upper_bound=n)
                everyone.var_index.append(units)
                everyone.coefficient.append(1)
                for r, need in needs:
                    row = holds.get((key, kind.gender, r))
                    if row is None:
                        has = self._NEEDS[r][1](self._by_key[key])
                        row = holds[key, kind.gender, r] = rows.add(
                            upper_bound=0, var_index=[suites[key, kind.gender]], coefficient=[-has])
                    row.var_index.append(units)
                    row.coefficient.append(need)
        for within, needed in (least or self._least_suites(groups)).items():
            for g, fewest in needed.items():
                if fewest is None:
                    return _IMPOSSIBLE
                keys = [suites[k, g] for k in sorted(within) if self._by_key[k].houses(g)]
                rows.add(lower_bound=fewest, var_index=keys, coefficient=[1] * len(keys))
        if give_up():
            return None
        return _Relaxation(model, tuple(suites.values()))

    def _add_rounding_cuts(self, model: cp_model.CpModel, people: Counter, suites: dict) -> None:
        """Implied constraints that let the solver round suites up over several classes at once.

        For every set of classes some kind is confined to (and for all classes), the units of a
        gender confined within it need whole suites of that gender there: beds, accessible beds
        and shared rooms. Presolve divides each such row by its common factor and rounds, so
        193 women and 185 men confined to 95 four-bed suites need 49 + 47 > 95 and the model is
        proved impossible at once; without these rows the LP relaxation fits them in 94.5 and
        the search timed out (regression: tests/allocation/test_fit.py).
        """
        open_keys = {k: self.open_keys(k) for k in people}
        for within in sorted({*open_keys.values(), frozenset(self._by_key)}, key=sorted):
            inside = [c for c in self.classes if c.key in within]
            for g in ("F", "M"):
                units = [(k, n) for k, n in people.items() if k.gender == g and open_keys[k] <= within]
                for r, (_, capacity) in enumerate(self._NEEDS[:3]):  # beds, accessible beds, shared rooms
                    wanted = sum(_needs_of(k)[r] * n for k, n in units)
                    if wanted:
                        model.add(sum(capacity(c) * suites[c.key, g] for c in inside) >= wanted)

    def _empty_beds(self, people: Counter) -> int:
        """Beds left empty once ``people`` are placed (negative: beds they lack)."""
        return sum(c.beds * c.count for c in self.classes) - sum(k.size * n for k, n in people.items())

    def _nearly_full(self, people: Counter) -> bool:
        """Would ``people`` leave fewer beds empty than the largest suite holds?"""
        return self._empty_beds(people) <= max((c.beds for c in self.classes), default=0)

    def _add_empty_beds(self, model: cp_model.CpModel, people: Counter, grouped: dict, suites: dict) -> bool:
        """When the halls are nearly full (fewer beds left empty than the largest suite holds),
        the empty beds, counted: each class and gender's empty beds in its suites, and the beds
        of the suites nobody is given, add up to all the beds less the people's, so each is at
        most that total. An identity of the model, stated so that the solver sees how full every
        class must be. Returns False (nothing added) when the people need more beds than there are.

        Why: on a nearly full inventory (5 suites per class of the sample's halls: 782 beds, 780
        units needing all 782) hall choice's model ended UNKNOWN after its 10 deterministic
        seconds; with these rows presolve proves it impossible in 0.03 (regression:
        tests/allocation/test_fit_sparse.py). With 3 or 4 suites per class the impossible solves
        took 7 to 15 times less. On the sample (250 or more beds left empty) they slowed every
        solve by half, hence the condition.
        """
        total = self._empty_beds(people)
        if total < 0:
            return False
        if not self._nearly_full(people):
            return True  # the rows would only slow the solver (the sample's solves by half)
        empty = []
        for c in self.classes:
            for g in ("F", "M"):
                spare = model.new_int_var(0, total, f"e{c.key}{g}")
                model.add(spare == c.beds * suites[c.key, g] - sum(k.size * v for k, v in grouped.get((c.key, g), [])))
                empty.append(spare)
            unused = model.new_int_var(0, total, f"e{c.key}")
            model.add(unused == c.beds * (c.count - suites[c.key, "F"] - suites[c.key, "M"]))
            empty.append(unused)
        model.add(sum(empty) == total)
        return True

    def _model(self, people: Counter, committed: Counter,
               cuts: bool) -> tuple[cp_model.CpModel, dict, dict] | None:
        """The CP-SAT fit model: (model, placed, suites) variables; None if a kind has no class
        open to it. With ``cuts``, the rounding cuts (:meth:`_add_rounding_cuts`).

        Rows in this order: one gender per suite, everyone admitted placed, the promised halls
        kept, beds (:class:`_Skeleton`), the empty beds when nearly full, the cuts; then the
        current placement as the hint. The first two groups and the beds depend only on which
        kinds are admitted, their bounds on how many: they are built once for a set of kinds and
        copied, the counts set in the copy (the same model, byte for byte, as building it afresh:
        every solve of the sample and the 20,000 cohort). Why: on the sample, building the 48
        models afresh in Python took 0.44-0.52 s, copying them 0.19-0.24 s, where a question
        CP-SAT answers takes 30-45 ms in all."""
        skeleton = self._skeleton(people)
        if skeleton is None:
            return None
        model = skeleton.head.clone()
        proto = model.proto
        for kind, n in people.items():
            for index in skeleton.placed_indices[kind]:
                proto.variables[index].domain[1] = n
            bounds = proto.constraints[skeleton.everyone_row[kind]].linear.domain
            bounds[0] = bounds[1] = n
        total = cp_model.LinearExpr.sum
        for (kind, hall), n in sorted(committed.items(), key=repr):  # promised halls are kept
            model.add(total(skeleton.in_halls(self, kind, hall)) >= n)
        proto.merge_from(skeleton.beds)
        if not self._add_empty_beds(model, people, skeleton.grouped, skeleton.suites):
            return None
        if cuts:
            self._add_rounding_cuts(model, people, skeleton.suites)
        # Start from the current placement: usually one step away.
        hint = proto.solution_hint
        hint.vars.extend(skeleton.hinted)
        hint.values.extend([self.suites[key] for key in skeleton.suites] + [self.placed[key] for key in skeleton.placed])
        return model, skeleton.placed, skeleton.suites

    def _skeleton(self, people: Counter) -> _Skeleton | None:
        """The rows of the fit model for these kinds (:meth:`_model`), the last built kept; None
        if a kind has no class open to it."""
        kinds = tuple(sorted(people))
        if self._last_skeleton is None or self._last_skeleton[0] != kinds:
            self._last_skeleton = (kinds, _Skeleton.build(self, kinds))
        return self._last_skeleton[1]

    def _quick_solve(self, people: Counter, committed: Counter) -> tuple[Counter, Counter] | None | object:
        """The CP-SAT model without the rounding cuts and without presolve, on a small
        deterministic budget (:data:`QUICK_DETERMINISTIC_TIME`): a placement, None if proved
        impossible (both exact), or ``_UNSETTLED`` when the budget ran out.

        Why: the fit model is small and nearly always one step from the hinted placement; on the
        sample's cases that reach CP-SAT, presolve and the cuts' rows were most of a solve's
        cost (about 70 ms a solve that fits with them, 40 without, every answer the same).
        Without probing (``cp_model_probing_level`` 0), measured on every quick solve of the
        sample, a 10,000 and a 20,000-applicant cohort (CPU seconds, medians of three): 2.1 -> 1.7,
        1.4 -> 1.1, 4.0 -> 2.4, the same answers, and the one that ran out of budget on the sample
        and on the 20,000 cohort answered. A solve's placement is not the old one's, and how many
        later requests the quick moves settle depends on it (chaotically): with this and
        :meth:`_without_spare_suites`, admission and hall choice needed 41, 23 and 46 quick
        solves where they had needed 26, 39 and 60 (sample, 10,000, 20,000). Slower, measured on
        the same solves: linearization level 1 or 0 (0: some ran out), hint search, fixed
        search, ``repair_hint``, no SAT inprocessing; with probing off, no symmetry, fewer cuts
        or one cut round neither.
        """
        return self._search(people, committed, quick=True).answer()

    def _solve(self, people: Counter, committed: Counter) -> tuple[Counter, Counter] | None:
        """Place ``people`` from scratch with CP-SAT, keeping every promise; None if impossible."""
        return self._search(people, committed, quick=False).answer()

    def _search(self, people: Counter, committed: Counter, quick: bool,
                ended: queue.SimpleQueue | None = None) -> _Search:
        """Start CP-SAT on the fit model in the background (:class:`~allocation.solve.BackgroundSolve`):
        the quick solve (:meth:`_quick_solve`) or the full one, with the rounding cuts and presolve
        (:meth:`_solve`). The caller reads the answer with :meth:`_Search.answer` once it has
        done its own work meanwhile: :meth:`_decide` builds and solves the LP relaxation.
        ``ended`` receives the search's solve when it ends (see :class:`BackgroundSolve`)."""
        if quick:
            self.quick_solver_calls += 1
        else:
            self.solver_calls += 1
        built = self._model(people, committed, cuts=not quick)
        if built is None:
            return _Search(None, {}, {}, quick, sum(people.values()))
        model, placed, suites = built
        solver = self.solver_settings.solver()
        if quick:
            solver.parameters.cp_model_presolve = False
            solver.parameters.cp_model_probing_level = 0
            solver.parameters.max_deterministic_time = min(QUICK_DETERMINISTIC_TIME,
                                                           float(self.solver_settings.max_deterministic_time))
        return _Search(BackgroundSolve(solver, model, ended), placed, suites, quick, sum(people.values()))


@dataclass(frozen=True)
class _Skeleton:
    """The rows of the fit model (:meth:`Fit._model`) that depend only on which kinds are
    admitted, with each kind's count left to set: ``head`` (the variables, one gender per suite,
    everyone placed) and ``beds`` (the rows of beds, accessible beds and shared rooms, appended
    after the promised halls')."""

    head: cp_model.CpModel
    beds: object  # a CpModelProto holding only the bed rows
    suites: dict  # (class key, gender) -> variable
    placed: dict  # (kind, class key) -> variable
    grouped: dict  # (class key, gender) -> [(kind, variable)]
    placed_indices: dict  # kind -> indices of its placed variables
    everyone_row: dict  # kind -> index of its "everyone placed" row
    hinted: list  # the indices of suites, then placed: the hint's variables
    _in_halls: dict = field(default_factory=dict)  # a cache: (kind, promise) -> placed variables in those halls

    @classmethod
    def build(cls, fit: Fit, kinds: tuple[ApplicantKind, ...]) -> _Skeleton | None:
        """The rows for ``kinds``, every count 0 until a copy sets it; None if a kind has no
        class open to it."""
        head = cp_model.CpModel()
        total, weighted = cp_model.LinearExpr.sum, cp_model.LinearExpr.weighted_sum
        suites = {}
        for c in fit.classes:
            for g in ("F", "M"):
                suites[c.key, g] = head.new_int_var(0, c.count if c.houses(g) else 0, f"s{c.key}{g}")
            head.add(suites[c.key, "F"] + suites[c.key, "M"] <= c.count)  # a suite has one gender
        placed, placed_indices, everyone_row = {}, {}, {}
        for kind in kinds:
            options = fit.open_classes(kind)
            if not options:
                return None
            for c in options:
                placed[kind, c.key] = head.new_int_var(0, 0, f"y{c.key}")
            placed_indices[kind] = [placed[kind, c.key].index for c in options]
            everyone_row[kind] = len(head.proto.constraints)
            head.add(total([placed[kind, c.key] for c in options]) == 0)  # everyone admitted is placed
        grouped: dict[tuple[int, str], list] = {}
        for (k, key), v in placed.items():
            grouped.setdefault((key, k.gender), []).append((k, v))
        rows = cp_model.CpModel()
        for c in fit.classes:
            for g in ("F", "M"):
                here = grouped.get((c.key, g), [])
                for r, (_, has) in enumerate(Fit._NEEDS):  # beds, accessible beds, shared rooms, accessible ones
                    needing = [(_needs_of(k)[r], v) for k, v in here if _needs_of(k)[r]]
                    if needing:
                        rows.add(weighted([v for _, v in needing], [need for need, _ in needing])
                                 - has(c) * suites[c.key, g] <= 0)
        hinted = [var.index for var in (*suites.values(), *placed.values())]
        return cls(head, rows.proto, suites, placed, grouped, placed_indices, everyone_row, hinted)

    def in_halls(self, fit: Fit, kind: ApplicantKind, promise: str | tuple[str, ...]) -> list:
        """The placed variables of ``kind`` in the halls of ``promise``."""
        if (kind, promise) not in self._in_halls:
            self._in_halls[kind, promise] = [self.placed[kind, c.key] for c in fit.open_classes(kind)
                                             if _in_halls(c.hall, promise)]
        return self._in_halls[kind, promise]


@dataclass(frozen=True)
class _Relaxation:
    """The fit model's relaxation (:meth:`Fit._relaxation`): an LP that every placement
    satisfies, so that having no solution proves "impossible". ``suites``: the columns of the
    suites per class and gender."""

    model: linear_solver_pb2.MPModelProto
    suites: tuple[int, ...]

    def lp_infeasible(self) -> bool:
        """Has the LP, every count fractional, no solution (GLOP)?"""
        return _load("GLOP", self.model).Solve() == pywraplp.Solver.INFEASIBLE


class _WholeSuites:
    """A :class:`_Relaxation` with whole suites (the suite columns integer, the units still
    fractional), a MIP solved by SCIP for at most :data:`WHOLE_SUITES_LIMIT` seconds: no
    solution proves "impossible"; a solution proves nothing. It marks the relaxation's suite
    columns integer in place, once its LP has been solved.

    It has the face :class:`~allocation.solve.BackgroundSolve` expects of a CP-SAT solver:
    :meth:`solve` gives ``cp_model.INFEASIBLE`` when proved, ``cp_model.UNKNOWN`` otherwise,
    and :meth:`stop_search` interrupts it (within a millisecond, measured). SCIP releases the
    interpreter while it searches.
    """

    def __init__(self, relaxation: _Relaxation) -> None:
        self._relaxation = relaxation
        self._solver: pywraplp.Solver | None = None
        self._stopped = False

    def solve(self, model: object = None) -> int:
        """Load the MIP and solve it, on the caller's thread (loading takes about 10 ms)."""
        for column in self._relaxation.suites:
            self._relaxation.model.variable[column].is_integer = True
        self._solver = _load("SCIP", self._relaxation.model)
        self._solver.SetTimeLimit(int(WHOLE_SUITES_LIMIT * 1000))
        if self._stopped:
            return cp_model.UNKNOWN
        infeasible = self._solver.Solve() == pywraplp.Solver.INFEASIBLE
        return cp_model.INFEASIBLE if infeasible else cp_model.UNKNOWN

    def stop_search(self) -> None:
        self._stopped = True
        if self._solver is not None:
            self._solver.InterruptSolve()  # before the search has begun this does nothing: so, again until it ends


def _load(backend: str, model: linear_solver_pb2.MPModelProto) -> pywraplp.Solver:
    """A ``backend`` solver (``GLOP``, ``SCIP``) holding ``model``."""
    solver = pywraplp.Solver.CreateSolver(backend)
    problem = solver.LoadModelFromProto(model) if solver is not None else f"{backend} is not in this OR-Tools"
    if problem:
        raise PsmError(f"the fit check's relaxation could not be loaded into {backend} ({problem}); "
                       "a bug, please report it")
    return solver


@dataclass(frozen=True)
class _Search:
    """A fit model being solved (:meth:`Fit._search`); ``running`` is None when the model could
    not be built (a kind has no class open to it): impossible."""

    running: BackgroundSolve | None
    placed: dict
    suites: dict
    quick: bool
    people: int

    def answer(self) -> tuple[Counter, Counter] | None | object:
        """A placement, None if proved impossible (both exact); a quick solve that ran out of
        budget gives ``_UNSETTLED``, a full one raises (never read a time-out as "does not fit")."""
        if self.running is None:
            return None
        status = self.running.status()
        solver = self.running.solver
        if status == cp_model.INFEASIBLE:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if self.quick:
                return _UNSETTLED
            raise PsmError(
                f"the admission fit check ended {solver.status_name(status)} after "
                f"{solver.parameters.max_deterministic_time:g} deterministic seconds with {self.people:,} "
                f"people; nobody was refused on its account. Report this with the inventory and policy used."
            )
        new_placed = Counter({key: solver.value(v) for key, v in self.placed.items() if solver.value(v)})
        new_suites = Counter({key: solver.value(v) for key, v in self.suites.items() if solver.value(v)})
        return new_placed, new_suites

    def settled(self) -> bool:
        """Has the search ended with its answer (anything but a quick solve out of budget)?"""
        return self.running is None or (self.running.ended() and self.running.status() in _ANSWERED)

    def abandon(self) -> None:
        """The answer is not wanted: stop the search."""
        if self.running is not None:
            self.running.abandon()
