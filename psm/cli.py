"""The ``psm`` command line: parse arguments, call the library, print a summary. Nothing more.

Exit status (also in the README):
  0  done, every input row used
  1  stopped: a file or the policy could not be used (the message says which and how to fix it)
  2  the command line itself is wrong (argparse's usage message)
  3  done for the valid rows, but some rows were rejected: see rejects.csv
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

from psm.errors import PsmError
from psm.io import REJECT_COLUMNS, Cohort, read_cohort, write_csv
from psm.policy import Policy, load_policy
from psm.scoring import score_frames
from psm.travel import DistrictTable

__all__ = ["main", "main_exit", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_REJECTED"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except PsmError as e:
        print(f"psm {args.command_name}: error: {e}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psm", description="Hall admission engine: the Point Scoring Mechanism.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    score = commands.add_parser("score", help="validate the input files and score every applicant")
    score.add_argument("--applications", required=True, type=Path, help="applications.csv or .xlsx")
    score.add_argument("--office-bearers", type=Path, help="office_bearers.csv or .xlsx (optional)")
    score.add_argument("--achievements", type=Path, help="achievements.csv or .xlsx (optional)")
    score.add_argument("--policy", type=Path, help="policy TOML (default: config/policy/2025-26.toml)")
    score.add_argument("--round", default="regular", help="scoring round in the policy: regular (default) or summer")
    score.add_argument("--out", required=True, type=Path, help="scores.csv to write")
    score.add_argument("--rejects", type=Path, help="rejects.csv to write (default: beside --out)")
    score.set_defaults(command=_score, command_name="score")

    sample = commands.add_parser("sample", help="generate a synthetic cohort (seeded) for demos and tests")
    sample.add_argument("--n", type=int, default=6000, help="number of applicants (default 6000)")
    sample.add_argument("--seed", type=int, default=2025, help="generator seed (default 2025)")
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="folder to write (default data/sample)")
    sample.set_defaults(command=_sample, command_name="sample")
    return parser


def _score(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    if args.round not in policy.rounds:
        raise PsmError(f"--round {args.round!r} is not in the policy; use one of {sorted(policy.rounds)}")
    table = DistrictTable.load()
    cohort = read_cohort(policy, args.applications, args.office_bearers, args.achievements)
    scores = score_frames(
        cohort.applications, cohort.office_bearers, cohort.achievements, policy, table, args.round
    )
    rejects_path = args.rejects or args.out.with_name("rejects.csv")
    write_csv(scores, args.out)
    write_csv(_rejects_frame(cohort, policy), rejects_path)
    _print_summary(policy, table, cohort, scores, args, rejects_path)
    return EXIT_REJECTED if cohort.rejected_rows else EXIT_OK


def _rejects_frame(cohort: Cohort, policy: Policy) -> pd.DataFrame:
    frame = pd.DataFrame([r.__dict__ for r in cohort.rejects], columns=list(REJECT_COLUMNS))
    frame["policy_version"] = policy.version
    frame["policy_sha256"] = policy.sha256
    return frame


def _print_summary(policy, table, cohort, scores, args, rejects_path) -> None:
    """Counts only: no cell values, so no personal data reaches the terminal or a log."""
    print(f"psm score · policy {policy.version} (sha256 {policy.sha256[:12]}) · round {args.round}")
    print(f"  travel minutes: district table {Path(table.path).name} (sha256 {table.sha256[:12]}), HAC overrides first")
    for f in cohort.files:
        extra = f" · {f.blank_rows} blank rows skipped" if f.blank_rows else ""
        print(f"  {Path(f.path).name:<22} {f.rows:>7,} rows: {f.accepted:>7,} used, {f.rejected:>5,} rejected{extra}")
        if f.unknown_columns:
            print(f"    columns not in the contract: {', '.join(f.unknown_columns)} (rows with values there are rejected)")
    tracks = Counter(scores["track"])
    print("  tracks: " + " · ".join(f"{t} {tracks[t]:,}" for t in sorted(tracks, key=lambda t: -tracks[t])))
    scored = scores[scores["profile"] != ""]
    if len(scored):
        print("  total points by profile:   n   min  median   max  (of)")
        for profile, group in scored.groupby("profile", sort=True):
            points = group["total_points"].astype(int)
            print(
                f"    {profile:<20} {len(group):>6,} {points.min():>5} {points.median():>7g} {points.max():>5}"
                f"  ({policy.profiles[profile].total})"
            )
    sources = Counter(s for s in scores["travel_source"] if s)
    if sources:
        print("  travel source (local): " + " · ".join(f"{s} {n:,}" for s, n in sorted(sources.items())))
    print(f"  wrote {args.out} ({len(scores):,} rows) and {rejects_path} ({len(cohort.rejects):,} problems)")
    if cohort.rejected_rows:
        problems = Counter((r.file, r.column) for r in cohort.rejects)
        print(f"  {cohort.rejected_rows:,} rows rejected (exit status {EXIT_REJECTED}); problems by file and column:")
        for (file, column), n in problems.most_common(10):
            print(f"    {file}: {column}: {n:,}")


def _sample(args: argparse.Namespace) -> int:
    from psm.synthetic import generate_cohort, write_cohort

    cohort = generate_cohort(n=args.n, seed=args.seed)
    for path in write_cohort(cohort, args.out):
        print(f"wrote {path}")
    return EXIT_OK


def main_exit() -> None:
    """Console-script entry point: ``psm ...`` exits with :func:`main`'s status."""
    sys.exit(main())


if __name__ == "__main__":
    main_exit()
