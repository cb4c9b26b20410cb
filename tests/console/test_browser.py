"""End to end in a real browser: ``psm console`` started as officers start it, driven by
Playwright through the system's Chromium (the Debian package ``chromium``).

Without Chromium (or Playwright) these tests are skipped with that reason; with
``PSM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead, so CI always runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from hac.verify import verify_bundle

pytestmark = pytest.mark.xdist_group("console")  # one worker: one small bundle, one server, tests in order

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401, PLC0415
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = browser_missing()
    if missing:
        if os.environ.get("PSM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PSM_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def console_server(runs_made, tmp_path_factory, browser):
    """``psm console`` on a copy of the runs folder: (login link, runs folder, server log)."""
    runs = tmp_path_factory.mktemp("browser") / "runs"
    shutil.copytree(runs_made, runs, ignore=shutil.ignore_patterns(".console", "console-audit.jsonl"))
    port = free_port()
    log = runs.parent / "server.log"
    with log.open("w") as err:
        server = subprocess.Popen([sys.executable, "-c", "from cli.main import main_exit; main_exit()", "console",
                                   "--runs", str(runs), "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=err, text=True)
        try:
            link = ""
            while not link:
                line = server.stdout.readline()
                assert line, f"psm console stopped: {log.read_text()}"
                link = line.strip() if "?token=" in line else ""
            wait_until_healthy(port)
            yield link, runs, log
        finally:
            server.terminate()
            server.wait(timeout=20)


def wait_until_healthy(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("psm console did not answer /healthz within 30 s")


@pytest.fixture(scope="module")
def page(browser, console_server):
    link, _, _ = console_server
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(link)
    assert "?token=" not in page.url
    yield page
    context.close()


def test_the_link_is_printed_for_loopback_with_a_token(console_server):
    link, _, _ = console_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", link)


def site(console_server) -> str:
    """The console's address without the token; each test starts from it, whatever ran before."""
    link, _, _ = console_server
    return link.split("/?")[0]


def waitlisted_without_volunteering(runs: Path) -> str:
    """A waitlisted applicant with no volunteer points, so an appeal adding hours changes the card."""
    ranking = pd.read_csv(runs / "round1" / "ranking.csv", dtype=str, keep_default_na=False)
    scores = pd.read_csv(runs / "round1" / "scores.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    waitlisted = ranking.loc[ranking["status"] == "waitlisted", "applicant_id"]
    return next(a for a in waitlisted if scores.at[a, "volunteer_points"] == "0")


def test_search_an_applicant_and_read_the_card_of_scores_csv(page, console_server):
    _, runs, _ = console_server
    scores = pd.read_csv(runs / "round1" / "scores.csv", dtype=str, keep_default_na=False).set_index("applicant_id")
    applicant = waitlisted_without_volunteering(runs)
    page.goto(site(console_server) + "/")
    page.get_by_role("link", name="round1").first.click()
    page.get_by_label("Applicant id").fill(applicant.lower())
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(f"**/applicants/{applicant}")
    for row in page.locator("#card tr[data-part]").all():
        part = row.get_attribute("data-part")
        assert row.locator("td.points").inner_text() == scores.at[applicant, f"{part}_points"], part
    assert page.locator("#total").inner_text() == scores.at[applicant, "total_points"]
    page.screenshot(path=str(runs.parent / "applicant.png"), full_page=True)


def test_preview_and_record_an_appeal(page, console_server):
    _, runs, _ = console_server
    applicant = waitlisted_without_volunteering(runs)
    page.goto(site(console_server) + f"/runs/round1/applicants/{applicant}")
    page.get_by_role("link", name="Hear an appeal").click()
    page.get_by_label("volunteer_hours").fill("60")
    page.get_by_role("button", name="Preview the recalculation").click()
    page.wait_for_selector("#recalculation")
    assert page.locator('#recalculation tr.changed[data-column="volunteer_points"]').count() == 1
    page.get_by_label("Reason (recorded)").fill("hours certified by the NGO")
    page.get_by_label("The committee upholds the appeal").check()
    page.get_by_role("button", name="Record the appeal").click()
    page.wait_for_url(f"**/applicants/{applicant}#appeals")
    assert "hours certified by the NGO" in page.locator("#appeals + table").inner_text()
    record = json.loads((runs / "round1" / "appeals.jsonl").read_text().splitlines()[-1])
    assert record["applicant_id"] == applicant and record["upheld"] is True


def test_upload_responses_with_a_bad_row_then_a_good_file(page, console_server, tmp_path):
    _, runs, _ = console_server
    ranking = pd.read_csv(runs / "round1" / "ranking.csv", dtype=str, keep_default_na=False)
    offered = ranking.loc[ranking["status"] == "offered", "applicant_id"]
    good = pd.DataFrame({"applicant_id": offered, "response": ["accepted", "declined"] * (len(offered) // 2)
                         + ["accepted"] * (len(offered) % 2)})
    bad = good.copy()
    bad.loc[bad.index[0], "response"] = "yes please"
    good.to_csv(tmp_path / "good.csv", index=False)
    bad.to_excel(tmp_path / "bad.xlsx", index=False)
    page.goto(site(console_server) + "/runs/round1/offers")
    page.get_by_label("Responses (CSV or XLSX)").set_input_files(str(tmp_path / "bad.xlsx"))
    page.get_by_role("button", name="Build the next round").click()
    assert "row 2, response = 'yes please': use one of accepted, declined, no_response" in \
        page.locator("#problems").inner_text()
    page.get_by_label("Responses (CSV or XLSX)").set_input_files(str(tmp_path / "good.csv"))
    page.get_by_role("button", name="Build the next round").click()
    page.wait_for_url("**/runs/round1-round2", timeout=120_000)
    assert "Offer round 2" in page.inner_text("main")
    assert verify_bundle(runs / "round1-round2").passed


def test_a_what_if_that_moves_a_band_shows_the_gains_table(page, console_server):
    page.goto(site(console_server) + "/runs/round1/whatif")
    page.get_by_label("Name of the scenario").fill("district bands 5 minutes lower")
    page.locator('input[name="parts.district.bands[3].at_least"]').fill("20")
    page.get_by_role("button", name="Run the scenario").click()
    page.wait_for_selector("#gains", timeout=150_000)
    assert page.locator("#summary").inner_text().startswith("change")


def test_a_page_without_the_session_cookie_is_refused(browser, console_server):
    link, _, _ = console_server
    context = browser.new_context()
    response = context.new_page().goto(link.split("?")[0] + "runs/round1")
    assert response.status == 401
    context.close()


def test_the_server_log_holds_no_applicant_id(page, console_server):
    link, runs, log = console_server
    ids = pd.read_csv(runs / "round1" / "ranking.csv", dtype=str)["applicant_id"]
    page.goto(site(console_server) + f"/runs/round1/applicants/{ids[0]}")
    deadline = time.monotonic() + 10  # this test's own applicant page, whatever ran before it
    while "/runs/{run}/applicants/{applicant_id}" not in (text := log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "/runs/{run}/applicants/{applicant_id}" in text
    assert not [i for i in ids if i in text or i.lower() in text]
