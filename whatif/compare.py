"""Two outcomes side by side: who gains or loses a place, cut-off shifts, and breakdowns.

The rules (``before`` is the baseline, ``after`` the what-if):

- an applicant **holds a place** when offered one in the round compared or, in a later offer
  round (:func:`whatif.run_round`), as a resident who accepted an earlier offer (status
  ``accepted``: :data:`hac.stats.PLACED`); residents hold theirs on both sides, so what changes is
  who gets the round's new offers;
- an applicant **gains** a place when holding one after but not before, **loses** one when
  holding one before but not after; ``keeps`` and ``still_out`` are the rest (an applicant in only
  one of the cohorts counts as holding none in the other, with status ``absent``);
- **cut-offs** per pool x tier x gender, as ``report.html`` reads them: the lowest score offered
  and the best score waitlisted, before and after, and the shift of the lowest score offered
  (after - before; negative: the bar is lower); in a later round, of the round's new offers (the
  residents left out). Pools ranked by lottery have no scores;
- **breakdowns** by any applicant column (``district``, ``housing_type``, ``student_type`` for
  local/non-local, ``gender``, ``pool``, ``tier``): applicants, offers before and after, gains,
  losses, the net change and the mean score before and after (``offered_before`` and
  ``offered_after`` count the places held). An empty district or housing type (non-local,
  exchange and research students give none) is shown as "(none)".

Tables hold counts, scores and applicant ids only: nothing personal is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hac.stats import PLACED, tables_of, tier_cutoffs
from whatif.outcome import Outcome

__all__ = ["Comparison", "compare", "cutoffs", "BREAKDOWNS"]

#: The breakdowns the committee reads (``student_type`` is local / non-local / exchange / research).
BREAKDOWNS = ("district", "housing_type", "student_type", "gender")
CHANGES = ("gains", "loses", "keeps", "still_out")


@dataclass(frozen=True)
class Comparison:
    """``changes``: one row per applicant (either cohort): pool, tier, score, rank and status
    before and after, and ``change``. ``cutoffs``: per pool x tier x gender, before and after."""

    before_label: str
    after_label: str
    changes: pd.DataFrame
    cutoffs: pd.DataFrame
    applicants: pd.DataFrame  # breakdown columns, one row per applicant_id (after's, else before's)

    @property
    def gains(self) -> pd.DataFrame:
        """Applicants holding a place after but not before."""
        return self.changes[self.changes["change"] == "gains"].reset_index(drop=True)

    @property
    def losses(self) -> pd.DataFrame:
        """Applicants holding a place before but not after."""
        return self.changes[self.changes["change"] == "loses"].reset_index(drop=True)

    def summary(self) -> pd.Series:
        """How many gain, lose, keep a place or stay without one."""
        return self.changes["change"].value_counts().reindex(list(CHANGES), fill_value=0)

    def breakdown(self, by: str) -> pd.DataFrame:
        """Offers before and after, gains, losses and mean scores per value of ``by``."""
        if by not in self.applicants.columns or by == "applicant_id":
            columns = [c for c in self.applicants.columns if c != "applicant_id"]
            raise KeyError(f"no breakdown by {by!r}; use one of {columns}")
        values = self.applicants.set_index("applicant_id")[by]
        values = values.astype(object).where(values.notna() & (values.astype(str) != ""), "(none)")
        table = self.changes.assign(**{by: self.changes["applicant_id"].map(values).fillna("(none)")})
        table = table.assign(was=table["status_before"].isin(PLACED), now=table["status_after"].isin(PLACED),
                             gained=table["change"] == "gains", lost=table["change"] == "loses")
        grouped = table.groupby(by, sort=True)
        result = grouped.agg(applicants=("applicant_id", "size"), offered_before=("was", "sum"),
                             offered_after=("now", "sum"), gains=("gained", "sum"), losses=("lost", "sum"))
        result["net"] = result["offered_after"] - result["offered_before"]
        for when in ("before", "after"):
            result[f"mean_score_{when}"] = grouped[f"score_{when}"].mean().astype(float).round(2)
        return result.reset_index()


def compare(before: Outcome, after: Outcome) -> Comparison:
    """Compare two outcomes of the same cohort (e.g. the baseline and a what-if)."""
    columns = ["applicant_id", "pool", "tier", "score", "rank", "status"]
    b = before.ranking[columns].set_index("applicant_id")
    a = after.ranking[columns].set_index("applicant_id")
    ids = b.index.union(a.index, sort=False)
    b, a = b.reindex(ids), a.reindex(ids)
    status_before = b["status"].fillna("absent")
    status_after = a["status"].fillna("absent")
    was, now = status_before.isin(PLACED).to_numpy(), status_after.isin(PLACED).to_numpy()
    change = np.select([now & ~was, was & ~now, was & now], ["gains", "loses", "keeps"], "still_out")
    changes = pd.DataFrame({
        "applicant_id": ids,
        "pool": a["pool"].fillna(b["pool"]).to_numpy(),
        "tier_before": b["tier"].to_numpy(), "tier_after": a["tier"].to_numpy(),
        "score_before": b["score"].to_numpy(), "score_after": a["score"].to_numpy(),
        "rank_before": b["rank"].to_numpy(), "rank_after": a["rank"].to_numpy(),
        "status_before": status_before.to_numpy(), "status_after": status_after.to_numpy(),
        "change": change,
    })
    for column in ("score_before", "score_after", "rank_before", "rank_after"):
        changes[column] = pd.array(changes[column], dtype="Int64")
    applicants = pd.concat([after.applicants, before.applicants]).drop_duplicates("applicant_id")
    return Comparison(before_label=before.label, after_label=after.label, changes=changes,
                      cutoffs=_shifts(cutoffs(before), cutoffs(after)),
                      applicants=applicants.reset_index(drop=True))


def cutoffs(outcome: Outcome) -> pd.DataFrame:
    """Per pool x tier x gender (in rank order): offered, waitlisted, lowest score offered and best
    score waitlisted, as :func:`hac.stats.tier_cutoffs` counts them for the report. In a later
    offer round the residents (``accepted`` earlier) are left out: their places were not offered
    in this round, so the bar is the round's new offers'."""
    ranking = outcome.ranking
    tables = tables_of(ranking=ranking[ranking["status"] != "accepted"], applications=outcome.applicants,
                       assignments=None, rooms=None, scores=None, rejects=None, unmatched=None)
    table = tier_cutoffs(tables).rename(columns={"lowest_placed": "lowest_offered"})
    for column in ("lowest_offered", "best_waitlisted"):
        table[column] = pd.array(table[column].round().astype("Int64"), dtype="Int64")
    return table[["pool", "tier", "gender", "offered", "waitlisted", "lowest_offered", "best_waitlisted"]]


def _shifts(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    keys = ["pool", "tier", "gender"]
    table = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"), sort=False)
    order = pd.concat([before[keys], after[keys]]).drop_duplicates().reset_index(drop=True)
    table = order.merge(table, on=keys, how="left")
    for column in ("offered_before", "offered_after", "waitlisted_before", "waitlisted_after"):
        table[column] = table[column].fillna(0).astype("int64")
    table["shift"] = table["lowest_offered_after"] - table["lowest_offered_before"]
    return table[[*keys, "offered_before", "offered_after", "waitlisted_before", "waitlisted_after",
                  "lowest_offered_before", "lowest_offered_after", "shift",
                  "best_waitlisted_before", "best_waitlisted_after"]]
