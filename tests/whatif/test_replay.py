"""A what-if from a later offer round (whatif.run_round): the round replayed, not a first round.

A small two-round chain is made as an officer makes it: ``psm run`` on a small synthetic cohort
(quotas that leave waitlists), the students answer (a fixed, hash-based mix), ``psm offers``.
Replayed with no overrides, round 2 gives back its own offers and rooms exactly; with the
volunteer band moved (section C 3d: from 10 hours instead of 50), residents and those who said no
stay as they were, and only the waitlist's new offers change, towards those the band lifted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from builders import write_responses

from cli.exits import EXIT_OK
from cli.main import main
from psm.errors import PsmError
from whatif import BundleReplay, compare, override_toml, run_round
from whatif.plots import changes_plot, net_plot, shifts_plot

SEED = "round-replay"
VOLUNTEER_FROM_10 = {"parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 10, "points": 8}]}


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def answer(applicant_id: str) -> str:
    """A fixed mix: 60% accepted, 30% declined, 10% no response."""
    digit = int(hashlib.sha256(applicant_id.encode()).hexdigest(), 16) % 10
    return "declined" if digit < 3 else "no_response" if digit == 3 else "accepted"


def new_offers(outcome) -> dict[str, int]:
    """New offers of the round per pool (a freed bed may go to either gender where its room allows)."""
    ranking = outcome.ranking
    return ranking.loc[ranking["status"] == "offered", "pool"].value_counts().to_dict()


@pytest.fixture(scope="module")
def chain(small_folder, small_quotas, tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("chain")
    policy = out / "policy.toml"
    policy.write_text(override_toml(small_quotas), encoding="utf-8")
    first, second = out / "round1", out / "round2"
    assert main(["run", "--applications", str(small_folder / "applications.csv"),
                 "--office-bearers", str(small_folder / "office_bearers.csv"),
                 "--achievements", str(small_folder / "achievements.csv"), "--policy", str(policy),
                 "--seed", SEED, "--out", str(first)]) == EXIT_OK
    ranking = read(first, "ranking.csv")
    responses = write_responses(out / "responses.csv",
                                ((a, answer(a)) for a in ranking.loc[ranking["status"] == "offered", "applicant_id"]))
    assert main(["offers", str(first), "--responses", str(responses), "--out", str(second)]) == EXIT_OK
    return first, second


@pytest.fixture(scope="module")
def replay(chain) -> BundleReplay:
    return BundleReplay(chain[1])


@pytest.fixture(scope="module")
def baseline(replay):
    return replay.run(label="round 2 as made")


def test_round_two_is_replayed_as_a_later_round(replay):
    assert replay.later_round and replay.offer_round == 2
    assert "answers to round 1's offers" in replay.steps


def test_no_overrides_give_the_rounds_own_offers_and_rooms_back(chain, baseline):
    bundle = read(chain[1], "ranking.csv")
    mine = baseline.ranking
    assert dict(zip(mine["applicant_id"], mine["status"])) == dict(zip(bundle["applicant_id"], bundle["status"]))
    assert set(mine["status"]) >= {"accepted", "declined", "offered", "waitlisted"}
    rooms = read(chain[1], "assignments.csv")
    assert dict(zip(baseline.assignments["applicant_id"], baseline.assignments["room_id"])) == \
        dict(zip(rooms["applicant_id"], rooms["room_id"]))
    assert baseline.policy.version == read(chain[1], "ranking.csv")["policy_version"].iloc[0]


def test_run_round_reads_the_bundle_itself(chain, baseline):
    again = run_round(chain[1])
    assert again.ranking[["applicant_id", "status"]].equals(baseline.ranking[["applicant_id", "status"]])


def test_a_moved_band_changes_only_the_new_offers_towards_those_it_lifts(chain, replay, baseline):
    scenario = replay.run(VOLUNTEER_FROM_10, label="volunteer from 10 h")
    comparison = compare(baseline, scenario)
    before, after = baseline.status, scenario.status
    for kept in ("accepted", "declined"):  # residents keep their places; a no stays a no, whatever the policy
        assert set(before[before == kept].index) == set(after[after == kept].index)
    parent = read(chain[0], "ranking.csv").set_index("applicant_id")["status"]
    gains, losses = comparison.gains, comparison.losses
    assert len(gains) and len(losses)
    assert (parent[gains["applicant_id"]] == "waitlisted").all()  # only the waitlist of round 1 gets new offers
    assert (parent[losses["applicant_id"]] == "waitlisted").all()
    assert (gains["score_after"] > gains["score_before"]).all()  # the band lifted them past others
    assert (losses["rank_after"] > losses["rank_before"]).all()  # others were lifted past them
    # the freed beds are the same: as many new offers per pool either way
    assert new_offers(baseline) == new_offers(scenario)
    assert "accepted" not in set(comparison.changes.loc[comparison.changes["change"] != "keeps", "status_before"])
    # residents are left out of the cut-offs: the bar is the round's new offers'
    assert (comparison.cutoffs["offered_before"] + comparison.cutoffs["waitlisted_before"] > 0).all()
    scores = scenario.scores.set_index("applicant_id")["volunteer_points"].fillna(0)
    assert (scores >= baseline.scores.set_index("applicant_id")["volunteer_points"].fillna(0)).all()
    assert scenario.policy.version.startswith(baseline.policy.version + "+whatif.")
    # the charts of the comparison, drawn by the one plot code
    assert "gain a place: +" in str(changes_plot(comparison.summary()).svg)
    assert shifts_plot(comparison.cutoffs).caption
    assert net_plot(comparison.breakdown("gender"), "gender").caption.startswith("Net change in places by gender")


def test_a_first_round_is_replayed_as_a_first_round(chain):
    first = BundleReplay(chain[0])
    assert not first.later_round and first.steps == "scoring, ranking and admitting"
    outcome = first.run()
    bundle = read(chain[0], "ranking.csv")
    assert dict(zip(outcome.ranking["applicant_id"], outcome.ranking["status"])) == \
        dict(zip(bundle["applicant_id"], bundle["status"]))


def test_a_bad_override_is_named_before_anything_runs(replay):
    with pytest.raises(PsmError, match="parts.volunteer"):
        replay.run({"parts.volunteer.bands": [{"at_least": 0, "points": 0}, {"at_least": 10, "points": 5}]})
