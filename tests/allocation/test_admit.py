"""Admission against the plain per-room model, on small random halls and cohorts (hypothesis).

Properties (the rules of :mod:`allocation.admit`, ``shared/spec/policy.md`` section 7): everyone
offered fits, mutual pairs joined at admission in one room; nobody is refused while someone
ranked below them of the same pool and gender, whose place they could take, is offered; no bed
stays empty while a waitlisted applicant could use it, and no college bed while a waitlisted
applicant of the pool who listed the college could; no member waits while a non-member holds a
college bed released to them that the member could take; the pool's beds (a quota drawn, or the
rooms') are never exceeded; every mutual pair both offered is joined or reported; a pool with
applicants and no room stops admission, and a quota unlike the rooms is a warning.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from builders import ROOM_COLUMNS, application, college_and_ordinary_rooms, frame, score, suite_rows, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import applicant_kinds, applicants_with_mutual_pairs, pool_quotas, suites_across_pools

from allocation.access import ApplicantKind, RoomAccess
from allocation.admit import admit, admitted_kinds, college_halls, listed_colleges
from allocation.fit import Fit
from allocation.inventory import read_inventory
from allocation.place import place
from allocation.plain import plain_fits
from allocation.units import mutual_partners
from psm.errors import PsmError
from psm.ranking import rank_cohort
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


def with_quotas(policy, quotas: dict[str, int | None]):
    """The policy with each pool's ``beds`` replaced (None: no quota, the rooms' beds)."""
    pools = {name: pool.model_copy(update={"beds": quotas[name]}) for name, pool in policy.pools.items()}
    return policy.model_copy(update={"pools": pools})


@settings(max_examples=80, deadline=None)
@given(suites_across_pools(), applicants_with_mutual_pairs(), pool_quotas())
def test_admission_properties_against_the_plain_model(tmp_path_factory, policy, room_rows, apps, quotas):
    policy = with_quotas(policy, quotas)
    inventory, ranking = setup(tmp_path_factory.mktemp("case"), policy, room_rows, apps)
    pools_of_room = [set(r["pools"].split(";")) for r in room_rows]
    open_beds = {pool: sum(int(r["beds"]) for r, pools in zip(room_rows, pools_of_room)
                           if pool in pools or (pool == "undergraduate" and "exchange" in pools)) for pool in quotas}
    homeless = sorted(pool for pool in set(ranking.ranked["pool"]) if not open_beds[pool])
    if homeless:  # a pool with applicants and no room open to it stops admission, naming it
        with pytest.raises(PsmError, match=f"no room is open to the ({'|'.join(homeless)}) pool"):
            admit(ranking, frame(apps), inventory, policy)
        return
    admission = admit(ranking, frame(apps), inventory, policy)
    ranked = Counter(ranking.ranked["pool"])
    own_beds = inventory.beds_by_pool()
    assert {w.pool: (w.quota, w.beds) for w in admission.quota_warnings} == {  # a quota unlike the rooms: a warning
        p: (q, own_beds[p]) for p, q in quotas.items() if q is not None and (q > own_beds[p] or q < min(own_beds[p], ranked[p]))}
    kinds = admitted_kinds(admission, frame(apps))
    offered = list(admission.offered["applicant_id"])
    offered_kinds = [kinds[a] for a in offered]
    units = units_of(offered, kinds, admission.pairs, policy)
    assert plain_fits(units, inventory.rooms, policy)  # everyone offered fits, joined pairs in one room
    partners = mutual_partners(frame(apps))
    for a in offered:  # every mutual pair both offered: joined, or reported with a reason
        if partners.get(a) in offered:
            assert (admission.pairs.get(a) == partners[a]) != (a in set(admission.unpaired["applicant_id"])
                                                                 | set(admission.unpaired["roommate_request"]))
    beds = admission.beds.set_index("pool")["beds"]
    for pool, count in Counter(k.pool for k in offered_kinds).items():  # pool beds never exceeded
        assert count <= beds[pool]
    halls_of = college_halls(inventory)
    wishes = frame(apps).set_index("applicant_id")["hall_preferences"]
    for r, college in admission.released.items():  # released: a non-member of that college who listed its hall
        assert kinds[r].college != college
        assert college in listed_colleges(tuple(wishes[r]), kinds[r].college, halls_of)
    waitlisted = admission.frame[admission.frame["status"] == "waitlisted"]
    for _, w in waitlisted.iterrows():
        kind = kinds[w["applicant_id"]]
        pool_full = Counter(k.pool for k in offered_kinds)[kind.pool] >= beds[kind.pool]
        # no bed stays empty that a waitlisted applicant could use
        assert pool_full or not plain_fits(units + [kind], inventory.rooms, policy)
        # no college bed stays empty while a waitlisted applicant who listed the college could use it
        for college in listed_colleges(tuple(wishes[w["applicant_id"]] or ()), kind.college, halls_of):
            assert pool_full or not plain_fits(units + [kind._replace(released_to=college)], inventory.rooms, policy)
        # nobody ranked below them, of the same pool and gender, holds a place they could take
        # (a college bed released to a non-member aside: they asked for it, this one did not)
        below = admission.frame[(admission.frame["pool"] == w["pool"]) & (admission.frame["rank"] > w["rank"])
                                & (admission.frame["status"] == "offered")]
        for _, b in below.iterrows():
            if kinds[b["applicant_id"]].gender == kind.gender and b["applicant_id"] not in admission.released:
                swapped = units_of(offered, kinds, admission.pairs, policy, without=b["applicant_id"]) + [kind]
                assert not plain_fits(swapped, inventory.rooms, policy)
        # no member waits while a non-member holds a bed of the member's college they could take, at any rank
        for r, college in admission.released.items():
            if kind.college == college and kinds[r].pool == kind.pool and kinds[r].gender == kind.gender:
                swapped = units_of(offered, kinds, admission.pairs, policy, without=r) + [kind]
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


def test_a_college_bed_members_leave_empty_goes_to_the_best_ranked_who_listed_the_college(tmp_path, policy):
    """Section 7: the member takes one CURI bed; the two ranked next fill the ordinary double. The
    CURI bed left goes down the waitlist to 24000004A, the first who listed CURI College, not to
    24000005A (ranked above 24000006A but did not ask); 24000006A waits: no bed is left."""
    rooms, apps = college_and_ordinary_rooms()
    inventory, ranking = setup(tmp_path, policy, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    assert dict(zip(admission.frame["applicant_id"], admission.frame["status"])) == {
        "24000001A": "offered", "24000002A": "offered", "24000003A": "offered", "24000004A": "offered",
        "24000005A": "waitlisted", "24000006A": "waitlisted"}
    assert admission.released == {"24000004A": "CURI"}
    room = place(admission, frame(apps), inventory, policy).assignments.set_index("applicant_id")["room_id"]
    assert room["24000001A"] == room["24000004A"] == "C10"


def test_without_the_release_the_college_bed_stays_for_members(tmp_path, policy):
    closed = policy_with({"allocation.college_beds_to_applicants_who_list_it": False}, policy.path)
    rooms, apps = college_and_ordinary_rooms()
    inventory, ranking = setup(tmp_path, closed, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, closed)
    assert list(admission.frame["status"]) == ["offered"] * 3 + ["waitlisted"] * 3 and admission.released == {}


def test_a_member_ranked_below_a_non_member_who_listed_the_college_comes_first(tmp_path, policy):
    """Members are walked first: the one CURI bed goes to the member ranked last, not to the
    non-member above her who listed the college (no member is refused for a non-member)."""
    rooms = suite_rows("C1", hall="CURI College", rooms=(("single", 1),), college="CURI")
    apps = [application(applicant_id="24000001A", travel_minutes=90, hall_preferences="CURI College"),
            application(applicant_id="24000002A", travel_minutes=50, college="CURI")]
    inventory, ranking = setup(tmp_path, policy, rooms, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    assert list(admission.frame["status"]) == ["waitlisted", "offered"] and admission.released == {}
