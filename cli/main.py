"""``psm``: parse the command line and hand over to :mod:`cli.commands`. Nothing more."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli import commands
from cli.appeal import appeal_command
from cli.exits import EXIT_ERROR
from cli.offers import offers_command
from cli.pipeline import add_inputs
from psm.errors import PsmError

__all__ = ["main", "main_exit"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except PsmError as e:
        print(f"psm {args.command_name}: error: {e}", file=sys.stderr)
        return EXIT_ERROR


def main_exit() -> None:
    """Console-script entry point: ``psm ...`` exits with :func:`main`'s status."""
    sys.exit(main())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="psm", description="Hall admission engine: score, rank and allocate.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, function, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.set_defaults(command=function, command_name=name)
        return p

    score = command("score", commands.score, "validate the input files and score every applicant")
    add_inputs(score)
    score.add_argument("--out", required=True, type=Path, help="scores.csv to write")
    score.add_argument("--rejects", type=Path, help="rejects.csv to write (default: beside --out)")

    rank = command("rank", commands.rank, "score, then rank every pool: tiers, score, lottery")
    add_inputs(rank)
    rank.add_argument("--seed", required=True, help="the lottery seed the HAC published before the draw")
    rank.add_argument("--out", required=True, type=Path, help="ranking.csv to write (lottery.json goes beside it)")
    rank.add_argument("--rejects", type=Path, help="rejects.csv to write (default: beside --out)")

    run = command("run", commands.run, "score, rank and allocate in one go, into RUN_DIR")
    add_inputs(run)
    run.add_argument("--rooms", type=Path, help="rooms.csv (default: the bundled data/halls/polyu_rooms.csv)")
    run.add_argument("--seed", required=True, help="the lottery seed the HAC published before the draw")
    run.add_argument("--out", required=True, type=Path, metavar="RUN_DIR",
                     help="new folder for the run bundle (never overwritten)")

    verify = command("verify", commands.verify, "re-run a bundle from its own inputs and check every output")
    verify.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a folder written by psm run or psm offers")

    appeal = command("appeal", appeal_command, "recalculate one applicant's card against the run that decided it")
    appeal.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the bundle written by psm run")
    appeal.add_argument("--applicant", required=True, help="the applicant's id")
    appeal.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="a changed cell (repeatable)")
    appeal.add_argument("--add-achievement", action="append", metavar="LEVEL,PRIZE,DATE,VERIFIED",
                        help="an achievement to add, e.g. regional,1,2024-11-02,true (repeatable)")
    appeal.add_argument("--add-post", action="append", metavar="BODY,POST_LEVEL",
                        help="an office-bearer post to add, e.g. 'Hall Association,chair' (repeatable)")
    appeal.add_argument("--by", required=True, help="who decides the appeal (recorded)")
    appeal.add_argument("--reason", required=True, help="why (recorded)")
    appeal.add_argument("--uphold", action="store_true",
                        help="the HAC upholds the appeal: the changed card counts from the next offer round")

    offers = command("offers", offers_command, "the next offer round: keep the accepted, offer the freed beds")
    offers.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the bundle of the round the responses answer")
    offers.add_argument("--responses", required=True, type=Path,
                        help="responses.csv or .xlsx: applicant_id, response (accepted / declined / no_response)")
    offers.add_argument("--out", required=True, type=Path, metavar="RUN_DIR2",
                        help="new folder for the next round's bundle (never overwritten)")

    allocate = command("allocate", commands.allocate_ranking, "allocate beds and rooms for a ranking.csv from psm rank")
    allocate.add_argument("--ranking", required=True, type=Path, help="ranking.csv written by psm rank")
    allocate.add_argument("--applications", required=True, type=Path, help="the applications that were ranked")
    allocate.add_argument("--rooms", type=Path, help="rooms.csv (default: the bundled data/halls/polyu_rooms.csv)")
    allocate.add_argument("--policy", type=Path, help="policy TOML (default: config/policy/2025-26.toml)")
    allocate.add_argument("--out", required=True, type=Path, help="folder for ranking.csv and assignments.csv")

    lottery = command("lottery", commands.lottery, "print every applicant's lottery key, so anyone can check a draw")
    lottery.add_argument("--seed", required=True, help="the published lottery seed")
    lottery.add_argument("--applications", required=True, type=Path, help="any CSV/XLSX with an applicant_id column")

    sample = command("sample", commands.sample, "generate a synthetic cohort (seeded) for demos and tests")
    sample.add_argument("--n", type=int, default=6000, help="number of applicants (default 6000)")
    sample.add_argument("--seed", type=int, default=2025, help="generator seed (default 2025)")
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="folder to write (default data/sample)")
    return parser


if __name__ == "__main__":
    main_exit()
