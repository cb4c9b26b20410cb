"""Admission against the plain per-room model, on small random halls and cohorts (hypothesis).

Properties (allocation issue): everyone offered fits; nobody is refused while someone ranked
below them of the same pool and gender, whose place they could take, is offered; no bed stays
empty while a waitlisted applicant could use it; the pool's beds are never exceeded.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from allocation.admit import admit, kinds_of
from allocation.fit import Fit, Kind
from allocation.inventory import read_inventory
from allocation.plain import plain_fits
from builders import ROOM_COLUMNS, application, frame, score, suite_rows, write_rows
from psm.ranking import rank_cohort

@st.composite
def halls(draw):
    rows = []
    for s in range(draw(st.integers(1, 4))):
        rows += suite_rows(
            f"S{s}",
            hall=draw(st.sampled_from(["Red Hall", "Xuemin Hall"])),
            rooms=draw(st.sampled_from([(("double", 2),), (("double", 2), ("double", 2)), (("single", 1),),
                                        (("double", 2), ("triple", 3))])),
            gender=draw(st.sampled_from(["any", "any", "F"])),
            accessible=draw(st.booleans()),
            pools=draw(st.sampled_from(["undergraduate", "undergraduate", "exchange"])),
            college=draw(st.sampled_from(["", "", "CURI"])),
        )
    return rows


@st.composite
def cohorts(draw):
    rows = []
    for i in range(draw(st.integers(1, 12))):
        rows.append(application(
            applicant_id=f"2400{i:04d}A",
            gender=draw(st.sampled_from("FM")),
            student_type=draw(st.sampled_from(["local", "local", "exchange"])),
            travel_minutes=draw(st.sampled_from([20, 40, 80])),
            accessibility_needs=str(draw(st.booleans())).lower(),
            college=draw(st.sampled_from(["", "", "CURI"])),
        ))
    return rows


def setup(tmp_path: Path, policy, room_rows, apps):
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", room_rows, ROOM_COLUMNS))
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, "seed")
    return inventory, ranking


@settings(max_examples=60)
@given(halls(), cohorts())
def test_admission_properties_against_the_plain_model(tmp_path_factory, policy, room_rows, apps):
    inventory, ranking = setup(tmp_path_factory.mktemp("case"), policy, room_rows, apps)
    admission = admit(ranking, frame(apps), inventory, policy)
    kinds = kinds_of(frame(apps), admission.frame.set_index("applicant_id")["pool"])
    offered = list(admission.offered["applicant_id"])
    offered_kinds = [kinds[a] for a in offered]
    assert plain_fits(offered_kinds, inventory.rooms, policy)  # everyone offered fits
    for pool, count in Counter(k.pool for k in offered_kinds).items():  # pool beds never exceeded
        assert count <= admission.beds.set_index("pool").loc[pool, "beds"]
    waitlisted = admission.frame[admission.frame["status"] == "waitlisted"]
    for _, w in waitlisted.iterrows():
        kind = kinds[w["applicant_id"]]
        pool_full = Counter(k.pool for k in offered_kinds)[kind.pool] >= admission.beds.set_index("pool").loc[kind.pool, "beds"]
        # no bed stays empty that a waitlisted applicant could use
        assert pool_full or not plain_fits(offered_kinds + [kind], inventory.rooms, policy)
        # nobody ranked below them, of the same pool and gender, holds a place they could take
        below = admission.frame[(admission.frame["pool"] == w["pool"]) & (admission.frame["rank"] > w["rank"])
                                & (admission.frame["status"] == "offered")]
        for _, b in below.iterrows():
            if kinds[b["applicant_id"]].gender == kind.gender:
                swapped = [k for a, k in zip(offered, offered_kinds) if a != b["applicant_id"]] + [kind]
                assert not plain_fits(swapped, inventory.rooms, policy)


@settings(max_examples=60)
@given(halls(), st.lists(st.builds(Kind, st.sampled_from(["undergraduate", "exchange"]), st.sampled_from("FM"),
                                   st.booleans(), st.sampled_from(["", "CURI"])), max_size=10))
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
    woman, man = Kind("undergraduate", "F", False, ""), Kind("undergraduate", "M", False, "")
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
