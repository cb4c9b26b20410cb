# The two commands of the README. Both work on a fresh clone with only Python >= 3.11, pip and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SAMPLE := data/sample

.PHONY: demo test bench sample clean

# The project installed (editable) in .venv; redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,routes,notebooks,console]'
	touch $@

## demo: install, then score, rank and allocate the bundled sample cohort into runs/demo/
demo: $(VENV)/.installed
	rm -rf runs/demo  # the demo bundle is replaced; psm run never overwrites a bundle itself
	$(BIN)/psm run \
		--applications $(SAMPLE)/applications.csv \
		--office-bearers $(SAMPLE)/office_bearers.csv \
		--achievements $(SAMPLE)/achievements.csv \
		--seed demo-2025-26 \
		--out runs/demo

## test: install the test extras and run the whole test suite, on two processes (tests sharing
## the sample run are kept on one: the xdist_group marks)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup

## bench: the performance benchmarks (not part of the tests): the speed table against the previous approach,
## scoring, allocation, Monte Carlo, letters (several minutes)
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_allocation.py
	$(BIN)/python benchmarks/bench_montecarlo.py
	$(BIN)/python benchmarks/bench_letters.py

## sample: regenerate the synthetic sample cohort in data/sample/
sample: $(VENV)/.installed
	$(BIN)/psm sample --n 6000 --seed 2025 --out $(SAMPLE)

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
