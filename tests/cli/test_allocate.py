"""``psm rank`` then ``psm allocate``: the committee reviews the ranking, then allocates it."""

from __future__ import annotations

import pandas as pd

from cli.exits import EXIT_ERROR, EXIT_OK, EXIT_REJECTED
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


def test_allocate_refuses_an_edited_ranking_and_never_overwrites_out(tmp_path, capsys):
    write_cohort(generate_cohort(n=200, seed=3), tmp_path / "in")
    apps = str(tmp_path / "in" / "applications.csv")
    ranking = tmp_path / "r" / "ranking.csv"
    assert main(["rank", "--applications", apps, "--seed", "s", "--out", str(ranking)]) == EXIT_OK
    (tmp_path / "a").mkdir()
    assert main(["allocate", "--ranking", str(ranking), "--applications", apps, "--out", str(tmp_path / "a")]) == EXIT_ERROR
    assert "already exists" in capsys.readouterr().err and not any((tmp_path / "a").iterdir())
    lines = ranking.read_text().splitlines()
    lines[1], lines[2] = lines[2], lines[1]  # two applicants swapped
    ranking.write_text("\n".join(lines) + "\n")
    assert main(["allocate", "--ranking", str(ranking), "--applications", apps, "--out", str(tmp_path / "b")]) == EXIT_ERROR
    assert "the ranking was changed since psm rank wrote it" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_allocate_takes_applications_with_rejected_rows_as_rank_did(tmp_path, capsys):
    write_cohort(generate_cohort(n=200, seed=4), tmp_path / "in")
    path = tmp_path / "in" / "applications.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("gender")] = "X"  # one bad cell: the row is rejected by both commands
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    ranking = tmp_path / "r" / "ranking.csv"
    assert main(["rank", "--applications", str(path), "--seed", "s", "--out", str(ranking)]) == EXIT_REJECTED
    assert main(["allocate", "--ranking", str(ranking), "--applications", str(path), "--out", str(tmp_path / "a")]) \
        == EXIT_REJECTED
    assert "1 rows of" in capsys.readouterr().out
    assert (tmp_path / "a" / "assignments.csv").exists()
