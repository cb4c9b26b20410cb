"""``report.html`` from a bundle's files (:func:`hac.report.render_report`).

One small run (1,200 synthetic applicants for three ordinary halls, so there is a waitlist)
with planted values: Islands homes whose address names Tung Chung (an area estimate, so a
travel note to review) with an odd floor area, and two rows rejected for a household size and a
district written as text. None of them, nor any other address, district, housing, household or
disciplinary value, may reach the page.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from builders import capped_policy
from cli.exits import EXIT_REJECTED
from hac.pipeline import withhold_quoted
from hac.report import note_kind, render_report
from hac.stats import hall_occupancy, read_tables
from cli.main import main
from synthetic import generate_cohort, write_cohort

API_KEY = "AIzaSyPlantedKeyThatMustNeverShow0000"
PLANTED_AREA = "Tung Chung"
PLANTED_FLOOR_AREA = "8765.4"
PLANTED_HOUSEHOLD = "about seven people"
PLANTED_DISTRICT = "Sentinel Town"


def plant(applications: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Islands homes named by area, and two rows that must be rejected; returns the noted ids."""
    islands = (applications["district"] == "Islands") & (applications["travel_minutes"] == "")
    applications.loc[islands, "home_address"] = [f"Flat {i}A, Sentinel Court, {PLANTED_AREA}, Islands"
                                                 for i in range(islands.sum())]
    applications.loc[islands, "home_floor_area_sqm"] = PLANTED_FLOOR_AREA
    template = applications[applications["student_type"] == "local"].iloc[0]
    bad = pd.DataFrame([template, template])
    bad["applicant_id"] = ["99000001A", "99000002B"]
    bad["roommate_request"] = ""
    bad.iloc[0, bad.columns.get_loc("household_size")] = PLANTED_HOUSEHOLD
    bad.iloc[1, bad.columns.get_loc("district")] = PLANTED_DISTRICT
    return pd.concat([applications, bad], ignore_index=True), list(applications.loc[islands, "applicant_id"])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("report")
    write_cohort(generate_cohort(n=1200, seed=7), folder / "in")
    applications = pd.read_csv(folder / "in" / "applications.csv", dtype=str, keep_default_na=False)
    applications, noted = plant(applications)
    applications.to_csv(folder / "in" / "applications.csv", index=False)
    policy = capped_policy(folder / "policy.toml", undergraduate=760)
    out = folder / "run"
    arguments = ["run", "--applications", str(folder / "in" / "applications.csv"),
                 "--office-bearers", str(folder / "in" / "office_bearers.csv"),
                 "--achievements", str(folder / "in" / "achievements.csv"),
                 "--policy", str(policy), "--seed", "report-test", "--out", str(out)]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GOOGLE_MAPS_API_KEY", API_KEY)
        assert main(arguments) == EXIT_REJECTED
    return out, noted


@pytest.fixture(scope="module")
def page(bundle) -> str:
    return render_report(bundle[0])


def visible_text(page: str) -> str:
    """What a reader sees: the page without its style sheet, tags and attributes (SVG text kept)."""
    without_style = re.sub(r"(?s)<style.*?</style>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", without_style))


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_report_has_at_least_four_inline_plots(page):
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert len(re.findall(r"<svg\b", page)) >= 4
    assert page.count("<svg") == page.count("</svg>")


def test_the_report_loads_nothing_external(page):
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert not re.search(r"@import|@font-face|url\(\s*['\"]?(?:https?:)?//", page, re.IGNORECASE)
    assert "http://" not in page and "https://" not in page
    assert all(target.startswith("#") for target in re.findall(r'href="([^"]*)"', page))


def test_the_policy_seed_and_counts_of_the_manifest_appear(bundle, page):
    run, _ = bundle
    manifest = pd.read_json(run / "manifest.json", typ="series")
    lottery = pd.read_json(run / "lottery.json", typ="series")
    assert manifest["policy"]["version"] in page and manifest["policy"]["sha256"] in page
    assert html.escape(lottery["seed"]) in page
    counts = manifest["counts"]
    for group in ("statuses", "tracks", "beds_by_pool"):
        for label, n in counts[group].items():
            assert f'<tr><td>{label}</td><td class="num">{n:,}</td></tr>' in page, (group, label)
    together, possible = counts["mutual_pairs_together"], counts["mutual_pairs_possible"]
    assert f'<td class="num">{together:,}</td><td class="num">{possible:,}</td>' in page
    mixed, bound = counts["mixed_rooms"], counts["mixed_rooms_upper_bound"]
    assert f'<td class="num">{mixed:,}</td><td class="num">{bound:,}</td>' in page


def test_cutoffs_per_pool_tier_and_gender_match_the_ranking(bundle, page):
    run, _ = bundle
    gender = read(run / "inputs" / "applications.csv").drop_duplicates("applicant_id", keep=False).set_index(
        "applicant_id")["gender"]
    ranking = read(run / "ranking.csv")
    readmission = ranking[(ranking["pool"] == "undergraduate") & (ranking["tier"] == "readmission")]
    readmission = readmission.assign(gender=readmission["applicant_id"].map(gender),
                                     score=readmission["score"].astype(int))
    checked = 0
    for g, group in readmission.groupby("gender"):
        offered, waiting = group[group["status"] == "offered"], group[group["status"] == "waitlisted"]
        if len(offered) and len(waiting):
            numbers = (len(offered), len(waiting), offered["score"].min(), waiting["score"].max())
            row = (f"<tr><td>undergraduate</td><td>readmission</td><td>{g}</td>"
                   + "".join(f'<td class="num">{n:,}</td>' for n in numbers) + "</tr>")
            assert row in page
            checked += 1
    assert checked, "test setup: the cohort should leave readmission applicants on the waitlist"


def test_occupancy_counts_beds_and_beds_used_per_hall(bundle, page):
    run, _ = bundle
    rooms, assignments = read(run / "inputs" / "rooms.csv"), read(run / "assignments.csv")
    for hall, beds in rooms.assign(beds=rooms["beds"].astype(int)).groupby("hall")["beds"].sum().items():
        used = int((assignments["hall"] == hall).sum())
        assert f'<tr><td>{hall}</td><td class="num">{(rooms["hall"] == hall).sum():,}</td>' \
               f'<td class="num">{beds:,}</td><td class="num">{used:,}</td>' in page


def test_mixed_rooms_per_hall_add_up_to_the_manifest(bundle):
    run, _ = bundle
    manifest = pd.read_json(run / "manifest.json", typ="series")
    assert hall_occupancy(read_tables(run, manifest))["mixed"].sum() == manifest["counts"]["mixed_rooms"]


def test_rejects_are_listed_without_their_values(bundle, page):
    run, _ = bundle
    rejects = read(run / "rejects.csv")
    assert {"household_size", "district"} <= set(rejects["column"])
    for row, column in zip(rejects["row"], rejects["column"]):
        assert f"<tr><td>{row}</td><td>applications.csv</td><td>{column}</td>" in page
    assert PLANTED_HOUSEHOLD not in page and PLANTED_DISTRICT not in page


def test_travel_fallbacks_are_counted_by_kind_and_listed_by_id(bundle, page):
    _, noted = bundle
    assert noted, "test setup: the cohort should have Islands applicants"
    counted = dict(re.findall(r'<tr><td>([^<]*)</td><td class="num">([\d,]+)</td></tr>', page))
    groups = dict(re.findall(r'<p><strong>([^<]*)</strong> \([\d,]+\):</p>\n<p class="ids">([^<]*)</p>', page))
    listed = groups["area estimate"].split()
    assert int(counted["area estimate"].replace(",", "")) == len(listed)
    assert set(noted) <= set(listed) and listed == sorted(listed)  # the planted Islands homes among them


def test_no_personal_data_reaches_the_report(bundle, page):
    run, _ = bundle
    applications = read(run / "inputs" / "applications.csv")
    seen = visible_text(page)
    for address in filter(None, set(applications["home_address"])):
        assert address not in page and html.escape(address) not in page
    for column in ("district", "housing_type", "disciplinary"):
        for value in filter(None, set(applications[column])):
            assert not re.search(rf"\b{re.escape(value)}\b", seen), (column, value)
    for value in filter(None, set(applications["home_floor_area_sqm"])):
        assert not re.search(rf"(?<![\d.,]){re.escape(value)}(?![\d.,])", seen), value
    for planted in (PLANTED_AREA, PLANTED_FLOOR_AREA, PLANTED_HOUSEHOLD, PLANTED_DISTRICT, "Sentinel Court",
                    API_KEY):
        assert planted not in page


def test_rendering_is_deterministic_and_independent_of_the_folder(bundle, page, tmp_path):
    run, _ = bundle
    assert render_report(run) == page
    shutil.copytree(run, tmp_path / "elsewhere")
    assert render_report(tmp_path / "elsewhere") == page


def test_another_process_renders_the_same_bytes(bundle, page):
    script = "import sys; from pathlib import Path; from hac.report import render_report; " \
             "sys.stdout.buffer.write(render_report(Path(sys.argv[1])).encode())"
    done = subprocess.run([sys.executable, "-c", script, str(bundle[0])], capture_output=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.decode() == page


def test_a_bundle_lacking_optional_results_still_renders(bundle, tmp_path):
    copy = tmp_path / "partial"
    shutil.copytree(bundle[0], copy)
    (copy / "unmatched_roommates.csv").unlink()
    (copy / "rejects.csv").unlink()
    page = render_report(copy)
    assert len(re.findall(r"<svg\b", page)) >= 4
    assert "every input row was used" in page


def later_round(bundle: Path, folder: Path) -> Path:
    """A copy of ``bundle`` made to look like a second offer round: every other offer accepted (the
    room kept), the rest declined (the bed freed), and the manifest's round, parent and responses."""
    copy = folder / "round2"
    shutil.copytree(bundle, copy)
    ranking, assignments = read(copy / "ranking.csv"), read(copy / "assignments.csv")
    offered = ranking.index[ranking["status"] == "offered"]
    ranking.loc[offered[::2], "status"] = "accepted"
    ranking.loc[offered[1::2], ["status", "reason"]] = ["declined", "declined the offer"]
    ranking.to_csv(copy / "ranking.csv", index=False)
    kept = assignments["applicant_id"].isin(ranking.loc[ranking["status"] == "accepted", "applicant_id"])
    assignments[kept].to_csv(copy / "assignments.csv", index=False)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest.update(command="psm offers", offer_round=2, parent={"manifest_sha256": "ab" * 32})
    manifest["counts"]["responses"] = {"accepted": len(offered[::2]), "declined": len(offered[1::2])}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def test_a_later_offer_round_shows_accepted_places_and_responses(bundle, tmp_path):
    page = render_report(later_round(bundle[0], tmp_path))
    assert len(re.findall(r"<svg\b", page)) >= 4
    assert "<dt>Offer round</dt><dd>2</dd>" in page and "ab" * 32 in page
    assert "<th>pool</th><th>tier</th><th>gender</th><th class=\"num\">offered</th>" \
           "<th class=\"num\">accepted</th><th class=\"num\">waitlisted</th>" in page
    assert "lowest score offered or accepted" in page
    assert '<tr><td>accepted</td><td class="num">' in page and "<th>response</th>" in page


def test_quoted_values_are_withheld_and_travel_notes_lose_place_names():
    assert withhold_quoted("unknown district 'Sha Tinn' (did you mean 'Sha Tin'?); use one of the 18") == \
        "unknown district (value) (did you mean (value)?); use one of the 18"
    assert withhold_quoted("\"it's 7\" is not a whole number") == "(value) is not a whole number"
    assert note_kind("area estimate: Tung Chung (Islands)") == "area estimate"
    assert note_kind("address names several areas (Mui Wo, Pui O); district figure used") == \
        "address names several areas; district figure used"
    fallback = "Google found no transit route (ZERO_RESULTS); table used (area estimate: Tai O (Islands))"
    assert note_kind(fallback) == "Google found no transit route (ZERO_RESULTS); table used"
