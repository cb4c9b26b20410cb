"""Offer rounds: the next round, from a run bundle and the students' responses (``psm offers``).

The rules (policy section B: offers are made in rounds; accepted places are kept):

- ``responses.csv`` (or .xlsx): ``applicant_id, response`` with ``accepted`` / ``declined`` /
  ``no_response`` (counted as declined), one row for every applicant offered a place in the
  bundle's round. A row for anyone else, a repeated id, an unknown response or a missing
  offer stops the command, naming row, column, value and fix: a wrong row could take a bed
  from someone.
- Residents who accepted keep their rooms: status ``accepted``, their assignment row as it was.
  Those who declined (or did not answer) get status ``declined``, with the reason.
- ``changes.csv`` (optional): ``applicant_id, change, reason`` for residents of earlier rounds
  (status ``accepted`` in the bundle): ``withdrawn`` (the student leaves; section A: one who
  stops being full-time must) or ``revoked`` (the HAC revokes the offer, section G; the reason is
  required). Their status becomes that word with the reason, and their rooms are freed. A row
  for anyone else, a repeated id or an unknown change stops the command, naming row, column,
  value and fix.
- Appeals the HAC upheld on the bundle (``psm appeal --uphold``) amend the inputs; the cohort
  is scored and ranked again under the bundle's policy, recorded travel minutes and seed, so
  an appellant joins the waitlist at their new position.
- The freed beds (declined, withdrawn, revoked) go down the waitlist in rank order through the
  same admission and placement rules, on the halls as the residents leave them
  (:mod:`allocation.residual`); each pool has its quota less the beds its residents kept, with
  spill-over as in the first round. New offers are ``offered`` with the new round's number in
  ``assignments.csv``.
- A newly offered applicant whose mutual roommate is a resident goes into the roommate's room,
  or suite, if a bed there is free (:func:`allocation.residual.join_resident_roommates`);
  otherwise ``unmatched_roommates.csv`` gives the true reason.
- The new bundle records its round and its parent, and keeps in ``inputs/`` everything it
  read (the amended applications, the parent's scores, ranking and assignments, the
  responses and changes), so ``psm verify`` re-runs it on its own.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from allocation.admit import Admission, admit
from allocation.inventory import Inventory, read_inventory
from allocation.place import ASSIGNMENT_COLUMNS, Placement, place
from allocation.residual import (
    ResidentRoommates,
    join_resident_roommates,
    residual_inventory,
    roommates_left_alone,
)
from hac import stats
from hac.appeals import AMENDMENTS
from hac.bundle import (
    building,
    input_counts,
    input_paths,
    keep_inputs,
    read_checked_manifest,
    run_manifest,
    sha256_of,
    tables_of_run,
    write_log,
    write_manifest,
)
from hac.pipeline import (
    InputFiles,
    RunRequest,
    RunResult,
    load_run_policy,
    score_request,
    write_ranking,
    write_rejects,
    write_scores,
    write_stamped,
)
from hac.report import write_report
from hac.summary import allocation_lines, reject_lines, rooms_line
from psm.errors import PsmError
from psm.io import read_table
from psm.policy import Policy
from psm.progress import timed_step
from psm.ranking import Ranking, rank_cohort
from psm.travel.recorded import RecordedTravel

__all__ = ["RESPONSES", "CHANGES", "Change", "RoundResult", "RoundOffers", "MadeRound", "make_round_bundle", "next_round",
           "offer_round_places", "with_responses",
           "read_responses", "read_changes"]

RESPONSES = ("accepted", "declined", "no_response")
DECLINED_REASON = {"declined": "declined the offer", "no_response": "no response: counted as declined"}
#: Changes to residents of earlier rounds (section A: leaving; section G: the HAC revokes).
CHANGES = ("withdrawn", "revoked")
#: The reason given in unmatched_roommates.csv for :func:`allocation.residual.roommates_left_alone`.
LEFT_ALONE = ("kept a college room they are not a member of after their member roommate left it: "
              "accepted residents keep their rooms, and the policy is silent on this case (for the HAC's review)")
#: The parent bundle's files an offer round reads, under their names in the new bundle's inputs/.
PARENT_FILES = {"parent_scores": "scores.csv", "parent_ranking": "ranking.csv", "parent_assignments": "assignments.csv"}


@dataclass(frozen=True)
class Change:
    """A resident of an earlier round who leaves (``withdrawn``) or whose offer the HAC revokes."""

    change: str  # one of CHANGES
    reason: str  # required for revoked

    @property
    def status_reason(self) -> str:
        """The reason ranking.csv gives beside the status."""
        if self.change == "revoked":
            return f"offer revoked by the HAC: {self.reason}"
        return f"withdrew from the hall{': ' + self.reason if self.reason else ''}"


@dataclass(frozen=True)
class RoundResult:
    run: RunResult  # the new offers' admission and placement, on the halls as residents leave them
    assignments: pd.DataFrame  # residents who accepted, then the new offers
    responses: dict[str, str]
    tables: stats.RunTables  # the whole round (residents and new offers), for the statistics
    left_alone: list[str]  # non-members kept in a college room their member roommate left, for review
    changes: dict[str, Change]  # residents of earlier rounds who withdrew or whose offer was revoked
    beside_roommates: int  # newly offered applicants placed in (or beside) their resident roommate's room


@dataclass(frozen=True)
class MadeRound:
    """A round's bundle written: its folder, the round, and the summary lines run.log holds."""

    folder: Path
    offer_round: int
    round: RoundResult
    lines: tuple[str, ...]


def make_round_bundle(parent: Path, responses: Path, out: Path, rejected_status: int | None,
                      changes: Path | None = None) -> MadeRound:
    """Write the next round's bundle ``out`` from the bundle ``parent``, the responses file and,
    if given, the changes file."""
    manifest = read_checked_manifest(parent)
    inputs = input_paths(parent, manifest)
    offer_round = manifest.get("offer_round", 1) + 1
    timings: dict[str, float] = {}
    decided = pd.read_csv(parent / "ranking.csv", dtype=str, keep_default_na=False)
    read_responses(responses, decided)  # the officer's own files first: a problem names them, not a copy
    if changes is not None:
        read_changes(changes, decided)
    with building(out) as folder:
        amended, upheld = _amended_inputs(parent, inputs, folder / "amended")
        kept = keep_inputs(folder, {
            **{role: path for role, path in inputs.items() if role not in PARENT_FILES and role not in ("responses", "changes")},
            **amended,
            **{role: parent / name for role, name in PARENT_FILES.items()},
            "responses": responses,
            "changes": changes,
        })
        shutil.rmtree(folder / "amended", ignore_errors=True)
        bundle_inputs = {role: folder / entry["file"] for role, entry in kept.items()}
        done = next_round(bundle_inputs, manifest["seed"], manifest["round"], offer_round, folder, timings)
        lines = [f"psm offers · round {offer_round} from {parent} · policy {manifest['policy']['version']} · "
                 f"seed {manifest['seed']!r}", *_round_lines(done, upheld),
                 *reject_lines(done.run.scored.cohort, rejected_status)]
        write_log(folder, lines)
        write_manifest(folder, _manifest(manifest, parent, done, kept, bundle_inputs, upheld, offer_round, timings))
        write_report(folder)
    return MadeRound(out, offer_round, done, tuple(lines))


def next_round(inputs: dict[str, Path], seed: str, scoring_round: str, offer_round: int, folder: Path,
               timings: dict | None = None) -> RoundResult:
    """Score and rank the (amended) cohort again, keep the accepted, free the beds of those who
    declined, withdrew or had their offer revoked, offer them down the waitlist; write the results.

    ``inputs`` by role, as a bundle keeps them: ``changes`` is optional."""
    recorded = RecordedTravel(pd.read_csv(inputs["parent_scores"], dtype={"applicant_id": str}))
    request = RunRequest(InputFiles(inputs["applications"], inputs.get("office_bearers"), inputs.get("achievements")),
                         seed=seed, policy=inputs["policy"], scoring_round=scoring_round)
    full = read_inventory(load_run_policy(inputs["policy"], scoring_round), inputs["rooms"])
    scored = score_request(request, travel=recorded, timings=timings, rooms=full)
    policy = scored.policy
    write_rejects(scored.cohort, policy, folder / "rejects.csv")
    write_scores(scored.scores, folder / "scores.csv")
    apps = scored.cohort.applications
    parent = pd.read_csv(inputs["parent_ranking"], dtype=str, keep_default_na=False)
    responses = read_responses(inputs["responses"], parent)
    changes = read_changes(inputs["changes"], parent) if inputs.get("changes") else {}
    with timed_step("ranking", timings):
        ranking = with_responses(rank_cohort(apps, scored.scores, policy, seed), parent, responses, changes)
    residents = pd.read_csv(inputs["parent_assignments"], dtype=str, keep_default_na=False)
    offers = offer_round_places(ranking, apps, residents, full, policy, offer_round, timings)
    write_ranking(offers.admission.frame, ranking, policy, folder / "ranking.csv")
    write_stamped(offers.unmatched, policy, folder / "unmatched_roommates.csv")
    write_stamped(offers.assignments, policy, folder / "assignments.csv")
    run = RunResult(scored, ranking, offers.inventory, offers.admission, offers.placement)
    tables = tables_of_run(run, assignments=offers.assignments, unmatched=offers.unmatched, rooms=full.rooms)
    return RoundResult(run, offers.assignments, responses, tables, offers.left_alone, changes, offers.beside_roommates)


@dataclass(frozen=True)
class RoundOffers:
    """A later round's new offers beside the residents who stay (no files read or written)."""

    inventory: Inventory  # the halls as the residents leave them
    admission: Admission  # the waitlist walked for the freed beds
    beside: ResidentRoommates  # new offers placed in (or beside) a resident roommate's room, and why not
    placement: Placement  # the other new offers
    assignments: pd.DataFrame  # residents who stay, then the new offers, in ranking order
    unmatched: pd.DataFrame  # unmatched_roommates.csv's rows
    left_alone: list[str]  # non-members kept in a college room their member roommate left, for review

    @property
    def beside_roommates(self) -> int:
        return len(self.beside.placed)


def offer_round_places(ranking: Ranking, apps: pd.DataFrame, parent_assignments: pd.DataFrame, full: Inventory,
                       policy: Policy, offer_round: int, timings: dict | None = None) -> RoundOffers:
    """The rules of a later round (the module's docstring) on frames: ``ranking`` carries the
    statuses after the responses and changes (:func:`with_responses`), ``parent_assignments``
    the parent's rooms; the residents are those ``accepted``, and they keep their rooms."""
    accepted = set(ranking.frame.loc[ranking.frame["status"] == "accepted", "applicant_id"])
    residents = parent_assignments[parent_assignments["applicant_id"].isin(accepted)]
    gender = apps.set_index("applicant_id")["gender"]
    inventory = residual_inventory(full, residents, gender)
    taken = dict(Counter(residents["pool"]))
    with timed_step(f"admission: walking {len(ranking.ranked):,} waitlisted applicants for "
                    f"{int(inventory.rooms['beds'].sum()):,} free beds", timings):
        admission = admit(ranking, apps, inventory, policy, taken, progress=True)
    beside = join_resident_roommates(admission, apps, residents, full, policy)
    placed_beside = beside.placed.assign(round=offer_round)
    rest = _without(admission, set(placed_beside["applicant_id"]))
    left = residual_inventory(full, pd.concat([residents, placed_beside], ignore_index=True), gender) \
        if len(placed_beside) else inventory
    with timed_step(f"placement: {len(rest.offered):,} new offers", timings):
        placement = place(rest, apps, left, policy, round_no=offer_round, progress=True)
    alone = roommates_left_alone(residents, apps, full, policy.allocation.college_beds_to_applicants_who_list_it)
    unmatched = _unmatched(admission.unpaired, beside.apart, set(placed_beside["applicant_id"]),
                           set(residents["applicant_id"]))
    if alone:
        requested = apps.set_index("applicant_id")["roommate_request"]
        left_alone = pd.DataFrame({"applicant_id": alone, "roommate_request": [requested[a] for a in alone],
                                   "reason": LEFT_ALONE})
        unmatched = pd.concat([unmatched, left_alone], ignore_index=True) if len(unmatched) else left_alone
    order = {a: i for i, a in enumerate(admission.frame["applicant_id"])}
    assignments = pd.concat([residents[list(ASSIGNMENT_COLUMNS)].astype({"round": int}),
                             placed_beside[list(ASSIGNMENT_COLUMNS)], placement.assignments],
                            ignore_index=True).sort_values("applicant_id", key=lambda s: s.map(order), kind="stable")
    return RoundOffers(inventory, admission, beside, placement, assignments.reset_index(drop=True), unmatched, alone)


def _without(admission: Admission, placed: set[str]) -> Admission:
    """The admission less the applicants already placed beside a resident roommate: what
    placement places. They count as residents there (status ``accepted``): their beds are taken
    out of the halls placement sees, and of their pools' beds."""
    if not placed:
        return admission
    frame = admission.frame
    gone = frame["applicant_id"].isin(placed)
    beds = admission.beds.set_index("pool")
    beds["beds"] -= frame.loc[gone, "pool"].value_counts().reindex(beds.index, fill_value=0)
    return replace(admission, frame=frame.assign(status=frame["status"].where(~gone, "accepted")),
                   beds=beds.reset_index())


def _unmatched(unpaired: pd.DataFrame, apart: dict[str, str], beside: set[str], residents: set[str]) -> pd.DataFrame:
    """unmatched_roommates.csv's rows: admission's, with a resident roommate's rows settled by
    :func:`allocation.residual.join_resident_roommates` (placed beside them: no row; apart: its reason)."""
    rows = []
    for row in unpaired.to_dict("records"):
        if row["roommate_request"] in residents:
            if row["applicant_id"] in beside:
                continue
            row["reason"] = apart[row["applicant_id"]]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(unpaired.columns))


def read_changes(path: Path, parent: pd.DataFrame) -> dict[str, Change]:
    """applicant_id -> :class:`Change`, for residents of earlier rounds (status ``accepted`` in the
    parent's ranking); every problem found is named (row, column, value, fix) and stops the command."""
    table = read_table(path)
    missing = [c for c in ("applicant_id", "change") if c not in table.header]
    if missing:
        raise PsmError(f"{path}: columns {missing} are missing; the changes file has the columns "
                       "applicant_id, change, reason")
    at = {column: table.header.index(column) for column in ("applicant_id", "change", "reason") if column in table.header}
    status = dict(zip(parent["applicant_id"], parent["status"]))
    changes: dict[str, Change] = {}
    problems = []
    for row, cells in table.rows:
        applicant, written, reason = (cells[at[c]].strip() if c in at and at[c] < len(cells) else ""
                                      for c in ("applicant_id", "change", "reason"))
        applicant, change = applicant.upper(), written.lower()  # ids match whatever their case
        if change not in CHANGES:
            problems.append(f"row {row}, change = {written!r}: use one of {', '.join(CHANGES)}")
        elif change == "revoked" and not reason:
            problems.append(f"row {row}, reason = '': a revoked offer needs the HAC's reason (section G); fill it in")
        if applicant in changes:
            problems.append(f"row {row}, applicant_id = {applicant!r}: a second change; keep one row per applicant")
        elif status.get(applicant) != "accepted":
            problems.append(f"row {row}, applicant_id = {applicant!r}: not a resident of an earlier round (status "
                            f"{status.get(applicant, 'unknown id')}); remove the row: only a resident who accepted an "
                            "earlier offer withdraws or has the offer revoked")
        changes.setdefault(applicant, Change(change, reason))
    if problems:
        shown = "\n  - ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PsmError(f"{path}: {len(problems)} problem(s) with the changes:\n  - {shown}{more}")
    return changes


def read_responses(path: Path, parent: pd.DataFrame) -> dict[str, str]:
    """applicant_id -> response, for exactly the applicants offered in the parent's round."""
    table = read_table(path)
    missing = [c for c in ("applicant_id", "response") if c not in table.header]
    if missing:
        raise PsmError(f"{path}: columns {missing} are missing; the responses file has the columns "
                       "applicant_id, response")
    at = {column: table.header.index(column) for column in ("applicant_id", "response")}
    offered = set(parent.loc[parent["status"] == "offered", "applicant_id"])
    status = dict(zip(parent["applicant_id"], parent["status"]))
    responses: dict[str, str] = {}
    problems = []
    for row, cells in table.rows:
        applicant = cells[at["applicant_id"]].strip().upper()  # ids match whatever their case
        response = cells[at["response"]].strip().lower()
        if response not in RESPONSES:
            problems.append(f"row {row}, response = {cells[at['response']]!r}: use one of {', '.join(RESPONSES)}")
        if applicant in responses:
            problems.append(f"row {row}, applicant_id = {applicant!r}: a second response; keep one row per applicant")
        elif applicant not in offered:
            problems.append(f"row {row}, applicant_id = {applicant!r}: not offered a place in this round "
                            f"(status {status.get(applicant, 'unknown id')}); remove the row")
        responses.setdefault(applicant, response)
    unanswered = sorted(offered - set(responses))
    if unanswered:
        problems.append(f"{len(unanswered)} applicant(s) offered a place have no row (first: {unanswered[:5]}); "
                        "add a row for each, with response no_response if they did not answer")
    if problems:
        shown = "\n  - ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PsmError(f"{path}: {len(problems)} problem(s) with the responses:\n  - {shown}{more}")
    return responses


def with_responses(ranking: Ranking, parent: pd.DataFrame, responses: dict[str, str],
                    changes: dict[str, Change]) -> Ranking:
    """The new ranking with residents ``accepted``, those who said no ``declined``, those who left
    or whose offer was revoked (now or before) ``withdrawn`` / ``revoked``; the rest as ranked."""
    before = parent.set_index("applicant_id")
    status, reason = before["status"].to_dict(), before["reason"].to_dict()
    frame = ranking.frame.copy()
    for i, applicant in zip(frame.index, frame["applicant_id"]):
        answer = responses.get(applicant)
        if applicant in changes:
            frame.at[i, "status"], frame.at[i, "reason"] = changes[applicant].change, changes[applicant].status_reason
        elif status.get(applicant) in CHANGES:
            frame.at[i, "status"], frame.at[i, "reason"] = status[applicant], reason[applicant]
        elif answer == "accepted" or status.get(applicant) == "accepted":
            frame.at[i, "status"], frame.at[i, "reason"] = "accepted", ""
        elif answer in DECLINED_REASON:
            frame.at[i, "status"], frame.at[i, "reason"] = "declined", DECLINED_REASON[answer]
        elif status.get(applicant) == "declined":
            frame.at[i, "status"], frame.at[i, "reason"] = "declined", reason[applicant]
    return Ranking(frame, ranking.seed, ranking.commitment, ranking.policy_version, ranking.policy_sha256)


def _amended_inputs(parent: Path, inputs: dict[str, Path], scratch: Path) -> tuple[dict[str, Path], list[str]]:
    """The applications, office-bearer and achievement files with the upheld appeals applied.

    The latest upheld appeal of an applicant wins (each was heard against the bundle's own
    inputs). Returns the files to keep as inputs (unchanged ones as they are) and the ids.
    """
    path = parent / AMENDMENTS
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    latest = {r["applicant_id"]: r for r in records}
    files = {role: inputs[role] for role in ("applications", "office_bearers", "achievements") if role in inputs}
    if not latest:
        return files, []
    scratch.mkdir(mode=0o700)  # personal data, like inputs/
    header, rows = _cells(inputs["applications"])
    for applicant, record in latest.items():
        header = header + [c for c in record["set"] if c not in header]
        for row in rows:
            if row.get("applicant_id") == applicant:
                row.update(record["set"])
    files["applications"] = _write_cells(scratch / "applications.csv", header, rows)
    for role, key, columns in (("office_bearers", "posts", ["applicant_id", "body", "post_level"]),
                               ("achievements", "achievements", ["applicant_id", "level", "prize", "award_date", "verified"])):
        added = [{"applicant_id": a, **item} for a, r in latest.items() for item in r[key]]
        if added:
            header, rows = _cells(inputs[role]) if role in inputs else (columns, [])
            files[role] = _write_cells(scratch / f"{role}.csv", header, rows + added)
    return files, sorted(latest)


def _cells(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    table = read_table(path)
    return list(table.header), [dict(zip(table.header, cells)) for _, cells in table.rows]


def _write_cells(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    """An input file as the engine reads it: the cells verbatim (inputs are data, not a report)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, restval="")  # CRLF: a CR or LF in a cell is quoted
        writer.writeheader()
        writer.writerows(rows)
    return path


def _round_lines(done: RoundResult, upheld: list[str]) -> list[str]:
    answers = Counter(done.responses.values())
    lines = [f"  responses: {answers['accepted']:,} accepted, {answers['declined']:,} declined, "
             f"{answers['no_response']:,} no response (counted as declined)"]
    if done.changes:
        changed = Counter(c.change for c in done.changes.values())
        lines.append(f"  changes to residents: {changed['withdrawn']:,} withdrawn, {changed['revoked']:,} revoked "
                     "(their rooms freed)")
    if upheld:
        lines.append(f"  upheld appeals applied: {len(upheld)} (scored and ranked again with the changes)")
    statuses = Counter(done.run.admission.frame["status"])
    lines.append("  statuses: " + ", ".join(f"{name} {statuses[name]:,}" for name in
                                             ("accepted", "offered", "waitlisted", "declined", "withdrawn",
                                              "revoked", "ineligible", "disqualified", "referred")))
    if done.beside_roommates:
        lines.append(f"  {done.beside_roommates:,} new offer(s) placed in or beside their resident roommate's room")
    plan = done.run.placement.plan
    lines += [rooms_line(done.run.inventory), *allocation_lines(done.tables, plan.parameters
                                                                | {"objectives": plan.objectives})]
    if done.left_alone:
        lines.append(f"  for review: {len(done.left_alone):,} resident(s) of a college room they are not members of "
                     "keep the room their member roommate left (in unmatched_roommates.csv)")
    return lines


def _manifest(parent_manifest: dict, parent: Path, done: RoundResult, kept: dict, read: dict[str, Path],
              upheld: list[str], offer_round: int, timings: dict) -> dict:
    """A run's manifest (:func:`hac.bundle.run_manifest`) with the responses, round and parentage."""
    given = {role: read[role] for role in ("applications", "office_bearers", "achievements") if role in read}
    manifest = run_manifest(done.run, done.tables, command="psm offers", seed=parent_manifest["seed"],
                            scoring_round=parent_manifest["round"], travel="recorded",
                            inputs=input_counts(kept, given, done.run.scored.cohort), timings=timings)
    manifest["offer_round"] = offer_round
    manifest["parent"] = {"run_dir": str(parent), "manifest_sha256": sha256_of(parent / "manifest.json"),
                          "offer_round": offer_round - 1}
    counts = manifest["counts"]
    counts["rooms_with_free_beds"] = counts.pop("rooms")  # the halls this round saw: residents' beds taken out
    counts["free_beds_by_pool"] = counts.pop("beds_by_pool")
    manifest["counts"]["assigned"] = len(done.assignments)
    manifest["counts"]["responses"] = dict(sorted(Counter(done.responses.values()).items()))
    manifest["counts"]["upheld_appeals_applied"] = len(upheld)
    manifest["counts"]["college_roommates_left_alone"] = len(done.left_alone)
    manifest["counts"]["changes"] = {change: sum(c.change == change for c in done.changes.values()) for change in CHANGES}
    manifest["counts"]["placed_beside_resident_roommates"] = done.beside_roommates
    return manifest
