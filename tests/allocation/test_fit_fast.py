"""The fit check's answers without CP-SAT (allocation.fit) equal the exact CP-SAT model's (hypothesis).

The counting argument (``Fit._surely_impossible``) may only say "impossible" when the CP-SAT model
finds no placement; a placement built from scratch (``Fit._construct``) must keep every rule and
promise; and every answer of ``try_add`` / ``try_commit`` (quick moves, refusals remembered, kinds
at least as hard as one refused) must be the CP-SAT model's answer for the people and promises so far.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation.access import ApplicantKind
from allocation.fit import Fit
from allocation.inventory import RoomSignature, SuiteClass

HALLS = ("Red Hall", "Xuemin Hall")
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
    return st.builds(ApplicantKind, st.sampled_from(["undergraduate", "exchange"]), st.sampled_from("FM"),
                     st.booleans(), st.sampled_from(["", "CURI"]), st.sampled_from([1, 1, 2]))


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
            people[kind] += expected
        elif people[kind]:
            expected = reference._solve(people, committed + Counter({(kind, hall): 1})) is not None
            assert fit.try_commit(kind, hall) == expected
            committed[kind, hall] += expected
        assert placement_ok(fit, people, committed, fit.placed, fit.suites)
