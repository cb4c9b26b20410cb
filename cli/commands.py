"""One function per command: build the typed request, call the library (:mod:`hac`), print.

The modules only some commands need are imported by those commands: ``psm score`` then loads
neither OR-Tools nor the report's templates, the letters' typesetting or the console.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from cli.exits import EXIT_OK, EXIT_REJECTED, EXIT_VERIFY_FAILED
from hac.pipeline import (InputFiles, RunRequest, allocate_ranking, rank_scored, score_request, write_allocation,
                          write_ranking, write_rejects, write_scores)
from hac.summary import (allocation_lines, input_lines, quota_lines, ranking_lines, reject_lines, rooms_line,
                         score_lines)
from psm.errors import PsmError
from psm.io import read_table
from psm.lottery import FORMULA, commitment, draw_order
from psm.scoring import POINT_COLUMNS

__all__ = ["score", "rank", "run", "verify", "appeal", "show", "letters", "publish", "offers", "redact", "allocate", "lottery",
           "sample", "console", "console_user"]


def run_request(args: argparse.Namespace) -> RunRequest:
    """The typed request of a command that scores (``psm score``, ``rank``, ``run``)."""
    return RunRequest(InputFiles(args.applications, args.office_bearers, args.achievements),
                      seed=getattr(args, "seed", ""), policy=args.policy, rooms=getattr(args, "rooms", None),
                      scoring_round=args.round, travel=args.travel, travel_cache=args.travel_cache)


def _status(cohort) -> int:
    return EXIT_REJECTED if cohort.rejected_rows else EXIT_OK


def _say(lines) -> None:
    for line in lines:
        print(line)


def score(args: argparse.Namespace) -> int:
    request = run_request(args)
    scored = score_request(request)
    rejects = write_rejects(scored.cohort, scored.policy, args.rejects or args.out.with_name("rejects.csv"))
    write_scores(scored.scores, args.out)
    _say(input_lines("score", scored.policy, request.scoring_round, scored.travel, scored.cohort))
    _say(score_lines(scored.scores, scored.policy, scored.travel))
    print(f"  wrote {args.out} ({len(scored.scores):,} rows) and {rejects} ({len(scored.cohort.rejects):,} problems)")
    _say(reject_lines(scored.cohort, EXIT_REJECTED))
    return _status(scored.cohort)


def rank(args: argparse.Namespace) -> int:
    request = run_request(args)
    scored = score_request(request)
    rejects = write_rejects(scored.cohort, scored.policy, args.rejects or args.out.with_name("rejects.csv"))
    ranking = rank_scored(scored, request.seed)
    lottery_path = write_ranking(ranking.frame, ranking, scored.policy, args.out)
    _say(input_lines("rank", scored.policy, request.scoring_round, scored.travel, scored.cohort))
    _say(ranking_lines(scored.policy, ranking))
    print(f"  wrote {args.out} ({len(ranking.frame):,} rows), {lottery_path} and {rejects} "
          f"({len(scored.cohort.rejects):,} problems)")
    _say(reject_lines(scored.cohort, EXIT_REJECTED))
    return _status(scored.cohort)


def run(args: argparse.Namespace) -> int:
    """Score, rank and allocate in one go, into a complete, self-sufficient bundle RUN_DIR."""
    from hac.bundle import make_run_bundle  # noqa: PLC0415

    made = make_run_bundle(run_request(args), args.out, EXIT_REJECTED)
    _say(made.lines)
    print(f"  bundle complete: {args.out}/ (manifest.json, inputs/, results, run.log, report.html)")
    return _status(made.result.scored.cohort)


def verify(args: argparse.Namespace) -> int:
    """Re-run a bundle from its own inputs and say whether every output reproduces."""
    from hac.verify import verify_bundle  # noqa: PLC0415

    found = verify_bundle(args.run_dir)
    manifest, problems = found.manifest, found.problems
    print(f"psm verify · {args.run_dir} · policy {manifest['policy']['version']} · seed {manifest['seed']!r} · "
          f"made by engine {found.made_by}" + (f", verified with engine {found.engine}" if found.other_engine else ""))
    for name in manifest["outputs"]:
        listed = problems.get(name)
        print(f"  {name:<26} {'DIFFERS: ' + '; '.join(listed) if listed else 'reproduces'}")
    for name, listed in problems.items():
        if name not in manifest["outputs"]:
            print(f"  {name}: {'; '.join(listed)}")
    if problems:
        print(f"  verification FAILED: {sum(map(len, problems.values()))} problem(s)")
        return EXIT_VERIFY_FAILED
    print("  every output reproduces from the bundle's inputs, policy and seed")
    return EXIT_OK


def appeal(args: argparse.Namespace) -> int:
    from hac.appeals import recalculate, record_appeal, shown_changes  # noqa: PLC0415

    changes = dict(_pair(item) for item in args.set or [])
    posts = [dict(zip(("body", "post_level"), _fields(p, 2, "--add-post BODY,POST_LEVEL")))
             for p in args.add_post or []]
    prizes = [dict(zip(("level", "prize", "award_date", "verified", "kind"),
                       _fields(a, 4, "--add-achievement LEVEL,PRIZE,DATE,VERIFIED[,KIND]", optional=1)))
              for a in args.add_achievement or []]
    result = recalculate(args.run_dir, args.applicant, changes, posts, prizes)
    shown = shown_changes(changes)
    print(f"psm appeal · {args.run_dir} · {args.applicant} · by {args.by}")
    if shown or posts or prizes:
        print(f"  changes: {shown or ''}{' · posts added: ' + str(len(posts)) if posts else ''}"
              f"{' · achievements added: ' + str(len(prizes)) if prizes else ''}")
    print(f"  {'part':<22} {'old':>5} {'new':>5}")
    for column in (*POINT_COLUMNS, "total_points"):
        old, new = result.old_card[column], result.new_card[column]
        if old is not None or new is not None:
            mark = "  <-" if old != new else ""
            print(f"  {column:<22} {'' if old is None else old:>5} {'' if new is None else new:>5}{mark}")
    for label, position in (("old", result.old_position), ("new", result.new_position)):
        if "rank_in_pool" in position:
            print(f"  {label} position: {position['pool']} rank {position['rank_in_pool']:,}; "
                  f"{position['tier']} tier {position['position_in_tier']:,} of {position['tier_size']:,}")
        else:
            print(f"  {label} position: {position['pool']}, {position['status']}")
    print({True: "  the new position clears this round's cut-off for the pool and gender",
           False: "  the new position does not clear this round's cut-off for the pool and gender",
           None: "  this round has no waitlist for the pool and gender: nobody waits, so there is no cut-off "
                 "to clear"}[result.clears_cutoff])
    for note in result.notes:
        print(f"  note: {note}")
    record_appeal(args.run_dir, result, by=args.by, reason=args.reason, changes=changes, posts=posts, prizes=prizes,
                  upheld=args.uphold)
    print(f"  recorded in {args.run_dir / 'appeals.jsonl'}")
    if args.uphold:
        print(f"  upheld: the changed card counts from the next offer round (psm offers {args.run_dir} ...)")
    return EXIT_OK


def _pair(item: str) -> tuple[str, str]:
    column, sep, value = item.partition("=")
    if not sep:
        raise PsmError(f"--set {item!r}: write column=value, e.g. --set volunteer_hours=60")
    return column.strip(), value.strip()


def _fields(text: str, n: int, usage: str, optional: int = 0) -> list[str]:
    """``n`` comma-separated fields, and up to ``optional`` more."""
    parts = [p.strip() for p in text.split(",")]
    if not n <= len(parts) <= n + optional:
        expected = f"{n} to {n + optional}" if optional else str(n)
        raise PsmError(f"{text!r}: expected {expected} comma-separated fields: {usage}")
    return parts


def letters(args: argparse.Namespace) -> int:
    """One PDF per applicant of the bundle, and letters.csv for mail merge."""
    from hac.letters import make_letters  # noqa: PLC0415

    made = make_letters(args.run_dir, args.out)
    print(f"psm letters · {args.run_dir} -> {args.out}")
    print("  letters: " + ", ".join(f"{status} {n:,}" for status, n in made.by_status.items()))
    if made.fee_to_be_advised:
        print(f"  for review: {made.fee_to_be_advised:,} offer(s) of a room type without a lodging fee in the "
              "policy's [letters]: their letters say 'to be advised'")
    print(f"  wrote {made.letters:,} PDF letters and letters.csv into {args.out}/ (personal data: owner only)")
    return EXIT_OK


def publish(args: argparse.Namespace) -> int:
    """cutoffs.csv and waitlist.csv: what the committee may publish."""
    from hac.publish import publish as publish_bundle  # noqa: PLC0415
    from hac.redact import redact_key  # noqa: PLC0415

    key = redact_key() if args.ids == "pseudonyms" else None  # before anything is read or written
    done = publish_bundle(args.run_dir, args.out, key=key, with_points=args.with_points)
    print(f"psm publish · {args.run_dir} -> {args.out}")
    print(f"  cutoffs.csv: {done.cutoff_rows:,} rows (pool, tier, gender, residency); waitlist.csv: "
          f"{done.waitlisted:,} applicants by {'pseudonym' if key else 'applicant id'}"
          f"{', with points' if args.with_points else ', no points'}")
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    """One applicant's card from a bundle, read-only (nothing is recorded)."""
    from hac.cards import applicant_card  # noqa: PLC0415

    card = applicant_card(args.run_dir, args.applicant)
    if args.json:
        print(json.dumps(card.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_OK
    print(f"psm show · {args.run_dir} · {card.applicant_id} · policy {card.policy_version}")
    print(f"  track {card.track}" + (f" (profile {card.profile})" if card.profile else "")
          + (f"; ineligible: {card.ineligible_reason}" if card.ineligible_reason else ""))
    for part in card.parts:
        print(f"  {part.part + '_points':<22} {'' if part.points is None else part.points:>5} of {part.maximum}")
    if card.total_points is not None:
        print(f"  {'total_points':<22} {card.total_points:>5}")
    print(f"  pool {card.pool}" + (f", tier {card.tier}" if card.tier else "")
          + (f", rank {card.rank:,}" if card.rank is not None else "") + f"; status {card.status}"
          + (f" ({card.reason})" if card.reason else ""))
    if card.room_id:
        print(f"  room {card.room_id}, {card.hall}")
    if card.cutoff is not None:
        if card.cutoff.waitlist_from_rank is None:
            print("  cut-off: no waitlist in this round for the pool and gender")
        else:
            side = "ahead of" if card.cutoff.ranks_from_cutoff < 0 else "at or after"
            print(f"  cut-off: the waitlist of the pool and gender starts at rank {card.cutoff.waitlist_from_rank:,}; "
                  f"this applicant is {abs(card.cutoff.ranks_from_cutoff):,} ranks {side} it")
    if card.travel_source:
        print(f"  travel minutes {card.travel_minutes:g} from {card.travel_source}"
              + (f" ({card.travel_note})" if card.travel_note else ""))
    print(f"  lottery key {card.lottery_key} (seed {card.seed!r}; {card.lottery_rule})")
    print(f"  appeals recorded: {len(card.appeals)}")
    return EXIT_OK


def offers(args: argparse.Namespace) -> int:
    """Write the next round's bundle from the bundle ``RUN_DIR`` and the responses."""
    from hac.offers import make_round_bundle  # noqa: PLC0415

    made = make_round_bundle(args.run_dir, args.responses, args.out, EXIT_REJECTED, changes=args.changes)
    _say(made.lines)
    print(f"  bundle complete: {args.out}/ (round {made.offer_round}; parent {args.run_dir})")
    return _status(made.round.run.scored.cohort)


def redact(args: argparse.Namespace) -> int:
    from hac.redact import DIGITS, KEY_ENV, PREFIX, redact_bundle, redact_key  # noqa: PLC0415

    key = redact_key()  # before anything is read or written
    done = redact_bundle(args.run_dir, args.out, key)
    print(f"psm redact · {args.run_dir} -> {args.out}")
    for name, n in done.rows.items():
        print(f"  {name:<26} {n:>7,} rows")
    print(f"  {done.pseudonyms:,} applicant ids replaced by pseudonyms ({PREFIX} + {DIGITS} hex digits of "
          f"HMAC-SHA256 with the key in {KEY_ENV})")
    print(f"  shared copy complete: {args.out}/ (results, lottery.json, manifest.json, report.html, README.txt, "
          "inputs/ with non-personal columns); still personal data: share it only with whom it is meant for")
    return EXIT_OK


def allocate(args: argparse.Namespace) -> int:
    """Allocate a ranking.csv that ``psm rank`` wrote, into the new folder ``--out``."""
    from hac.bundle import building  # noqa: PLC0415
    from hac.stats import tables_of  # noqa: PLC0415

    done = allocate_ranking(args.ranking, args.applications, args.policy, args.rooms)
    with building(args.out) as folder:  # a new folder, renamed into place only when complete
        write_ranking(done.admission.frame, done.ranking, done.policy, folder / "ranking.csv")
        write_allocation(done.placement, done.policy, folder)
    tables = tables_of(ranking=done.admission.frame, applications=done.applications,
                       assignments=done.placement.assignments, rooms=done.inventory.rooms,
                       scores=None, rejects=None, unmatched=done.placement.split_pairs)
    print(f"psm allocate · policy {done.policy.version} (sha256 {done.policy.sha256[:12]}) · {args.ranking}")
    print(rooms_line(done.inventory))
    _say(quota_lines(done.admission.quota_warnings))
    _say(allocation_lines(tables, done.placement.plan.parameters | {"objectives": done.placement.plan.objectives}))
    if done.rejected_rows:
        print(f"  {done.rejected_rows:,} rows of {args.applications} rejected, left out as psm rank left them out "
              f"(exit status {EXIT_REJECTED})")
    print(f"  wrote {args.out}/: ranking.csv, lottery.json, assignments.csv, unmatched_roommates.csv")
    return EXIT_REJECTED if done.rejected_rows else EXIT_OK


def lottery(args: argparse.Namespace) -> int:
    table = read_table(args.applications)
    if "applicant_id" not in table.header:
        raise PsmError(f"{args.applications}: no applicant_id column; give a file whose header has applicant_id")
    ids = list(dict.fromkeys(cell for cell in table.column("applicant_id").cells() if cell))
    order = draw_order(args.seed, ids)
    print(f"# {FORMULA}; seed {args.seed!r}; {len(ids)} ids; ids_sha256 {commitment(ids)}")
    print("position,applicant_id,lottery_key")
    for position, (applicant_id, key) in enumerate(order, 1):
        print(f"{position},{applicant_id},{key}")
    return EXIT_OK


def sample(args: argparse.Namespace) -> int:
    from synthetic import generate_cohort, write_cohort  # noqa: PLC0415 (only this command needs it)

    for path in write_cohort(generate_cohort(n=args.n, seed=args.seed), args.out):
        print(f"wrote {path}")
    return EXIT_OK


def console(args: argparse.Namespace) -> int:
    """Serve the console over the bundles in ``--runs`` until Ctrl-C."""
    from console import serve  # noqa: PLC0415 (only this command needs the web server)

    serve(args.runs, host=args.host, port=args.port, users=args.users)
    return EXIT_OK


def console_user(args: argparse.Namespace) -> int:
    """Add an officer to the console's officers file (or set a new password): the password from
    a prompt, typed twice, or the first line of standard input when it is not a terminal."""
    from console import add_officer  # noqa: PLC0415

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("the same again: ") != password:
            raise PsmError("the two passwords differ; nothing was written: run the command again")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    new = add_officer(args.users, args.name, password)
    print(f"psm console-user · {'added' if new else 'new password for'} {args.name} in {args.users} "
          "(argon2 hash; readable by its owner only)")
    return EXIT_OK
