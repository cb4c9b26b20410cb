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
suites whose rooms are all accessible or none, as in the inventory; not a relaxation.

:class:`Fit` keeps a current placement and grows it one person, or one hall promise, at a
time. Quick moves on the counts answer most requests (a free bed of the right gender, a fresh
suite, a suite the other gender can spare, moving an unpromised unit out, swapping suite
genders with a twin class); only when none works does a small CP-SAT model re-place everyone,
and its "impossible" is final because people and promises only accumulate. That model is
solved with the policy's ``[allocation] solver_seed`` and ``fit_max_deterministic_time``
(:attr:`Fit.solver_settings`, recorded by :class:`~allocation.admit.Admission`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import SuiteClass
from allocation.solve import SolverSettings, solve
from psm.errors import PsmError
from psm.policy import Policy

__all__ = ["ApplicantKind", "Fit"]


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
    solver_calls: int = 0
    refused: set = field(default_factory=set)  # (ApplicantKind, hall) promises found impossible: they stay so
    access: RoomAccess = field(init=False)  # who may live in which suite class
    solver_settings: SolverSettings = field(init=False)  # for the CP-SAT model that re-places everyone

    def __post_init__(self) -> None:
        self.access = RoomAccess.from_policy(self.policy)
        settings = self.policy.allocation
        self.solver_settings = SolverSettings(random_seed=settings.solver_seed,
                                              max_deterministic_time=settings.fit_max_deterministic_time)
        self._open: dict[ApplicantKind, list[SuiteClass]] = {}
        self._refused_adds: list[ApplicantKind] = []  # kinds refused by try_add since the last remove()
        self._reindex()

    def _reindex(self) -> None:
        """Rebuild the indexes of ``placed``: loads per (class, gender), units per hall and per class."""
        self._by_key = {c.key: c for c in self.classes}
        self._load: Counter = Counter()  # (class key, gender, what) -> beds, accessible beds, pairs, accessible pairs
        self._in_hall: Counter = Counter()  # (ApplicantKind, hall) -> units placed there
        self._where: dict[ApplicantKind, Counter] = {}  # ApplicantKind -> class key -> units
        for (kind, key), n in self.placed.items():
            self._count(kind, key, n)

    def _count(self, kind: ApplicantKind, key: int, n: int) -> None:
        self._in_hall[kind, self._by_key[key].hall] += n
        self._where.setdefault(kind, Counter())[key] += n
        self._load[key, kind.gender, "beds"] += n * kind.size
        self._load[key, kind.gender, "accessible beds"] += n * kind.size * kind.accessible
        self._load[key, kind.gender, "pairs"] += n * (kind.size > 1)
        self._load[key, kind.gender, "accessible pairs"] += n * (kind.size > 1) * kind.accessible

    def _place(self, kind: ApplicantKind, suite: SuiteClass, n: int = 1) -> None:
        self.placed[kind, suite.key] += n
        self._count(kind, suite.key, n)

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

    def try_add(self, kind: ApplicantKind) -> bool:
        """Admit one more person of ``kind`` if everyone admitted so far still fits.

        A kind at least as hard to place as one refused since the last :meth:`remove` is refused
        at once (:meth:`_at_least_as_hard`): people only accumulated since, so it cannot fit.
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
                and {c.key for c in self.open_classes(kind)} <= {c.key for c in self.open_classes(other)})

    def start_from(self, other: Fit) -> None:
        """Take over the people and placement of ``other`` (no promises): a placement known to be valid."""
        self.people, self.placed, self.suites = Counter(other.people), Counter(other.placed), Counter(other.suites)
        self.committed = Counter()
        self._refused_adds = []
        self._reindex()

    def _fits(self, suite: SuiteClass, gender: str, given: int, adding: ApplicantKind | None = None) -> bool:
        """Would ``gender``'s units in this class (and one more ``adding``) fit in ``given`` suites?"""
        size = adding.size if adding else 0
        pair = int(size > 1)
        accessible = int(adding is not None and adding.accessible)
        load = lambda what: self._load[suite.key, gender, what]  # noqa: E731
        return (load("beds") + size <= given * suite.beds
                and load("accessible beds") + size * accessible <= given * suite.accessible_beds
                and load("pairs") + pair <= given * suite.shared_rooms
                and load("accessible pairs") + pair * accessible <= given * suite.accessible_shared_rooms)

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

    def remove(self, kind: ApplicantKind) -> SuiteClass:
        """Take one unit of ``kind`` out (from the last class holding one); returns that class."""
        key = max(key for key, n in self._where[kind].items() if n > 0)
        self._refused_adds = []  # people no longer only accumulate: forget what was refused
        self._place(kind, self._by_key[key], -1)
        self.people[kind] -= 1
        return self._by_key[key]

    def restore(self, kind: ApplicantKind, suite: SuiteClass) -> None:
        """Undo :meth:`remove`: the unit goes back where it was (suites were never changed)."""
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
        source = self._movable(kind)
        if source is not None:
            self._place(kind, source, -1)  # take the unit out while looking for its place in the hall
            slot = self._find_slot(kind, hall) or self._make_room(kind, hall)
            if slot is not None:
                self._take(kind, slot)
                self.committed[kind, hall] += 1
                return True
            self._place(kind, source)
        if self._swap_suites(kind, hall):
            self.committed[kind, hall] += 1
            return True
        wanted = self.committed + Counter({(kind, hall): 1})
        solution = self._decide(self.people, wanted)
        if solution is None:
            self.refused.add((kind, hall))
            return False
        (self.placed, self.suites), self.committed = solution, wanted
        self._reindex()
        return True

    def _swap_suites(self, kind: ApplicantKind, hall: str, tries: int = 16) -> bool:
        """Swap the genders of a suite in ``hall`` and a suite of a twin class elsewhere, if that
        brings an unpromised unit of ``kind`` into the hall. Restores everything when it does not.

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
                saved = (Counter(self.placed), Counter(self.suites))
                self.suites[here.key, other] -= 1
                self.suites[here.key, gender] += 1
                self.suites[there.key, gender] -= 1
                self.suites[there.key, other] += 1
                if (self._shed(here, other, there, prefer=None) and self._shed(there, gender, here, prefer=kind)
                        and self._in_hall[kind, hall] > self.committed[kind, hall]):
                    return True
                self.placed, self.suites = saved
                self._reindex()
        return False

    def _shed(self, source: SuiteClass, gender: str, target: SuiteClass,
              prefer: ApplicantKind | None) -> bool:
        """Move unpromised units of ``gender`` from ``source`` to ``target`` until ``source`` fits its suites."""
        while self._over(source, gender):
            movers = sorted((k for k, where in self._where.items() if where[source.key] > 0 and k.gender == gender
                             and self._in_hall[k, source.hall] > self.committed[k, source.hall]
                             and target in self.open_classes(k)), key=lambda k: (k != prefer, k))
            mover = next((k for k in movers if self._has_room(target, k)), None)
            if mover is None:
                return False
            self._place(mover, source, -1)
            self._place(mover, target)
        return True

    def _over(self, suite: SuiteClass, gender: str) -> bool:
        """Does ``gender`` hold more than its suites in this class allow?"""
        return not self._fits(suite, gender, self.suites[suite.key, gender])

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

        First a counting argument that proves "impossible" (:meth:`_surely_impossible`), then a
        placement built from scratch that proves "fits" (:meth:`_construct`); only when neither
        settles it, the CP-SAT model (:meth:`_solve`).
        """
        groups = self._groups(people, committed)
        if groups is None or self._surely_impossible(groups):
            return None
        built = self._construct(groups)
        if built is not None:
            return built
        return self._solve(people, committed)

    def _groups(self, people: Counter, committed: Counter) -> list[tuple[ApplicantKind, frozenset, int]] | None:
        """Units as (kind, classes they may use, how many): those promised a hall confined to the
        classes of that hall open to them, the others to every class open to them. None if a kind
        has more promises than units."""
        groups = []
        for kind, n in sorted(people.items()):
            open_keys = [c.key for c in self.open_classes(kind)]
            for (promised, hall), m in sorted(committed.items(), key=repr):
                if promised == kind and m:
                    groups.append((kind, frozenset(k for k in open_keys if self._hall_of(k) == hall), m))
                    n -= m
            if n < 0:
                return None
            if n:
                groups.append((kind, frozenset(open_keys), n))
        return groups

    def _surely_impossible(self, groups: list[tuple[ApplicantKind, frozenset, int]]) -> bool:
        """A necessary condition, counted on whole suites: True proves that the units cannot fit.

        For a set W of classes (each group's classes, each hall's, and all) and each gender, the
        units of that gender confined to W need, for each resource (beds, accessible beds, shared
        rooms, accessible shared ones), suites of W of that gender holding at least that much: at
        least as many suites as the fewest that do, largest first. A suite has one gender, so if
        the women's and the men's least numbers exceed W's suites, or W cannot hold them at all,
        nothing fits.
        """
        family = {w for _, w, _ in groups}
        for hall in {self._hall_of(k) for w in family for k in w}:
            family.add(frozenset().union(*(w for w in family if all(self._hall_of(k) == hall for k in w))))
        family.add(frozenset().union(*family) if family else frozenset())
        for within in sorted(family, key=sorted):
            least = 0
            for gender in ("F", "M"):
                confined = [(kind, n) for kind, w, n in groups if kind.gender == gender and w <= within]
                if confined:
                    houses = [self._by_key[k] for k in within if self._by_key[k].houses(gender)]
                    suites = self._fewest_suites(houses, confined)
                    if suites is None:
                        return True
                    least += suites
            if least > sum(self._by_key[k].count for k in within):
                return True
        return False

    def _fewest_suites(self, classes: list[SuiteClass], units: list[tuple[ApplicantKind, int]]) -> int | None:
        """A lower bound on the suites of ``classes`` that hold ``units``; None if they cannot hold them."""
        fewest = 0
        for need, has in self._NEEDS:
            wanted = sum(need(kind) * n for kind, n in units)
            suites = 0
            for c in sorted(classes, key=has, reverse=True):
                if wanted <= 0 or has(c) == 0:
                    break
                taken = min(c.count, -(-wanted // has(c)))
                suites += taken
                wanted -= taken * has(c)
            if wanted > 0:
                return None
            fewest = max(fewest, suites)
        return fewest

    def _construct(self, groups: list[tuple[ApplicantKind, frozenset, int]]) -> tuple[Counter, Counter] | None:
        """A placement built from scratch, or None if this simple way finds none (which proves nothing).

        Groups with the fewest classes open to them go first (pairs, then accessible needs, on a
        tie); each fills the free places of suites its gender already holds in its classes, in
        :meth:`open_classes` order, then takes fresh suites, class by class, as it needs them.
        """
        placed: Counter = Counter()
        suites: Counter = Counter()
        load: Counter = Counter()  # (class key, gender, resource) -> used
        for kind, within, n in sorted(groups, key=lambda g: (len(g[1]), -g[0].size, -g[0].accessible, g[0])):
            gender = kind.gender
            needs = [need(kind) for need, _ in self._NEEDS]
            options = [c for c in self.open_classes(kind) if c.key in within]

            def room(c: SuiteClass, given: int, gender: str = gender, needs: list = needs) -> int:
                """How many more units of this group fit in ``given`` suites of ``c``."""
                return min((given * has(c) - load[c.key, gender, r]) // needs[r]
                           for r, (_, has) in enumerate(self._NEEDS) if needs[r])  # needs[0], the beds, > 0

            for fresh in (False, True):
                for c in options:
                    if n == 0:
                        break
                    if fresh:
                        while (n > room(c, suites[c.key, gender]) and suites[c.key, "F"] + suites[c.key, "M"] < c.count
                               and room(c, suites[c.key, gender] + 1) > room(c, suites[c.key, gender])):
                            suites[c.key, gender] += 1
                    take = max(0, min(n, room(c, suites[c.key, gender])))
                    if take:
                        placed[kind, c.key] += take
                        for r in range(len(needs)):
                            load[c.key, gender, r] += take * needs[r]
                        n -= take
            if n:
                return None
        return placed, +suites

    def _add_rounding_cuts(self, model: cp_model.CpModel, people: Counter, suites: dict) -> None:
        """Implied constraints that let the solver round suites up over several classes at once.

        For every set of classes some kind is confined to (and for all classes), the units of a
        gender confined within it need whole suites of that gender there: beds, accessible beds
        and shared rooms. Presolve divides each such row by its common factor and rounds, so
        193 women and 185 men confined to 95 four-bed suites need 49 + 47 > 95 and the model is
        proved impossible at once; without these rows the LP relaxation fits them in 94.5 and
        the search timed out (regression: tests/allocation/test_fit.py).
        """
        open_keys = {k: frozenset(c.key for c in self.open_classes(k)) for k in people}
        needs = ((lambda c: c.beds, lambda k: k.size),
                 (lambda c: c.accessible_beds, lambda k: k.size * k.accessible),
                 (lambda c: c.shared_rooms, lambda k: int(k.size > 1)))
        for within in sorted({*open_keys.values(), frozenset(self._by_key)}, key=sorted):
            inside = [c for c in self.classes if c.key in within]
            for g in ("F", "M"):
                units = [(k, n) for k, n in people.items() if k.gender == g and open_keys[k] <= within]
                for capacity, need in needs:
                    wanted = sum(need(k) * n for k, n in units)
                    if wanted:
                        model.add(sum(capacity(c) * suites[c.key, g] for c in inside) >= wanted)

    def _solve(self, people: Counter, committed: Counter) -> tuple[Counter, Counter] | None:
        """Place ``people`` from scratch with CP-SAT, keeping every promise; None if impossible."""
        self.solver_calls += 1
        model = cp_model.CpModel()
        suites = {}
        for c in self.classes:
            for g in ("F", "M"):
                suites[c.key, g] = model.new_int_var(0, c.count if c.houses(g) else 0, f"s{c.key}{g}")
            model.add(suites[c.key, "F"] + suites[c.key, "M"] <= c.count)  # a suite has one gender
        placed = {}
        for kind, n in sorted(people.items()):
            options = self.open_classes(kind)
            if not options:
                return None
            for c in options:
                placed[kind, c.key] = model.new_int_var(0, n, f"y{c.key}")
            model.add(sum(placed[kind, c.key] for c in options) == n)  # everyone admitted is placed
        for (kind, hall), n in sorted(committed.items(), key=repr):  # promised halls are kept
            model.add(sum(placed[kind, c.key] for c in self.open_classes(kind) if c.hall == hall) >= n)
        grouped: dict[tuple[int, str], list] = {}
        for (k, key), v in placed.items():
            grouped.setdefault((key, k.gender), []).append((k, v))
        for c in self.classes:
            for g in ("F", "M"):
                here = grouped.get((c.key, g), [])
                if here:
                    model.add(sum(k.size * v for k, v in here) <= c.beds * suites[c.key, g])  # beds
                    needing = [k.size * v for k, v in here if k.accessible]
                    if needing:
                        model.add(sum(needing) <= c.accessible_beds * suites[c.key, g])  # accessible beds
                    pairs = [v for k, v in here if k.size > 1]
                    if pairs:  # a pair shares a room of two or more beds
                        model.add(sum(pairs) <= c.shared_rooms * suites[c.key, g])
                        accessible_pairs = [v for k, v in here if k.size > 1 and k.accessible]
                        if accessible_pairs:
                            model.add(sum(accessible_pairs) <= c.accessible_shared_rooms * suites[c.key, g])
        self._add_rounding_cuts(model, people, suites)
        for key, var in suites.items():  # start from the current placement: usually one step away
            model.add_hint(var, self.suites[key])
        for key, var in placed.items():
            model.add_hint(var, self.placed[key])
        solver = self.solver_settings.solver()
        status = solve(solver, model)
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

