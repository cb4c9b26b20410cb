"""Later offer rounds on small random halls and cohorts (hypothesis): the rules of
``shared/spec/io-contract.md`` "Later offer rounds" and policy section B (offers in rounds;
accepted places are kept), A (a student who stops being full-time leaves) and G (the HAC may
revoke an offer), checked independently of the engine's own checks.

A chain of three rounds: round 1 as ``psm run`` makes it; round 2 from drawn responses; round 3
from drawn responses to round 2's new offers and drawn changes (withdrawn, revoked) for its
residents. In rounds 2 and 3:

- residents who accepted keep their rooms exactly; declined, withdrawn and revoked applicants
  hold none;
- no room over its beds, one gender per suite (residents and new offers together), every new
  offer in a room open to it;
- the freed beds went down the waitlist in rank order: no one still waitlisted, in a pool with
  beds left, could have been placed beside everyone offered (the plain per-room model);
- every reason ``unmatched_roommates.csv`` gives a newly offered applicant whose roommate is a
  resident is true of the halls it describes, and none says that roommate has no offer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from builders import ROOM_COLUMNS, frame, score, write_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import applicants_with_preferences, suites_across_halls

from allocation.access import RoomAccess
from allocation.admit import admit, admitted_kinds, kinds_of
from allocation.inventory import Inventory, read_inventory
from allocation.place import place
from allocation.plain import plain_fits
from allocation.residual import (
    ROOMMATE_BEDS_NOT_OPEN,
    ROOMMATE_ROOM_AND_SUITE_FULL,
    residual_inventory,
)
from allocation.units import NO_PLACE_REASONS
from hac.offers import Change, offer_round_places, with_responses
from psm.ranking import rank_cohort

SEED = "rounds"


def _first_round(tmp_path: Path, policy, room_rows, apps):
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", room_rows, ROOM_COLUMNS))
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, SEED)
    admission = admit(ranking, frame(apps), inventory, policy)
    placement = place(admission, frame(apps), inventory, policy)
    return inventory, ranking, admission.frame, placement.assignments


def _next_round(policy, apps, full: Inventory, parent: pd.DataFrame, parent_assignments: pd.DataFrame,
                responses: dict[str, str], changes: dict[str, Change], offer_round: int):
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, SEED)
    ranking = with_responses(ranking, parent, responses, changes)
    return ranking, offer_round_places(ranking, frame(apps), parent_assignments, full, policy, offer_round)


def _check_round(policy, apps, full: Inventory, parent: pd.DataFrame, parent_assignments: pd.DataFrame,
                 ranking, offers) -> None:
    applications = frame(apps)
    status = offers.admission.frame.set_index("applicant_id")["status"]
    assigned = offers.assignments
    rooms = full.rooms.set_index("room_id")

    # Residents keep their rooms; the others who held one hold none.
    accepted = set(ranking.frame.loc[ranking.frame["status"] == "accepted", "applicant_id"])
    before = parent_assignments.set_index("applicant_id")
    after = assigned.set_index("applicant_id")
    for a in accepted:
        assert after.at[a, "room_id"] == before.at[a, "room_id"], a
    gone = set(ranking.frame.loc[ranking.frame["status"].isin(["declined", "withdrawn", "revoked"]), "applicant_id"])
    assert not gone & set(assigned["applicant_id"])
    assert set(assigned["applicant_id"]) == accepted | set(status.index[status == "offered"])

    # Beds, genders, open rooms, on the halls as a whole.
    assert all(n <= rooms.at[r, "beds"] for r, n in assigned["room_id"].value_counts().items())
    gender = applications.set_index("applicant_id")["gender"]
    assert (assigned.assign(g=assigned["applicant_id"].map(gender)).groupby("suite_id")["g"].nunique() == 1).all()
    access = RoomAccess.from_policy(policy)
    kinds = admitted_kinds(offers.admission, applications)
    unit_kind = {m: unit.kind for unit in offers.placement.units for m in unit.members}
    new = assigned[assigned["round"] == assigned["round"].max()] if len(assigned) else assigned
    for a, r in zip(new["applicant_id"], new["room_id"]):
        if a not in accepted:
            assert access.allows_listed_room(unit_kind.get(a, kinds[a]), rooms.loc[r]), (a, r)

    # Freed beds down the waitlist in rank order: no one left waiting could have been placed too.
    beside = offers.beside.placed
    left = residual_inventory(full, pd.concat([parent_assignments[parent_assignments["applicant_id"].isin(accepted)],
                                               beside], ignore_index=True), gender)
    offered_units = [unit.kind for unit in offers.placement.units]
    beds = offers.admission.beds.set_index("pool")["beds"]
    used = offers.admission.frame.loc[offers.admission.frame["status"] == "offered", "pool"].value_counts()
    plain_kinds = kinds_of(applications, offers.admission.frame.set_index("applicant_id")["pool"])
    for w in status.index[status == "waitlisted"]:
        pool = plain_kinds[w].pool
        if beds.get(pool, 0) - used.get(pool, 0) > 0:
            assert not plain_fits([*offered_units, plain_kinds[w]], left.rooms, policy), w

    # Reasons given for a newly offered applicant whose mutual roommate is a resident.
    residual = residual_inventory(full, parent_assignments[parent_assignments["applicant_id"].isin(accepted)], gender)
    free = residual.rooms.set_index("room_id")
    room_of = dict(zip(parent_assignments["applicant_id"], parent_assignments["room_id"]))
    for a, mate, reason in zip(offers.unmatched["applicant_id"], offers.unmatched["roommate_request"],
                               offers.unmatched["reason"]):
        if mate not in accepted:
            continue
        assert reason not in NO_PLACE_REASONS.values(), (a, reason)
        suite = rooms.at[room_of[mate], "suite_id"]
        open_here = free[free["suite_id"] == suite]
        if reason == ROOMMATE_ROOM_AND_SUITE_FULL:
            assert open_here.empty, (a, mate)
        elif reason == ROOMMATE_BEDS_NOT_OPEN:
            assert not open_here.empty
            assert not any(access.allows_listed_room(kinds[a], room) for _, room in open_here.iterrows())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suites_across_halls(), applicants_with_preferences(), st.data())
def test_three_rounds_keep_residents_free_beds_down_the_waitlist_and_tell_pairs_the_truth(
        tmp_path_factory, policy, room_rows, apps, data):
    beds = sum(int(room["beds"]) for room in room_rows)
    for i in range(min(beds + 2, 14) - len(apps)):  # more applicants than beds, so there is a waitlist
        apps.append(dict(apps[i % len(apps)], applicant_id=f"2401{i:04d}A", roommate_request=None))
    for a, b in zip(apps[::2], apps[1::2]):  # more mutual pairs, so some span rounds
        if data.draw(st.booleans()):
            a["roommate_request"], b["roommate_request"] = b["applicant_id"], a["applicant_id"]
            b["gender"] = a["gender"]
    for row in apps:  # a request to someone now paired elsewhere stays one-sided
        mate = next((r for r in apps if r["applicant_id"] == row.get("roommate_request")), None)
        if mate is not None and mate.get("roommate_request") not in (None, row["applicant_id"]):
            row["roommate_request"] = None
    full, ranking, parent, assignments = _first_round(tmp_path_factory.mktemp("rounds"), policy, room_rows, apps)

    offered = list(parent.loc[parent["status"] == "offered", "applicant_id"])
    answers = data.draw(st.lists(st.sampled_from(["accepted", "declined", "no_response"]),
                                 min_size=len(offered), max_size=len(offered)))
    ranking, second = _next_round(policy, apps, full, parent, assignments, dict(zip(offered, answers)), {}, 2)
    _check_round(policy, apps, full, parent, assignments, ranking, second)

    parent = second.admission.frame
    offered = list(parent.loc[parent["status"] == "offered", "applicant_id"])
    answers = data.draw(st.lists(st.sampled_from(["accepted", "declined"]), min_size=len(offered),
                                 max_size=len(offered)))
    residents = sorted(parent.loc[parent["status"] == "accepted", "applicant_id"])
    leaving = data.draw(st.lists(st.sampled_from(residents), unique=True) if residents else st.just([]))
    changes = {a: data.draw(st.sampled_from([Change("withdrawn", ""), Change("revoked", "breach of hall rules")]))
               for a in leaving}
    ranking, third = _next_round(policy, apps, full, parent, second.assignments, dict(zip(offered, answers)),
                                 changes, 3)
    _check_round(policy, apps, full, parent, second.assignments, ranking, third)
    statuses = third.admission.frame.set_index("applicant_id")["status"]
    assert all(statuses[a] == changes[a].change for a in changes)
