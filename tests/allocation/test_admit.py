"""Admission against the plain per-room model, on small random halls and cohorts (hypothesis).

Properties (the rules of :mod:`allocation.admit`): everyone offered fits, mutual pairs joined
at admission in one room; nobody is refused while someone ranked below them of the same pool
and gender, whose place they could take, is offered; no bed stays empty while a waitlisted
applicant could use it; the pool's beds are never exceeded; every mutual pair both offered is
joined or reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.access import ApplicantKind, RoomAccess
from allocation.admit import admit, kinds_of
from allocation.fit import Fit
from allocation.inventory import read_inventory
from allocation.place import place
from allocation.plain import plain_fits
from allocation.units import mutual_partners
from builders import ROOM_COLUMNS, application, frame, score, suite_rows, write_rows
from psm.ranking import rank_cohort
from strategies import applicant_kinds, applicants_with_mutual_pairs, suites_across_pools
from whatif import policy_with


def units_of(offered: list[str], kinds: pd.Series, pairs: dict[str, str], policy,
             without: str | None = None) -> list[ApplicantKind]:
    """The offered as admission holds them: joined pairs as one unit; a pair whose other member
    is ``without`` becomes one person again."""
    access = RoomAccess.from_policy(policy)
    units = []
    for a in offered:
        partner = pairs.get(a)
        if a == without or (partner is not None and partner != without and partner < a):
            continue
        together = partner and partner != without
        units.append(access.pair_kind(kinds[a], kinds[partner]) if together else kinds[a])
    return units


def setup(tmp_path: Path, policy, room_rows, apps):
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", room_rows, ROOM_COLUMNS))
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, "seed")
    return inventory, ranking


@settings(max_examples=60)
@given(suites_across_pools(), applicants_with_mutual_pairs())
def test_admission_properties_against_the_plain_model(tmp_path_factory, policy, room_rows, apps):
    inventory, ranking = setup(tmp_path_factory.mktemp("case"), policy, room_rows, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    kinds = kinds_of(frame(apps), admission.frame.set_index("applicant_id")["pool"])
    offered = list(admission.offered["applicant_id"])
    offered_kinds = [kinds[a] for a in offered]
    units = units_of(offered, kinds, admission.pairs, policy)
    assert plain_fits(units, inventory.rooms, policy)  # everyone offered fits, joined pairs in one room
    partners = mutual_partners(frame(apps))
    for a in offered:  # every mutual pair both offered: joined, or reported with a reason
        if partners.get(a) in offered:
            assert (admission.pairs.get(a) == partners[a]) != (a in set(admission.unpaired["applicant_id"])
                                                                 | set(admission.unpaired["roommate_request"]))
    for pool, count in Counter(k.pool for k in offered_kinds).items():  # pool beds never exceeded
        assert count <= admission.beds.set_index("pool").loc[pool, "beds"]
    waitlisted = admission.frame[admission.frame["status"] == "waitlisted"]
    for _, w in waitlisted.iterrows():
        kind = kinds[w["applicant_id"]]
        pool_full = Counter(k.pool for k in offered_kinds)[kind.pool] >= admission.beds.set_index("pool").loc[kind.pool, "beds"]
        # no bed stays empty that a waitlisted applicant could use
        assert pool_full or not plain_fits(units + [kind], inventory.rooms, policy)
        # nobody ranked below them, of the same pool and gender, holds a place they could take
        below = admission.frame[(admission.frame["pool"] == w["pool"]) & (admission.frame["rank"] > w["rank"])
                                & (admission.frame["status"] == "offered")]
        for _, b in below.iterrows():
            if kinds[b["applicant_id"]].gender == kind.gender:
                swapped = units_of(offered, kinds, admission.pairs, policy, without=b["applicant_id"]) + [kind]
                assert not plain_fits(swapped, inventory.rooms, policy)


@settings(max_examples=60)
@given(suites_across_pools(), st.lists(applicant_kinds(), max_size=10))
def test_fit_agrees_with_the_plain_model(tmp_path_factory, policy, room_rows, people):
    inventory = read_inventory(policy, write_rows(tmp_path_factory.mktemp("rooms") / "rooms.csv", room_rows, ROOM_COLUMNS))
    fit = Fit(inventory.classes, policy)
    accepted = []
    for kind in people:
        if fit.try_add(kind):
            accepted.append(kind)
            assert plain_fits(accepted, inventory.rooms, policy)
        else:
            assert not plain_fits(accepted + [kind], inventory.rooms, policy)


def test_gender_per_suite_on_a_hand_worked_case(tmp_path, policy):
    # One suite of two doubles: four women fit; a man after three women does not.
    rooms = suite_rows("S1", rooms=(("double", 2), ("double", 2)))
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", rooms, ROOM_COLUMNS))
    fit = Fit(inventory.classes, policy)
    woman, man = (ApplicantKind("undergraduate", gender, False, "") for gender in "FM")
    assert [fit.try_add(woman) for _ in range(3)] == [True, True, True]
    assert not fit.try_add(man)
    assert fit.try_add(woman) and not fit.try_add(woman)


def test_walk_offers_in_rank_order_and_waitlists_the_rest(tmp_path, policy):
    rooms = suite_rows("S1", rooms=(("double", 2),)) + suite_rows("S2", rooms=(("double", 2),))
    apps = [application(applicant_id=f"2400000{i}A", gender=g, travel_minutes=m)
            for i, (g, m) in enumerate([("F", 80), ("M", 70), ("F", 60), ("F", 50), ("M", 40)])]
    inventory, ranking = setup(tmp_path, policy, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, policy).frame.set_index("applicant_id")
    # F(80), M(70) take one suite each; F(60) joins F(80); F(50) finds no bed for a woman; M(40) joins M(70)
    assert list(admission["status"]) == ["offered", "offered", "offered", "waitlisted", "offered"]


def test_a_mutual_pair_is_joined_when_the_second_is_offered_even_at_a_lower_ranked_cost(tmp_path, policy):
    """A college member and a non-member who asked for each other share the ordinary double;
    the college double stays for members, so the applicant ranked below both is waitlisted.
    Split, the three would all have had a bed: the first wish (mutual pairs) costs a place
    only to someone ranked below both members of the pair."""
    rooms = suite_rows("C1", rooms=(("double", 2),), college="CURI") + suite_rows("O1", rooms=(("double", 2),))
    apps = [
        application(applicant_id="24000001A", travel_minutes=80, college="CURI", roommate_request="24000002A"),
        application(applicant_id="24000002A", travel_minutes=70, roommate_request="24000001A"),
        application(applicant_id="24000003A", travel_minutes=60),
    ]
    inventory, ranking = setup(tmp_path, policy, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    status = admission.frame.set_index("applicant_id")["status"]
    assert list(status[["24000001A", "24000002A", "24000003A"]]) == ["offered", "offered", "waitlisted"]
    assert admission.pairs == {"24000001A": "24000002A", "24000002A": "24000001A"}
    assert admission.unpaired.empty


def member_pair_with_one_between():
    """A college double and an ordinary double; a CURI member (ranked 1st) and a non-member (3rd)
    who asked for each other, someone between them and someone after."""
    rooms = suite_rows("C1", rooms=(("double", 2),), college="CURI") + suite_rows("O1", rooms=(("double", 2),))
    apps = [
        application(applicant_id="24000001A", travel_minutes=80, college="CURI", roommate_request="24000003A"),
        application(applicant_id="24000002A", travel_minutes=70),
        application(applicant_id="24000003A", travel_minutes=60, roommate_request="24000001A"),
        application(applicant_id="24000004A", travel_minutes=50),
    ]
    return rooms, apps


def test_a_pair_that_would_push_out_someone_ranked_between_them_stays_two_people(tmp_path, policy):
    """Joining never takes a bed from someone already offered: the member ranked third is
    offered on their own rank, the ordinary double is already shared, so the pair is reported."""
    rooms, apps = member_pair_with_one_between()
    inventory, ranking = setup(tmp_path, policy, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    status = admission.frame.set_index("applicant_id")["status"]
    assert list(status) == ["offered", "offered", "offered", "waitlisted"]
    assert admission.pairs == {}
    assert admission.unpaired.to_dict("records") == [{
        "applicant_id": "24000001A", "roommate_request": "24000003A",
        "reason": "not members of the same residential college, and no ordinary room of two or more beds was "
                  "left when the second of them was offered a place"}]


def test_with_the_hac_switch_a_members_roommate_shares_the_college_room(tmp_path, policy):
    """The case above under ``college_rooms_for_member_roommates = true``: the pair takes the
    college double, so the ordinary one holds the other two and nobody is waitlisted; placement
    puts the non-member in the college room with the member (and checks the room against the pair)."""
    shared = policy_with({"allocation.college_rooms_for_member_roommates": True}, policy.path)
    rooms, apps = member_pair_with_one_between()
    inventory, ranking = setup(tmp_path, shared, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, shared)
    assert list(admission.frame["status"]) == ["offered"] * 4
    assert admission.pairs == {"24000001A": "24000003A", "24000003A": "24000001A"} and admission.unpaired.empty
    room = place(admission, frame(apps), inventory, shared).assignments.set_index("applicant_id")["room_id"]
    assert room["24000001A"] == room["24000003A"] == "C10" and room["24000002A"] == room["24000004A"] == "O10"


def test_the_fit_checks_solver_settings_come_from_the_policy_and_are_recorded(tmp_path, policy):
    apps = [application()]
    inventory, ranking = setup(tmp_path, policy, suite_rows("S1"), apps)
    assert admit(ranking, frame(apps), inventory, policy).solver_parameters == {"fit_check": {
        "num_workers": 1, "random_seed": policy.allocation.solver_seed, "linearization_level": 2,
        "max_deterministic_time": policy.allocation.fit_max_deterministic_time}}
    tuned = policy_with({"allocation.solver_seed": 7, "allocation.fit_max_deterministic_time": 5.0}, policy.path)
    fit = admit(ranking, frame(apps), inventory, tuned).fit
    assert (fit.solver_settings.random_seed, fit.solver_settings.max_deterministic_time) == (7, 5.0)
    assert fit.solver_settings.solver().parameters.max_deterministic_time == 5.0
