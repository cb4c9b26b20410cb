"""``psm rank`` then ``psm allocate``: the committee reviews the ranking, then allocates it."""

from __future__ import annotations

import pandas as pd

from cli.exits import EXIT_ERROR, EXIT_OK
from cli.main import main
from synthetic import generate_cohort, write_cohort


def test_rank_then_allocate(tmp_path, capsys, policy):
    write_cohort(generate_cohort(n=800, seed=7), tmp_path / "in")
    apps = str(tmp_path / "in" / "applications.csv")
    assert main(["rank", "--applications", apps, "--seed", "s", "--out", str(tmp_path / "r" / "ranking.csv")]) == EXIT_OK
    assert main(["allocate", "--ranking", str(tmp_path / "r" / "ranking.csv"), "--applications", apps,
                 "--out", str(tmp_path / "a")]) == EXIT_OK
    ranking = pd.read_csv(tmp_path / "a" / "ranking.csv", dtype=str, keep_default_na=False)
    assignments = pd.read_csv(tmp_path / "a" / "assignments.csv", dtype=str, keep_default_na=False)
    assert sorted(assignments["applicant_id"]) == sorted(ranking.loc[ranking["status"] == "offered", "applicant_id"])
    assert list(assignments.columns) == ["applicant_id", "pool", "hall", "suite_id", "room_id", "round",
                                         "policy_version", "policy_sha256"]
    assert set(assignments["policy_sha256"]) == {policy.sha256}
    out = capsys.readouterr().out
    assert "offers and cut-offs" in out and "rooms with a local and a non-local resident" in out
    assert "lowest score offered, by pool, tier and gender" in out and "first_time" in out

    # an allocated ranking is not allocated again (offer rounds are another command)
    status = main(["allocate", "--ranking", str(tmp_path / "a" / "ranking.csv"), "--applications", apps,
                   "--out", str(tmp_path / "b")])
    assert status == EXIT_ERROR
    assert "already allocated" in capsys.readouterr().err


def test_allocate_refuses_a_ranking_of_other_applications(tmp_path, capsys):
    write_cohort(generate_cohort(n=200, seed=1), tmp_path / "one")
    write_cohort(generate_cohort(n=200, seed=2), tmp_path / "two")
    main(["rank", "--applications", str(tmp_path / "one" / "applications.csv"), "--seed", "s",
          "--out", str(tmp_path / "r" / "ranking.csv")])
    status = main(["allocate", "--ranking", str(tmp_path / "r" / "ranking.csv"),
                   "--applications", str(tmp_path / "two" / "applications.csv"), "--out", str(tmp_path / "a")])
    assert status == EXIT_ERROR
    assert "not in the applications" in capsys.readouterr().err
