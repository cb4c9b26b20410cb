"""The ``psm`` command line: parse arguments, call the library, print a summary. Nothing more.

Exit status (also in the README):
  0  done, every input row used
  1  stopped: a file or the policy could not be used (the message says which and how to fix it)
  2  the command line itself is wrong (argparse's usage message)
  3  done for the valid rows, but some rows were rejected: see rejects.csv
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from psm import domain
from psm.errors import PsmError
from psm.io import REJECT_COLUMNS, Cohort, read_cohort, read_table, write_csv
from psm.lottery import FORMULA, commitment, lottery_keys
from psm.policy import Policy, load_policy
from psm.ranking import Ranking, pool_beds, rank_cohort
from psm.scoring import score_frames
from psm.travel import PROVIDERS, DistrictTable, TravelProvider, make_provider

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
    _add_inputs(score)
    score.add_argument("--out", required=True, type=Path, help="scores.csv to write")
    score.add_argument("--rejects", type=Path, help="rejects.csv to write (default: beside --out)")
    score.set_defaults(command=_score, command_name="score")

    rank = commands.add_parser("rank", help="score, then rank every pool: tiers, score, lottery")
    _add_inputs(rank)
    rank.add_argument("--seed", required=True, help="the lottery seed the HAC published before the draw")
    rank.add_argument("--out", required=True, type=Path, help="ranking.csv to write (lottery.json goes beside it)")
    rank.add_argument("--rejects", type=Path, help="rejects.csv to write (default: beside --out)")
    rank.set_defaults(command=_rank, command_name="rank")

    lottery = commands.add_parser("lottery", help="print every applicant's lottery key, so anyone can check a draw")
    lottery.add_argument("--seed", required=True, help="the published lottery seed")
    lottery.add_argument("--applications", required=True, type=Path, help="any CSV/XLSX with an applicant_id column")
    lottery.set_defaults(command=_lottery, command_name="lottery")

    sample = commands.add_parser("sample", help="generate a synthetic cohort (seeded) for demos and tests")
    sample.add_argument("--n", type=int, default=6000, help="number of applicants (default 6000)")
    sample.add_argument("--seed", type=int, default=2025, help="generator seed (default 2025)")
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="folder to write (default data/sample)")
    sample.set_defaults(command=_sample, command_name="sample")
    return parser


def _add_inputs(command: argparse.ArgumentParser) -> None:
    command.add_argument("--applications", required=True, type=Path, help="applications.csv or .xlsx")
    command.add_argument("--office-bearers", type=Path, help="office_bearers.csv or .xlsx (optional)")
    command.add_argument("--achievements", type=Path, help="achievements.csv or .xlsx (optional)")
    command.add_argument("--policy", type=Path, help="policy TOML (default: config/policy/2025-26.toml)")
    command.add_argument("--round", default="regular", help="scoring round in the policy: regular (default) or summer")
    command.add_argument("--travel", choices=PROVIDERS, default="table",
                         help="travel minutes: table (offline, default), google (Distance Matrix) or google-routes "
                              "(Routes API); Google needs the key in the environment variable GOOGLE_MAPS_API_KEY")
    command.add_argument("--travel-cache", type=Path,
                         help="SQLite cache of Google look-ups (default: data/cache/travel.sqlite)")


@dataclass(frozen=True)
class _Scored:
    policy: Policy
    travel: TravelProvider
    cohort: Cohort
    scores: pd.DataFrame
    rejects_path: Path


def _read_and_score(args: argparse.Namespace) -> _Scored:
    """Load the policy, read and validate the inputs, score; write rejects.csv beside --out."""
    policy = load_policy(args.policy)
    if args.round not in policy.rounds:
        raise PsmError(f"--round {args.round!r} is not in the policy; use one of {sorted(policy.rounds)}")
    travel = make_provider(args.travel, policy.travel, args.travel_cache, DistrictTable.load(), progress=True)
    cohort = read_cohort(policy, args.applications, args.office_bearers, args.achievements)
    scores = score_frames(
        cohort.applications, cohort.office_bearers, cohort.achievements, policy, travel, args.round
    )
    rejects_path = args.rejects or args.out.with_name("rejects.csv")
    write_csv(_rejects_frame(cohort, policy), rejects_path)
    return _Scored(policy, travel, cohort, scores, rejects_path)


def _score(args: argparse.Namespace) -> int:
    done = _read_and_score(args)
    write_csv(done.scores, args.out)
    _print_inputs(done, args)
    _print_scores(done)
    print(f"  wrote {args.out} ({len(done.scores):,} rows) and {done.rejects_path} ({len(done.cohort.rejects):,} problems)")
    return _print_rejects(done.cohort)


def _rank(args: argparse.Namespace) -> int:
    done = _read_and_score(args)
    ranking = rank_cohort(done.cohort.applications, done.scores, done.policy, args.seed)
    frame = ranking.frame.assign(policy_version=done.policy.version, policy_sha256=done.policy.sha256)
    write_csv(frame, args.out)
    lottery_path = args.out.with_name("lottery.json")
    _write_json(lottery_path, {
        "seed": ranking.seed,
        "formula": FORMULA,
        "ranked_applicants": len(ranking.ranked),
        "ranked_ids_sha256": ranking.commitment,
        "commitment_rule": "SHA-256 of the ranked applicant ids, sorted, one per line, UTF-8",
        "policy_version": done.policy.version,
        "policy_sha256": done.policy.sha256,
    })
    _print_inputs(done, args)
    _print_ranking(done.policy, ranking)
    print(f"  wrote {args.out} ({len(frame):,} rows), {lottery_path} and {done.rejects_path} "
          f"({len(done.cohort.rejects):,} problems)")
    return _print_rejects(done.cohort)


def _lottery(args: argparse.Namespace) -> int:
    table = read_table(args.applications)
    if "applicant_id" not in table.header:
        raise PsmError(f"{args.applications}: no applicant_id column; give a file whose header has applicant_id")
    at = table.header.index("applicant_id")
    ids = list(dict.fromkeys(cells[at] for _, cells in table.rows if at < len(cells) and cells[at]))
    keys = lottery_keys(args.seed, ids)
    print(f"# {FORMULA}; seed {args.seed!r}; {len(ids)} ids; ids_sha256 {commitment(ids)}")
    print("position,applicant_id,lottery_key")
    for position, index in enumerate(np.argsort(keys, kind="stable"), 1):
        print(f"{position},{ids[index]},{keys[index]}")
    return EXIT_OK


def _write_json(path: Path, content: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    except OSError as e:
        raise PsmError(f"{path}: cannot write ({e.strerror}); choose a writable --out path") from e


def _rejects_frame(cohort: Cohort, policy: Policy) -> pd.DataFrame:
    frame = pd.DataFrame([r.__dict__ for r in cohort.rejects], columns=list(REJECT_COLUMNS))
    frame["policy_version"] = policy.version
    frame["policy_sha256"] = policy.sha256
    return frame


def _print_inputs(done: _Scored, args: argparse.Namespace) -> None:
    """Counts only: no cell values, so no personal data reaches the terminal or a log."""
    policy, travel, cohort = done.policy, done.travel, done.cohort
    print(f"psm {args.command_name} · policy {policy.version} (sha256 {policy.sha256[:12]}) · round {args.round}")
    print(f"  travel minutes: {travel.describe()}")
    for f in cohort.files:
        extra = f" · {f.blank_rows} blank rows skipped" if f.blank_rows else ""
        print(f"  {Path(f.path).name:<22} {f.rows:>7,} rows: {f.accepted:>7,} used, {f.rejected:>5,} rejected{extra}")
        if f.unknown_columns:
            print(f"    columns not in the contract: {', '.join(f.unknown_columns)} (rows with values there are rejected)")


def _print_scores(done: _Scored) -> None:
    scores, policy = done.scores, done.policy
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
    for line in done.travel.stats.summary_lines():
        print(f"  {line}")


def _print_ranking(policy: Policy, ranking: Ranking) -> None:
    frame = ranking.frame
    print(f"  lottery seed {ranking.seed!r} · ranked ids sha256 {ranking.commitment[:16]}…")
    beds = pool_beds(policy, ranking).set_index("pool")
    for pool in domain.POOLS:
        in_pool = frame[frame["pool"] == pool]
        ranked = in_pool[in_pool["status"] == "ranked"]
        row = beds.loc[pool]
        spill = f" (+{row.spilled_in} spilled in)" if row.spilled_in else f" ({row.spilled_out} unused, spill over)" if row.spilled_out else ""
        print(f"  {pool}: {len(ranked):,} ranked for {row.beds:,} beds{spill}; "
              f"{(in_pool['status'] == 'ineligible').sum():,} ineligible, {(in_pool['status'] == 'disqualified').sum():,} disqualified")
        if policy.pools[pool].order == "tiers":
            by_tier = ranked.groupby("tier").size()
            for tier in policy.tiers.order:
                print(f"    {tier:<22} {int(by_tier.get(tier, 0)):>6,}")
    print("  cut-off scores come with allocation; until then the tier sizes above")


def _print_rejects(cohort: Cohort) -> int:
    """Say what was rejected; the exit status that tells a script."""
    if not cohort.rejected_rows:
        return EXIT_OK
    problems = Counter((r.file, r.column) for r in cohort.rejects)
    print(f"  {cohort.rejected_rows:,} rows rejected (exit status {EXIT_REJECTED}); problems by file and column:")
    for (file, column), n in problems.most_common(10):
        print(f"    {file}: {column}: {n:,}")
    return EXIT_REJECTED


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
