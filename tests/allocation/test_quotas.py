"""Pool quotas against the rooms (``shared/spec/policy.md`` section 7): hand-worked cases.

A pool without ``beds`` in the policy has the beds of the rooms open to it; a pool with
applicants and no room stops admission naming the pool and the rooms file; a quota above the
rooms' beds, or one leaving beds empty while the pool's applicants wait, is a warning naming the
pool, the quota, the beds and how many stay empty.
"""

from __future__ import annotations

import pytest
from builders import ROOM_COLUMNS, application, frame, score, suite_rows, write_rows

from allocation.admit import admit
from allocation.inventory import read_inventory
from psm.errors import PsmError
from psm.ranking import rank_cohort


def quota_policy(policy, **beds):
    pools = {name: pool.model_copy(update={"beds": beds.get(name)}) for name, pool in policy.pools.items()}
    return policy.model_copy(update={"pools": pools})


def admitted(tmp_path, policy, rooms, apps):
    inventory = read_inventory(policy, write_rows(tmp_path / "rooms.csv", rooms, ROOM_COLUMNS))
    ranking = rank_cohort(frame(apps), score(apps, policy).reset_index(drop=True), policy, "seed")
    return admit(ranking, frame(apps), inventory, policy)


def women(n: int) -> list[dict[str, str]]:
    return [application(applicant_id=f"2400000{i}A", travel_minutes=90 - i) for i in range(n)]


def test_without_a_quota_a_pool_has_the_beds_of_its_rooms(tmp_path, policy):
    admission = admitted(tmp_path, quota_policy(policy), suite_rows("S1", rooms=(("double", 2), ("double", 2))), women(5))
    assert admission.beds.set_index("pool").at["undergraduate", "beds"] == 4
    assert list(admission.frame["status"]) == ["offered"] * 4 + ["waitlisted"] and admission.quota_warnings == ()


def test_a_rooms_file_with_no_room_for_a_pool_with_applicants_stops(tmp_path, policy):
    with pytest.raises(PsmError, match=r"rooms\.csv: no room is open to the undergraduate pool, which has 2 ranked"):
        admitted(tmp_path, policy, [], women(2))


def test_a_quota_leaving_beds_empty_while_applicants_wait_is_a_warning(tmp_path, policy):
    rooms = suite_rows("S1", rooms=(("double", 2), ("double", 2)))
    admission = admitted(tmp_path, quota_policy(policy, undergraduate=1), rooms, women(5))
    assert list(admission.frame["status"]) == ["offered"] + ["waitlisted"] * 4
    [warning] = admission.quota_warnings
    assert (warning.pool, warning.quota, warning.beds, warning.applicants, warning.empty_beds) == ("undergraduate", 1, 4, 5, 3)
    assert warning.message == ("pool undergraduate: quota 1 of the 4 beds open to it in rooms.csv leaves 3 beds empty "
                               "while 4 of its applicants wait: check [pools.undergraduate] beds (absent: the beds "
                               "of the rooms)")


def test_a_quota_above_the_rooms_beds_is_a_warning(tmp_path, policy):
    admission = admitted(tmp_path, quota_policy(policy, undergraduate=9000), suite_rows("S1"), women(3))
    [warning] = admission.quota_warnings
    assert warning.message == ("pool undergraduate: quota 9,000 beds, but the rooms open to it in rooms.csv hold 2; "
                               "at most 2 can be offered: check [pools.undergraduate] beds or the rooms file")
    assert warning.as_dict()["empty_beds"] == 0 and list(admission.frame["status"]) == ["offered", "offered", "waitlisted"]


def test_a_quota_no_larger_than_the_applicants_need_is_not_a_warning(tmp_path, policy):
    admission = admitted(tmp_path, quota_policy(policy, undergraduate=2), suite_rows("S1", rooms=(("double", 2),) * 2),
                         women(2))
    assert admission.quota_warnings == ()


def test_regression_a_quota_above_the_rooms_spills_only_the_beds_that_exist(tmp_path, policy):
    """Section 7: unused exchange beds spill over to undergraduates; a quota of 9,000 for an
    exchange pool with one double room spills at most that room's unused bed, never 8,999
    beds the rooms do not have (which once lifted the undergraduate cap of 1 to everyone)."""
    rooms = suite_rows("S1", rooms=(("double", 2), ("double", 2))) + suite_rows("X1", pools="exchange")
    exchange = [application(applicant_id="24000100A", student_type="exchange", travel_minutes=90)]
    admission = admitted(tmp_path, quota_policy(policy, undergraduate=1, exchange=9000), rooms, women(5) + exchange)
    beds = admission.beds.set_index("pool")
    assert (beds.at["exchange", "spilled_out"], beds.at["undergraduate", "spilled_in"]) == (1, 1)
    assert beds.at["undergraduate", "beds"] == 2
    undergraduates = admission.frame[admission.frame["pool"] == "undergraduate"]
    assert list(undergraduates["status"]) == ["offered"] * 2 + ["waitlisted"] * 3
