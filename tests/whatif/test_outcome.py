"""Running a cohort: the engine's own steps, an Outcome that cannot be changed, nothing personal."""

from __future__ import annotations

import pandas as pd
import pytest

from hac import InputFiles, RunRequest
from hac.bundle import make_run_bundle
from psm.ranking import RANKING_COLUMNS
from whatif import Outcome, override_toml, run_cohort
from whatif.outcome import APPLICANT_COLUMNS


def test_the_outcome_is_what_psm_run_decides(small_folder, small_outcome, small_quotas, lottery_seed,
                                             tmp_path):
    """The same cohort, policy (written from the overrides) and seed made into a bundle as ``psm run`` does."""
    policy_file = tmp_path / "small.toml"
    policy_file.write_text(override_toml(small_quotas), encoding="utf-8")
    run_dir = tmp_path / "run"
    files = InputFiles(small_folder / "applications.csv", small_folder / "office_bearers.csv",
                       small_folder / "achievements.csv")
    make_run_bundle(RunRequest(files, seed=lottery_seed, policy=policy_file), run_dir, rejected_status=3)
    stored = pd.read_csv(run_dir / "ranking.csv", dtype=str, keep_default_na=False)
    mine = small_outcome.ranking
    assert stored["applicant_id"].tolist() == mine["applicant_id"].tolist()
    assert stored["status"].tolist() == mine["status"].tolist()
    assert stored["policy_sha256"].iloc[0] == small_outcome.policy.sha256
    scores = pd.read_csv(run_dir / "scores.csv", dtype={"applicant_id": str})
    assert scores["total_points"].fillna(-1).astype(int).tolist() == \
        small_outcome.scores["total_points"].fillna(-1).astype(int).tolist()


def test_statuses_and_tables(small_outcome):
    ranking = small_outcome.ranking
    assert list(ranking.columns) == list(RANKING_COLUMNS)
    assert set(ranking["status"]) <= {"offered", "waitlisted", "ineligible", "disqualified"}
    beds = small_outcome.beds.set_index("pool")["beds"]
    offered = ranking[ranking["status"] == "offered"].groupby("pool").size()
    assert (offered <= beds[offered.index]).all()
    assert small_outcome.offered == frozenset(ranking.loc[ranking["status"] == "offered", "applicant_id"])
    assert small_outcome.status[ranking["applicant_id"].iloc[0]] == ranking["status"].iloc[0]
    assert small_outcome.assignments is None
    assert small_outcome.policy.version.startswith("2025-26+whatif.")
    assert "offered" in repr(small_outcome)


def test_applicants_hold_nothing_personal(small_outcome):
    applicants = small_outcome.applicants
    assert list(applicants.columns) == [*APPLICANT_COLUMNS, "pool", "tier", "uma_semesters", "released_to"]
    for private in ("home_address", "household_size", "home_floor_area_sqm", "disciplinary"):
        assert private not in applicants.columns


def test_an_outcome_cannot_be_changed(small_outcome):
    with pytest.raises(AttributeError, match="cannot be changed"):
        small_outcome.seed = "another"
    with pytest.raises(AttributeError):
        del small_outcome.policy
    ranking = small_outcome.ranking
    first = ranking["applicant_id"].iloc[0]
    ranking.loc[:, "status"] = "offered"
    ranking.iloc[0, 0] = "changed"
    assert set(small_outcome.ranking["status"]) != {"offered"}
    assert small_outcome.ranking["applicant_id"].iloc[0] == first


def test_frames_given_to_an_outcome_are_copied(small_outcome):
    scores = small_outcome.scores
    outcome = Outcome(label="x", policy=small_outcome.policy, seed="s", round_name="regular", scores=scores,
                      ranking=small_outcome.ranking, applicants=small_outcome.applicants,
                      beds=small_outcome.beds)
    scores.iloc[:, 0] = "changed"
    assert outcome.scores["applicant_id"].tolist() == small_outcome.scores["applicant_id"].tolist()


def test_placement_on_request(small_folder, small_quotas, lottery_seed):
    fewer = {**small_quotas, "pools.undergraduate.beds": 40}
    outcome = run_cohort(small_folder, seed=lottery_seed, overrides=fewer, place=True)
    assignments = outcome.assignments
    assert set(assignments["applicant_id"]) == outcome.offered
    assert assignments["room_id"].notna().all()
