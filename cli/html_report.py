"""``report.html``: a run bundle at a glance, made from the bundle's own files and nothing else.

:func:`render_report` reads ``manifest.json``, ``lottery.json``, the result CSVs and the copies in
``inputs/`` (applications and rooms), so it works for any bundle, months later, and for any
offer round. The page is self-contained: the style sheet is inline, the plots are inline SVG
drawn with matplotlib (text kept as text), and it names no URL, so nothing is fetched.

Personal data stays out. Of ``inputs/applications.*`` only the columns the allocation results
need are read (id, gender, student type, roommate request, hall and room-type wishes); no
address, district, housing, household or disciplinary column is ever loaded. ``rejects.csv``
is shown without its ``value`` column, and quoted values inside its error messages are
withheld. Travel notes are counted by kind with their place names removed, since an area or a
district locates a home; the applicants concerned are listed by id only.

Rendering is deterministic: the same bundle gives the same bytes (each plot's SVG ids are
salted with a fixed string, and the SVG carries no date).
"""

from __future__ import annotations

import html
import io
import json
import math
import numbers
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from psm.io import read_table

__all__ = ["render_report", "write_report"]

APPLICATION_COLUMNS = ("applicant_id", "gender", "student_type", "roommate_request", "hall_preferences",
                       "room_type_preference")
ROOM_COLUMNS = ("room_id", "hall", "room_type", "beds")
REJECTS_SHOWN = 200
RANKED_STATUSES = ("offered", "accepted", "waitlisted")
PLACED = ("offered", "accepted")
OFFERED, OTHER, LIGHT, LISTED, MIXED = "#0072B2", "#999999", "#D9D9D9", "#56B4E9", "#009E73"
STATUS_COLOURS = {"offered": OFFERED, "accepted": "#CC79A7", "waitlisted": "#E69F00"}

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


@dataclass(frozen=True)
class Bundle:
    """The files of one run bundle, as read for the report (personal columns never loaded)."""

    manifest: dict
    lottery: dict
    scores: pd.DataFrame
    ranking: pd.DataFrame
    assignments: pd.DataFrame
    rejects: pd.DataFrame
    unmatched: pd.DataFrame
    applications: pd.DataFrame
    rooms: pd.DataFrame


def write_report(run_dir: Path) -> Path:
    """Write ``report.html`` into a bundle whose results and manifest are written."""
    path = run_dir / "report.html"
    path.write_text(render_report(run_dir), encoding="utf-8")
    return path


def render_report(run_dir: Path) -> str:
    """The complete, self-contained HTML page for the bundle in ``run_dir``."""
    bundle = read_bundle(Path(run_dir))
    sections = [
        ("counts", "Counts", counts_section(bundle)),
        ("offers", "Offers and cut-offs", offers_section(bundle)),
        ("scores", "Score distributions", scores_section(bundle)),
        ("occupancy", "Occupancy by hall", occupancy_section(bundle)),
        ("roommates", "Roommates and mixing", roommates_section(bundle)),
        ("preferences", "Hall and room-type preferences", preferences_section(bundle)),
        ("review", "For review: rejects and travel fallbacks", review_section(bundle)),
    ]
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in sections)
    body = "\n".join(f'<section id="{key}">\n<h2>{_e(title)}</h2>\n{content}\n</section>'
                     for key, title, content in sections)
    return ('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
            f"<title>Hall admission run: {_e(_seed(bundle))}</title>\n<style>{STYLE}</style>\n</head><body>\n"
            f"{header_section(bundle)}\n<nav>{nav}</nav>\n{body}\n</body></html>\n")


# -- reading the bundle -----------------------------------------------------------------------


def read_bundle(run_dir: Path) -> Bundle:
    """Every file the report uses; a missing file reads as empty."""
    manifest = _json(run_dir / "manifest.json")
    return Bundle(
        manifest=manifest,
        lottery=_json(run_dir / "lottery.json"),
        scores=_csv(run_dir / "scores.csv", ("applicant_id", "track", "total_points", "travel_note")),
        ranking=_csv(run_dir / "ranking.csv", ("applicant_id", "pool", "tier", "rank", "score", "status")),
        assignments=_csv(run_dir / "assignments.csv", ("applicant_id", "pool", "hall", "room_id")),
        rejects=_csv(run_dir / "rejects.csv", ("row", "column", "error", "file")),
        unmatched=_csv(run_dir / "unmatched_roommates.csv", ("applicant_id", "roommate_request", "reason")),
        applications=_input(run_dir, manifest, "applications", APPLICATION_COLUMNS),
        rooms=_input(run_dir, manifest, "rooms", ROOM_COLUMNS),
    )


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Only ``columns`` of a result CSV, as text; a column the file lacks reads as empty cells."""
    if not path.exists():
        return _empty(columns)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    kept = {c: frame[c] if c in frame else "" for c in columns}
    return pd.DataFrame(kept, index=frame.index).astype(object)


def _input(run_dir: Path, manifest: dict, role: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Only ``columns`` of an input kept in ``inputs/`` (CSV or XLSX), as text."""
    entry = manifest.get("inputs", {}).get(role, {})
    candidates = [run_dir / entry["file"]] if "file" in entry else []
    candidates += sorted((run_dir / "inputs").glob(f"{role}.*"))
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        return _empty(columns)
    table = read_table(path)
    at = {c: table.header.index(c) for c in columns if c in table.header}
    rows = [[cells[at[c]] if c in at and at[c] < len(cells) else "" for c in columns]
            for _, cells in table.rows]
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def _by_id(applications: pd.DataFrame, column: str) -> pd.Series:
    """``column`` by applicant id, for ids on one row only (a duplicated id is rejected, never ranked)."""
    return applications.drop_duplicates("applicant_id", keep=False).set_index("applicant_id")[column]


def _seed(bundle: Bundle) -> str:
    return str(bundle.lottery.get("seed", bundle.manifest.get("seed", "")))


# -- header and counts ------------------------------------------------------------------------


def header_section(bundle: Bundle) -> str:
    """Title, policy version and SHA-256, the lottery seed and commitment, round and travel source."""
    manifest, lottery = bundle.manifest, bundle.lottery
    policy = manifest.get("policy", {})
    commitment = lottery.get("ranked_ids_sha256", manifest.get("lottery", {}).get("ranked_ids_sha256", "—"))
    items = [
        ("Policy", policy.get("version", lottery.get("policy_version", "—")), False),
        ("Policy SHA-256", policy.get("sha256", lottery.get("policy_sha256", "—")), True),
        ("Lottery seed", _seed(bundle), True),
        ("Ranked ids SHA-256", commitment, True),
        ("Round", manifest.get("round", "—"), False),
        ("Offer round", manifest.get("offer_round", 1), False),
        ("Command", manifest.get("command", "—"), False),
        ("Travel minutes", manifest.get("travel", {}).get("description", "—"), False),
    ]
    if "manifest_sha256" in manifest.get("parent", {}):
        items.append(("Parent bundle's manifest SHA-256", manifest["parent"]["manifest_sha256"], True))
    rows = "".join(f"<dt>{_e(label)}</dt><dd>{f'<code>{_e(value)}</code>' if code else _e(value)}</dd>"
                   for label, value, code in items)
    formula = lottery.get("formula", "")
    return (f'<h1>Hall admission run</h1>\n<dl class="meta">{rows}</dl>\n'
            + (f'<p class="note">Lottery: {_e(formula)}.</p>' if formula else ""))


COUNT_LABELS = {"applicants": "applicants (valid rows)", "rejected_rows": "rejected input rows",
                "assigned": "beds assigned", "rooms": "rooms in the inventory"}
COUNT_TABLES = {"statuses": ("status", "applicants"), "tracks": ("track", "applicants"),
                "beds_by_pool": ("pool", "beds"), "responses": ("response", "applicants")}
COUNTS_SHOWN_ELSEWHERE = ("mutual_pairs_together", "mutual_pairs_possible", "mixed_rooms",
                          "mixed_rooms_upper_bound")


def counts_section(bundle: Bundle) -> str:
    """The manifest's counts (statuses, tracks, beds by pool, and any a later round adds) and input files."""
    counts = bundle.manifest.get("counts", {})
    scalars = [key for key, value in counts.items() if not isinstance(value, dict)]
    scalars = [key for key in COUNT_LABELS if key in scalars] + [
        key for key in scalars if key not in COUNT_LABELS and key not in COUNTS_SHOWN_ELSEWHERE]
    overall = [[COUNT_LABELS.get(key, key.replace("_", " ")), counts[key]] for key in scalars]
    groups = [key for key in COUNT_TABLES if key in counts]
    groups += [key for key, value in counts.items() if isinstance(value, dict) and key not in COUNT_TABLES]
    files = [[role, e.get("rows"), e.get("used"), e.get("rejected"), e.get("blank_rows")]
             for role, e in bundle.manifest.get("inputs", {}).items() if "rows" in e]
    return "\n".join([
        _table(["overall", "count"], overall, numeric=(1,)),
        *(_table(list(COUNT_TABLES.get(key, (key.replace("_", " "), "count"))),
                 list(map(list, counts[key].items())), numeric=(1,)) for key in groups),
        _table(["input file", "rows", "used", "rejected", "blank rows"], files, numeric=(1, 2, 3, 4)),
    ])


# -- offers and cut-offs ----------------------------------------------------------------------


def offers_section(bundle: Bundle) -> str:
    """Cut-offs per pool x tier x gender and where each waitlist starts, with the offers plot."""
    statuses = shown_statuses(bundle)
    cutoffs = tier_cutoffs(bundle)
    placed = "offered or accepted" if "accepted" in statuses else "offered"
    rows = [[r["pool"], r["tier"], r["gender"], *(r[s] for s in statuses), r["lowest_placed"],
             r["best_waitlisted"]] for _, r in cutoffs.iterrows()]
    count_columns = tuple(range(3, 5 + len(statuses)))
    return "\n".join([
        offers_plot(cutoffs, statuses),
        _table(["pool", "tier", "gender", *statuses, f"lowest score {placed}", "best score waitlisted"], rows,
               numeric=count_columns),
        f'<p class="note">Where each waitlist starts. "{_e(placed.capitalize())} below" counts applicants '
        f"{_e(placed)} though ranked after the first waitlisted applicant: beds the waitlisted could not use "
        "(a college room, an accessible room, a suite's last bed).</p>",
        _table(["pool", "gender", *statuses, "waitlist from rank", "tier", "score", f"{placed} below"],
               waitlist_starts(bundle, statuses), numeric=(*range(2, 3 + len(statuses)), 4 + len(statuses),
                                                           5 + len(statuses))),
    ])


def shown_statuses(bundle: Bundle) -> list[str]:
    """offered, accepted (a later offer round's residents, when there are any) and waitlisted."""
    present = set(bundle.ranking["status"])
    return [s for s in RANKED_STATUSES if s != "accepted" or s in present]


def ranked_with_gender(bundle: Bundle) -> pd.DataFrame:
    """Rows holding or awaiting a place, with numeric rank and score and the gender, by pool then rank."""
    ranking = bundle.ranking
    ranked = ranking[ranking["status"].isin(RANKED_STATUSES)].copy()
    ranked["rank"] = pd.to_numeric(ranked["rank"], errors="coerce")
    ranked["score"] = pd.to_numeric(ranked["score"], errors="coerce")
    ranked["gender"] = ranked["applicant_id"].map(_by_id(bundle.applications, "gender")).fillna("?")
    ranked["tier"] = ranked["tier"].replace("", "—")
    pools = list(dict.fromkeys(ranking["pool"]))
    ranked["pool_order"] = ranked["pool"].map(pools.index)
    return ranked.sort_values(["pool_order", "rank"], kind="stable")


def tier_cutoffs(bundle: Bundle) -> pd.DataFrame:
    """Per pool, tier (in rank order) and gender: each status's count, the lowest score holding a
    place (offered or accepted) and the best score waitlisted."""
    rows = []
    ranked = ranked_with_gender(bundle)
    for (order, tier, gender), group in ranked.groupby(["pool_order", "tier", "gender"], sort=False):
        placed = group.loc[group["status"].isin(PLACED), "score"]
        waiting = group.loc[group["status"] == "waitlisted", "score"]
        rows.append(dict(pool=group["pool"].iloc[0], tier=tier, gender=gender, order=order,
                         first_rank=group["rank"].min(),
                         **{s: int((group["status"] == s).sum()) for s in RANKED_STATUSES},
                         lowest_placed=placed.min() if len(placed) else None,
                         best_waitlisted=waiting.max() if len(waiting) else None))
    frame = pd.DataFrame(rows, columns=["pool", "tier", "gender", "order", "first_rank", *RANKED_STATUSES,
                                        "lowest_placed", "best_waitlisted"])
    tier_start = frame.groupby(["order", "tier"], sort=False)["first_rank"].transform("min")
    return (frame.assign(tier_start=tier_start).sort_values(["order", "tier_start", "gender"], kind="stable")
            .drop(columns=["order", "first_rank", "tier_start"]).reset_index(drop=True))


def waitlist_starts(bundle: Bundle, statuses: list[str]) -> list[list]:
    """Per pool and gender: each status's count, where the waitlist starts (rank, tier, score), and
    how many hold a place though ranked below that."""
    rows = []
    for _, group in ranked_with_gender(bundle).groupby(["pool_order", "gender"], sort=True):
        placed = group["status"].isin(PLACED)
        waiting = group[group["status"] == "waitlisted"]
        counts = [int((group["status"] == s).sum()) for s in statuses]
        head = [group["pool"].iloc[0], group["gender"].iloc[0], *counts]
        if waiting.empty:
            rows.append([*head, None, "—", None, 0])
            continue
        first = waiting.iloc[0]
        below = int((placed & (group["rank"] > first["rank"])).sum())
        rows.append([*head, int(first["rank"]), first["tier"], first["score"], below])
    return rows


def offers_plot(cutoffs: pd.DataFrame, statuses: list[str]) -> str:
    """Horizontal stacked bars: each status's count per pool, tier and gender."""
    if cutoffs.empty:
        return '<p class="note">No applicant was ranked.</p>'
    labels = [f"{r.pool} · {r.tier} · {r.gender}" for r in cutoffs.itertuples()]
    figure, axes, positions = _bar_rows(labels, "applicants")
    left = pd.Series(0, index=cutoffs.index)
    for status in statuses:
        axes.barh(positions, cutoffs[status], left=left, color=STATUS_COLOURS[status], label=status)
        left = left + cutoffs[status]
    for y, (_, row) in zip(positions, cutoffs.iterrows()):
        numbers = " / ".join(f"{row[s]:,}" for s in statuses)
        axes.text(left[row.name], y, f"  {numbers}", va="center", fontsize=8)
    _legend_above(axes)
    named = f"{', '.join(statuses[:-1])} and {statuses[-1]}".capitalize()
    return _figure(figure, "offers", f"{named} by pool, priority tier and gender "
                                     f"(numbers: {' / '.join(statuses)}).")


# -- scores -----------------------------------------------------------------------------------


def scores_section(bundle: Bundle) -> str:
    """Histograms of total points per scored track, split by status, and a summary per track."""
    scored = scored_with_status(bundle)
    if scored.empty:
        return ('<p class="note">No applicant in this bundle has points '
                "(the exchange and research pools are drawn by lottery).</p>")
    rows = [[track, len(g), g["points"].min(), g["points"].median(), g["points"].max()]
            for track, g in scored.groupby("track", sort=False)]
    return "\n".join([scores_plot(scored, shown_statuses(bundle)),
                      _table(["track", "scored", "lowest", "median", "highest"], rows, numeric=(1, 2, 3, 4))])


def scored_with_status(bundle: Bundle) -> pd.DataFrame:
    """Applicants with points: track, points and ranking status, tracks in the order of scores.csv."""
    status = bundle.ranking.set_index("applicant_id")["status"]
    scores = bundle.scores.assign(points=pd.to_numeric(bundle.scores["total_points"], errors="coerce"))
    scores = scores[scores["points"].notna()]
    return scores.assign(status=scores["applicant_id"].map(status).fillna("not ranked"))[
        ["track", "points", "status"]]


def scores_plot(scored: pd.DataFrame, statuses: list[str]) -> str:
    """One stacked histogram per track, in bins of 5 points: each status shown, then any other."""
    tracks = list(dict.fromkeys(scored["track"]))
    figure = _new_figure(4.2 * len(tracks), 3.4)
    panels = figure.subplots(1, len(tracks), squeeze=False)[0]
    bins = list(range(0, int(scored["points"].max()) // 5 * 5 + 10, 5))
    for axes, track in zip(panels, tracks):
        group = scored[scored["track"] == track]
        values = [group.loc[group["status"] == s, "points"].tolist() for s in statuses]
        values.append(group.loc[~group["status"].isin(statuses), "points"].tolist())
        axes.hist(values, bins=bins, stacked=True, color=[STATUS_COLOURS[s] for s in statuses] + [OTHER],
                  label=[*statuses, "other"])
        axes.set_title(_label(f"{track} ({len(group):,})"), fontsize=10)
        axes.set_xlabel("total points")
        axes.spines[["top", "right"]].set_visible(False)
    panels[0].set_ylabel("applicants")
    panels[0].legend(frameon=False, fontsize=8)
    return _figure(figure, "scores", "Total points by track (bins of 5 points), coloured by status.")


# -- occupancy --------------------------------------------------------------------------------


def occupancy_section(bundle: Bundle) -> str:
    """Beds used against beds, per hall, from inputs/rooms and assignments.csv."""
    halls = hall_occupancy(bundle)
    rows = [[r.hall, r.rooms, r.beds, r.used, _percent(r.used, r.beds)] for r in halls.itertuples()]
    total = halls[["rooms", "beds", "used"]].sum()
    rows.append(["all halls", int(total["rooms"]), int(total["beds"]), int(total["used"]),
                 _percent(int(total["used"]), int(total["beds"]))])
    return "\n".join([occupancy_plot(halls),
                      _table(["hall", "rooms", "beds", "beds used", "used"], rows, numeric=(1, 2, 3, 4))])


def hall_occupancy(bundle: Bundle) -> pd.DataFrame:
    """Per hall (inventory order): rooms, beds, beds used, rooms shared and rooms mixed."""
    beds_of_room = pd.to_numeric(bundle.rooms["beds"], errors="coerce").fillna(0).astype(int)
    rooms = bundle.rooms.assign(beds=beds_of_room)
    halls = list(dict.fromkeys([*rooms["hall"], *bundle.assignments["hall"]]))
    room_count, beds = Counter(rooms["hall"]), rooms.groupby("hall")["beds"].sum()
    used = Counter(bundle.assignments["hall"])
    shared, mixed = rooms_shared_and_mixed(bundle)
    return pd.DataFrame([dict(hall=h, rooms=room_count[h], beds=int(beds.get(h, 0)), used=used[h],
                              shared=shared[h], mixed=mixed[h]) for h in halls],
                        columns=["hall", "rooms", "beds", "used", "shared", "mixed"])


def rooms_shared_and_mixed(bundle: Bundle) -> tuple[Counter, Counter]:
    """Per hall: rooms with two or more residents, and rooms with a local and a non-local resident."""
    student_type = _by_id(bundle.applications, "student_type")
    placed = bundle.assignments.assign(type=bundle.assignments["applicant_id"].map(student_type))
    shared, mixed = Counter(), Counter()
    for (hall, _), room in placed.groupby(["hall", "room_id"], sort=True):
        shared[hall] += len(room) >= 2
        mixed[hall] += {"local", "non_local"} <= set(room["type"])
    return shared, mixed


def occupancy_plot(halls: pd.DataFrame) -> str:
    """Beds used out of beds, per hall."""
    if halls.empty:
        return '<p class="note">The bundle holds no room inventory.</p>'
    return _part_of_whole_plot(halls["hall"], halls["used"], halls["beds"], ("beds used", "beds"), OFFERED,
                               "beds", "occupancy", "Beds used out of beds, by hall.")


# -- roommates and mixing ---------------------------------------------------------------------


def roommates_section(bundle: Bundle) -> str:
    """Mutual roommate requests honoured, why the others were not, and local/non-local mixing."""
    counts = bundle.manifest.get("counts", {})
    together, possible = counts.get("mutual_pairs_together"), counts.get("mutual_pairs_possible")
    mixed, bound = counts.get("mixed_rooms"), counts.get("mixed_rooms_upper_bound")
    summary = _table(["result", "achieved", "of", "share"], [
        ["mutual roommate pairs sharing a room (both offered, one gender)", together, possible,
         _percent(together or 0, possible or 0)],
        ["rooms with a local and a non-local resident (against the upper bound)", mixed, bound,
         _percent(mixed or 0, bound or 0)],
    ], numeric=(1, 2, 3))
    reasons = sorted(Counter(bundle.unmatched["reason"]).items(), key=lambda kv: (-kv[1], kv[0]))
    unmatched = '<p class="note">Every mutual request was honoured.</p>'
    if reasons:
        unmatched = _table(["reason (unmatched_roommates.csv)", "requests"], list(map(list, reasons)),
                           numeric=(1,))
    halls = hall_occupancy(bundle)
    per_hall = _table(["hall", "rooms shared", "mixed rooms"],
                      [[r.hall, r.shared, r.mixed] for r in halls.itertuples() if r.shared], numeric=(1, 2))
    return "\n".join([summary, '<p class="note">The upper bound is the sum over genders of the smaller of '
                      "local and non-local offers: no placement can do better.</p>",
                      unmatched, mixing_plot(halls), per_hall])


def mixing_plot(halls: pd.DataFrame) -> str:
    """Rooms with a local and a non-local resident out of rooms with two or more residents, per hall."""
    halls = halls[halls["shared"] > 0]
    if halls.empty:
        return '<p class="note">No room is shared.</p>'
    return _part_of_whole_plot(halls["hall"], halls["mixed"], halls["shared"], ("local and non-local",
                               "rooms shared"), MIXED, "rooms", "mixing",
                               "Rooms with a local and a non-local resident, out of rooms shared, by hall.")


# -- preferences ------------------------------------------------------------------------------


def preferences_section(bundle: Bundle) -> str:
    """Hall preferences met by rank band (pairs at the worse rank), and room-type wishes met."""
    units = placed_units(bundle)
    bands = preference_bands(units)
    rows = [[r.pool, r.band, r.units, r.first, _percent(r.first, r.units), r.any, _percent(r.any, r.units)]
            for r in bands.itertuples()]
    asked = units[units["wish"].isin(["double", "triple"])]
    met = int((asked["wish"] == asked["got"]).sum())
    return "\n".join([
        preferences_plot(bands),
        _table(["pool", "ranks", "with a hall list", "first choice", "%", "a listed hall", "%"], rows,
               numeric=(2, 3, 4, 5, 6)),
        f"<p>Room-type wishes (double or triple) met: <strong>{met:,}</strong> of {len(asked):,} "
        f"({_e(_percent(met, len(asked)))}).</p>",
    ])


def placed_units(bundle: Bundle) -> pd.DataFrame:
    """Each placed unit with pool, rank, hall wishes, hall got, room-type wish and room type got.

    A unit is a mutual pair sharing a room (at the worse rank of the two, with the wishes of the
    better-ranked member, as the allocation placed it) or one person.
    """
    request = _by_id(bundle.applications, "roommate_request")
    halls_wished = _by_id(bundle.applications, "hall_preferences")
    room_type_wished = _by_id(bundle.applications, "room_type_preference")
    rank = pd.to_numeric(bundle.ranking.set_index("applicant_id")["rank"], errors="coerce")
    room_type = bundle.rooms.drop_duplicates("room_id").set_index("room_id")["room_type"]
    placed = bundle.assignments.assign(rank=bundle.assignments["applicant_id"].map(rank))
    room_of = dict(zip(placed["applicant_id"], placed["room_id"]))
    rows, seen = [], set()
    ordered = placed.sort_values(["pool", "rank"], kind="stable")
    ordered = ordered[["applicant_id", "pool", "hall", "room_id", "rank"]]
    for a, pool, hall, room, r in ordered.itertuples(index=False):
        if a in seen:
            continue
        b = request.get(a, "")
        partner = b if b and b != a and request.get(b) == a and room_of.get(b) == room else ""
        seen.update({a, partner})
        rows.append(dict(pool=pool, rank=max(r, rank.get(partner, r)) if partner else r, hall=hall,
                         halls=[h.strip() for h in halls_wished.get(a, "").split(";") if h.strip()],
                         wish=room_type_wished.get(a, ""), got=room_type.get(room, "")))
    return pd.DataFrame(rows, columns=["pool", "rank", "halls", "hall", "wish", "got"])


def _band_width(largest_rank: float) -> int:
    """A round band width giving at most six bands (1,000 for a cohort of 6,000)."""
    for width in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if largest_rank / width <= 6:
            return width
    return 20000


def preference_bands(units: pd.DataFrame) -> pd.DataFrame:
    """Per pool and rank band: units with a hall list, given their first choice, given a listed hall."""
    listed = units[units["halls"].map(bool) & units["rank"].notna()]
    if listed.empty:
        return pd.DataFrame(columns=["pool", "band", "units", "first", "any"])
    width = _band_width(listed["rank"].max())
    frame = listed.assign(start=((listed["rank"] - 1) // width * width).astype(int),
                          first=[h == wished[0] for h, wished in zip(listed["hall"], listed["halls"])],
                          any=[h in wished for h, wished in zip(listed["hall"], listed["halls"])])
    bands = (frame.groupby(["pool", "start"], sort=True)
             .agg(units=("first", "size"), first=("first", "sum"), any=("any", "sum")).reset_index())
    bands["band"] = [f"{s + 1:,}-{s + width:,}" for s in bands["start"]]
    return bands[["pool", "band", "units", "first", "any"]]


def preferences_plot(bands: pd.DataFrame) -> str:
    """Grouped bars per pool and rank band: share given their first choice and a listed hall."""
    if bands.empty:
        return '<p class="note">No placed applicant listed hall preferences.</p>'
    labels = [_label(f"{r.pool}\n{r.band}") for r in bands.itertuples()]
    x = list(range(len(labels)))
    figure = _new_figure(max(6, 1.1 * len(labels) + 1.5), 3.6)
    axes = figure.subplots()
    axes.bar([i - 0.2 for i in x], 100 * bands["first"] / bands["units"], width=0.4, color=OFFERED,
             label="first choice")
    axes.bar([i + 0.2 for i in x], 100 * bands["any"] / bands["units"], width=0.4, color=LISTED,
             label="a listed hall")
    axes.set_xticks(x, labels, fontsize=8)
    axes.set_ylim(0, 110)
    axes.set_yticks([0, 25, 50, 75, 100])
    axes.set_ylabel("% of units with a hall list")
    _legend_above(axes)
    return _figure(figure, "preferences", "Hall preferences met by pool and rank band "
                                          "(a mutual pair counts once, at the worse rank of the two).")


# -- for review -------------------------------------------------------------------------------


def review_section(bundle: Bundle) -> str:
    """Rejected input rows (without their values) and travel-time fallbacks to check."""
    return "\n".join([rejects_part(bundle.rejects), travel_part(bundle.scores)])


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def withhold_values(error: str) -> str:
    """An error message with every quoted value replaced by "(value)": a value may be personal."""
    return _QUOTED.sub("(value)", error)


def rejects_part(rejects: pd.DataFrame) -> str:
    """rejects.csv counted by file and column, then its rows (row, file, column, error)."""
    if rejects.empty:
        return "<h3>Rejected input rows</h3>\n<p>No problems: every input row was used.</p>"
    by_column = sorted(Counter(zip(rejects["file"], rejects["column"])).items())
    shown = rejects.head(REJECTS_SHOWN)[["row", "file", "column", "error"]]
    rows = [[row, file, column, withhold_values(error)]
            for row, file, column, error in shown.itertuples(index=False)]
    problem_rows = len(rejects[["file", "row"]].drop_duplicates())
    more = (f'<p class="note">The first {REJECTS_SHOWN:,} of {len(rejects):,} problems; the rest are in '
            "rejects.csv.</p>" if len(rejects) > REJECTS_SHOWN else "")
    return "\n".join([
        f"<h3>Rejected input rows</h3>\n<p>{len(rejects):,} problems on {problem_rows:,} rows. "
        "Values are left out here (they may be personal): read them in rejects.csv.</p>",
        _table(["file", "column", "problems"], [[f, c, n] for (f, c), n in by_column], numeric=(2,)),
        _table(["row", "file", "column", "error"], rows), more,
    ])


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


def travel_part(scores: pd.DataFrame) -> str:
    """scores.csv rows with a travel_note: counted by kind, then the applicant ids of each kind."""
    noted = scores[scores["travel_note"].map(lambda note: bool(str(note).strip()))]
    if noted.empty:
        return ("<h3>Travel-time fallbacks</h3>\n<p>No notes: every applicant's travel minutes came from an "
                "override, Google, the cache or the district table as planned.</p>")
    groups = sorted(noted.groupby(noted["travel_note"].map(note_kind))["applicant_id"],
                    key=lambda kv: (-len(kv[1]), kv[0]))
    lists = "\n".join(f"<p><strong>{_e(kind)}</strong> ({len(ids):,}):</p>\n"
                      f'<p class="ids">{" ".join(_e(i) for i in sorted(ids))}</p>' for kind, ids in groups)
    return "\n".join([
        f"<h3>Travel-time fallbacks</h3>\n<p>{len(noted):,} applicants' travel minutes carry a note "
        "(travel_note in scores.csv) and need a look. Place names are left out here.</p>",
        _table(["note", "applicants"], [[kind, len(ids)] for kind, ids in groups], numeric=(1,)),
        lists,
    ])


# -- HTML and plotting helpers ----------------------------------------------------------------


def _e(value) -> str:
    return html.escape(str(value))


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


def _table(header: list[str], rows: list[list], numeric: tuple[int, ...] = ()) -> str:
    """An HTML table; the ``numeric`` columns are formatted as numbers and right-aligned."""
    def cell(tag: str, i: int, text: str) -> str:
        return f'<{tag} class="num">{_e(text)}</{tag}>' if i in numeric else f"<{tag}>{_e(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, _number(v) if i in numeric else v)
                                    for i, v in enumerate(row)) + "</tr>\n" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody></table>"


def _label(text: str) -> str:
    """Plot text taken literally (matplotlib would read ``$...$`` as mathematics)."""
    return str(text).replace("$", r"\$")


def _new_figure(width: float, height: float) -> Figure:
    """A figure made without pyplot: no GUI backend, no global figure registry."""
    figure = Figure(figsize=(width, height), dpi=72)
    figure.set_layout_engine("constrained")
    return figure


def _bar_rows(labels, xlabel: str) -> tuple[Figure, Axes, list[int]]:
    """A figure for one horizontal bar per label, top to bottom: (figure, axes, y positions)."""
    positions = list(range(len(labels)))[::-1]
    figure = _new_figure(8, 1.0 + 0.3 * len(labels))
    axes = figure.subplots()
    axes.set_yticks(positions, [_label(t) for t in labels], fontsize=8)
    axes.set_xlabel(xlabel)
    axes.margins(x=0.15)
    return figure, axes, positions


def _legend_above(axes: Axes) -> None:
    """The legend in one row above the plot, and no top or right frame."""
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)


def _part_of_whole_plot(labels, part, whole, names: tuple[str, str], color: str, xlabel: str, name: str,
                        caption: str) -> str:
    """Horizontal bars: each label's whole (light) with its part drawn over it, numbered part / whole."""
    figure, axes, positions = _bar_rows(list(labels), xlabel)
    axes.barh(positions, list(whole), color=LIGHT, label=names[1])
    axes.barh(positions, list(part), color=color, height=0.5, label=names[0])
    for y, p, w in zip(positions, part, whole):
        axes.text(max(p, w), y, f"  {p:,} / {w:,}", va="center", fontsize=8)
    _legend_above(axes)
    return _figure(figure, name, caption)


def _figure(figure: Figure, name: str, caption: str) -> str:
    """The plot as inline SVG with its caption (also the SVG's accessible label)."""
    return f"<figure>{_svg(figure, name, caption)}<figcaption>{_e(caption)}</figcaption></figure>"


_SVG_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')
_GROUP_IDS = re.compile(r'<g id="[^"]*"')


def _svg(figure: Figure, name: str, label: str) -> str:
    """``figure`` as inline SVG markup, byte-identical for the same content.

    Referenced ids (clip paths, markers) are salted with the plot's name, so no two plots of a
    page share one; the groups' ids, referenced by nothing, are dropped. SVG inside HTML needs no
    namespace declarations, so they go too and the page names no URL at all.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"psm-report-{name}", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight",
                       metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = _GROUP_IDS.sub("<g", _SVG_NAMESPACES.sub("", text[text.index("<svg"):].strip()))
    return text.replace("<svg ", f'<svg role="img" aria-label="{_e(label)}" ', 1)
