"""Notices to students (section B: "refer to their Notice of Offer"): one PDF letter per
applicant of a round, and ``letters.csv`` for mail merge.

Each letter is typeset by Typst from ``hac/templates/letter.typ`` (wording a staff member can
edit) with this applicant's card alone (:class:`hac.cards.ApplicantCard`): the decision first,
for an offer the hall, room type, acceptance deadline and fees (the policy's ``[letters]``), the
score card part by part with each maximum, track, tier, rank, where the cut-off of their pool and
gender lies, the lottery key with the rule to check it, the reason in the policy's words and
section, and how to ask for a recalculation. Nothing about another applicant is passed to the
template.

Letters are made only from a bundle that matches its manifest, into a new folder renamed into
place when complete. The same bundle gives the same bytes: the document date is the policy's,
the PDF carries no creation time, and only the fonts inside Typst are used (none of the
machine's). Two processes typeset in parallel; each letter is independent of the others.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hac.bundle import building, input_paths
from hac.cards import ApplicantCard, BundleCards
from psm.errors import PolicyError
from psm.io import read_table
from psm.policy import LetterSettings

__all__ = ["LETTER_COLUMNS", "LettersMade", "make_letters", "letter_data"]

LETTER_COLUMNS = ("applicant_id", "status", "pool", "tier", "rank", "total_points", "hall", "room_id", "letter_file")
WORKERS = 2

#: The first line of each letter and the sentence under it, by status (section B; later rounds).
DECISIONS = {
    "offered": ("Offer of a hall place", "The Hall Admission Committee offers you a place in the student halls."),
    "waitlisted": ("Waiting list", "You have not been offered a place in this round. You are on the waiting list: "
                                   "places that offer-holders decline go down the list in rank order in later rounds."),
    "ineligible": ("Not eligible for a hall place", "Your application does not meet the eligibility conditions."),
    "disqualified": ("Not admitted", "Your application cannot be considered because of a disciplinary decision."),
    "referred": ("Referred to the University's special arrangement",
                 "You are not in an eligible group, but your application states exceptional needs: the University "
                 "will consider a special arrangement for you and will write to you separately."),
    "accepted": ("Your hall place is confirmed", "You accepted your offer; your place is kept."),
    "declined": ("Your offer is no longer held", "Your offer was declined or not answered in time."),
    "withdrawn": ("Withdrawal recorded", "Your withdrawal from hall residence is recorded; your place is released."),
    "revoked": ("Hall offer revoked", "The Hall Admission Committee has revoked your hall offer."),
}
#: Where the policy states the rule behind a status's reason.
REASON_SECTIONS = {"ineligible": "section A, eligibility", "disqualified": "disciplinary decisions, section D",
                   "referred": "section A, other full-time students with exceptional needs",
                   "declined": "section B, offers", "withdrawn": "section B", "revoked": "section G"}
PART_LABELS = {"district": "Living district (travel time)", "housing_type": "Housing type",
               "floor_area": "Living area per person", "leadership": "Leadership posts",
               "achievement": "Scholarships, competitions and awards", "llc": "Living-learning community",
               "volunteer": "Voluntary service", "pairing": "Roommate pairing", "academic": "Academic performance"}


@dataclass(frozen=True)
class LettersMade:
    folder: Path
    letters: int
    by_status: dict[str, int]
    fee_to_be_advised: int  # offers of a room type the policy gives no fee for: for review


def _money(amount: int | None) -> str:
    return "to be advised by the Student Affairs Office" if amount is None else f"HK${amount:,}"


def letter_data(card: ApplicantCard, letters: LetterSettings, total_maximum: int | None,
                run_reference: str) -> dict:
    """What the template receives for one applicant: their own card and the policy's wording."""
    decision, decision_text = DECISIONS.get(card.status, (card.status.replace("_", " ").capitalize(), ""))
    reason = card.reason or card.ineligible_reason
    cutoff = card.cutoff
    if cutoff is None:
        cutoff_text = ""
    elif cutoff.waitlist_from_rank is None:
        cutoff_text = "Everyone ranked in your pool and gender was offered a place in this round: there is no waiting list."
    else:
        where = ("ahead of it" if cutoff.ranks_from_cutoff < 0 else
                 "at it" if cutoff.ranks_from_cutoff == 0 else f"{cutoff.ranks_from_cutoff:,} ranks after it")
        score = f", {cutoff.score} points" if cutoff.score is not None else ""
        cutoff_text = (f"In your pool and gender the waiting list starts at rank {cutoff.waitlist_from_rank:,} "
                       f"({cutoff.tier or 'lottery'}{score}). Your rank is {card.rank:,}: {where}.")
    return {
        "applicant_id": card.applicant_id, "status": card.status, "decision": decision,
        "decision_text": decision_text, "reason": reason,
        "reason_section": REASON_SECTIONS.get(card.status, "the admission policy"),
        "office": letters.office, "address": list(letters.address), "contact": letters.contact,
        "signatory": letters.signatory, "document_date": letters.document_date.strftime("%-d %B %Y"),
        "acceptance_deadline": letters.acceptance_deadline.strftime("%-d %B %Y"),
        "appeal_deadline": letters.appeal_deadline.strftime("%-d %B %Y"),
        "residential_year": letters.residential_year,
        "hall": card.hall, "room_id": card.room_id, "room_type": card.room_type,
        "lodging_fee": _money(letters.lodging_fee_hkd.get(card.room_type)),
        "caution_money": _money(letters.caution_money_hkd), "function_fee": _money(letters.function_fee_hkd),
        "parts": [{"label": PART_LABELS.get(p.part, p.part), "points": "—" if p.points is None else str(p.points),
                   "maximum": str(p.maximum)} for p in card.parts],
        "total_points": "—" if card.total_points is None else str(card.total_points),
        "total_maximum": "" if total_maximum is None else str(total_maximum),
        "no_points_text": ("Places in your pool are drawn by lottery alone: no points are counted."
                           if card.pool in ("exchange", "research") else "No points are counted for your application."),
        "track": card.track, "pool": card.pool or "—", "tier": card.tier or "—",
        "rank": "—" if card.rank is None else f"{card.rank:,}", "cutoff_text": cutoff_text,
        "lottery_key": card.lottery_key, "lottery_rule": card.lottery_rule, "seed": card.seed,
        "policy_version": card.policy_version, "run_reference": run_reference,
    }


def make_letters(run_dir: Path, out: Path) -> LettersMade:
    """One PDF per applicant of the bundle ``run_dir`` and ``letters.csv``, into the new folder ``out``."""
    cards = BundleCards(run_dir)
    letters = cards.policy.letters
    if letters is None:
        raise PolicyError(f"{input_paths(cards.run_dir, cards.manifest)['policy']}: the policy has no [letters] "
                          "section (office, deadlines, fees); add one as in config/policy/2025-26.toml and run "
                          "again with that policy")
    run_reference = cards.manifest["lottery"]["ranked_ids_sha256"][:12]
    emails = _emails(cards)
    rows, jobs, statuses, to_advise = [], [], Counter(), 0
    for applicant_id in cards.applicant_ids:
        card = cards.card(applicant_id)
        profile = cards.policy.profiles.get(card.profile) if card.profile else None
        data = letter_data(card, letters, profile.total if profile else None, run_reference)
        name = f"{applicant_id}.pdf"
        jobs.append((name, json.dumps(data, sort_keys=True, ensure_ascii=False)))
        statuses[card.status] += 1
        to_advise += card.status in ("offered", "accepted") and card.room_type not in letters.lodging_fee_hkd
        row = {"applicant_id": applicant_id, "status": card.status, "pool": card.pool, "tier": card.tier,
               "rank": "" if card.rank is None else card.rank,
               "total_points": "" if card.total_points is None else card.total_points,
               "hall": card.hall, "room_id": card.room_id, "letter_file": name}
        if emails is not None:
            row["email"] = emails.get(applicant_id, "")
        rows.append(row)
    with building(Path(out)) as folder:
        with ProcessPoolExecutor(max_workers=WORKERS, initializer=_start_typesetter) as pool:
            for name, pdf in zip((n for n, _ in jobs), pool.map(_typeset, (d for _, d in jobs), chunksize=64)):
                (folder / name).write_bytes(pdf)
        columns = [*LETTER_COLUMNS, *(["email"] if emails is not None else [])]
        with (folder / "letters.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        os.chmod(folder, 0o700)  # every letter is personal data
    return LettersMade(Path(out), len(rows), dict(sorted(statuses.items())), to_advise)


def _emails(cards: BundleCards) -> dict[str, str] | None:
    """applicant_id -> email, if the applications carry an ``email`` column."""
    table = read_table(input_paths(cards.run_dir, cards.manifest)["applications"])
    if "email" not in table.header:
        return None
    at_id, at_email = table.header.index("applicant_id"), table.header.index("email")
    return {cells[at_id].upper(): cells[at_email] for _, cells in table.rows}


_typesetter = None


def _start_typesetter() -> None:
    global _typesetter
    import typst  # noqa: PLC0415 (only the letter workers need it)

    template = resources.files("hac") / "templates" / "letter.typ"
    _typesetter = typst.Compiler(str(template), sys_inputs={"data": "{}"}, ignore_system_fonts=True)


def _typeset(data: str) -> bytes:
    return _typesetter.compile(sys_inputs={"data": data})
