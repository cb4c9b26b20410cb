"""Who may live in which room (allocation.access): hand-worked cases from the policy, and the
suite, room-type and concrete-room forms of the rule agreeing with each other (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from allocation.access import ApplicantKind, RoomAccess
from allocation.inventory import RoomSignature, read_inventory
from builders import ROOM_COLUMNS, write_rows
from strategies import applicant_kinds, suites_across_pools
from whatif import policy_with

WOMAN = ApplicantKind("undergraduate", "F", False, "")
OPEN = dict(pools=("undergraduate",), gender_rule="any", accessible=False, college="")


@pytest.mark.parametrize("kind, room, allowed", [
    (WOMAN, OPEN, True),
    (WOMAN, OPEN | {"pools": ("research",)}, False),  # another pool's room
    (WOMAN, OPEN | {"pools": ("exchange",)}, True),  # exchange beds spill over into undergraduate
    (ApplicantKind("exchange", "F", False, ""), OPEN, False),  # ... but not the other way
    (WOMAN, OPEN | {"gender_rule": "F"}, True),  # a female-only hall
    (ApplicantKind("undergraduate", "M", False, ""), OPEN | {"gender_rule": "F"}, False),
    (WOMAN, OPEN | {"gender_rule": "M"}, False),  # a suite whose residents from an earlier round are men
    (ApplicantKind("undergraduate", "F", True, ""), OPEN, False),  # needs an accessible room
    (ApplicantKind("undergraduate", "F", True, ""), OPEN | {"accessible": True}, True),
    (WOMAN, OPEN | {"accessible": True}, True),  # an accessible room is open to everyone
    (WOMAN, OPEN | {"college": "CURI"}, False),  # college rooms are for members alone
    (ApplicantKind("undergraduate", "F", False, "CURI"), OPEN | {"college": "CURI"}, True),
    (ApplicantKind("undergraduate", "F", False, "CURI"), OPEN, True),  # members may live in ordinary rooms
])
def test_the_rules_one_by_one(policy, kind, room, allowed):
    assert RoomAccess.from_policy(policy).allows(kind, **room) is allowed


@pytest.mark.parametrize("switch, college", [(False, ""), (True, "CURI")])
def test_a_pair_of_a_member_and_a_non_member_needs_an_ordinary_room_unless_the_hac_decides(policy, switch,
                                                                                          college):
    access = RoomAccess.from_policy(policy_with({"allocation.college_rooms_for_member_roommates": switch},
                                                policy.path))
    member, other = ApplicantKind("undergraduate", "F", False, "CURI"), ApplicantKind("undergraduate", "F", True, "")
    assert access.member_roommates_in_college is switch
    assert access.pair_kind(member, other) == ApplicantKind("undergraduate", "F", True, college, size=2)
    assert access.pair_kind(member, member) == ApplicantKind("undergraduate", "F", False, "CURI", size=2)


@settings(max_examples=40)
@given(suites_across_pools(), applicant_kinds())
def test_suite_room_and_concrete_room_forms_agree(tmp_path_factory, policy, room_rows, kind):
    inventory = read_inventory(policy, write_rows(tmp_path_factory.mktemp("rooms") / "rooms.csv", room_rows,
                                                  ROOM_COLUMNS))
    access = RoomAccess.from_policy(policy)
    for suite in inventory.classes:  # a suite class is open when one of its room types is
        assert access.allows_suite(kind, suite) == any(access.allows_room(kind, suite, t) for t in suite.rooms)
    suite_of = dict(zip(inventory.suites["suite_id"], inventory.suites["class_key"]))
    by_key = {c.key: c for c in inventory.classes}
    for room in inventory.rooms.to_dict("records"):  # a concrete room as its class and signature
        suite = by_key[suite_of[room["suite_id"]]]
        signature = RoomSignature(room["room_type"], int(room["beds"]), bool(room["accessible"]))
        assert signature in suite.rooms
        assert access.allows_listed_room(kind, room) == access.allows_room(kind, suite, signature)
