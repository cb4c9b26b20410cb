"""``report.html``: a run bundle at a glance, made from the bundle's own files and nothing else.

:func:`report_sections` reads ``manifest.json``, ``lottery.json``, the result CSVs and the copies
in ``inputs/`` (applications and rooms) through :func:`hac.stats.read_tables`, takes every figure
from :mod:`hac.stats` (the figures the printed summary and the manifest show) and gives each
section's tables and plots; :func:`render_report` renders them with ``templates/report.html.j2``
(Jinja2, every value escaped), and the console's run page shows the same sections. It works for
any bundle, months later, and for any offer round. The page is self-contained: the style sheet is
inline, the plots are inline SVG drawn by :mod:`hac.plots` (text kept as text, a title on every
mark), and it names no URL.

Personal data stays out: of the applications only the columns :mod:`hac.stats` reads;
``rejects.csv`` is shown without its ``value`` column, and quoted values inside its error
messages are withheld. Travel notes are counted by kind with their place names removed, since an
area or a district locates a home; the applicants concerned are listed by id only.

Rendering is deterministic: the same bundle gives the same bytes (the plots' coordinates are
rounded to a tenth; nothing carries a date, an id or a path).
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from hac import stats
from hac.pipeline import withhold_quoted
from hac.plots import Layer, Plot, grouped_columns, hbar_plot, histograms, no_plot

__all__ = ["note_kind", "render_report", "report_sections", "write_report"]

REJECTS_SHOWN = 200
OFFERED, OTHER, LIGHT, LISTED, MIXED = "#0072B2", "#999999", "#D9D9D9", "#56B4E9", "#009E73"
STATUS_COLOURS = {"offered": OFFERED, "accepted": "#CC79A7", "waitlisted": "#E69F00"}
SECTIONS = (("counts", "Counts"), ("offers", "Offers and cut-offs"), ("scores", "Score distributions"),
            ("occupancy", "Occupancy by hall"), ("roommates", "Roommates and mixing"),
            ("preferences", "Hall and room-type preferences"),
            ("review", "For review: rejects, travel fallbacks, referrals and flags"))

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;
padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0 1.2em}
th,td{padding:.2em .7em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.9em;word-break:break-all}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dl.meta dt{font-weight:600}
dl.meta dd{margin:0}figure{margin:1em 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#555}.note{color:#555;font-size:.92em}nav a{margin-right:1em}
.ids{font-family:ui-monospace,monospace;font-size:.85em;word-spacing:.4em}
"""

_TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("hac", "templates"), autoescape=True,
                                undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


@dataclass(frozen=True)
class Table:
    """A table to render: header, rows of cells (numbers formatted), the right-aligned columns."""

    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()


def table(header: list[str], rows: list[list], numeric: tuple[int, ...] = ()) -> Table:
    """A :class:`Table`; the ``numeric`` columns formatted as numbers (thousands separators)."""
    return Table(header, [[_number(v) if i in numeric else ("" if v is None else str(v)) for i, v in enumerate(row)]
                          for row in rows], numeric)


def write_report(run_dir: Path) -> Path:
    """Write ``report.html`` into a bundle whose results and manifest are written."""
    path = run_dir / "report.html"
    path.write_text(render_report(run_dir), encoding="utf-8")
    return path


def render_report(run_dir: Path) -> str:
    """The complete, self-contained HTML page for the bundle in ``run_dir``."""
    return _TEMPLATES.get_template("report.html.j2").render(style=STYLE, sections=SECTIONS,
                                                            **report_sections(Path(run_dir)))


def report_sections(run_dir: Path) -> dict:
    """What the report shows of the bundle in ``run_dir``, section by section (the console's run
    page shows the same): ``seed``, ``header`` (:func:`header_items`), the lottery ``formula``,
    ``counts`` and ``quota_warnings`` of the manifest, then ``offers``, ``scores``, ``occupancy``,
    ``roommates``, ``preferences`` and ``review``, each a dict of tables and plots (``scores`` is
    None when nobody has points). Every figure is :mod:`hac.stats`'s, from the bundle's files."""
    manifest, lottery = _json(run_dir / "manifest.json"), _json(run_dir / "lottery.json")
    tables = stats.read_tables(run_dir, manifest)
    seed = str(lottery.get("seed", manifest.get("seed", "")))
    return dict(
        seed=seed, header=header_items(manifest, lottery, seed), formula=lottery.get("formula", ""),
        counts=counts_tables(manifest), quota_warnings=quota_warnings(manifest),
        offers=offers_section(tables), scores=scores_section(tables), occupancy=occupancy_section(tables),
        roommates=roommates_section(manifest, tables), preferences=preferences_section(tables),
        review=review_section(tables))


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


# -- header and counts ------------------------------------------------------------------------


def header_items(manifest: dict, lottery: dict, seed: str) -> list[tuple[str, object, bool]]:
    """(label, value, shown as code): policy version and SHA-256, the lottery seed and
    commitment, round, command and travel source, the parent bundle's manifest hash."""
    policy = manifest.get("policy", {})
    commitment = lottery.get("ranked_ids_sha256", manifest.get("lottery", {}).get("ranked_ids_sha256", "—"))
    items = [
        ("Policy", policy.get("version", lottery.get("policy_version", "—")), False),
        ("Policy SHA-256", policy.get("sha256", lottery.get("policy_sha256", "—")), True),
        ("Lottery seed", seed, True),
        ("Ranked ids SHA-256", commitment, True),
        ("Round", manifest.get("round", "—"), False),
        ("Offer round", manifest.get("offer_round", 1), False),
        ("Command", manifest.get("command", "—"), False),
        ("Travel minutes", manifest.get("travel", {}).get("description", "—"), False),
    ]
    if "manifest_sha256" in manifest.get("parent", {}):
        items.append(("Parent bundle's manifest SHA-256", manifest["parent"]["manifest_sha256"], True))
    return items


def quota_warnings(manifest: dict) -> list[str]:
    """The manifest's quota warnings (:class:`allocation.quotas.QuotaWarning`), one line each."""
    return [w["message"] for w in manifest.get("quota_warnings", [])]


COUNT_LABELS = {"applicants": "applicants (valid rows)", "rejected_rows": "rejected input rows",
                "assigned": "beds assigned", "rooms": "rooms in the inventory"}
COUNT_TABLES = {"statuses": ("status", "applicants"), "tracks": ("track", "applicants"),
                "beds_by_pool": ("pool", "beds"), "responses": ("response", "applicants"),
                "changes": ("change to residents", "applicants"),
                "college_beds_to_non_members": ("college: beds held by non-members", "beds")}
COUNTS_SHOWN_ELSEWHERE = ("mutual_pairs_together", "mutual_pairs_possible", "mixed_rooms",
                          "mixed_rooms_upper_bound")


def counts_tables(manifest: dict) -> list[Table]:
    """The manifest's counts (statuses, tracks, beds by pool, and any a later round adds) and input files."""
    counts = manifest.get("counts", {})
    scalars = [key for key, value in counts.items() if not isinstance(value, dict)]
    scalars = [key for key in COUNT_LABELS if key in scalars] + [
        key for key in scalars if key not in COUNT_LABELS and key not in COUNTS_SHOWN_ELSEWHERE]
    overall = [[COUNT_LABELS.get(key, key.replace("_", " ")), counts[key]] for key in scalars]
    groups = [key for key in COUNT_TABLES if key in counts]
    groups += [key for key, value in counts.items() if isinstance(value, dict) and key not in COUNT_TABLES]
    files = [[role, e.get("rows"), e.get("used"), e.get("rejected"), e.get("blank_rows")]
             for role, e in manifest.get("inputs", {}).items() if "rows" in e]
    return [
        table(["overall", "count"], overall, numeric=(1,)),
        *(table(list(COUNT_TABLES.get(key, (key.replace("_", " "), "count"))), list(map(list, counts[key].items())),
                numeric=(1,)) for key in groups),
        table(["input file", "rows", "used", "rejected", "blank rows"], files, numeric=(1, 2, 3, 4)),
    ]


# -- sections ---------------------------------------------------------------------------------


def offers_section(tables: stats.RunTables) -> dict:
    """Cut-offs per pool x tier x gender and where each waitlist starts, with the offers plot."""
    statuses = stats.shown_statuses(tables)
    cutoffs = stats.tier_cutoffs(tables).assign(tier=lambda f: f["tier"].replace("", "—"))
    placed = "offered or accepted" if "accepted" in statuses else "offered"
    tiers = [[r["pool"], r["tier"], r["gender"], *(r[s] for s in statuses), r["lowest_placed"], r["best_waitlisted"]]
             for _, r in cutoffs.iterrows()]
    starts = [[r["pool"], r["gender"], *(r[s] for s in statuses), r["waitlist_from_rank"],
               (r["tier"] or "—") if r["waitlisted"] else "—", r["score"], r["placed_below"]]
              for _, r in stats.waitlist_starts(tables).iterrows()]
    n = len(statuses)
    return dict(
        plot=offers_plot(cutoffs, statuses), placed=placed,
        tiers=table(["pool", "tier", "gender", *statuses, f"lowest score {placed}", "best score waitlisted"], tiers,
                    numeric=tuple(range(3, 5 + n))),
        starts=table(["pool", "gender", *statuses, "waitlist from rank", "tier", "score", f"{placed} below"], starts,
                     numeric=(*range(2, 3 + n), 4 + n, 5 + n)),
    )


def scores_section(tables: stats.RunTables) -> dict | None:
    """Histograms of total points per scored track, split by status, and a summary per track."""
    scored = stats.scored_with_status(tables)
    if scored.empty:
        return None
    rows = [[track, len(g), g["points"].min(), g["points"].median(), g["points"].max()]
            for track, g in scored.groupby("track", sort=False)]
    return dict(plot=scores_plot(scored, stats.shown_statuses(tables)),
                table=table(["track", "scored", "lowest", "median", "highest"], rows, numeric=(1, 2, 3, 4)))


def occupancy_section(tables: stats.RunTables) -> dict:
    """Beds used against beds, per hall."""
    halls = stats.hall_occupancy(tables)
    rows = [[r.hall, r.rooms, r.beds, r.used, _percent(r.used, r.beds)] for r in halls.itertuples()]
    total = halls[["rooms", "beds", "used"]].sum()
    rows.append(["all halls", int(total["rooms"]), int(total["beds"]), int(total["used"]),
                 _percent(int(total["used"]), int(total["beds"]))])
    return dict(plot=occupancy_plot(halls),
                table=table(["hall", "rooms", "beds", "beds used", "used"], rows, numeric=(1, 2, 3, 4)))


def roommates_section(manifest: dict, tables: stats.RunTables) -> dict:
    """Mutual roommate requests honoured, why the others were not, and local/non-local mixing."""
    counts = manifest.get("counts", {})
    together, possible = counts.get("mutual_pairs_together"), counts.get("mutual_pairs_possible")
    mixed, bound = counts.get("mixed_rooms"), counts.get("mixed_rooms_upper_bound")
    reasons = sorted(Counter(tables.unmatched["reason"]).items(), key=lambda kv: (-kv[1], kv[0]))
    halls = stats.hall_occupancy(tables)
    return dict(
        summary=table(["result", "achieved", "of", "share"], [
            ["mutual roommate pairs sharing a room (both offered, one gender)", together, possible,
             _percent(together or 0, possible or 0)],
            ["rooms with a local and a non-local resident (against the upper bound)", mixed, bound,
             _percent(mixed or 0, bound or 0)],
        ], numeric=(1, 2, 3)),
        reasons=table(["reason (unmatched_roommates.csv)", "requests"], list(map(list, reasons)), numeric=(1,))
        if reasons else None,
        plot=mixing_plot(halls),
        per_hall=table(["hall", "rooms shared", "mixed rooms"],
                       [[r.hall, r.shared, r.mixed] for r in halls.itertuples() if r.shared], numeric=(1, 2)),
    )


def preferences_section(tables: stats.RunTables) -> dict:
    """Hall preferences met by rank band (pairs at the worse rank), and room-type wishes met."""
    bands = stats.preference_bands(tables)
    rows = [[r.pool, r.band, r.units, r.first, _percent(r.first, r.units), r.any, _percent(r.any, r.units)]
            for r in bands.itertuples()]
    asked, met = stats.room_type_wishes(tables)
    return dict(plot=preferences_plot(bands),
                table=table(["pool", "ranks", "with a hall list", "first choice", "%", "a listed hall", "%"], rows,
                            numeric=(2, 3, 4, 5, 6)),
                asked=_number(asked), met=_number(met), share=_percent(met, asked))


def review_section(tables: stats.RunTables) -> dict:
    """Rejected input rows (without their values), travel-time fallbacks to check, applicants
    referred to the University's special arrangement (``referred``: (id, reason) pairs) and
    scheme flags that cannot apply (``flagged``: (id, note) pairs; ``flags``: grouped by kind)."""
    flagged = stats.flagged_for_review(tables)
    groups = sorted(flagged.groupby(flagged["review_note"].map(note_kind))["applicant_id"],
                    key=lambda kv: (-len(kv[1]), kv[0]))
    referred = stats.referred(tables)
    return dict(rejects=rejects_part(tables.rejects), travel=travel_part(tables.scores),
                referred=list(zip(referred["applicant_id"].tolist(), referred["reason"].tolist())),
                flagged=list(zip(flagged["applicant_id"].tolist(), flagged["review_note"].tolist())),
                flags=[(kind, _number(len(ids)), sorted(ids)) for kind, ids in groups])


def rejects_part(rejects: pd.DataFrame) -> dict | None:
    """rejects.csv counted by file and column, then its rows (row, file, column, error)."""
    if rejects.empty:
        return None
    by_column = sorted(Counter(zip(rejects["file"], rejects["column"])).items())
    shown = rejects.head(REJECTS_SHOWN)[["row", "file", "column", "error"]]
    return dict(
        problems=_number(len(rejects)), rows=_number(len(rejects[["file", "row"]].drop_duplicates())),
        shown=_number(REJECTS_SHOWN), more=len(rejects) > REJECTS_SHOWN,
        by_column=table(["file", "column", "problems"], [[f, c, n] for (f, c), n in by_column], numeric=(2,)),
        listed=table(["row", "file", "column", "error"],
                     [[row, file, column, withhold_quoted(error)] for row, file, column, error in
                      shown.itertuples(index=False)]),
    )


def travel_part(scores: pd.DataFrame) -> dict | None:
    """scores.csv rows with a travel_note: counted by kind, then the applicant ids of each kind."""
    noted = scores[scores["travel_note"].str.strip() != ""]
    if noted.empty:
        return None
    groups = sorted(noted.groupby(noted["travel_note"].map(note_kind))["applicant_id"],
                    key=lambda kv: (-len(kv[1]), kv[0]))
    return dict(noted=_number(len(noted)),
                kinds=table(["note", "applicants"], [[kind, len(ids)] for kind, ids in groups], numeric=(1,)),
                groups=[(kind, _number(len(ids)), sorted(ids)) for kind, ids in groups])


# -- plots ------------------------------------------------------------------------------------
#
# What each section plots, in which colours; the drawing (inline SVG, text kept as text, a title on
# every mark, coordinates to a tenth) is hac.plots', the one place plots are drawn.


def offers_plot(cutoffs: pd.DataFrame, statuses: list[str]) -> Plot:
    """Horizontal stacked bars: each status's count per pool, tier and gender."""
    if cutoffs.empty:
        return no_plot("No applicant was ranked.")
    labels = [f"{pool} · {tier} · {gender}" for pool, tier, gender in
              zip(cutoffs["pool"].tolist(), cutoffs["tier"].tolist(), cutoffs["gender"].tolist())]
    counts = {s: [int(n) for n in cutoffs[s].tolist()] for s in statuses}
    start, layers = [0] * len(cutoffs), []
    for status in statuses:
        layers.append(Layer(status, STATUS_COLOURS[status], start, counts[status]))
        start = [a + b for a, b in zip(start, counts[status])]
    notes = [" / ".join(f"{counts[s][i]:,}" for s in statuses) for i in range(len(cutoffs))]
    named = f"{', '.join(statuses[:-1])} and {statuses[-1]}".capitalize()
    return hbar_plot(labels, layers, notes, "applicants", f"{named} by pool, priority tier and gender "
                                                           f"(numbers: {' / '.join(statuses)}).")


def scores_plot(scored: pd.DataFrame, statuses: list[str]) -> Plot:
    """One stacked histogram per track, in bins of 5 points: each status shown, then any other."""
    tracks = list(dict.fromkeys(scored["track"].tolist()))
    edges = list(range(0, int(scored["points"].max()) // 5 * 5 + 10, 5))
    series = [(s, STATUS_COLOURS[s]) for s in statuses] + [("other", OTHER)]
    panels = []
    for track in tracks:
        group = scored[scored["track"] == track]
        shown = group["status"].where(group["status"].isin(statuses), "other")
        counts = {name: [0] * (len(edges) - 1) for name, _ in series}
        for points, status in zip(group["points"].tolist(), shown.tolist()):
            if edges[0] <= points <= edges[-1]:
                counts[status][min(int(points - edges[0]) // 5, len(edges) - 2)] += 1
        panels.append((f"{track} ({len(group):,})", counts))
    caption = "Total points by track (bins of 5 points), coloured by status."
    return histograms(panels, series, edges, "total points", "applicants", caption)


def occupancy_plot(halls: pd.DataFrame) -> Plot:
    """Beds used out of beds, per hall."""
    if halls.empty:
        return no_plot("The bundle holds no room inventory.")
    return _part_of_whole_plot(halls["hall"], halls["used"], halls["beds"], ("beds used", "beds"), OFFERED,
                               "beds", "Beds used out of beds, by hall.")


def mixing_plot(halls: pd.DataFrame) -> Plot:
    """Rooms with a local and a non-local resident out of rooms with two or more residents, per hall."""
    halls = halls[halls["shared"] > 0]
    if halls.empty:
        return no_plot("No room is shared.")
    return _part_of_whole_plot(halls["hall"], halls["mixed"], halls["shared"], ("local and non-local",
                               "rooms shared"), MIXED, "rooms",
                               "Rooms with a local and a non-local resident, out of rooms shared, by hall.")


def preferences_plot(bands: pd.DataFrame) -> Plot:
    """Grouped bars per pool and rank band: share given their first choice and a listed hall."""
    if bands.empty:
        return no_plot("No placed applicant listed hall preferences.")
    units = bands["units"].tolist()
    groups = [(pool, band) for pool, band in zip(bands["pool"].tolist(), bands["band"].tolist())]
    series = [("first choice", OFFERED, [100 * n / u for n, u in zip(bands["first"].tolist(), units)]),
              ("a listed hall", LISTED, [100 * n / u for n, u in zip(bands["any"].tolist(), units)])]
    return grouped_columns(groups, series, "% of units with a hall list",
                           "Hall preferences met by pool and rank band "
                           "(a mutual pair counts once, at the worse rank of the two).")


def _part_of_whole_plot(labels, part, whole, names: tuple[str, str], colour: str, xlabel: str, caption: str) -> Plot:
    """Horizontal bars: each label's whole (light) with its part drawn over it, numbered part / whole."""
    part, whole = [int(n) for n in part.tolist()], [int(n) for n in whole.tolist()]
    zeros = [0] * len(part)
    return hbar_plot(labels.tolist(), [Layer(names[1], LIGHT, zeros, whole), Layer(names[0], colour, zeros, part, True)],
                     [f"{p:,} / {w:,}" for p, w in zip(part, whole)], xlabel, caption)


# -- travel notes -----------------------------------------------------------------------------

_PARENTHESES = re.compile(r"\(([^()]*)\)")
_STATUS_CODE = re.compile(r"[A-Z][A-Z_]+")


def note_kind(note: str) -> str:
    """A travel note without its place names, e.g. "area estimate".

    Parenthesised details (except status codes such as ``ZERO_RESULTS``) and whatever follows a
    colon are dropped from each ``;``-separated part.
    """
    text, before = note, None
    while text != before:
        before = text
        text = _PARENTHESES.sub(lambda m: m.group(0) if _STATUS_CODE.fullmatch(m.group(1)) else "", text)
    parts = [" ".join(part.split(":")[0].split()) for part in text.split(";")]
    return "; ".join(p for p in parts if p) or "(note)"


# -- HTML and plotting helpers ----------------------------------------------------------------


def _number(value) -> str:
    """Counts with thousands separators; points without a needless ``.0``; missing as a dash."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or (isinstance(value, numbers.Real) and math.isnan(value)):
        return "—"
    if isinstance(value, numbers.Integral) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.1f}"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"
