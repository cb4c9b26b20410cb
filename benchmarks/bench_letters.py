"""Benchmark: a letter for every applicant of the sample (6,000) in under 60 s.

A benchmark, not a timed test: ``.venv/bin/python benchmarks/bench_letters.py [--run RUN_DIR]``.

1. Uses the bundle ``--run`` (e.g. ``runs/demo`` after ``make demo``), or makes one of the
   sample with ``hac.bundle.make_run_bundle`` (about a minute; not timed).
2. Times ``hac.letters.make_letters`` end to end (``--repeats`` times, median): cards from the
   bundle, Typst typesetting on the letter workers (2 processes, the machine's cores), files.
3. Against a plain baseline: one fresh ``typst.compile`` per letter on one process, with no
   compiler kept between letters (timed on the first ``--baseline`` letters, scaled up).
4. Prints letters, the medians, letters per second, the ratio to the baseline and whether the
   60 s target is met; checks that a second run gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path

from hac import InputFiles, RunRequest
from hac.bundle import make_run_bundle
from hac.cards import BundleCards
from hac.letters import letter_data, make_letters

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a bundle to write letters for (default: a fresh run of the sample)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--baseline", type=int, default=200, help="letters timed for the plain baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as scratch:
        scratch = Path(scratch)
        run_dir = args.run
        if run_dir is None:
            request = RunRequest(InputFiles(SAMPLE / "applications.csv", SAMPLE / "office_bearers.csv",
                                            SAMPLE / "achievements.csv"), seed="demo-2025-26")
            run_dir = make_run_bundle(request, scratch / "run", rejected_status=3).folder
        times, made = [], None
        for i in range(args.repeats):
            started = time.perf_counter()
            made = make_letters(run_dir, scratch / f"letters-{i}")
            times.append(time.perf_counter() - started)
        same = all((scratch / "letters-0" / p.name).read_bytes() == p.read_bytes()
                   for p in sorted((scratch / f"letters-{args.repeats - 1}").glob("*.pdf"))[:200])
        baseline = _plain_baseline(run_dir, args.baseline) * made.letters
    median = statistics.median(times)
    print(f"letters for {run_dir}: {made.letters:,} ({', '.join(f'{k} {v:,}' for k, v in made.by_status.items())})")
    print(f"  make_letters          median {median:7.1f} s over {args.repeats} run(s)  "
          f"({made.letters / median:,.0f} letters/s)")
    print(f"  plain baseline (est.) {baseline:7.1f} s  (a fresh typst.compile per letter, one process)")
    print(f"  ratio baseline / engine: {baseline / median:.1f}x; target {TARGET_SECONDS:g} s: "
          f"{'met' if median <= TARGET_SECONDS else 'NOT met'}; same bytes on a second run: {same}")
    return 0


def _plain_baseline(run_dir: Path, n: int) -> float:
    """Seconds per letter with a fresh compile each time (no compiler, fonts or template kept)."""
    import typst  # noqa: PLC0415

    cards = BundleCards(run_dir)
    template = str(resources.files("hac") / "templates" / "letter.typ")
    ids = cards.applicant_ids[:n]
    started = time.perf_counter()
    for applicant_id in ids:
        card = cards.card(applicant_id)
        profile = cards.policy.profiles.get(card.profile) if card.profile else None
        data = json.dumps(letter_data(card, cards.policy.letters, profile.total if profile else None, "bench"))
        typst.compile(template, sys_inputs={"data": data}, ignore_system_fonts=True)
    return (time.perf_counter() - started) / len(ids)


if __name__ == "__main__":
    raise SystemExit(main())
