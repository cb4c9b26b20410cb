"""Both generators take their halls from the one list, synthetic.halls.HALLS."""

from __future__ import annotations

import inspect

from synthetic import HALL_NAMES, HALLS, cohort, generate_cohort, room_inventory, rooms


def test_neither_generator_names_a_hall_itself() -> None:
    for module in (cohort, rooms):
        source = inspect.getsource(module)
        named = [name for name in HALL_NAMES if name in source]
        assert not named, f"{module.__name__} names {named}; take halls from synthetic.halls.HALLS"


def test_the_inventory_has_exactly_the_listed_halls_with_their_facts() -> None:
    inventory = room_inventory()
    assert list(dict.fromkeys(room.hall for room in inventory)) == [
        hall.name for campus in ("Hung Hom", "Homantin") for hall in HALLS if hall.campus == campus
    ]
    for hall in HALLS:
        own = [room for room in inventory if room.hall == hall.name]
        assert {room.campus for room in own} == {hall.campus}
        assert {room.gender for room in own} == {hall.gender}
        assert {room.floor for room in own if room.pools == "exchange"} == set(hall.exchange_floors)
        if hall.research_only:
            assert {room.pools for room in own} == {"research"}
        if hall.college:
            assert {room.college for room in own if room.pools == "undergraduate"} == {hall.college}


def test_the_cohort_lists_exactly_the_listed_halls_as_their_facts_allow() -> None:
    apps = generate_cohort(n=3000, seed=5).applications
    listed = apps["hall_preferences"].map(lambda text: text.split(";") if text else [])
    assert set().union(*listed) == set(HALL_NAMES)
    for hall in HALLS:
        chooses = listed.map(lambda halls, name=hall.name: name in halls)
        if hall.female_only:
            assert (apps.loc[chooses, "gender"] == "F").all()
        if hall.research_only:
            assert (apps.loc[chooses, "student_type"] == "research").all()
        if hall.college:
            members = (apps["college"] == hall.college) & (listed.map(len) > 0)
            assert (listed[members].str[0] == hall.name).all()
