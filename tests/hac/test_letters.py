"""Notices to students and what the committee publishes, read back from the files.

Each letter is read back as text (pypdf) and checked against the bundle's own files for an
applicant of each status: the decision on the first line, the total, each part's points with
its maximum, the cut-off of their pool and gender, the lottery key; and no letter names another
applicant. The same bundle gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from builders import capped_policy, run_folder, write_responses
from pypdf import PdfReader

from cli.exits import EXIT_OK, EXIT_REJECTED
from cli.main import main
from hac.letters import DECISIONS, PART_LABELS, make_letters
from synthetic import generate_cohort, write_cohort

ID = re.compile(r"\b\d{8}[A-Z]\b")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """600 applicants for 250 undergraduate beds (a policy with small quotas): offers, a waitlist,
    ineligible, referred and disqualified applicants."""
    folder = tmp_path_factory.mktemp("letters")
    write_cohort(generate_cohort(n=600, seed=13), folder / "in")
    out = folder / "run"
    policy = capped_policy(folder / "policy.toml", undergraduate=250)
    assert run_folder(folder / "in", out, "letters-test", policy=policy) in (EXIT_OK, EXIT_REJECTED)
    return out


@pytest.fixture(scope="module")
def letters(bundle, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("notices") / "letters"
    assert main(["letters", str(bundle), "--out", str(out)]) == EXIT_OK
    return out


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_one_letter_per_applicant_and_a_mail_merge_list(bundle, letters):
    ranking = rows(bundle / "ranking.csv")
    listed = rows(letters / "letters.csv")
    assert [r["applicant_id"] for r in listed] == [r["applicant_id"] for r in ranking]
    assert sorted(p.name for p in letters.glob("*.pdf")) == sorted(r["letter_file"] for r in listed)
    assert {r["status"] for r in listed} >= {"offered", "waitlisted", "ineligible", "referred", "disqualified"}


@pytest.mark.parametrize("status", ["offered", "waitlisted", "ineligible", "referred", "disqualified"])
def test_a_letter_of_each_status_says_what_the_bundle_says(bundle, letters, status):
    ranking = {r["applicant_id"]: r for r in rows(bundle / "ranking.csv")}
    scores = {r["applicant_id"]: r for r in rows(bundle / "scores.csv")}
    applicant = next(a for a, r in ranking.items() if r["status"] == status)
    text = text_of(letters / f"{applicant}.pdf")
    decision = DECISIONS[status][0]
    assert decision in text.split("Your score card")[0]  # the decision comes before the card
    assert ranking[applicant]["lottery_key"] in text.replace("\n", "")
    assert set(ID.findall(text)) == {applicant}  # no other applicant is named
    card = scores[applicant]
    if card["total_points"]:
        assert re.search(rf"Total\s+{card['total_points']}\b", text)
        for part, label in PART_LABELS.items():
            points = card.get(f"{part}_points", "")
            if points:
                assert re.search(rf"{re.escape(label)}\s+{points}\s+\d+", text), (part, points)
    if status in ("ineligible", "referred", "disqualified"):
        assert (ranking[applicant]["reason"] or card["ineligible_reason"]).split(";")[0][:30] in text.replace("\n", " ")
    if status == "waitlisted":
        flat = text.replace("\n", " ")
        assert "the waiting list starts at rank" in flat
        assert f"Your rank is {int(ranking[applicant]['rank']):,}" in flat
    if status == "offered":
        assert "HK$" in text and "Please accept or decline this offer by" in text.replace("\n", " ")


def test_the_same_bundle_gives_the_same_bytes(bundle, letters, tmp_path):
    again = make_letters(bundle, tmp_path / "again")
    assert again.letters == len(list(letters.glob("*.pdf")))
    for path in sorted(letters.glob("*.pdf"))[:40]:
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name
    assert (tmp_path / "again" / "letters.csv").read_bytes() == (letters / "letters.csv").read_bytes()


def test_publish_gives_cutoffs_and_a_pseudonymous_waitlist_without_points(bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("PSM_REDACT_KEY", "publish-test-key-0123456789")
    assert main(["publish", str(bundle), "--out", str(tmp_path / "pub")]) == EXIT_OK
    waitlist = rows(tmp_path / "pub" / "waitlist.csv")
    ranking = rows(bundle / "ranking.csv")
    waiting = [r for r in ranking if r["status"] == "waitlisted"]
    assert len(waitlist) == len(waiting) and all(r["applicant"].startswith("psn-") for r in waitlist)
    assert "score" not in waitlist[0]
    text = (tmp_path / "pub" / "waitlist.csv").read_text(encoding="utf-8")
    assert not ID.search(text)
    cutoffs = rows(tmp_path / "pub" / "cutoffs.csv")
    assert {r["residency"] for r in cutoffs} <= {"local", "non-local", "neither"}
    for r in cutoffs:  # scores only where the group is large enough to hide any one student
        if int(r["offered"]) + int(r["accepted"]) + int(r["waitlisted"]) < 5:
            assert r["lowest_placed"] == r["best_waitlisted"] == ""
    assert main(["publish", str(bundle), "--out", str(tmp_path / "ids"), "--ids", "applicant-ids",
                 "--with-points"]) == EXIT_OK
    by_id = rows(tmp_path / "ids" / "waitlist.csv")
    assert [r["applicant"] for r in by_id] == [r["applicant"] for r in
                                               sorted(({"applicant": w["applicant_id"], "rank": int(w["rank"]),
                                                        "pool": w["pool"]} for w in waiting),
                                                      key=lambda r: (r["pool"] != "undergraduate", r["pool"], r["rank"]))]
    assert all(r["score"] for r in by_id if r["pool"] == "undergraduate")


def test_later_rounds_write_accepted_declined_withdrawn_and_revoked_letters(bundle, tmp_path):
    """Round two: each offer-holder's letter says whether their place is kept (section B); round
    three: a resident who withdrew, and one whose offer the HAC revoked (section G), are told so."""
    offered = [r["applicant_id"] for r in rows(bundle / "ranking.csv") if r["status"] == "offered"]
    responses = write_responses(tmp_path / "responses.csv",
                                ((a, "accepted" if i % 2 else "declined") for i, a in enumerate(offered)))
    assert main(["offers", str(bundle), "--responses", str(responses), "--out", str(tmp_path / "round2")]) == EXIT_OK
    made = make_letters(tmp_path / "round2", tmp_path / "letters2")
    assert made.by_status["accepted"] == len(offered) // 2 and made.by_status["declined"] == (len(offered) + 1) // 2
    assert DECISIONS["accepted"][0] in text_of(tmp_path / "letters2" / f"{offered[1]}.pdf")
    assert DECISIONS["declined"][0] in text_of(tmp_path / "letters2" / f"{offered[0]}.pdf")
    round2 = {r["applicant_id"]: r["status"] for r in rows(tmp_path / "round2" / "ranking.csv")}
    residents = [a for a in offered if round2[a] == "accepted"]
    newly = [a for a, status in round2.items() if status == "offered"]
    answers = tmp_path / "responses2.csv"
    with answers.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["applicant_id", "response"], *([a, "accepted"] for a in newly)])
    changes = tmp_path / "changes.csv"
    with changes.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["applicant_id", "change", "reason"], [residents[0], "withdrawn", ""],
                                      [residents[1], "revoked", "no longer full-time (section A)"]])
    assert main(["offers", str(tmp_path / "round2"), "--responses", str(answers), "--changes", str(changes),
                 "--out", str(tmp_path / "round3")]) == EXIT_OK
    make_letters(tmp_path / "round3", tmp_path / "letters3")
    assert DECISIONS["withdrawn"][0] in text_of(tmp_path / "letters3" / f"{residents[0]}.pdf")
    revoked = text_of(tmp_path / "letters3" / f"{residents[1]}.pdf").replace("\n", " ")
    assert DECISIONS["revoked"][0] in revoked and "no longer full-time" in revoked
