"""The statistics of a run, each in one place: what the printed summary, the manifest's counts,
``report.html`` and the what-if comparisons show.

Every function is pure and reads :class:`RunTables`, the run's results in one normalised shape,
made either from a run in memory (:func:`tables_of`) or from a bundle's files
(:func:`read_tables`), so a figure printed at the end of ``psm run`` is the figure the report
shows months later.

- **cut-offs** per pool, tier and gender (:func:`tier_cutoffs`) and where each pool and gender's
  waitlist starts (:func:`waitlist_starts`): the lowest score holding a place, the best score
  waiting, and the places held below the first waitlisted applicant (beds the waitlisted could
  not use: a college room, an accessible room, a suite's last bed);
- **mutual roommate requests** (:func:`mutual_pairs`): pairs with both holding a place and of one
  gender, and how many share a room;
- **mixing** (:func:`mixing`): rooms with a local and a non-local resident, against the upper
  bound, the sum over genders of min(local placed, non-local placed): no placement does better;
- **hall preferences met by rank band** (:func:`preference_bands`): each placed unit (a mutual
  pair sharing a room counts once, at the worse rank, with the better-ranked member's wishes)
  given its first choice or a listed hall, in bands of a round width giving at most six bands;
- **room-type wishes met** (:func:`room_type_wishes`), **occupancy by hall**
  (:func:`hall_occupancy`), scored applicants by status (:func:`scored_with_status`);
- **residential-college beds** (:func:`college_beds`): per college, its beds, those held by
  members and by non-members (section 7: beds members left empty, released to applicants who
  listed the college; or a member's roommate under the HAC's switch), and those empty;
- applicants **referred** to the University's special arrangement (:func:`referred`) and those
  with a scheme flag that cannot apply, **flagged for review** (:func:`flagged_for_review`);
- the manifest's **counts** (:func:`run_counts`).

A place is held by an applicant ``offered`` in this round or ``accepted`` in an earlier one.
Nothing personal is read: of the applications only id, gender, student type, roommate request
hall and room-type wishes and college membership.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from psm.io import read_table

__all__ = ["RunTables", "APPLICATION_COLUMNS", "ROOM_COLUMNS", "RANKED_STATUSES", "PLACED", "tables_of",
           "read_tables", "tier_cutoffs", "waitlist_starts", "mutual_pairs", "mixing", "preference_bands",
           "placed_units", "band_width", "room_type_wishes", "hall_occupancy", "scored_with_status",
           "shown_statuses", "referred", "flagged_for_review", "college_beds", "run_counts"]

#: The only columns of the applications the statistics (and the report) read.
APPLICATION_COLUMNS = ("applicant_id", "gender", "student_type", "roommate_request", "hall_preferences",
                       "room_type_preference", "college")
ROOM_COLUMNS = ("room_id", "hall", "room_type", "beds", "college")
RANKING_COLUMNS = ("applicant_id", "pool", "tier", "rank", "score", "status")
ASSIGNMENT_COLUMNS = ("applicant_id", "pool", "hall", "room_id")
SCORE_COLUMNS = ("applicant_id", "track", "total_points", "ineligible_reason", "travel_note", "review_note")
REJECT_COLUMNS = ("row", "column", "error", "file")
UNMATCHED_COLUMNS = ("applicant_id", "roommate_request", "reason")
#: Statuses of applicants who hold or await a place, in the order they are shown.
RANKED_STATUSES = ("offered", "accepted", "waitlisted")
PLACED = ("offered", "accepted")
WAITLIST_COLUMNS = ("pool", "gender", *RANKED_STATUSES, "waitlist_from_rank", "tier", "score", "placed_below")
CUTOFF_COLUMNS = ("pool", "tier", "gender", "order", "first_rank", *RANKED_STATUSES, "lowest_placed",
                  "best_waitlisted")


@dataclass(frozen=True)
class RunTables:
    """A run's results, normalised: text columns as ``str`` (empty for none), ``rank``, ``score``,
    ``total_points`` and ``beds`` as numbers (NaN for none), ``hall_preferences`` as a tuple.

    ``applicants`` holds each id once (an id on two rows was rejected and never ranked).
    ``derived`` keeps what :func:`_kept` functions worked out from these tables (read it only)."""

    ranking: pd.DataFrame
    applicants: pd.DataFrame
    assignments: pd.DataFrame
    rooms: pd.DataFrame
    scores: pd.DataFrame
    rejects: pd.DataFrame
    unmatched: pd.DataFrame
    derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)


def _kept(function):
    """``function(tables)`` worked out once per :class:`RunTables` (the report and the summary
    ask for some figures from two places); the frame given back is shared: read it only."""

    @functools.wraps(function)
    def kept(tables: RunTables):
        if function.__name__ not in tables.derived:
            tables.derived[function.__name__] = function(tables)
        return tables.derived[function.__name__]

    return kept


# -- making the tables ------------------------------------------------------------------------


def tables_of(ranking: pd.DataFrame, applications: pd.DataFrame, assignments: pd.DataFrame,
              rooms: pd.DataFrame, scores: pd.DataFrame, rejects: pd.DataFrame,
              unmatched: pd.DataFrame) -> RunTables:
    """:class:`RunTables` from frames in memory (the engine's own dtypes); None for a table the
    caller does not have (e.g. ``psm allocate`` has no scores)."""
    return _normalised(ranking, applications, assignments, rooms, scores, rejects, unmatched)


def read_tables(run_dir: Path, manifest: dict) -> RunTables:
    """:class:`RunTables` from a bundle's files; a missing file reads as empty. Of the inputs kept
    in ``inputs/`` only :data:`APPLICATION_COLUMNS` and :data:`ROOM_COLUMNS` are read."""
    return _normalised(
        _csv(run_dir / "ranking.csv", RANKING_COLUMNS),
        _input(run_dir, manifest, "applications", APPLICATION_COLUMNS),
        _csv(run_dir / "assignments.csv", ASSIGNMENT_COLUMNS),
        _input(run_dir, manifest, "rooms", ROOM_COLUMNS),
        _csv(run_dir / "scores.csv", SCORE_COLUMNS),
        _csv(run_dir / "rejects.csv", REJECT_COLUMNS),
        _csv(run_dir / "unmatched_roommates.csv", UNMATCHED_COLUMNS),
    )


def _normalised(ranking, applications, assignments, rooms, scores, rejects, unmatched) -> RunTables:
    applicants = _text(applications, APPLICATION_COLUMNS, keep="hall_preferences")
    applicants["hall_preferences"] = applicants["hall_preferences"].map(_halls)
    applicants = applicants.drop_duplicates("applicant_id", keep=False).reset_index(drop=True)
    return RunTables(
        ranking=_numbers(_text(ranking, RANKING_COLUMNS, keep=("rank", "score")), ("rank", "score")),
        applicants=applicants,
        assignments=_text(assignments, ASSIGNMENT_COLUMNS),
        rooms=_numbers(_text(rooms, ROOM_COLUMNS, keep="beds"), ("beds",)),
        scores=_numbers(_text(scores, SCORE_COLUMNS, keep="total_points"), ("total_points",)),
        rejects=_text(rejects, REJECT_COLUMNS, keep="row"),
        unmatched=_text(unmatched, UNMATCHED_COLUMNS),
    )


def _text(frame: pd.DataFrame | None, columns: tuple[str, ...], keep: str | tuple[str, ...] = ()) -> pd.DataFrame:
    """``columns`` of ``frame`` (a missing one as empty, no frame as no rows); as text with "" for
    none, except ``keep``."""
    keep = (keep,) if isinstance(keep, str) else keep
    frame = pd.DataFrame() if frame is None else frame
    out = {}
    for c in columns:
        values = frame[c] if c in frame else pd.Series("", index=frame.index, dtype=object)
        out[c] = values if c in keep else _as_text(values)
    return pd.DataFrame(out, index=frame.index, columns=list(columns)).reset_index(drop=True)


def _as_text(values: pd.Series) -> pd.Series:
    """Each cell as ``str(cell)``, ``""`` for a missing one (None, NaN, NA)."""
    if values.empty:
        return values.map(str)  # the dtype pandas gives a mapped column (object or str), as for one with rows
    text = values.astype(str)  # missing cells stay missing
    return text.fillna("") if text.hasnans else text


def _numbers(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``columns`` as floats: a blank or missing cell, or one that is not a number, as NaN."""
    return frame.assign(**{c: pd.to_numeric(frame[c].where(_as_text(frame[c]) != ""), errors="coerce").astype(float)
                           for c in columns})


def _halls(value) -> tuple[str, ...]:
    if isinstance(value, tuple | list):
        return tuple(value)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ()
    return tuple(filter(None, map(str.strip, str(value).split(";"))))


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns), dtype=object)


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.exists():
        return _empty(columns)
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in columns)


def _input(run_dir: Path, manifest: dict, role: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Only ``columns`` of an input kept in ``inputs/`` (CSV or XLSX), as text."""
    entry = manifest.get("inputs", {}).get(role, {})
    candidates = [run_dir / entry["file"]] if "file" in entry else []
    candidates += sorted((run_dir / "inputs").glob(f"{role}.*"))
    path = next((p for p in candidates if p.exists()), None)
    if path is None:
        return _empty(columns)
    table = read_table(path)

    def column(c: str) -> list[str]:
        return list(table.column(c).cells()) if c in table.header else [""] * len(table)

    return pd.DataFrame({c: column(c) for c in columns}, columns=list(columns), dtype=object)


# -- cut-offs ---------------------------------------------------------------------------------


def shown_statuses(tables: RunTables) -> list[str]:
    """offered, accepted (a later offer round's residents, when there are any) and waitlisted."""
    present = set(tables.ranking["status"].unique())
    return [s for s in RANKED_STATUSES if s != "accepted" or s in present]


def _ranked_with_gender(tables: RunTables) -> pd.DataFrame:
    """Rows holding or awaiting a place with their gender, by pool (in the ranking's order) then rank."""
    ranking = tables.ranking
    ranked = ranking[ranking["status"].isin(RANKED_STATUSES)]
    gender = tables.applicants.set_index("applicant_id")["gender"]
    pool_order = {pool: i for i, pool in enumerate(ranking["pool"].unique())}
    ranked = ranked.assign(gender=ranked["applicant_id"].map(gender).fillna("?"),
                           pool_order=ranked["pool"].map(pool_order))
    return ranked.sort_values(["pool_order", "rank"], kind="stable")


def tier_cutoffs(tables: RunTables) -> pd.DataFrame:
    """Per pool (ranking order), tier (rank order) and gender: each status's count, the lowest
    score holding a place and the best score waitlisted (NaN where there is none)."""
    ranked = _ranked_with_gender(tables)
    if ranked.empty:
        return _empty(CUTOFF_COLUMNS).drop(columns=["order", "first_rank"])
    status = ranked["status"]
    groups = ranked.assign(**{s: status == s for s in RANKED_STATUSES},
                           lowest_placed=ranked["score"].where(status.isin(PLACED)),
                           best_waitlisted=ranked["score"].where(status == "waitlisted"),
                           ).groupby(["pool_order", "tier", "gender"], sort=False)
    frame = pd.concat([groups["pool"].first(), groups["rank"].min().rename("first_rank"),
                       groups[list(RANKED_STATUSES)].sum().astype(int), groups["lowest_placed"].min(),
                       groups["best_waitlisted"].max()], axis=1).reset_index()
    tier_start = frame.groupby(["pool_order", "tier"], sort=False)["first_rank"].transform("min")
    return (frame.assign(tier_start=tier_start).sort_values(["pool_order", "tier_start", "gender"], kind="stable")
            [["pool", "tier", "gender", *RANKED_STATUSES, "lowest_placed", "best_waitlisted"]].reset_index(drop=True))


def waitlist_starts(tables: RunTables) -> pd.DataFrame:
    """Per pool and gender (pools by name): each status's count and, where there is a waitlist,
    the rank, tier and score where it starts and how many hold a place though ranked below it."""
    ranked = _ranked_with_gender(tables)
    if ranked.empty:
        return _empty(WAITLIST_COLUMNS)
    keys, status = ["pool", "gender"], ranked["status"]
    counts = ranked.assign(**{s: status == s for s in RANKED_STATUSES}).groupby(keys, sort=True)[
        list(RANKED_STATUSES)].sum().astype(int).reset_index()
    first = (ranked[status == "waitlisted"].drop_duplicates(keys)[[*keys, "rank", "tier", "score"]]
             .rename(columns={"rank": "waitlist_from_rank"}))
    ranked = ranked.merge(first[[*keys, "waitlist_from_rank"]], on=keys, how="left")
    below = (ranked["status"].isin(PLACED) & (ranked["rank"] > ranked["waitlist_from_rank"])).groupby(
        [ranked[k] for k in keys]).sum().rename("placed_below").astype(int).reset_index()
    frame = counts.merge(first, on=keys, how="left").merge(below, on=keys, how="left")
    return frame.assign(tier=frame["tier"].fillna(""))[list(WAITLIST_COLUMNS)]


# -- roommates and mixing ---------------------------------------------------------------------


def _placed_ids(tables: RunTables) -> set[str]:
    ranking = tables.ranking
    return set(ranking.loc[ranking["status"].isin(PLACED), "applicant_id"].tolist())


def _by_id(frame: pd.DataFrame, column: str) -> dict:
    """``column`` of ``frame`` by applicant id (a plain dict: read once per row of a loop)."""
    return dict(zip(frame["applicant_id"].tolist(), frame[column].tolist()))


def mutual_pairs(tables: RunTables) -> tuple[int, int]:
    """(pairs possible, pairs sharing a room): mutual requests with both placed and of one gender."""
    request, gender = _by_id(tables.applicants, "roommate_request"), _by_id(tables.applicants, "gender")
    placed = _placed_ids(tables)
    possible = {tuple(sorted((a, b))) for a, b in request.items()
                if b and a in placed and b in placed and request.get(b) == a and gender[a] == gender[b]}
    room = _by_id(tables.assignments, "room_id")
    return len(possible), sum(1 for a, b in possible if room.get(a) == room.get(b))


def _rooms(tables: RunTables, keys: list[str]) -> pd.DataFrame:
    """Per room (grouped by ``keys``) holding anyone: ``residents`` and ``mixed`` (a local and a
    non-local resident)."""
    assignments = tables.assignments
    student_type = assignments["applicant_id"].map(_by_id(tables.applicants, "student_type"))
    return (assignments.assign(local=student_type == "local", non_local=student_type == "non_local")
            .groupby(keys, sort=True).agg(residents=("local", "size"), local=("local", "any"),
                                          non_local=("non_local", "any"))
            .assign(mixed=lambda rooms: rooms["local"] & rooms["non_local"]))


def mixing(tables: RunTables) -> tuple[int, int]:
    """(rooms with a local and a non-local resident, the upper bound over genders)."""
    mixed = int(_rooms(tables, ["room_id"])["mixed"].sum())
    apps = tables.applicants[tables.applicants["applicant_id"].isin(_placed_ids(tables))]
    counts = Counter(zip(apps["gender"].tolist(), apps["student_type"].tolist()))
    bound = sum(min(counts[g, "local"], counts[g, "non_local"]) for g in sorted(set(apps["gender"])))
    return mixed, bound


# -- preferences ------------------------------------------------------------------------------


@_kept
def placed_units(tables: RunTables) -> pd.DataFrame:
    """Each placed unit: pool, rank, hall wishes, hall got, room-type wish and room type got.

    A unit is a mutual pair sharing a room (at the worse rank of the two, with the wishes of the
    better-ranked member, as the allocation placed it) or one person, in order of pool and rank.
    """
    apps = tables.applicants
    request, halls, wish = (_by_id(apps, c) for c in ("roommate_request", "hall_preferences", "room_type_preference"))
    rank = _by_id(tables.ranking, "rank")
    room_type = dict(zip(tables.rooms["room_id"].tolist()[::-1], tables.rooms["room_type"].tolist()[::-1]))  # first row
    placed = tables.assignments.assign(rank=tables.assignments["applicant_id"].map(rank))
    room_of = _by_id(placed, "room_id")
    rows, seen = [], set()
    ordered = placed.sort_values(["pool", "rank"], kind="stable")
    for a, pool, hall, room, r in zip(*(ordered[c].tolist() for c in ("applicant_id", "pool", "hall", "room_id", "rank"))):
        if a in seen:
            continue
        b = request.get(a, "")
        partner = b if b and b != a and request.get(b) == a and room_of.get(b) == room else ""
        seen.update({a, partner})
        rows.append(dict(pool=pool, rank=max(r, rank.get(partner, r)) if partner else r, hall=hall,
                         halls=halls.get(a, ()), wish=wish.get(a, ""), got=room_type.get(room, "")))
    return pd.DataFrame(rows, columns=["pool", "rank", "halls", "hall", "wish", "got"])


def band_width(largest_rank: float) -> int:
    """A round band width giving at most six bands (1,000 for a cohort of 6,000)."""
    for width in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000):
        if largest_rank / width <= 6:
            return width
    return 100000


def preference_bands(tables: RunTables) -> pd.DataFrame:
    """Per pool and rank band: units with a hall list (``units``), given their first choice
    (``first``), given a listed hall (``any``). ``band`` reads e.g. ``1001-2000``."""
    units = placed_units(tables)
    listed = units[units["halls"].map(bool) & units["rank"].notna()]
    if listed.empty:
        return pd.DataFrame(columns=["pool", "band", "units", "first", "any"])
    width = band_width(listed["rank"].max())
    got, wished = listed["hall"].tolist(), listed["halls"].tolist()
    frame = listed.assign(start=((listed["rank"] - 1) // width * width).astype(int),
                          first=[h == w[0] for h, w in zip(got, wished)], any=[h in w for h, w in zip(got, wished)])
    bands = (frame.groupby(["pool", "start"], sort=True)
             .agg(units=("first", "size"), first=("first", "sum"), any=("any", "sum")).reset_index())
    bands["band"] = [f"{s + 1}-{s + width}" for s in bands["start"]]
    return bands[["pool", "band", "units", "first", "any"]]


def room_type_wishes(tables: RunTables) -> tuple[int, int]:
    """(units wishing a double or a triple, units given the room type they wished)."""
    units = placed_units(tables)
    asked = units[units["wish"].isin(["double", "triple"])]
    return len(asked), int((asked["wish"] == asked["got"]).sum())


# -- occupancy and scores ---------------------------------------------------------------------


@_kept
def hall_occupancy(tables: RunTables) -> pd.DataFrame:
    """Per hall (inventory order): rooms, beds, beds used, rooms shared (two or more residents) and
    rooms mixed (a local and a non-local resident)."""
    rooms = tables.rooms.assign(beds=tables.rooms["beds"].fillna(0).astype(int))
    assignments = tables.assignments
    halls = list(dict.fromkeys([*rooms["hall"].unique(), *assignments["hall"].unique()]))
    room_count, used = Counter(rooms["hall"].tolist()), Counter(assignments["hall"].tolist())
    beds = rooms.groupby("hall")["beds"].sum()
    per_room = _rooms(tables, ["hall", "room_id"]).assign(shared=lambda r: r["residents"] >= 2)
    shared, mixed = (per_room.groupby(level="hall")[c].sum() for c in ("shared", "mixed"))
    return pd.DataFrame([dict(hall=h, rooms=room_count[h], beds=int(beds.get(h, 0)), used=used[h],
                              shared=int(shared.get(h, 0)), mixed=int(mixed.get(h, 0))) for h in halls],
                        columns=["hall", "rooms", "beds", "used", "shared", "mixed"])


def scored_with_status(tables: RunTables) -> pd.DataFrame:
    """Applicants with points: track, points and ranking status, tracks in the order of scores.csv."""
    status = tables.ranking.set_index("applicant_id")["status"]
    scores = tables.scores[tables.scores["total_points"].notna()]
    return pd.DataFrame({"track": scores["track"], "points": scores["total_points"],
                         "status": scores["applicant_id"].map(status).fillna("not ranked")})


def referred(tables: RunTables) -> pd.DataFrame:
    """Applicants referred to the University's special arrangement (policy section A: full-time,
    outside the eligible groups, with exceptional needs; status ``referred`` in ranking.csv), by
    id, with why they are outside the groups (``reason``: scores.csv's ``ineligible_reason``)."""
    ranking = tables.ranking
    ids = sorted(ranking.loc[ranking["status"] == "referred", "applicant_id"].tolist())
    reason = _by_id(tables.scores, "ineligible_reason")
    return pd.DataFrame({"applicant_id": ids, "reason": [reason.get(i, "") for i in ids]},
                        columns=["applicant_id", "reason"])


def flagged_for_review(tables: RunTables) -> pd.DataFrame:
    """Applicants with a scheme flag that cannot apply (``review_note`` of scores.csv; policy
    section 5: SRS or RSCRC off the readmission track, RSCRC without membership), by id."""
    scores = tables.scores
    return scores.loc[scores["review_note"] != "", ["applicant_id", "review_note"]].sort_values(
        "applicant_id", kind="stable").reset_index(drop=True)


def college_beds(tables: RunTables) -> pd.DataFrame:
    """Per residential college (by name): its beds, those held by members, by non-members, and empty."""
    rooms = tables.rooms[tables.rooms["college"] != ""].drop_duplicates("room_id")
    member_of = tables.applicants.set_index("applicant_id")["college"]
    held = tables.assignments.merge(rooms[["room_id", "college"]], on="room_id")
    held = held.assign(member=held["applicant_id"].map(member_of).fillna("") == held["college"])
    rows = []
    for college, group in rooms.groupby("college", sort=True):
        here = held[held["college"] == college]
        beds = int(group["beds"].fillna(0).sum())
        rows.append(dict(college=college, beds=beds, members=int(here["member"].sum()),
                         non_members=int((~here["member"]).sum()), empty=beds - len(here)))
    return pd.DataFrame(rows, columns=["college", "beds", "members", "non_members", "empty"])


# -- the manifest's counts --------------------------------------------------------------------


def run_counts(tables: RunTables, applicants: int, rejected_rows: int, tracks: pd.Series,
               beds_by_pool: dict[str, int], rooms: int) -> dict:
    """The counts a run's manifest records (no personal data)."""
    possible, together = mutual_pairs(tables)
    mixed, bound = mixing(tables)
    return {
        "applicants": applicants,
        "rejected_rows": rejected_rows,
        "tracks": dict(sorted(Counter(tracks).items())),
        "statuses": dict(sorted(Counter(tables.ranking["status"].tolist()).items())),
        "referred": len(referred(tables)),
        "flagged_for_review": len(flagged_for_review(tables)),
        "assigned": len(tables.assignments),
        "rooms": rooms,
        "beds_by_pool": beds_by_pool,
        "mutual_pairs_together": together,
        "mutual_pairs_possible": possible,
        "mixed_rooms": mixed,
        "mixed_rooms_upper_bound": bound,
        "college_beds_to_non_members": {row.college: row.non_members for row in college_beds(tables).itertuples()},
    }
