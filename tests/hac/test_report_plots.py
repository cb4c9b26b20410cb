"""The plots (hac.plots, drawn for hac.report's sections and the console's what-if): inline SVG drawn by
our own code, readable and deterministic."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from hac import plots, report


def parsed(plot: plots.Plot) -> ET.Element:
    return ET.fromstring(str(plot.svg))


def numbers_in(svg: ET.Element) -> list[float]:
    """Every coordinate and size of the marks."""
    return [float(v) for e in svg.iter() for k, v in e.attrib.items() if k in ("x", "y", "width", "height", "x1", "x2",
                                                                               "y1", "y2")]


CUTOFFS = pd.DataFrame({"pool": ["undergraduate", "undergraduate", "exchange"], "tier": ["first_time", "lowered", "—"],
                        "gender": ["F", "M", "F"], "offered": [1406, 1, 203], "waitlisted": [0, 19, 0]})


def test_the_offers_plot_is_labelled_numbered_and_inside_its_box():
    plot = report.offers_plot(CUTOFFS, ["offered", "waitlisted"])
    svg = parsed(plot)
    assert svg.get("role") == "img" and svg.get("aria-label") == plot.caption
    width, height = (float(v) for v in svg.get("viewBox").split()[2:])
    assert all(0 <= n <= max(width, height) for n in numbers_in(svg))
    texts = [t.text for t in svg.iter("text")]
    assert "undergraduate · lowered · M" in texts and "1 / 19" in texts and "1,406 / 0" in texts
    titles = [t.text for t in svg.iter("title")]
    assert "undergraduate · first_time · F: offered 1,406" in titles
    assert "undergraduate · first_time · F: waitlisted 0" not in titles  # nothing drawn for none


def test_plots_are_the_same_bytes_every_time_and_name_no_url():
    halls = pd.DataFrame({"hall": ["Xuemin Hall", "Red <Hall> & Co"], "rooms": [162, 140], "beds": [324, 280],
                          "used": [324, 252], "shared": [162, 0], "mixed": [63, 0]})
    scored = pd.DataFrame({"track": ["first_time"] * 3 + ["readmission"], "points": [8.0, 22.0, 80.0, 120.0],
                           "status": ["offered", "waitlisted", "not ranked", "offered"]})
    bands = pd.DataFrame({"pool": ["undergraduate"], "band": ["1-1000"], "units": [817], "first": [755], "any": [807]})
    plots = [report.occupancy_plot(halls), report.mixing_plot(halls), report.scores_plot(scored, ["offered", "waitlisted"]),
             report.preferences_plot(bands), report.offers_plot(CUTOFFS, ["offered", "waitlisted"])]
    again = [report.occupancy_plot(halls), report.mixing_plot(halls), report.scores_plot(scored, ["offered", "waitlisted"]),
             report.preferences_plot(bands), report.offers_plot(CUTOFFS, ["offered", "waitlisted"])]
    assert [str(p.svg) for p in plots] == [str(p.svg) for p in again]
    for plot in plots:
        svg = parsed(plot)  # well-formed, names escaped
        assert "http" not in str(plot.svg) and "xmlns" not in str(plot.svg)
        assert not re.search(r"\d\.\d\d", str(plot.svg))  # coordinates to a tenth
        assert svg.findall(".//rect/title")
    assert "Red <Hall> & Co" in [t.text for t in parsed(plots[0]).iter("text")]
    assert "Red <Hall> & Co" not in [t.text for t in parsed(plots[1]).iter("text")]  # no room shared there
    assert "first_time (3)" in [t.text for t in parsed(plots[2]).iter("text")]
    assert "92%" in [t.text for t in parsed(plots[3]).iter("text")]  # 755 of 817


def test_nothing_to_draw_gives_a_note_instead():
    assert not report.offers_plot(CUTOFFS.iloc[:0], ["offered", "waitlisted"]).svg
    assert report.preferences_plot(pd.DataFrame(columns=["pool", "band", "units", "first", "any"])).caption


def test_axis_ticks_are_round_and_cover_the_largest_value():
    assert plots.ticks(324) == [0, 50, 100, 150, 200, 250, 300, 350]
    assert plots.ticks(1406) == [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600]
    assert plots.ticks(19) == [0, 5, 10, 15, 20]
    assert plots.ticks(0) == [0, 1]


def test_importing_the_report_does_not_import_a_plotting_library():
    script = "import sys, hac.report; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "False"


def test_signed_bars_go_right_for_more_and_left_for_fewer_on_one_scale():
    plot = plots.signed_bars(["gain a place", "lose a place", "undergraduate · first_time · F"], [12, -30, 0],
                             "applicants", "Applicants who gain and lose a place.", names=("gain", "loss"))
    svg = parsed(plot)
    assert svg.get("aria-label") == plot.caption
    width, height = (float(v) for v in svg.get("viewBox").split()[2:])
    assert all(0 <= n <= max(width, height) for n in numbers_in(svg))
    bars = {r.find("title").text: r for r in svg.iter("rect") if r.find("title") is not None}
    assert set(bars) == {"gain a place: +12", "lose a place: -30"}  # nothing drawn for no change
    gain, loss = bars["gain a place: +12"], bars["lose a place: -30"]
    zero = float(gain.get("x"))
    assert abs(float(loss.get("x")) + float(loss.get("width")) - zero) <= 0.1  # the loss ends at zero, on the left
    assert abs(float(loss.get("width")) / float(gain.get("width")) - 30 / 12) < 0.02  # one scale both sides
    texts = [t.text for t in svg.iter("text")]
    assert {"+12", "-30", "0", "gain", "loss", "undergraduate · first_time · F"} <= set(texts)
    assert str(plot.svg) == str(plots.signed_bars(["gain a place", "lose a place", "undergraduate · first_time · F"],
                                                  [12, -30, 0], "applicants", "Applicants who gain and lose a place.",
                                                  names=("gain", "loss")).svg)
    assert not re.search(r"\d\.\d\d", str(plot.svg))


def test_signed_bars_without_rows_give_a_note():
    plot = plots.signed_bars([], [], "applicants", "Net change by district.")
    assert not plot.svg and plot.caption == "Net change by district. No change."


def test_the_report_draws_with_the_one_plot_module():
    """One place draws: the report has no SVG code of its own."""
    source = Path(report.__file__).read_text(encoding="utf-8")
    assert "<rect" not in source and "<svg" not in source and "plots" in source
