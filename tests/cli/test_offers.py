"""``psm offers`` end to end on the sample: two rounds and an upheld appeal (bundles issue).

Round one is ``psm run`` on the sample with the full inventory. An appeal is upheld on a
waitlisted applicant and another is only recalculated. The students answer (a fixed,
hash-based mix of accepted, declined and no_response), and ``psm offers`` makes round two.
Checked independently of the engine: residents keep their rooms; the freed beds go down the
waitlist in rank order (within each kind of bed); no rule is broken across both rounds; the
upheld appeal counts at its recalculated position, the other does not; the bundle records
its round and parent and ``psm verify`` reproduces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from builders import ROOM_COLUMNS, application, suite_rows, write_responses, write_rows

from allocation import residual
from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import read_inventory
from allocation.residual import ROOMMATE_BEDS_NEEDED, ROOMMATE_BEDS_NOT_OPEN, ROOMMATE_ROOM_AND_SUITE_FULL
from allocation.units import NO_PLACE_REASONS, RELEASED_APART
from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_VERIFY_FAILED
from cli.main import main
from hac.offers import LEFT_ALONE, read_changes, read_responses
from psm.errors import PsmError
from whatif import override_toml

pytestmark = pytest.mark.xdist_group("sample_bundle")  # one worker makes the shared sample run


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def released_college_beds(assignments: pd.DataFrame, apps: pd.DataFrame, rooms: pd.DataFrame) -> set[str]:
    """Non-members in a college room: offered a bed its members left empty (section 7), a rule of
    its own beside rank order within a kind of bed."""
    college = rooms.set_index("room_id")["college"]
    return {a for a, r in zip(assignments["applicant_id"], assignments["room_id"])
            if college[r] and apps.at[a, "college"] != college[r]}


def answer(applicant_id: str) -> str:
    """A fixed mix: 70% accepted, 20% declined, 10% no response."""
    digit = int(hashlib.sha256(applicant_id.encode()).hexdigest(), 16) % 10
    return "declined" if digit < 2 else "no_response" if digit == 2 else "accepted"


@pytest.fixture(scope="module")
def rounds(sample_bundle, tmp_path_factory):
    out = tmp_path_factory.mktemp("offers")
    first, second = out / "round1", out / "round2"
    shutil.copytree(sample_bundle, first)  # round one: the shared sample run, copied (appeals are added to it)
    ranking = read(first, "ranking.csv")
    readmission = ranking.loc[(ranking["status"] == "waitlisted") & (ranking["tier"] == "readmission"), "applicant_id"]
    upheld, heard = readmission.iloc[-1], readmission.iloc[-2]  # the last of their tier: the appeal must lift them
    common = ["--by", "HAC secretary", "--reason", "documents received"]
    assert main(["appeal", str(first), "--applicant", upheld, "--set", "volunteer_hours=120",
                 "--set", "llc_role=coordinator", "--add-post", "Student Union,chair", "--uphold", *common]) == EXIT_OK
    assert main(["appeal", str(first), "--applicant", heard, "--set", "volunteer_hours=120", *common]) == EXIT_OK
    responses = write_responses(out / "responses.csv",
                                ((a, answer(a)) for a in ranking.loc[ranking["status"] == "offered", "applicant_id"]))
    assert main(["offers", str(first), "--responses", str(responses), "--out", str(second)]) == EXIT_OK
    return first, second, upheld, heard, responses


def test_residents_keep_their_rooms_and_the_others_are_declined(rounds):
    first, second, *_ = rounds
    before = read(first, "assignments.csv").set_index("applicant_id")
    ranking = read(second, "ranking.csv").set_index("applicant_id")
    after = read(second, "assignments.csv").set_index("applicant_id")
    for applicant in before.index:
        expected = answer(applicant)
        if expected == "accepted":
            assert ranking.at[applicant, "status"] == "accepted"
            assert after.loc[applicant, ["hall", "suite_id", "room_id", "round"]].tolist() == \
                before.loc[applicant, ["hall", "suite_id", "room_id", "round"]].tolist()
        else:
            assert ranking.at[applicant, "status"] == "declined"
            assert ranking.at[applicant, "reason"] == {"declined": "declined the offer",
                                                       "no_response": "no response: counted as declined"}[expected]
            assert applicant not in after.index
    offered = ranking.index[ranking["status"] == "offered"]
    assert len(offered) > 500
    assert set(after.loc[after["round"] == "2"].index) == set(offered)
    assert set(after.index) == set(offered) | set(ranking.index[ranking["status"] == "accepted"])


def test_resident_roommates_joined_by_halving_as_by_checking_each(rounds, tmp_path, monkeypatch):
    """Round two reaches the checked walk (joining every new offer to their resident roommate
    leaves someone else without a bed); the run of placements found by halving gives the same
    round as checking every placement (allocation.residual.join_resident_roommates)."""
    first, second, _, _, responses = rounds
    checks = []
    others_fit, join = residual._others_fit, residual._join

    def counted(*args):
        checks.append(len(args[3]))  # placements pinned
        return others_fit(*args)

    def checking_each(*args, known_to_fit=0, **kwargs):
        return join(*args, **kwargs)

    monkeypatch.setattr(residual, "_others_fit", counted)
    monkeypatch.setattr(residual, "_join", checking_each)
    again = tmp_path / "round2"
    assert main(["offers", str(first), "--responses", str(responses), "--out", str(again)]) == EXIT_OK
    assert len(checks) > 2 and checks[0] > checks[1]  # the hopeful check failed: each placement checked
    for name in ("ranking.csv", "assignments.csv", "unmatched_roommates.csv"):
        assert (again / name).read_bytes() == (second / name).read_bytes()


def test_freed_beds_go_down_the_waitlist_in_rank_order_and_no_rule_breaks(rounds, policy):
    first, second, *_ = rounds
    ranking, assignments = read(second, "ranking.csv"), read(second, "assignments.csv")
    apps = read(first / "inputs", "applications.csv").set_index("applicant_id")
    kind = {a: ApplicantKind(p, apps.at[a, "gender"], apps.at[a, "accessibility_needs"] == "true", apps.at[a, "college"])
            for a, p in zip(ranking["applicant_id"], ranking["pool"])}
    # within one kind of bed, every new offer is ranked above everyone still waiting
    released = released_college_beds(assignments, apps, read_inventory(policy).rooms)
    round_two = ranking[ranking["status"].isin(["offered", "waitlisted"]) & ~ranking["applicant_id"].isin(released)].assign(
        kind=lambda f: f["applicant_id"].map(kind), rank=lambda f: f["rank"].astype(int))
    for _, group in round_two.groupby("kind"):
        offered, waiting = group.loc[group["status"] == "offered", "rank"], group.loc[group["status"] == "waitlisted", "rank"]
        assert offered.empty or waiting.empty or offered.max() < waiting.min()
    rooms = read_inventory(policy).rooms.set_index("room_id")
    per_room = assignments["room_id"].value_counts()
    assert all(per_room[r] <= rooms.at[r, "beds"] for r in per_room.index)
    genders = assignments.assign(g=assignments["applicant_id"].map(apps["gender"])).groupby("suite_id")["g"]
    assert (genders.nunique() == 1).all()
    access = RoomAccess.from_policy(policy)
    for a, r in zip(assignments["applicant_id"], assignments["room_id"]):  # a released college bed: they listed its hall
        college = rooms.at[r, "college"] if a in released else ""
        assert not college or rooms.at[r, "hall"] in apps.at[a, "hall_preferences"].split(";")
        assert access.allows_listed_room(kind[a]._replace(released_to=college), rooms.loc[r])


def test_the_upheld_appeal_counts_at_its_new_position_and_the_other_does_not(rounds):
    first, second, upheld, heard, _ = rounds
    records = {r["applicant_id"]: r for r in map(json.loads, (first / "appeals.jsonl").read_text().splitlines())}
    ranking = read(second, "ranking.csv").set_index("applicant_id")
    scores = read(second, "scores.csv").set_index("applicant_id")
    new = records[upheld]["new"]
    assert records[upheld]["upheld"] is True and records[heard]["upheld"] is False
    assert int(scores.at[upheld, "total_points"]) == new["card"]["total_points"] > records[upheld]["old"]["card"]["total_points"]
    assert int(ranking.at[upheld, "rank"]) == new["position"]["rank_in_pool"]
    assert ranking.at[upheld, "status"] == "offered"
    assert int(scores.at[heard, "total_points"]) == records[heard]["old"]["card"]["total_points"]
    amendments = first / "appeals" / "amendments.jsonl"
    assert stat.S_IMODE(os.stat(amendments).st_mode) == 0o600
    assert [json.loads(line)["applicant_id"] for line in amendments.read_text().splitlines()] == [upheld]


def test_the_round_two_bundle_records_its_parent_and_verifies(rounds, capsys, tmp_path):
    first, second, *_ = rounds
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["command"] == "psm offers" and manifest["offer_round"] == 2
    assert manifest["parent"]["manifest_sha256"] == hashlib.sha256((first / "manifest.json").read_bytes()).hexdigest()
    assert manifest["counts"]["upheld_appeals_applied"] == 1
    assert {"parent_ranking", "parent_assignments", "parent_scores", "responses"} <= set(manifest["inputs"])
    capsys.readouterr()
    assert main(["verify", str(second)]) == EXIT_OK
    assert "every output reproduces" in capsys.readouterr().out
    altered = tmp_path / "altered"
    os.system(f"cp -r {second} {altered}")
    with (altered / "assignments.csv").open("a") as handle:
        handle.write("x\n")
    assert main(["verify", str(altered)]) == EXIT_VERIFY_FAILED
    assert "assignments.csv" in capsys.readouterr().out


def test_a_third_round_keeps_both_earlier_rounds_residents(rounds, tmp_path):
    first, second, *_ = rounds
    ranking = read(second, "ranking.csv")
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    responses = tmp_path / "responses.csv"
    pd.DataFrame({"applicant_id": offered, "response": offered.map(answer)}).to_csv(responses, index=False)
    assert main(["offers", str(second), "--responses", str(responses), "--out", str(tmp_path / "round3")]) == EXIT_OK
    third = read(tmp_path / "round3", "assignments.csv")
    assert set(third["round"]) == {"1", "2", "3"}
    accepted = read(tmp_path / "round3", "ranking.csv").query("status == 'accepted'")["applicant_id"]
    kept = read(second, "assignments.csv").query("applicant_id in @accepted")
    assert len(kept) == len(accepted) and kept.merge(third, on=list(kept.columns)).shape[0] == len(kept)  # nobody moved


def test_responses_are_checked_row_by_row(rounds, tmp_path):
    first, *_ = rounds
    parent = read(first, "ranking.csv")
    offered = parent.loc[parent["status"] == "offered", "applicant_id"].tolist()
    waitlisted = parent.loc[parent["status"] == "waitlisted", "applicant_id"].iloc[0]
    path = tmp_path / "responses.csv"
    rows = [(a, "accepted") for a in offered[2:]] + [(offered[0], "yes"), (offered[2], "declined"), (waitlisted, "accepted")]
    pd.DataFrame(rows, columns=["applicant_id", "response"]).to_csv(path, index=False)
    with pytest.raises(PsmError) as raised:
        read_responses(path, parent)
    message = str(raised.value)
    last = len(rows) + 1  # spreadsheet rows: the header is row 1
    assert f"row {last - 2}, response = 'yes': use one of accepted, declined, no_response" in message
    assert f"row {last - 1}, applicant_id = '{offered[2]}': a second response" in message
    assert f"row {last}, applicant_id = '{waitlisted}': not offered a place in this round (status waitlisted)" in message
    assert f"1 applicant(s) offered a place have no row (first: ['{offered[1]}'])" in message


def test_bad_responses_stop_the_command_and_leave_no_bundle(rounds, tmp_path, capsys):
    first, *_ = rounds
    path = tmp_path / "responses.csv"
    path.write_text("applicant_id,answer\n")
    assert main(["offers", str(first), "--responses", str(path), "--out", str(tmp_path / "next")]) == EXIT_ERROR
    assert "columns ['response'] are missing" in capsys.readouterr().err
    assert not (tmp_path / "next").exists()


def test_a_roommate_left_in_a_college_room_is_listed_for_review(tmp_path, capsys):
    """Under college_rooms_for_member_roommates = true, a CURI member and her non-member roommate
    share the college double; she declines, the roommate accepts and keeps the room. Round two
    lists the roommate in unmatched_roommates.csv with the reason and counts her in the manifest."""
    policy = tmp_path / "policy.toml"
    policy.write_text(override_toml({"allocation.college_rooms_for_member_roommates": True}), encoding="utf-8")
    rooms = write_rows(tmp_path / "rooms.csv", suite_rows("C1", rooms=(("double", 2),), college="CURI")
                       + suite_rows("O1", rooms=(("double", 2),)), ROOM_COLUMNS)
    applications = write_rows(tmp_path / "applications.csv", [
        application(applicant_id="24000001A", travel_minutes=80, college="CURI", roommate_request="24000003A"),
        application(applicant_id="24000002A", travel_minutes=70),
        application(applicant_id="24000003A", travel_minutes=60, roommate_request="24000001A"),
    ])
    first, second = tmp_path / "round1", tmp_path / "round2"
    assert main(["run", "--applications", str(applications), "--rooms", str(rooms), "--policy", str(policy),
                 "--seed", "s", "--out", str(first)]) == EXIT_OK
    placed = read(first, "assignments.csv").set_index("applicant_id")["room_id"]
    assert placed["24000001A"] == placed["24000003A"] == "C10"
    responses = write_rows(tmp_path / "responses.csv", [
        {"applicant_id": "24000001A", "response": "declined"}, {"applicant_id": "24000002A", "response": "accepted"},
        {"applicant_id": "24000003A", "response": "accepted"}])
    capsys.readouterr()
    assert main(["offers", str(first), "--responses", str(responses), "--out", str(second)]) == EXIT_OK
    assert "for review: 1 resident(s) of a college room" in capsys.readouterr().out
    unmatched = read(second, "unmatched_roommates.csv")
    assert unmatched[["applicant_id", "roommate_request", "reason"]].to_dict("records") == [
        {"applicant_id": "24000003A", "roommate_request": "24000001A", "reason": LEFT_ALONE}]
    assert json.loads((second / "manifest.json").read_text())["counts"]["college_roommates_left_alone"] == 1
    assert read(second, "assignments.csv").set_index("applicant_id").at["24000003A", "room_id"] == "C10"


def check_unmatched_reasons(folder: Path, rooms: pd.DataFrame, apps: pd.DataFrame) -> int:
    """Every reason in the round's unmatched_roommates.csv is true of the state it describes; the
    number of rows checked. (Nobody is told their roommate "has no offer": that was false.)"""
    ranking = read(folder, "ranking.csv").set_index("applicant_id")
    assignments = read(folder, "assignments.csv").set_index("applicant_id")
    offer_round = json.loads((folder / "manifest.json").read_text()).get("offer_round", 1)
    beds = rooms.set_index("room_id")["beds"].astype(int)
    suite_beds = rooms.assign(beds=rooms["beds"].astype(int)).groupby("suite_id")["beds"].sum()
    in_room, in_suite = assignments["room_id"].value_counts(), assignments["suite_id"].value_counts()
    unmatched = read(folder, "unmatched_roommates.csv")
    for a, b, reason in zip(unmatched["applicant_id"], unmatched["roommate_request"], unmatched["reason"]):
        assert "has no offer" not in reason
        if reason in NO_PLACE_REASONS.values():
            assert NO_PLACE_REASONS[ranking.at[b, "status"]] == reason and b not in assignments.index
        elif reason in (ROOMMATE_ROOM_AND_SUITE_FULL, ROOMMATE_BEDS_NOT_OPEN, ROOMMATE_BEDS_NEEDED):
            assert int(assignments.at[b, "round"]) < offer_round == int(assignments.at[a, "round"])  # b lived there before
            room, suite = assignments.at[b, "room_id"], assignments.at[b, "suite_id"]
            assert assignments.at[a, "room_id"] != room
            if reason == ROOMMATE_ROOM_AND_SUITE_FULL:  # full then, so full now
                assert in_room[room] == beds[room] and in_suite[suite] == suite_beds[suite]
            else:  # a bed was free at the start of the round (not open to them, or needed by others)
                before = assignments[assignments["round"].astype(int) < offer_round]
                assert (before["suite_id"] == suite).sum() < suite_beds[suite]
        elif reason == LEFT_ALONE:
            room = assignments.at[a, "room_id"]
            assert rooms.set_index("room_id").at[room, "college"] not in ("", apps.at[a, "college"])
        else:  # two offered this round, not sharing a room, for the reason given
            assert ranking.at[a, "status"] in ("offered", "accepted") and ranking.at[b, "status"] in ("offered", "accepted")
            assert assignments.at[a, "room_id"] != assignments.at[b, "room_id"]
            if reason.startswith("different genders"):
                assert apps.at[a, "gender"] != apps.at[b, "gender"]
            elif reason.startswith("not members of the same residential college"):
                assert apps.at[a, "college"] != apps.at[b, "college"]
            elif reason == RELEASED_APART:  # one of them in a college room not their own
                in_others_college = [rooms.set_index("room_id").at[assignments.at[x, "room_id"], "college"]
                                     not in ("", apps.at[x, "college"]) for x in (a, b)]
                assert sum(in_others_college) == 1
            else:
                assert reason == "no room of two or more beds open to both was left when the second of them was offered a place"
    return len(unmatched)


def test_a_third_round_with_withdrawals_and_revocations(rounds, tmp_path, policy, capsys):
    """Round three from round two: responses to round two's offers, and changes: five residents
    withdraw, five have their offer revoked. Accepted residents keep their rooms, the withdrawn and
    revoked hold none, the freed beds go down the waitlist in rank order, every round verifies, and
    every reason given to a split pair is true."""
    first, second, *_ = rounds
    ranking = read(second, "ranking.csv")
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    residents = ranking.loc[ranking["status"] == "accepted", "applicant_id"].sort_values().tolist()
    withdrawn, revoked = residents[:5], residents[5:10]
    responses, changes = tmp_path / "responses.csv", tmp_path / "changes.csv"
    pd.DataFrame({"applicant_id": offered, "response": offered.map(answer)}).to_csv(responses, index=False)
    pd.DataFrame({"applicant_id": withdrawn + revoked, "change": ["withdrawn"] * 5 + ["revoked"] * 5,
                  "reason": [""] * 5 + ["no longer full-time (section A)"] * 5}).to_csv(changes, index=False)
    third = tmp_path / "round3"
    assert main(["offers", str(second), "--responses", str(responses), "--changes", str(changes),
                 "--out", str(third)]) == EXIT_OK
    assert "changes to residents: 5 withdrawn, 5 revoked" in capsys.readouterr().out
    after, before = read(third, "ranking.csv").set_index("applicant_id"), read(second, "assignments.csv")
    placed = read(third, "assignments.csv")
    assert set(after.loc[withdrawn, "status"]) == {"withdrawn"} and set(after.loc[revoked, "status"]) == {"revoked"}
    assert set(after.loc[revoked, "reason"]) == {"offer revoked by the HAC: no longer full-time (section A)"}
    assert not set(withdrawn + revoked) & set(placed["applicant_id"])  # they hold no room
    kept = before[before["applicant_id"].isin(after.index[after["status"] == "accepted"])]
    assert len(kept) == (after["status"] == "accepted").sum()
    assert kept.merge(placed, on=list(kept.columns)).shape[0] == len(kept)  # nobody who stays moved
    freed = set(before.loc[before["applicant_id"].isin(withdrawn + revoked), "room_id"])
    assert freed & set(placed.loc[placed["round"] == "3", "room_id"])  # their beds went to new offers
    apps = read(first / "inputs", "applications.csv").set_index("applicant_id")
    rooms = read_inventory(policy).rooms
    kind = {a: (p, apps.at[a, "gender"], apps.at[a, "accessibility_needs"], apps.at[a, "college"])
            for a, p in zip(after.index, after["pool"])}
    released = released_college_beds(placed, apps, rooms)
    waiting = after[after["status"].isin(["offered", "waitlisted"]) & ~after.index.isin(released)]
    for _, group in waiting.assign(kind=waiting.index.map(kind), rank=waiting["rank"].astype(int)).groupby("kind"):
        new, still = group.loc[group["status"] == "offered", "rank"], group.loc[group["status"] == "waitlisted", "rank"]
        assert new.empty or still.empty or new.max() < still.min()  # in rank order within a kind of bed
    manifest = json.loads((third / "manifest.json").read_text())
    assert manifest["counts"]["changes"] == {"withdrawn": 5, "revoked": 5} and "changes" in manifest["inputs"]
    for folder in (second, third):
        assert main(["verify", str(folder)]) == EXIT_OK
    assert sum(check_unmatched_reasons(folder, rooms, apps) for folder in (first, second, third)) > 0


def test_changes_are_checked_row_by_row(rounds, tmp_path):
    _, second, *_ = rounds
    parent = read(second, "ranking.csv")
    resident = parent.loc[parent["status"] == "accepted", "applicant_id"].iloc[0]
    waiting = parent.loc[parent["status"] == "waitlisted", "applicant_id"].iloc[0]
    path = tmp_path / "changes.csv"
    pd.DataFrame([(resident, "revoked", ""), (resident, "withdrawn", ""), (waiting, "withdrawn", ""),
                  (resident, "moved", "")], columns=["applicant_id", "change", "reason"]).to_csv(path, index=False)
    with pytest.raises(PsmError) as raised:
        read_changes(path, parent)
    message = str(raised.value)
    assert "row 2, reason = '': a revoked offer needs the HAC's reason (section G); fill it in" in message
    assert f"row 3, applicant_id = '{resident}': a second change; keep one row per applicant" in message
    assert f"row 4, applicant_id = '{waiting}': not a resident of an earlier round (status waitlisted)" in message
    assert "row 5, change = 'moved': use one of withdrawn, revoked" in message
