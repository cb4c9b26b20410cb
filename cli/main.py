"""``psm``: parse the command line and hand over to :mod:`cli.commands`; say what stopped it.

A :class:`~psm.errors.PsmError` is printed as it is (it names the file and the fix). An
:class:`OSError` no command turned into one (a full disk, an output path that cannot be a
folder, no permission) and a failing travel cache (SQLite) are printed as one line too:
the path, the system's reason and the fix; a full disk under a PsmError gets the fix added.
Exit status 1 in each case, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from pathlib import Path

from cli import commands
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_VERIFY_FAILED
from psm.errors import BundleChangedError, PsmError
from psm.interrupt import Interrupted, handling_signals
from psm.io.writers import write_fix
from psm.travel import PROVIDERS

__all__ = ["main", "main_exit"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with handling_signals():
            return args.command(args)
    except Interrupted as e:
        during = f" during {e.during}" if e.during else ""
        print(f"psm {args.command_name}: interrupted by {e}{during}; nothing was written (no bundle, no partial "
              "folder): run the command again", file=sys.stderr)
        return e.exit_status
    except BundleChangedError as e:
        print(f"psm {args.command_name}: error: {e}", file=sys.stderr)
        return EXIT_VERIFY_FAILED
    except PsmError as e:
        cause = e.__cause__  # a full disk under a message that does not say so yet: add the fix
        full = isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT) and "free some disk space" not in str(e)
        hint = f"; {_fix(cause, args)}" if full else ""
        print(f"psm {args.command_name}: error: {e}{hint}", file=sys.stderr)
    except BrokenPipeError:  # the reader stopped early (psm lottery ... | head): nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout at exit
        return EXIT_OK
    except OSError as e:
        print(f"psm {args.command_name}: error: {_os_message(e, args)}", file=sys.stderr)
    return EXIT_ERROR


def _os_message(e: OSError, args: argparse.Namespace) -> str:
    """One line: the path (or the --out being written), the system's reason, and the fix."""
    paths = [str(p) for p in (e.filename, e.filename2) if p is not None]
    out = getattr(args, "out", None)
    where = " -> ".join(paths) if paths else f"while writing {out}" if out is not None else "a file"
    return f"{where}: {e.strerror or e}; {_fix(e, args)}"


def _fix(e: OSError, args: argparse.Namespace) -> str:
    return write_fix(e, "choose another --out" if getattr(args, "out", None) is not None else "work on a copy elsewhere")


def main_exit() -> None:
    """Console-script entry point: ``psm ...`` exits with :func:`main`'s status.

    The objects the imports made live as long as the process, so they are set aside from the
    garbage collector's full passes (``gc.freeze``): on the sample's run those passes cost 0.14 s
    before, 0.04 s after."""
    gc.freeze()
    sys.exit(main())


def add_inputs(command: argparse.ArgumentParser) -> None:
    """The input options of every command that scores."""
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

    appeal = command("appeal", commands.appeal, "recalculate one applicant's card against the run that decided it")
    appeal.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the bundle written by psm run")
    appeal.add_argument("--applicant", required=True, help="the applicant's id")
    appeal.add_argument("--set", action="append", metavar="COLUMN=VALUE", help="a changed cell (repeatable)")
    appeal.add_argument("--add-achievement", action="append", metavar="LEVEL,PRIZE,DATE,VERIFIED[,KIND]",
                        help="an achievement to add, e.g. regional,1,2024-11-02,true, or a scholarship: "
                             "polyu,,2024-11-02,true,scholarship (KIND: competition (default), scholarship, "
                             "award; repeatable)")
    appeal.add_argument("--add-post", action="append", metavar="BODY,POST_LEVEL",
                        help="an office-bearer post to add, e.g. 'Hall Association,chair' (repeatable)")
    appeal.add_argument("--by", required=True, help="who decides the appeal (recorded)")
    appeal.add_argument("--reason", required=True, help="why (recorded)")
    appeal.add_argument("--uphold", action="store_true",
                        help="the HAC upholds the appeal: the changed card counts from the next offer round")

    letters = command("letters", commands.letters, "one PDF notice per applicant of a bundle, and letters.csv")
    letters.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a bundle written by psm run or psm offers")
    letters.add_argument("--out", required=True, type=Path, metavar="DIR",
                         help="new folder for the letters (never overwritten)")

    publish = command("publish", commands.publish,
                      "what the committee may publish: cut-offs and the ranked waitlist (pseudonyms by default)")
    publish.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a bundle written by psm run or psm offers")
    publish.add_argument("--out", required=True, type=Path, metavar="DIR", help="new folder (never overwritten)")
    publish.add_argument("--ids", choices=("pseudonyms", "applicant-ids"), default="pseudonyms",
                         help="name the waitlisted by pseudonym (PSM_REDACT_KEY, default) or by applicant id")
    publish.add_argument("--with-points", action="store_true", help="add each waitlisted applicant's score")

    show = command("show", commands.show, "one applicant's card from a bundle, read-only (nothing is recorded)")
    show.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a bundle written by psm run or psm offers")
    show.add_argument("--applicant", required=True, help="the applicant's id (any case)")
    show.add_argument("--json", action="store_true", help="print the card as JSON")

    offers = command("offers", commands.offers, "the next offer round: keep the accepted, offer the freed beds")
    offers.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="the bundle of the round the responses answer")
    offers.add_argument("--responses", required=True, type=Path,
                        help="responses.csv or .xlsx: applicant_id, response (accepted / declined / no_response)")
    offers.add_argument("--changes", type=Path,
                        help="changes.csv or .xlsx (optional): applicant_id, change (withdrawn / revoked), reason "
                             "(required for revoked), for residents of earlier rounds; their rooms are freed")
    offers.add_argument("--out", required=True, type=Path, metavar="RUN_DIR2",
                        help="new folder for the next round's bundle (never overwritten)")

    redact = command("redact", commands.redact,
                     "write a copy of a bundle to share: ids pseudonymised, inputs and appeals left out "
                     "(key in PSM_REDACT_KEY)")
    redact.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a bundle written by psm run or psm offers")
    redact.add_argument("--out", required=True, type=Path, metavar="SHARE_DIR",
                        help="new folder for the shared copy (never overwritten)")

    allocate = command("allocate", commands.allocate, "allocate beds and rooms for a ranking.csv from psm rank")
    allocate.add_argument("--ranking", required=True, type=Path, help="ranking.csv written by psm rank")
    allocate.add_argument("--applications", required=True, type=Path, help="the applications that were ranked")
    allocate.add_argument("--rooms", type=Path, help="rooms.csv (default: the bundled data/halls/polyu_rooms.csv)")
    allocate.add_argument("--policy", type=Path, help="policy TOML (default: config/policy/2025-26.toml)")
    allocate.add_argument("--out", required=True, type=Path,
                          help="new folder for ranking.csv and assignments.csv (never overwritten)")

    lottery = command("lottery", commands.lottery, "print every applicant's lottery key, so anyone can check a draw")
    lottery.add_argument("--seed", required=True, help="the published lottery seed")
    lottery.add_argument("--applications", required=True, type=Path, help="any CSV/XLSX with an applicant_id column")

    sample = command("sample", commands.sample, "generate a synthetic cohort (seeded) for demos and tests")
    sample.add_argument("--n", type=int, default=6000, help="number of applicants (default 6000)")
    sample.add_argument("--seed", type=int, default=2025, help="generator seed (default 2025)")
    sample.add_argument("--out", type=Path, default=Path("data/sample"), help="folder to write (default data/sample)")

    console = command("console", commands.console,
                      "the committee's console in a browser: runs, applicants, appeals, offer rounds, what-if")
    console.add_argument("--runs", required=True, type=Path, metavar="DIR", help="the folder holding the run bundles")
    console.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default 127.0.0.1: this computer only; another needs --users)")
    console.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    console.add_argument("--users", type=Path, metavar="USERS_TOML",
                         help="officers file (psm console-user add NAME writes it): each officer logs in by name")

    console_user = command("console-user", commands.console_user, "manage the console's officers file")
    console_user.add_argument("action", choices=["add"], help="add: add an officer, or set a new password")
    console_user.add_argument("name", help="the officer's name, as appeals record it")
    console_user.add_argument("--users", type=Path, default=Path("users.toml"), metavar="USERS_TOML",
                              help="the officers file (default users.toml); the password is read from a prompt "
                                   "or from standard input")
    return parser


if __name__ == "__main__":
    main_exit()
