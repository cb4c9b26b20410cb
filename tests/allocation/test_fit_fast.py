"""The fit check's answers without CP-SAT (allocation.fit) equal the exact CP-SAT model's (hypothesis).

The counting argument (``Fit._surely_impossible``) and the relaxation (``Fit._relaxation``: its LP,
and its MIP with whole suites) may only say "impossible" when the CP-SAT model finds no placement; a placement built from scratch
(``Fit._construct``) or by the quick CP-SAT solve (``Fit._quick_solve``) must keep every rule and
promise, and the quick solve's "impossible" must be the full model's; the empty beds counted when
the halls are nearly full (``Fit._add_empty_beds``) never change the model's answer; and every
answer of ``try_add`` / ``try_commit`` (quick moves, refusals remembered, kinds at least as hard as
one refused) must be the CP-SAT model's answer for the people and promises so far.
"""

from __future__ import annotations

import time
from collections import Counter
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

import allocation.fit as fit_module
import allocation.solve as solve_module
from allocation.access import ApplicantKind
from allocation.fit import _IMPOSSIBLE, _UNSETTLED, Fit, _Search, _WholeSuites
from allocation.inventory import RoomSignature, SuiteClass
from allocation.units import pair_problem

HALLS = ("Red Hall", "Xuemin Hall", "Blue Hall")
LAYOUTS = ((2, 2), (2, 3), (1,), (2, 2, 2, 3))


@st.composite
def suite_classes(draw) -> tuple[SuiteClass, ...]:
    """One to five classes of one to three suites in two halls: pools, gender rule, college,
    accessible rooms (all, none, or only the first) vary."""
    classes = []
    for key in range(draw(st.integers(1, 5))):
        beds = draw(st.sampled_from(LAYOUTS))
        access = draw(st.sampled_from(["all", "none", "first"]))
        rooms = tuple(sorted(RoomSignature({1: "single", 2: "double", 3: "triple"}[b], b,
                                           access == "all" or (access == "first" and i == 0))
                             for i, b in enumerate(beds)))
        classes.append(SuiteClass(key=key, hall=draw(st.sampled_from(HALLS)), campus="Hung Hom",
                                  gender=draw(st.sampled_from(["any", "any", "F"])),
                                  pools=draw(st.sampled_from([("undergraduate",), ("exchange",)])),
                                  college=draw(st.sampled_from(["", "", "CURI"])), rooms=rooms,
                                  count=draw(st.integers(1, 3))))
    return tuple(classes)


def kinds() -> st.SearchStrategy[ApplicantKind]:
    """Kinds of unit; some released the CURI college's empty beds (section 7)."""
    return st.builds(ApplicantKind, st.sampled_from(["undergraduate", "exchange"]), st.sampled_from("FM"),
                     st.booleans(), st.sampled_from(["", "CURI"]), st.sampled_from([1, 1, 2]),
                     st.sampled_from(["", "", "CURI"]))


def placement_ok(fit: Fit, people: Counter, committed: Counter, placed: Counter, suites: Counter) -> bool:
    """Every rule of the module docstring, on a placement of counts."""
    by_key = {c.key: c for c in fit.classes}
    if Counter({k: n for k, n in people.items() if n}) != Counter(
            {k: sum(n for (kk, _), n in placed.items() if kk == k) for k in people if people[k]}):
        return False
    if any(by_key[key] not in fit.open_classes(kind) for (kind, key), n in placed.items() if n):
        return False
    for (kind, hall), m in committed.items():
        if sum(n for (k, key), n in placed.items() if k == kind and by_key[key].hall == hall) < m:
            return False
    for c in fit.classes:
        if suites[c.key, "F"] + suites[c.key, "M"] > c.count:
            return False
        for gender in ("F", "M"):
            for need, has in Fit._NEEDS:
                used = sum(n * need(k) for (k, key), n in placed.items() if key == c.key and k.gender == gender)
                if used > suites[c.key, gender] * has(c):
                    return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), people=st.lists(kinds(), max_size=14), promises=st.lists(
    st.tuples(st.integers(0, 13), st.sampled_from(HALLS)), max_size=6))
def test_the_counting_argument_and_the_built_placement_agree_with_cp_sat(policy, classes, people, promises):
    fit = Fit(classes, policy)
    wanted = Counter(people)
    committed = Counter()
    for i, hall in promises:
        if i < len(people) and sum(m for (k, _), m in committed.items() if k == people[i]) < wanted[people[i]]:
            committed[people[i], hall] += 1
    exact = fit._solve(wanted, committed)
    groups = fit._groups(wanted, committed)
    if fit._surely_impossible(groups):
        assert exact is None
    built = fit._construct(groups)
    if built is not None:
        assert placement_ok(fit, wanted, committed, *built)
        assert exact is not None
    decided = fit._decide(wanted, committed)
    assert (decided is None) == (exact is None)
    if decided is not None:
        assert placement_ok(fit, wanted, committed, *decided)


def promised(people: list[ApplicantKind], promises: list[tuple[int, str]]) -> tuple[Counter, Counter]:
    """The people as counts, and the promises among them (never more promises than units of a kind)."""
    wanted, committed = Counter(people), Counter()
    for i, hall in promises:
        if i < len(people) and sum(m for (k, _), m in committed.items() if k == people[i]) < wanted[people[i]]:
            committed[people[i], hall] += 1
    return wanted, committed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), people=st.lists(kinds(), max_size=14), promises=st.lists(
    st.tuples(st.integers(0, 13), st.sampled_from(HALLS)), max_size=6))
def test_the_lp_relaxation_and_the_quick_solve_agree_with_cp_sat(policy, classes, people, promises):
    fit = Fit(classes, policy)
    wanted, committed = promised(people, promises)
    exact = fit._solve(wanted, committed)
    groups = fit._groups(wanted, committed)
    if groups is not None:
        relaxation = fit._relaxation(groups)
        if relaxation is _IMPOSSIBLE or relaxation.lp_infeasible():
            assert exact is None
        if relaxation is not _IMPOSSIBLE and _WholeSuites(relaxation).solve() == cp_model.INFEASIBLE:
            assert exact is None
    plain = Fit(classes, policy)
    plain._add_empty_beds = lambda *args: True  # the model without the empty beds counted
    assert (plain._solve(wanted, committed) is None) == (exact is None)
    quick = fit._quick_solve(wanted, committed)
    if quick is not _UNSETTLED:
        assert (quick is None) == (exact is None)
        if quick is not None:
            assert placement_ok(fit, wanted, committed, *quick)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), steps=st.lists(st.tuples(kinds(), st.sampled_from((None,) + HALLS)), max_size=16))
def test_every_answer_is_the_cp_sat_models(policy, classes, steps):
    # The walk's use: people added one at a time, then halls promised; each answer equals a fresh
    # CP-SAT solve of the people and promises so far.
    fit, reference = Fit(classes, policy), Fit(classes, policy)
    people, committed = Counter(), Counter()
    for kind, hall in sorted(steps, key=lambda s: s[1] is not None):
        if hall is None:
            expected = reference._solve(people + Counter({kind: 1}), committed) is not None
            assert fit.try_add(kind) == expected
            people += Counter({kind: expected})  # no kind counted 0: the model refuses one with no class open
        elif people[kind]:
            expected = reference._solve(people, committed + Counter({(kind, hall): 1})) is not None
            assert fit.try_commit(kind, hall) == expected
            committed += Counter({(kind, hall): expected})
        assert placement_ok(fit, people, committed, fit.placed, fit.suites)


def test_suites_counted_whole_prove_what_the_lp_relaxation_cannot(policy):
    # Red Hall: two suites of three doubles and a triple (9 beds, 4 rooms for a pair each), one of
    # two doubles (4 beds, 2 such rooms), a single for anyone and a single for women. Women: one
    # single and five pairs (11 beds, 5 shared rooms); men: five singles and three pairs (11 beds,
    # 3 shared rooms). Five pairs need both big suites, or one and the small one: the men are left
    # 5 beds or 10, short either way. The LP splits the big suites between the genders and fits
    # everyone; with whole suites (the MIP, Fit._answer) nothing fits, as CP-SAT finds.
    def rooms(*beds):
        return tuple(RoomSignature({1: "single", 2: "double", 3: "triple"}[b], b, True) for b in beds)

    classes = tuple(SuiteClass(key=key, hall="Red Hall", campus="Hung Hom", gender=gender, pools=("undergraduate",),
                               college="", rooms=layout, count=count)
                    for key, (gender, layout, count) in enumerate(
                        (("any", rooms(1), 1), ("F", rooms(1), 1), ("any", rooms(2, 2, 2, 3), 2), ("any", rooms(2, 2), 1))))
    people = Counter({ApplicantKind("undergraduate", g, False, "", size): n
                      for g, size, n in (("F", 1, 1), ("F", 2, 5), ("M", 1, 5), ("M", 2, 3))})
    fit = Fit(classes, policy)
    groups = fit._groups(people, Counter())
    assert not fit._surely_impossible(groups)
    relaxation = fit._relaxation(groups)
    assert not relaxation.lp_infeasible()
    assert _WholeSuites(relaxation).solve() == cp_model.INFEASIBLE
    assert fit._solve(people, Counter()) is None
    with mock.patch.object(fit_module, "WHOLE_SUITES_AFTER", 0.0):
        assert fit._decide(people, Counter()) is None


def _cp_sat_answers(classes, policy, wanted, committed, full_search_after: float, quick_budget: float,
                    quick_delay: float = 0.0):
    """Fit._decide's answer where only CP-SAT answers (no counting, built placement or LP), the full
    search started beside the quick solve after ``full_search_after`` seconds, the quick solve
    starting ``quick_delay`` seconds late; and whether the full search was started beside it."""
    raced, quick_searches = [], []
    search = Fit._search
    solve = solve_module.solve

    def recorded(self, people, committed, quick, ended=None):
        if not quick and any(s.running is not None and not s.running.ended() for s in quick_searches):
            raced.append(1)  # the full search started while the quick solve was still running
        started = search(self, people, committed, quick, ended)
        if quick:
            quick_searches.append(started)
        return started

    def late(solver, model):
        if not solver.parameters.cp_model_presolve:  # the quick solve
            time.sleep(quick_delay)
        return solve(solver, model)

    with (mock.patch.object(solve_module, "solve", late),
          mock.patch.object(fit_module, "FULL_SEARCH_AFTER", full_search_after),
          mock.patch.object(fit_module, "QUICK_DETERMINISTIC_TIME", quick_budget),
          mock.patch.object(Fit, "_surely_impossible", lambda self, *args: False),
          mock.patch.object(Fit, "_construct", lambda self, groups: None),
          mock.patch.object(Fit, "_relaxation", lambda self, *args, **kwargs: None),
          mock.patch.object(Fit, "_search", recorded)):
        return Fit(classes, policy)._decide(wanted, committed), bool(raced)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), people=st.lists(kinds(), min_size=1, max_size=14), promises=st.lists(
    st.tuples(st.integers(0, 13), st.sampled_from(HALLS)), max_size=6), quick_budget=st.sampled_from((0.0, 0.15)))
def test_the_full_search_beside_the_quick_solve_changes_no_answer(policy, classes, people, promises, quick_budget):
    # The same answer and placement whether the full search starts beside the quick solve at once
    # (the quick solve starting 10 ms late, so that it is still running then) or never (then only
    # where the quick solve runs out of budget, as before): Fit._answer.
    wanted, committed = promised(people, promises)
    beside, _ = _cp_sat_answers(classes, policy, wanted, committed, 0.0, quick_budget, quick_delay=0.01)
    after, raced = _cp_sat_answers(classes, policy, wanted, committed, 600.0, quick_budget)
    assert beside == after and not raced


def test_a_suite_traded_with_a_twin_hall_sheds_the_units_that_fill_the_suite_given_back(policy):
    # Hall choice's trade of suite genders between twin classes (Fit._swap_suites): the women
    # who must leave the hall's suite are two unpromised pairs (four beds, what the twin gives
    # back), not three single women and a pair (five beds, one too many there). Found on the
    # sample, where six promises went to CP-SAT for want of it.
    double = RoomSignature("double", 2, False)
    here, there = (SuiteClass(key=key, hall=HALLS[key], campus="Hung Hom", gender="any", pools=("undergraduate",),
                              college="", rooms=(double, double), count=count) for key, count in ((0, 3), (1, 2)))
    woman, man = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "M", False, "")
    pair = ApplicantKind("undergraduate", "F", False, "", 2)
    fit = Fit((here, there), policy)
    fit.people = Counter({woman: 8, pair: 2, man: 6})
    fit.placed = Counter({(woman, 0): 8, (pair, 0): 2, (man, 1): 6})  # the hall's three suites full of women
    fit.suites = Counter({(0, "F"): 3, (1, "M"): 2})
    fit.committed = Counter({(woman, HALLS[0]): 5})
    fit._reindex()
    with mock.patch.object(Fit, "_decide", lambda *args: pytest.fail("the question went to the solver")):
        assert fit.try_commit(man, HALLS[0])
    assert fit.placed[pair, 1] == 2 and fit.placed[woman, 1] == 0
    assert placement_ok(fit, fit.people, fit.committed, fit.placed, fit.suites)


def test_a_pair_moves_into_the_suite_a_twin_hall_gave_back(policy):
    # Hall choice's trade of suite genders (Fit._swap_suites) where the twin has only single men
    # to send: the pair then moves into the hall's new men's suite from a third hall
    # (Fit._move_in). Found on the sample (a pair promised Yellow Hall), where CP-SAT took 0.5 s
    # to find such a placement.
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=HALLS[key], campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=count) for key, count in ((0, 2), (1, 2), (2, 1)))
    woman, man = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "M", False, "")
    pair = ApplicantKind("undergraduate", "M", False, "", 2)
    fit = Fit(classes, policy)
    fit.people = Counter({woman: 8, man: 8, pair: 1})
    fit.placed = Counter({(woman, 0): 8, (man, 1): 6, (man, 2): 2, (pair, 2): 1})  # the hall's two suites full of women
    fit.suites = Counter({(0, "F"): 2, (1, "M"): 2, (2, "M"): 1})
    fit.committed = Counter({(woman, HALLS[0]): 4, (man, HALLS[1]): 2, (man, HALLS[2]): 2})
    fit._reindex()
    with mock.patch.object(Fit, "_decide", lambda *args: pytest.fail("the question went to the solver")):
        assert fit.try_commit(pair, HALLS[0])
    assert fit.placed[pair, 0] == 1 and fit.suites[0, "M"] == 1
    assert placement_ok(fit, fit.people, fit.committed, fit.placed, fit.suites)


def test_trials_of_moves_nest(policy):
    # Fit._try_moves: a trial begun within another is undone on its own, and the outer one still
    # undoes what the inner kept (Fit._swap_suites tries Fit._make_room_for_pair within its own).
    double = RoomSignature("double", 2, False)
    a, b = (SuiteClass(key=key, hall=HALLS[key], campus="Hung Hom", gender="any", pools=("undergraduate",),
                       college="", rooms=(double, double), count=2) for key in (0, 1))
    man = ApplicantKind("undergraduate", "M", False, "")
    fit = Fit((a, b), policy)
    fit.people, fit.placed, fit.suites = Counter({man: 3}), Counter({(man, 0): 3}), Counter({(0, "M"): 1, (1, "M"): 1})
    fit._reindex()
    start = (Counter(fit.placed), Counter(fit.suites))
    outer = fit._try_moves()
    fit._place(man, a, -1)
    fit._place(man, b)
    inner = fit._try_moves()
    fit._place(man, a, -1)
    fit._place(man, b)
    fit.suites[0, "M"] -= 1
    fit._undo_moves(inner)
    assert (+fit.placed, +fit.suites) == (Counter({(man, 0): 2, (man, 1): 1}), start[1])
    inner = fit._try_moves()
    fit._place(man, a, -1)
    fit._place(man, b)
    fit._keep_moves()
    fit._undo_moves(outer)
    assert (+fit.placed, +fit.suites) == start and fit._moves is None


def test_a_quick_solve_out_of_budget_takes_the_full_searchs_placement_beside_it(policy):
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=2) for key, hall in enumerate(HALLS[:2]))
    woman, man = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "M", False, "")
    fits = Counter({woman: 5, man: 3}), Counter({(woman, HALLS[0]): 4})
    impossible = Counter({woman: 9}), Counter({(woman, HALLS[0]): 9})  # 8 beds in the hall
    for people, committed in (fits, impossible):  # the quick solve still running (late) when the LP is done
        beside, raced = _cp_sat_answers(classes, policy, people, committed, 0.0, 0.0, quick_delay=0.5)
        assert raced and beside == _cp_sat_answers(classes, policy, people, committed, 600.0, 0.0)[0]
        assert (beside is None) == (people == impossible[0])


def test_a_quick_solve_that_answers_late_still_gives_its_own_placement(policy):
    # The full search ends first (the quick solve starts 0.3 s late) with a placement of its
    # own; the answer is still the quick solve's, the one it gives alone.
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=3) for key, hall in enumerate(HALLS))
    woman, man = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "M", False, "")
    people, committed = Counter({woman: 13, man: 11}), Counter({(woman, HALLS[0]): 7, (man, HALLS[2]): 5})
    alone, _ = _cp_sat_answers(classes, policy, people, committed, 600.0, 0.15)
    beside, raced = _cp_sat_answers(classes, policy, people, committed, 0.0, 0.15, quick_delay=0.3)
    assert raced and alone is not None and beside == alone


def test_a_pair_takes_the_room_of_two_single_people_without_a_solver(policy):
    # Four women fill Red Hall's one suite (two doubles); a pair of women lives in Xuemin Hall's.
    # The pair's first choice, Red Hall, is kept by a quick move, a swap: two of the women move to
    # the pair's room (Fit._make_room_for_pair); moving one of them frees one bed, not a room.
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=1)
                    for key, hall in enumerate(HALLS))
    fit = Fit(classes, policy)
    woman, pair = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", False, "", 2)
    assert all(fit.try_add(woman) for _ in range(4)) and fit.try_add(pair)
    assert fit.placed[pair, 1] == 1
    assert fit._solve(fit.people, Counter({(pair, "Red Hall"): 1})) is not None

    def decided_afresh(*args):
        raise AssertionError("a quick move should have answered")

    fit._decide = decided_afresh
    assert fit.try_commit(pair, "Red Hall")
    assert (fit.placed[pair, 0], fit.placed[woman, 0], fit.placed[woman, 1]) == (1, 2, 2)
    assert placement_ok(fit, fit.people, fit.committed, fit.placed, fit.suites)


def _trade(policy, classes, placed, committed, kind, hall):
    """A fit holding ``placed`` (one suite of each class, women only) and ``committed``; ``kind``
    promised ``hall`` by a quick move (no solver), as a fresh CP-SAT solve says it can be."""
    fit = Fit(classes, policy)
    fit.placed, fit.suites, fit.committed = Counter(placed), Counter({(c.key, "F"): 1 for c in classes}), Counter(committed)
    fit.people = Counter()
    for (k, _), n in placed.items():
        fit.people[k] += n
    fit._reindex()
    assert fit._solve(fit.people, fit.committed + Counter({(kind, hall): 1})) is not None

    def decided_afresh(*args):
        raise AssertionError("a quick move should have answered")

    fit._decide = decided_afresh
    assert fit.try_commit(kind, hall)
    assert placement_ok(fit, fit.people, fit.committed, fit.placed, fit.suites)
    return fit


def test_a_pair_trades_places_with_two_single_people_without_a_solver(policy):
    # Red Hall's suite (two doubles) holds two women promised it and a pair; Xuemin Hall's holds
    # four women, one of whom lists Red Hall. Every bed is taken, and no pair's room is free
    # elsewhere: the pair and two of the women trade places (Fit._swap_units).
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=1) for key, hall in enumerate(HALLS[:2]))
    woman, pair = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", False, "", 2)
    fit = _trade(policy, classes, {(woman, 0): 2, (pair, 0): 1, (woman, 1): 4}, {(woman, "Red Hall"): 2},
                 woman, "Red Hall")
    assert (fit.placed[woman, 0], fit.placed[pair, 0], fit.placed[woman, 1], fit.placed[pair, 1]) == (4, 0, 2, 1)


def test_someone_needing_an_accessible_bed_trades_places_without_a_solver(policy):
    # Blue Hall's suite has ordinary singles; Red Hall's and Xuemin Hall's have accessible ones.
    # Red Hall holds a woman promised it and one needing an accessible bed; a woman living in
    # Xuemin Hall lists Red Hall. The one needing the accessible bed cannot move to Blue Hall's
    # free bed: she trades places with a woman in Xuemin Hall (Fit._swap_units).
    single, accessible = RoomSignature("single", 1, False), RoomSignature("single", 1, True)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(room, room), count=1)
                    for key, (hall, room) in enumerate((("Blue Hall", single), ("Red Hall", accessible),
                                                        ("Xuemin Hall", accessible))))
    woman, needing = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", True, "")
    fit = _trade(policy, classes, {(woman, 0): 2, (woman, 1): 1, (needing, 1): 1, (woman, 2): 2},
                 {(woman, "Red Hall"): 1}, woman, "Red Hall")
    assert (fit.placed[woman, 1], fit.placed[needing, 1], fit.placed[needing, 2]) == (2, 0, 1)


def _halls_and_a_college(extra_beds: bool) -> tuple[SuiteClass, ...]:
    """Three ordinary halls of one four-bed suite each (a fifth bed in Red Hall with
    ``extra_beds``) and the CURI college's suite in a hall of its own."""
    double, single = RoomSignature("double", 2, False), RoomSignature("single", 1, False)
    ordinary = [SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",), college="",
                           rooms=(double, double, single) if extra_beds and hall == "Red Hall" else (double, double),
                           count=1)
                for key, hall in enumerate(HALLS)]
    college = SuiteClass(key=len(HALLS), hall="CURI College", campus="Hung Hom", gender="any",
                         pools=("undergraduate",), college="CURI", rooms=(double, double), count=1)
    return (*ordinary, college)


def test_a_unit_released_college_beds_is_refused_every_full_ordinary_hall_with_one_question(policy):
    # Section 7: twelve women fill the three ordinary halls; a woman released CURI's empty beds
    # lives there. Her first choice, Red Hall, is impossible, and so, found by the same question
    # (her in any ordinary hall), are the others: no further decision is made for them.
    fit = Fit(_halls_and_a_college(extra_beds=False), policy)
    woman, released = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", False, "",
                                                                                    released_to="CURI")
    assert all(fit.try_add(woman) for _ in range(12)) and fit.try_add(released)
    decisions = []
    decide = fit._decide
    fit._decide = lambda people, committed: decisions.append(committed) or decide(people, committed)
    assert not fit.try_commit(released, "Red Hall")
    assert len(decisions) == 1 and (released, tuple(sorted(HALLS))) in fit.refused  # the one question: any ordinary hall
    assert not fit.try_commit(released, "Blue Hall") and not fit.try_commit(released, "Xuemin Hall")
    assert len(decisions) == 1
    for hall in HALLS:  # each answer is the CP-SAT model's
        assert fit._solve(fit.people, Counter({(released, hall): 1})) is None
    assert fit.try_commit(released, "CURI College")


def test_a_unit_released_college_beds_takes_a_free_ordinary_bed_it_listed(policy):
    fit = Fit(_halls_and_a_college(extra_beds=True), policy)
    woman, released = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", False, "",
                                                                                    released_to="CURI")
    assert all(fit.try_add(woman) for _ in range(12)) and fit.try_add(released)
    assert fit.try_commit(released, "Xuemin Hall")  # a woman moves to Red Hall's fifth bed
    assert placement_ok(fit, fit.people, fit.committed, fit.placed, fit.suites)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), some=st.lists(kinds(), min_size=1, max_size=3),
       steps=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.sampled_from([True, True, False])),
                      max_size=24),
       member_roommates=st.booleans())
def test_every_join_is_the_cp_sat_models(policy, classes, some, steps, member_roommates):
    # The walk's use: people added one at a time, and mutual partners joined into a pair when both
    # are placed. Each answer equals a fresh CP-SAT solve, also after joins and refusals were
    # remembered (Fit.try_join), with college rooms open to a member's non-member roommate or not.
    policy = policy.model_copy(update={"allocation": policy.allocation.model_copy(
        update={"college_rooms_for_member_roommates": member_roommates})})
    fit, reference = Fit(classes, policy), Fit(classes, policy)
    people = Counter()
    for i, j, join in steps:
        a, b = (some[k % len(some)]._replace(size=1) for k in (i, j))
        if not join or pair_problem(a, b) or people[a] < 1 or people[b] < 1 + (a == b):
            expected = reference._solve(people + Counter({a: 1}), Counter()) is not None
            assert fit.try_add(a) == expected
            people += Counter({a: expected})
            continue
        joined = people - Counter([a, b]) + Counter({fit.access.pair_kind(a, b): 1})
        expected = reference._solve(joined, Counter()) is not None
        assert fit.try_join(a, b) == expected
        people = +joined if expected else people
        assert +fit.people == people
        assert placement_ok(fit, people, Counter(), fit.placed, fit.suites)


def test_a_refused_join_is_remembered_until_a_member_and_a_non_member_are_joined(policy):
    # Red Hall has three single rooms; the CURI college a double. A pair of ordinary women has no
    # room (refused, then refused at once however many women are added). A member joined with a
    # non-member may take the college's double ([allocation] college_rooms_for_member_roommates):
    # that frees a single room, so refusals are forgotten and the next join is decided afresh.
    single, double = RoomSignature("single", 1, False), RoomSignature("double", 2, False)
    classes = (SuiteClass(key=0, hall="Red Hall", campus="Hung Hom", gender="any", pools=("undergraduate",),
                          college="", rooms=(single, single, single), count=1),
               SuiteClass(key=1, hall="CURI College", campus="Hung Hom", gender="any", pools=("undergraduate",),
                          college="CURI", rooms=(double,), count=1))
    policy = policy.model_copy(update={"allocation": policy.allocation.model_copy(
        update={"college_rooms_for_member_roommates": True})})
    fit = Fit(classes, policy)
    woman, member = ApplicantKind("undergraduate", "F", False, ""), ApplicantKind("undergraduate", "F", False, "CURI")
    decisions = []
    decide = fit._decide
    fit._decide = lambda people, committed: decisions.append(people) or decide(people, committed)
    assert fit.try_add(woman) and fit.try_add(woman)
    assert not fit.try_join(woman, woman) and len(decisions) == 1
    assert fit.try_add(woman)
    assert not fit.try_join(woman, woman) and len(decisions) == 1  # remembered: no decision
    assert fit.try_add(member) and fit.try_join(member, woman)
    assert +fit.people == Counter({woman: 2, fit.access.pair_kind(member, woman): 1})
    before = len(decisions)
    assert not fit.try_join(woman, woman) and len(decisions) == before + 1  # decided afresh
    assert placement_ok(fit, fit.people, Counter(), fit.placed, fit.suites)


def test_an_error_while_the_lp_is_solved_stops_the_cp_sat_search(policy, monkeypatch):
    # The fit check's CP-SAT solve runs on a thread beside the LP (Fit._decide); if the LP is
    # interrupted (Ctrl-C in a notebook, say), the solve is stopped too rather than left running.
    double = RoomSignature("double", 2, False)
    classes = tuple(SuiteClass(key=key, hall=hall, campus="Hung Hom", gender="any", pools=("undergraduate",),
                               college="", rooms=(double, double), count=1) for key, hall in enumerate(HALLS[:2]))
    woman = ApplicantKind("undergraduate", "F", False, "")
    stopped = []
    real_abandon = _Search.abandon

    def abandon(search):
        real_abandon(search)
        stopped.append(search.running._thread.is_alive())

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_Search, "abandon", abandon)
    monkeypatch.setattr(Fit, "_construct", lambda self, groups: None)  # so the question reaches CP-SAT
    monkeypatch.setattr(Fit, "_relaxation", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Fit(classes, policy)._decide(Counter({woman: 3}), Counter())
    assert stopped == [False]  # stopped once, and ended


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(classes=suite_classes(), kinds_=st.lists(kinds(), min_size=1, max_size=5, unique=True),
       before=st.lists(st.integers(0, 4), min_size=5, max_size=5), after=st.lists(st.integers(0, 4), min_size=5, max_size=5),
       promised=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(HALLS)), max_size=3), cuts=st.booleans())
def test_a_model_copied_from_the_rows_of_other_counts_is_the_model_built_afresh(policy, classes, kinds_, before,
                                                                                 after, promised, cuts):
    # Fit._model builds the rows that depend only on which kinds are admitted once (_Skeleton) and
    # sets the counts and promises in a copy: nothing of an earlier question may stay behind
    # (a model built on the rows themselves, not a copy, fails this).
    people_before = Counter({kind: n for kind, n in zip(kinds_, before)})
    people_after = Counter({kind: n for kind, n in zip(kinds_, after)})
    committed = Counter({(kinds_[i % len(kinds_)], hall): 1 for i, hall in promised})
    reused = Fit(classes, policy)
    reused._model(people_before, Counter(), cuts=not cuts)
    copied, fresh = reused._model(people_after, committed, cuts), Fit(classes, policy)._model(people_after, committed, cuts)
    assert (copied is None) == (fresh is None)
    assume(fresh is not None)  # else a kind has no class open to it
    assert str(copied[0].proto) == str(fresh[0].proto)
