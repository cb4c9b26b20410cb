"""Benchmark: the console's pages on the sample (6,000 applicants): each under half a second.

A benchmark, not a timed test: run it with ``.venv/bin/python benchmarks/bench_console.py``
(about two minutes: one ``psm run`` of the sample, then the pages and one what-if scenario).

What it does:

1. ``psm run`` of the bundled sample into a temporary runs folder (or ``--runs DIR`` holding a
   bundle ``--run NAME`` already made), then the console over it (in-process, Starlette's
   TestClient, logged in with the start-up token).
2. Times the run page first in a fresh console (the bundle read, the report's sections made),
   then, in another fresh console, the applicant page: the first (the bundle's cards read and
   checked once) and the median of ``--repeats`` others, then the run page (its sections were
   made in the background meanwhile) and again.
3. The what-if page: the form, the POST that starts a scenario moving the first volunteer band
   (``parts.volunteer.bands[2].at_least`` 50 -> 30), the scenario's page every second while it
   runs in the background worker (each answer timed: the page must not wait on the scenario),
   and the result page once it is done; also the scenario's own wall time.
4. Prints each figure against the target (0.5 s a page) and exits 1 if a page missed it (the
   scenario itself, in the background, is information only).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET = 0.5


def timed(client, method: str, path: str, **kwargs):
    started = time.perf_counter()
    response = client.request(method, path, follow_redirects=False, **kwargs)
    return response, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, help="a runs folder holding the bundle --run (default: run the sample)")
    parser.add_argument("--run", default="sample", help="the bundle's folder name (default sample)")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import pandas as pd  # noqa: PLC0415
    from starlette.testclient import TestClient  # noqa: PLC0415

    from cli.exits import EXIT_REJECTED  # noqa: PLC0415 (the status psm run gives for rejected rows)
    from console import create_app  # noqa: PLC0415
    from hac.bundle import make_run_bundle  # noqa: PLC0415
    from hac.pipeline import InputFiles, RunRequest  # noqa: PLC0415
    from whatif import sample_folder  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench-console-") as scratch:
        runs = args.runs
        if runs is None:
            runs = Path(scratch) / "runs"
            runs.mkdir()
            sample = sample_folder()
            started = time.perf_counter()
            make_run_bundle(RunRequest(InputFiles(sample / "applications.csv", sample / "office_bearers.csv",
                                                  sample / "achievements.csv"), seed="bench-console"),
                            runs / args.run, rejected_status=EXIT_REJECTED)
            print(f"psm run of the sample: {time.perf_counter() - started:.1f} s (information)")
        ids = pd.read_csv(runs / args.run / "ranking.csv", dtype=str)["applicant_id"]
        token = "bench-token"
        figures: list[tuple[str, float, bool]] = []
        with TestClient(create_app(runs, token=token)) as client:
            client.get(f"/?token={token}")
            _, first = timed(client, "GET", f"/runs/{args.run}")
            figures.append(("run page, first in a fresh console (reads the bundle, draws the plots)", first, True))
        with TestClient(create_app(runs, token=token)) as client:
            client.get(f"/?token={token}")
            _, first = timed(client, "GET", f"/runs/{args.run}/applicants/{ids.iloc[0]}")
            figures.append(("applicant page, first (reads and checks the bundle)", first, True))
            times = [timed(client, "GET", f"/runs/{args.run}/applicants/{i}")[1]
                     for i in ids.sample(args.repeats, random_state=1)]
            figures.append((f"applicant page, median of {args.repeats}", statistics.median(times), True))
            figures.append((f"applicant page, slowest of {args.repeats}", max(times), True))
            _, first = timed(client, "GET", f"/runs/{args.run}")
            figures.append(("run page, first after the applicant pages (made in the background)", first, True))
            figures.append(("run page, again", timed(client, "GET", f"/runs/{args.run}")[1], True))
            form, seconds = timed(client, "GET", f"/runs/{args.run}/whatif")
            figures.append(("what-if form", seconds, True))
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            started_at = time.perf_counter()
            started, seconds = timed(client, "POST", f"/runs/{args.run}/whatif", data={
                "csrf_token": csrf, "label": "volunteer from 30 h", "parts.volunteer.bands[2].at_least": "30"})
            figures.append(("what-if: start a scenario", seconds, True))
            job = started.headers["location"]
            polls = []
            while True:
                page, seconds = timed(client, "GET", job)
                if 'http-equiv="refresh"' not in page.text:
                    break
                polls.append(seconds)
                time.sleep(1)
            scenario = time.perf_counter() - started_at
            figures.append((f"what-if: progress page while it runs, slowest of {len(polls)}", max(polls or [0]), True))
            figures.append(("what-if: result page", seconds, True))
            figures.append(("what-if: the scenario itself, in the background (information)", scenario, False))
            assert 'id="gains"' in page.text or "Nobody gains" in page.text, "the scenario failed"
    missed = 0
    for label, seconds, counted in figures:
        verdict = ("ok" if seconds < TARGET else "MISSED") if counted else ""
        missed += verdict == "MISSED"
        print(f"  {label:<70} {seconds * 1000:>8.0f} ms  {verdict}")
    print(f"target: each page under {TARGET * 1000:.0f} ms; {'all met' if not missed else f'{missed} missed'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
