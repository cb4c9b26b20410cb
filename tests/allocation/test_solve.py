"""Deterministic solver settings and the lexicographic solve (allocation.solve)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from allocation.solve import (LINEARIZATION_LEVEL, RIVAL, BackgroundSolve, Objective, SolverSettings, in_one_step, race,
                              solve_lexicographically)


def test_settings_reach_the_solver_and_the_manifest():
    settings = SolverSettings(random_seed=7, max_deterministic_time=5.0)
    solver = settings.solver()
    assert (solver.parameters.num_workers, solver.parameters.random_seed, solver.parameters.max_deterministic_time,
            solver.parameters.linearization_level) == (1, 7, 5.0, LINEARIZATION_LEVEL)
    assert settings.as_dict() == {"num_workers": 1, "random_seed": 7, "linearization_level": LINEARIZATION_LEVEL,
                                  "max_deterministic_time": 5.0}
    rival = settings.rival()
    assert rival.overrides == RIVAL and rival.random_seed == 7
    assert all(getattr(rival.solver().parameters, name) == value for name, value in RIVAL)


def test_each_step_keeps_the_value_reached_before_it():
    # x + y <= 3 over 0..3: the most x + y is 3; keeping it, the least x is 0, so y is 3.
    model = cp_model.CpModel()
    x, y = model.new_int_var(0, 3, "x"), model.new_int_var(0, 3, "y")
    model.add(x + y <= 3)
    hints = [x, y]
    result = solve_lexicographically(model, [Objective("sum", x + y), Objective("x", x, maximise=False)],
                                     SolverSettings(random_seed=0, max_deterministic_time=5.0),
                                     hint_from_each_step=hints)
    assert [(s.name, s.value, s.optimal) for s in result.steps] == [("sum", 3, True), ("x", 0, True)]
    assert result.failed is None and (result.solver.value(x), result.solver.value(y)) == (0, 3)


def test_a_step_without_a_solution_ends_the_solve():
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    model.add(x >= 4)
    result = solve_lexicographically(model, [Objective("x", x), Objective("never", -x)],
                                     SolverSettings(random_seed=0, max_deterministic_time=5.0))
    assert [s.name for s in result.steps] == ["x"]
    assert result.failed is not None and result.failed.status == cp_model.INFEASIBLE and result.failed.value is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(1, 8)),
                min_size=1, max_size=4))
def test_wishes_in_one_step_reach_the_lexicographic_optimum(rows):
    """in_one_step: maximising a * (bound + 1) + b gives the most a, then the most b, for counts
    0 <= b <= bound; here a and b count chosen items under knapsack rows (weights, capacity)."""
    def model_of():
        model = cp_model.CpModel()
        items = [model.new_bool_var(f"i{k}") for k in range(3)]
        for *weights, capacity in rows:
            model.add(sum(w * i for w, i in zip(weights, items)) <= capacity)
        return model, Objective("a", items[0] + items[1]), Objective("b", items[1] + 2 * items[2])

    settings_ = SolverSettings(random_seed=0, max_deterministic_time=5.0)
    model, a, b = model_of()
    steps = solve_lexicographically(model, [a, b], settings_).steps
    model, a, b = model_of()
    one = solve_lexicographically(model, [in_one_step([a, b], bound=3)], settings_)  # b <= 3
    assert one.steps[0].optimal
    assert (one.solver.value(a.expression), one.solver.value(b.expression)) == (steps[0].value, steps[1].value)


def _hard_model() -> cp_model.CpModel:
    """A market split problem (Cornuejols and Dawande): four equalities over 40 booleans, each
    row's right side half its coefficients' sum; CP-SAT settles it in neither way within 30
    deterministic seconds."""
    rows = random.Random(1)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(40)]
    for _ in range(4):
        a = [rows.randint(0, 99) for _ in x]
        model.add(sum(c * v for c, v in zip(a, x)) == sum(a) // 2)
    return model


def test_a_background_solve_gives_the_answer_of_a_solve_in_this_thread():
    model = cp_model.CpModel()
    x, y = model.new_int_var(0, 9, "x"), model.new_int_var(0, 9, "y")
    model.add(3 * x + 2 * y <= 17)
    model.maximize(x + 2 * y)
    settings = SolverSettings(random_seed=0, max_deterministic_time=5.0)
    here, there = settings.solver(), settings.solver()
    assert here.solve(model) == BackgroundSolve(there, model).status() == cp_model.OPTIMAL
    assert (here.value(x), here.value(y)) == (there.value(x), there.value(y))


def test_abandoning_a_background_solve_stops_its_search():
    solver = SolverSettings(random_seed=0, max_deterministic_time=30.0).solver()
    solver.parameters.cp_model_presolve = False
    running = BackgroundSolve(solver, _hard_model())
    running.abandon()
    assert running.status() == cp_model.UNKNOWN  # stopped, proven neither way
    assert solver.deterministic_time < 30.0  # before its limit


def test_a_background_solve_has_ended_when_its_queue_hears_of_it():
    # A caller woken by the queue (Fit._answer, race) asks ended() next: it must say so,
    # or the caller waits again for a solve that will never post (regression: ended() read the
    # thread, still alive while it posted).
    heard = []

    class Queue:
        def put(self, solve):
            heard.append(solve.ended())

    model = cp_model.CpModel()
    model.new_int_var(0, 1, "x")
    BackgroundSolve(SolverSettings(random_seed=0, max_deterministic_time=1.0).solver(), model, Queue()).status()
    assert heard == [True]


def test_an_error_in_a_background_solve_is_raised_by_status(monkeypatch):
    import allocation.solve as module

    def failing(solver, model):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "solve", failing)
    running = BackgroundSolve(SolverSettings(random_seed=0, max_deterministic_time=1.0).solver(), cp_model.CpModel())
    with pytest.raises(RuntimeError, match="boom"):
        running.status()


def _knapsack() -> tuple[cp_model.CpModel, list, cp_model.LinearExpr]:
    """Twelve items, two knapsack rows, and the items' value (proven at its most at once, by
    any configuration)."""
    items = random.Random(3)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(12)]
    for _ in range(2):
        model.add(sum(items.randint(1, 9) * v for v in x) <= 20)
    return model, x, sum(items.randint(1, 9) * v for v in x)


def test_a_race_gives_the_proven_value_of_a_solve_alone():
    model, _, value = _knapsack()
    model.maximize(value)
    settings = SolverSettings(random_seed=0, max_deterministic_time=5.0)
    alone = settings.solver()
    assert alone.solve(model) == cp_model.OPTIMAL
    status, solver = race(model, settings)
    assert status == cp_model.OPTIMAL and solver.objective_value == alone.objective_value


@pytest.mark.parametrize(("own_limit", "rival_limit"), [(0.0, 5.0), (5.0, 0.0)])
def test_a_race_takes_the_proof_of_whichever_solve_has_time_for_it(own_limit, rival_limit):
    # One solve has no time at all (ends unproven), the other time enough: its proof counts,
    # whether it is the rival's or its own.
    model, _, value = _knapsack()
    model.maximize(value)
    own = SolverSettings(random_seed=0, max_deterministic_time=own_limit)
    rival = SolverSettings(random_seed=0, max_deterministic_time=rival_limit)
    status, solver = race(model, own, rival)
    assert status == cp_model.OPTIMAL and solver.parameters.max_deterministic_time == 5.0


def test_a_race_that_proves_nothing_gives_its_own_answer():
    # Neither proves the market split problem within its limit: the answer is own's, the one a
    # solve alone gives (deterministic), never the rival's, though the rival ends first.
    model = _hard_model()
    own = SolverSettings(random_seed=0, max_deterministic_time=0.5)
    rival = SolverSettings(random_seed=0, max_deterministic_time=0.05)
    status, solver = race(model, own, rival)
    assert status == own.solver().solve(model) and solver.parameters.max_deterministic_time == 0.5
    # And when own ends first, unproven, it is still own's answer (the rival waited for).
    status, solver = race(model, rival, own)
    assert status == rival.solver().solve(model) and solver.parameters.max_deterministic_time == 0.05


def test_an_error_in_either_solve_of_a_race_is_raised_and_stops_the_other(monkeypatch):
    import allocation.solve as module

    solve = module.solve
    stopped = []

    def failing_rival(solver, model):
        if solver.parameters.max_num_cuts == 0:  # the rival (RIVAL)
            raise RuntimeError("boom")
        status = solve(solver, model)
        stopped.append(solver.deterministic_time)
        return status

    monkeypatch.setattr(module, "solve", failing_rival)
    with pytest.raises(RuntimeError, match="boom"):
        race(_hard_model(), SolverSettings(random_seed=0, max_deterministic_time=30.0))
    assert stopped and stopped[0] < 30.0  # own's solve was stopped, not left running


def test_racing_the_value_steps_changes_no_answer():
    # The first step raced (only its value kept), the last solved alone: the same values and the
    # same solution as without the race.
    def solved(race_values: bool):
        model, x, value = _knapsack()
        steps = [Objective("value", value), Objective("first six", sum(x[:6]), maximise=False)]
        settings_ = SolverSettings(random_seed=0, max_deterministic_time=5.0)
        return x, solve_lexicographically(model, steps, settings_, race_values=race_values)

    (x, plain), (y, raced) = solved(False), solved(True)
    assert [(s.value, s.optimal) for s in plain.steps] == [(s.value, s.optimal) for s in raced.steps]
    assert [s.raced for s in plain.steps] == [False, False] and [s.raced for s in raced.steps] == [True, False]
    assert [plain.solver.value(v) for v in x] == [raced.solver.value(v) for v in y]
