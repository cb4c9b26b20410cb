"""Placement against the plain per-room model, on small random halls and cohorts (hypothesis).

Checked independently of the engine's own rule check:
- every offered applicant has one bed; no room over capacity; one gender per suite; every
  room open to its resident (pools, female-only halls, accessible rooms, colleges: a member, a
  member's roommate under the HAC's switch, or a non-member who listed the college's hall and
  was released a bed its members left empty, ``shared/spec/policy.md`` section 7);
- mutual pairs placed as a unit share a room;
- halls in rank order: for every unit and every hall it listed above the one it got, that
  hall was impossible given the halls of the units ranked before it (plain model);
- the aggregated room model's objectives equal the plain per-room model's, and the concrete
  rooms realise exactly the mixing the model promised (regression: split pairs once lost it).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from builders import ROOM_COLUMNS, application, college_and_ordinary_rooms, frame, score, suite_rows, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import COLLEGE_HALL, applicants_with_preferences, suites_across_halls

from allocation.access import RoomAccess
from allocation.admit import admit, admitted_kinds
from allocation.inventory import read_inventory
from allocation.place import check_assignments, place
from allocation.plain import plain_fits, plain_room_objectives
from allocation.rooms import is_mixed
from allocation.units import residency_of
from psm.ranking import rank_cohort
from whatif import policy_with


def run(tmp_path: Path, policy, room_rows, apps):
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", room_rows, ROOM_COLUMNS))
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, "seed")
    admission = admit(ranking, frame(apps), inventory, policy)
    return inventory, admission, place(admission, frame(apps), inventory, policy)


@pytest.fixture(scope="module")
def member_roommates_policy(policy):
    """The HAC's switch on: a college member's mutual roommate may share the member's college room."""
    return policy_with({"allocation.college_rooms_for_member_roommates": True}, policy.path)


@settings(max_examples=40)
@given(suites_across_halls(), applicants_with_preferences(), st.booleans())
def test_placement_keeps_every_rule_and_serves_halls_in_rank_order(tmp_path_factory, policy, member_roommates_policy,
                                                                   room_rows, apps, member_roommates_in_college):
    policy = member_roommates_policy if member_roommates_in_college else policy
    inventory, admission, placement = run(tmp_path_factory.mktemp("case"), policy, room_rows, apps)
    kinds = admitted_kinds(admission, frame(apps))
    unit_kind = {m: unit.kind for unit in placement.units for m in unit.members}
    access = RoomAccess.from_policy(policy)
    if not member_roommates_in_college:  # a pair's kind then opens no room its members' own kinds do not
        assert all(access.allows_listed_room(unit_kind[m], r) <= access.allows_listed_room(kinds[m], r)
                   for r in inventory.rooms.to_dict("records") for m in unit_kind)
    assigned = placement.assignments
    rooms = inventory.rooms.set_index("room_id")

    assert sorted(assigned["applicant_id"]) == sorted(admission.offered["applicant_id"])
    assert all(assigned["room_id"].value_counts()[r] <= rooms.at[r, "beds"] for r in set(assigned["room_id"]))
    genders = assigned.assign(g=assigned["applicant_id"].map(lambda a: kinds[a].gender)).groupby("suite_id")["g"]
    assert (genders.nunique() == 1).all()
    assert all(access.allows_listed_room(unit_kind[a], rooms.loc[r])
               for a, r in zip(assigned["applicant_id"], assigned["room_id"]))
    for a, r in zip(assigned["applicant_id"], assigned["room_id"]):  # college rooms: members, a member's roommate,
        college = rooms.at[r, "college"]  # or a non-member who listed the college's hall, released its empty beds
        assert college in ("", kinds[a].college) or (member_roommates_in_college and unit_kind[a].college == college) \
            or (admission.released.get(a) == college and COLLEGE_HALL in frame(apps).set_index("applicant_id").at[a, "hall_preferences"])
    room_of = dict(zip(assigned["applicant_id"], assigned["room_id"]))
    hall_of = dict(zip(assigned["applicant_id"], assigned["hall"]))
    for unit in placement.units:
        assert len({room_of[m] for m in unit.members}) == 1

    units = list(placement.units)
    for i, unit in enumerate(units):
        got = hall_of[unit.unit_id]
        better = unit.halls[: unit.halls.index(got)] if got in unit.halls else unit.halls
        before = [placement.promised.get(u.unit_id) for u in units[:i]]
        for hall in better:
            halls_asked = before + [hall] + [None] * (len(units) - i - 1)
            assert not plain_fits([u.kind for u in units], inventory.rooms, policy, halls_asked), (unit, hall)


@settings(max_examples=30)
@given(suites_across_halls(), applicants_with_preferences())
def test_room_objectives_equal_the_plain_models_and_are_realised(tmp_path_factory, policy, room_rows, apps):
    inventory, admission, placement = run(tmp_path_factory.mktemp("case"), policy, room_rows, apps)
    units = list(placement.units)
    plain = plain_room_objectives(
        [u.kind for u in units], [u.residency for u in units],
        [u.room_type if u.room_type in ("double", "triple") else "any" for u in units],
        [placement.promised.get(u.unit_id) for u in units], inventory.rooms, policy,
    )
    aggregated = {name: result for name, result in placement.plan.objectives.items() if name in plain}
    assert aggregated == plain
    assert all(status == "optimal" for _, status in plain.values())
    student_type = frame(apps).set_index("applicant_id")["student_type"]
    residents = placement.assignments.groupby("room_id")["applicant_id"].agg(
        lambda ids: {residency_of(student_type[a]) for a in ids})
    realised = sum(1 for r in residents if {"L", "N"} <= r)
    assert realised == sum(n for (_, _, _, p), n in placement.plan.fills.items() if is_mixed(p)) >= plain["mixing"][0]


def test_regression_a_split_pair_keeps_each_members_residency(tmp_path, policy):
    """A mutual pair split by the college rule: the non-local member must stay non-local.

    Found on the sample: a split pair's members took their residency from the pair's sorted
    letters ("LN") by position, so a non-local listed first became local and the room plan
    promised mixed rooms the concrete placement did not have.
    """
    rooms = suite_rows("C1", rooms=(("double", 2),), college="CURI") + suite_rows("O1", rooms=(("double", 2),))
    freshman = dict(admission_year=2025, year_of_study=1, gender="F")
    apps = [
        application(applicant_id="25000001C", travel_minutes=80, **freshman),  # local, best ranked
        application(applicant_id="25000002B", student_type="non_local", roommate_request="25000003A",
                    **freshman, district=None, housing_type=None, home_floor_area_sqm=None, household_size=None),
        application(applicant_id="25000003A", travel_minutes=20, college="CURI", roommate_request="25000002B",
                    **freshman),
    ]
    inventory, admission, placement = run(tmp_path, policy, rooms, apps)
    assert list(placement.split_pairs["applicant_id"]) == ["25000002B"]
    assert "residential college" in placement.split_pairs.at[0, "reason"]
    room = dict(zip(placement.assignments["applicant_id"], placement.assignments["room_id"]))
    assert room["25000002B"] == room["25000001C"] != room["25000003A"]  # the non-local shares with the local
    assert placement.plan.objectives["mixing"][0] == 1


def test_the_rule_check_names_each_rule_a_result_breaks(tmp_path, policy):
    """The engine's own check of a concrete result (check_assignments), fed broken results.

    Section 7's case: the CURI member and 24000004A (released the bed the members left empty)
    share the CURI double, 24000002A and 24000003A the ordinary one; 24000006A, who listed the
    college, waits. Each result below breaks one rule, which the check must name."""
    rooms, apps = college_and_ordinary_rooms()
    inventory, admission, placement = run(tmp_path, policy, rooms, apps)
    units, promised = list(placement.units), placement.promised

    def problems(assignments, admission=admission, applications=frame(apps)):
        return check_assignments(assignments, admission, applications, inventory, policy, units, promised)

    assigned = placement.assignments
    assert problems(assigned) == []
    assert dict(zip(assigned["applicant_id"], assigned["room_id"]))["24000004A"] == "C10"

    moved = assigned.copy()  # a non-member, not released a bed, into the CURI double: three in two beds
    moved.loc[moved["applicant_id"] == "24000002A", ["room_id", "suite_id", "hall"]] = ["C10", "C1", "CURI College"]
    assert problems(moved) == ["room C10 holds 3 people for 2 beds",
                               "24000002A is in room C10, which is not open to them"]

    as_a_man = frame(apps).assign(gender=lambda f: f["gender"].mask(f["applicant_id"] == "24000002A", "M"))
    assert problems(assigned, applications=as_a_man) == ["suite O1 holds more than one gender"]

    # 24000004A not offered after all: the CURI bed is left free while she and 24000006A, who listed it, wait
    # (and the hall she was promised is not kept)
    statuses = admission.frame.assign(status=admission.frame["status"].mask(
        admission.frame["applicant_id"] == "24000004A", "waitlisted"))
    unreleased = replace(admission, frame=statuses, released={})
    assert problems(assigned[assigned["applicant_id"] != "24000004A"], admission=unreleased) == [
        "24000004A was promised CURI College but is in None",
        "college room C10 has a free bed while 24000004A, who listed CURI, waits",
        "college room C10 has a free bed while 24000006A, who listed CURI, waits"]

    # the member not offered: 24000004A, a non-member, holds a CURI bed while the member waits
    statuses = admission.frame.assign(status=admission.frame["status"].mask(
        admission.frame["applicant_id"] == "24000001A", "waitlisted"))
    assert problems(assigned[assigned["applicant_id"] != "24000001A"], admission=replace(admission, frame=statuses)) == [
        "a non-member holds a bed in college room C10 while 24000001A, a member, waits",
        "college room C10 has a free bed while 24000006A, who listed CURI, waits"]
