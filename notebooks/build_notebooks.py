"""Build the notebooks of this folder from the cells below, so they are reviewed as code.

    .venv/bin/python notebooks/build_notebooks.py          # (re)write the three .ipynb files
    .venv/bin/python notebooks/build_notebooks.py --check  # exit 1 if a committed one differs

The .ipynb files are written without outputs (cell ids fixed, so the files are the same on
every build); ``tests/notebooks/test_notebooks.py`` executes them on the sample and checks that
they are what this script builds. They print counts, scores and applicant ids only: never an
address, household, floor area or disciplinary field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str) -> tuple[str, str]:
    return "markdown", dedent(text).strip()


def code(text: str) -> tuple[str, str]:
    return "code", dedent(text).strip()


WHAT_IF = [
    md("""
        # What if: wider district bands and a lower voluntary-hours threshold

        The sample cohort (`data/sample/`: 6,000 synthetic applicants, no real person) is scored,
        ranked and admitted under the 2025/26 policy (the **baseline**) and under policies changed by
        a dict over the policy TOML (`whatif.policy_with`). `whatif.compare` then says who gains or
        loses a place, how the cut-offs move, and how offers shift by district, housing type,
        local/non-local and gender. Only admission (who gets a bed) is run, not room placement.

        Tables hold counts, scores and applicant ids only: nothing personal is shown.
    """),
    code("""
        import matplotlib.pyplot as plt
        import pandas as pd

        from psm.errors import PolicyError
        from whatif import compare, load_cohort, override_toml, policy_with, run_cohort

        pd.set_option("display.width", 130)
        pd.set_option("display.max_columns", 20)
        pd.set_option("display.max_colwidth", 80)
        SEED = "demo-2025-26"  # the lottery seed of `make demo`

        cohort = load_cohort()  # data/sample, read and validated as `psm run` reads it
        baseline = run_cohort(cohort, seed=SEED, label="baseline")
        baseline
    """),
    md("""
        ## The changes

        Overrides are written over the TOML's keys, nested or dotted; a list such as `bands` is
        replaced whole. Here: four district bands of 20 minutes (0, 12, 24, 36 points) instead of
        eight, and voluntary community work counting from 30 hours instead of 50.
    """),
    code("""
        WIDER_DISTRICT_BANDS = {"parts.district.bands": [
            {"at_least": 0, "points": 0},
            {"at_least": 20, "points": 12},
            {"at_least": 40, "points": 24},
            {"at_least": 60, "points": 36},
        ]}
        VOLUNTEER_FROM_30_HOURS = {"parts.volunteer.bands": [
            {"at_least": 0, "points": 0},
            {"at_least": 30, "points": 8},
        ]}
        BOTH = {**WIDER_DISTRICT_BANDS, **VOLUNTEER_FROM_30_HOURS}


        def bands(policy, part):
            return ", ".join(f"from {band.at_least:g}: {band.points}" for band in policy.part(part).bands)


        what_if_policy = policy_with(BOTH)
        print(f"baseline policy {baseline.policy.version} (sha256 {baseline.policy.sha256[:12]})")
        print(f"what-if policy  {what_if_policy.version} (sha256 {what_if_policy.sha256[:12]})")
        pd.DataFrame(
            {"baseline": [bands(baseline.policy, p) for p in ("district", "volunteer")],
             "what-if": [bands(what_if_policy, p) for p in ("district", "volunteer")]},
            index=["district points (minutes)", "volunteer points (hours)"],
        )
    """),
    md("A bad override is refused with the policy loader's own message, naming the key:"),
    code("""
        try:
            policy_with({"parts.volunteer.bands": [{"at_least": 0, "points": 0},
                                                   {"at_least": 30, "points": 10}]})
        except PolicyError as error:
            print(str(error).split(": ", 1)[1])  # without the folder of the policy file
    """),
    md("## Three runs: each change alone, then both"),
    code("""
        runs = {
            "wider district bands": run_cohort(cohort, seed=SEED, overrides=WIDER_DISTRICT_BANDS,
                                               label="wider district bands"),
            "volunteer from 30 h": run_cohort(cohort, seed=SEED, overrides=VOLUNTEER_FROM_30_HOURS,
                                              label="volunteer from 30 h"),
            "both": run_cohort(cohort, seed=SEED, overrides=BOTH, label="both"),
        }
        comparisons = {name: compare(baseline, outcome) for name, outcome in runs.items()}
        pd.DataFrame({name: comparison.summary() for name, comparison in comparisons.items()})
    """),
    md("""
        The wider bands change district points only where the two band tables disagree: each row
        below is a move from the baseline's points to the what-if's, with the number of applicants.
    """),
    code("""
        district = pd.DataFrame({
            "baseline": baseline.scores.set_index("applicant_id")["district_points"],
            "what-if": runs["wider district bands"].scores.set_index("applicant_id")["district_points"],
        }).dropna().astype(int)
        moved = district[district["baseline"] != district["what-if"]]
        print(f"{len(moved):,} of {len(district):,} scored applicants get other district points")
        moved.value_counts().rename("applicants").sort_index().to_frame()
    """),
    md("## Who gains and who loses a place (both changes)"),
    code("""
        both = comparisons["both"]
        shown = ["applicant_id", "tier_before", "score_before", "score_after", "rank_before", "rank_after"]
        print(f"{len(both.gains)} gain a place; the first ten:")
        print(both.gains[shown].head(10).to_string(index=False))
        print(f"\\n{len(both.losses)} lose a place; the first ten:")
        print(both.losses[shown].head(10).to_string(index=False))
    """),
    md("""
        ## Cut-offs per pool x tier x gender

        The lowest score offered and the best score waitlisted, before and after; `shift` is the
        change of the lowest score offered (negative: the bar is lower). Where a tier has no
        waitlist, everyone in it is offered a place and the lowest score moves only because scores
        changed; the cut-off that binds is where the waitlist starts (`best_waitlisted`). Exchange
        and research students are drawn by lottery alone, so they have no score cut-off.
    """),
    code("""
        both.cutoffs[both.cutoffs["pool"] == "undergraduate"]
    """),
    md("""
        ## Breakdowns: district, housing type, local/non-local, gender

        `(none)`: no district or housing type given (non-local, exchange and research students;
        non-local students get the maximum of parts 1 and 2 whatever they report).
    """),
    code("""
        for by in ("district", "housing_type", "student_type", "gender"):
            print(both.breakdown(by).to_string(index=False), end="\\n\\n")
    """),
    md("## The effects, plotted"),
    code("""
        fig, axes = plt.subplots(1, 3, figsize=(17, 6))

        net = pd.DataFrame({name: c.breakdown("district").set_index("district")["net"]
                            for name, c in comparisons.items()})
        net.plot.barh(ax=axes[0], width=0.8)
        axes[0].axvline(0, color="black", linewidth=0.8)
        axes[0].set(title="Net change in offers by district", xlabel="offers, what-if minus baseline",
                    ylabel="")
        axes[0].invert_yaxis()

        cut = both.cutoffs[(both.cutoffs["pool"] == "undergraduate") & both.cutoffs["shift"].notna()]
        axes[1].barh(cut["tier"] + " / " + cut["gender"], cut["shift"].astype(float), color="tab:purple")
        axes[1].axvline(0, color="black", linewidth=0.8)
        axes[1].set(title="Cut-off shift, both changes",
                    xlabel="lowest score offered, what-if minus baseline")
        axes[1].invert_yaxis()

        scored = both.changes.dropna(subset=["score_before", "score_after"])
        delta = (scored["score_after"] - scored["score_before"]).astype(int)
        residency = scored["applicant_id"].map(baseline.applicants.set_index("applicant_id")["student_type"])
        edges = range(int(delta.min()), int(delta.max()) + 2)
        for group in ("local", "non_local"):
            axes[2].hist(delta[residency == group], bins=edges, alpha=0.6, label=group)
        axes[2].set(title="Score change per applicant, both changes", xlabel="points, what-if minus baseline",
                    ylabel="applicants")
        axes[2].legend()
        fig.tight_layout()
        plt.show()
    """),
    md("""
        ## From a what-if to a full run

        `override_toml` gives the what-if policy as TOML text, with the overrides in its first
        lines. Saved to a file it is a policy `psm run --policy` accepts, with the same SHA-256,
        so a full run (with rooms) can be made and verified like any other.
    """),
    code("""
        text = override_toml(BOTH)
        print("\\n".join(text.splitlines()[:7]))
    """),
]

LOTTERY_PROBABILITY = [
    md("""
        # Probability of a place, by score band and tier

        The lottery decides only among applicants of one pool with equal tier and score (and among
        everyone in the exchange and research pools, which are drawn by lottery alone). This
        notebook repeats the admission step over 1,000 lottery seeds (`whatif.place_probability`)
        on the sample cohort and shows how likely a place is for each score band and tier.

        **An approximation**: the number of places for each kind of bed (pool, gender, accessible
        room needed, college) is fixed at what one real admission offered under the baseline seed,
        and mutual roommate pairs are not joined. For the baseline seed itself the result is
        exact: the offers equal the real admission's, applicant by applicant (checked below).
    """),
    code("""
        import matplotlib.pyplot as plt
        import numpy as np
        import pandas as pd

        from whatif import load_cohort, place_probability, run_cohort

        pd.set_option("display.width", 130)
        pd.set_option("display.max_columns", 20)
        SEED = "demo-2025-26"

        baseline = run_cohort(load_cohort(), seed=SEED, label="baseline")
        baseline
    """),
    md("First the guarantee: under the baseline seed, the Monte Carlo offers are the real ones."),
    code("""
        exact = place_probability(baseline, seeds=[SEED], progress=False).frame
        mc_offers = set(exact.loc[exact["offers"] == 1, "applicant_id"])
        print(f"Monte Carlo offers under {SEED!r}: {len(mc_offers):,}; "
              f"real admission: {len(baseline.offered):,}; identical: {mc_offers == baseline.offered}")
    """),
    code("""
        odds = place_probability(baseline, seeds=1000, progress=False)
        probability = odds.frame["probability"]
        print(f"{len(odds.seeds):,} seeds ({odds.seeds[0]!r} ... {odds.seeds[-1]!r}), "
              f"{len(odds.frame):,} ranked applicants")
        pd.Series({
            "a place under every seed": int((probability == 1).sum()),
            "no place under any seed": int((probability == 0).sum()),
            "depends on the draw": int(((probability > 0) & (probability < 1)).sum()),
        }, name="applicants").to_frame()
    """),
    md("""
        The places per kind of bed, as the baseline's admission offered them, and the tie group
        each kind's last places fall in (the applicants the lottery decides between):
    """),
    code("""
        odds.capacities
    """),
    md("## Mean probability of a place by tier and score band (undergraduate pool)"),
    code("""
        bands = odds.by_band(width=10)
        tiers = [t for t in baseline.policy.tiers.order if t in set(bands["tier"])]
        table = bands.pivot(index="tier", columns="band_from", values="mean_probability").loc[tiers]
        table.columns = [f"{b}-{b + 9}" for b in table.columns]
        table.round(3)
    """),
    code("""
        contested = odds.frame[(probability > 0) & (probability < 1)]
        groups = (contested.groupby(["pool", "tier", "gender", "score"], dropna=False)
                  .agg(applicants=("applicant_id", "size"), probability=("probability", "mean"),
                       lowest=("probability", "min"), highest=("probability", "max"))
                  .reset_index())
        groups
    """),
    code("""
        fig, axes = plt.subplots(1, 2, figsize=(16, 5.5), gridspec_kw={"width_ratios": [3, 2]})

        image = axes[0].imshow(table.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
        axes[0].set_yticks(range(len(table.index)), table.index)
        axes[0].set_xticks(range(len(table.columns)), table.columns, rotation=45)
        axes[0].set(title="Mean probability of a place (blank: nobody in that band)", xlabel="score band")
        fig.colorbar(image, ax=axes[0], label="probability")

        labels = [f"{r.tier or r.pool} / {r.gender} / {'' if pd.isna(r.score) else r.score}"
                  for r in groups.itertuples()]
        axes[1].barh(labels, groups["probability"], color="tab:orange")
        spread = [groups["probability"] - groups["lowest"], groups["highest"] - groups["probability"]]
        axes[1].errorbar(groups["probability"], np.arange(len(groups)), xerr=spread, fmt="none",
                         ecolor="black", capsize=3)
        axes[1].set(title="Tie groups the lottery decides: mean, lowest, highest",
                    xlabel="probability of a place", xlim=(0, 1))
        axes[1].invert_yaxis()
        fig.tight_layout()
        plt.show()
    """),
    md("""
        Reading it: above a kind's cut-off, everyone has a place whatever the seed; below it,
        nobody does. Only the tie group the last places fall in depends on the draw, and each of
        its members has about the same chance (the places divided by the group's size), except
        in a readmission tier where B.2.b refills the non-locals' places by length of stay: there
        fewer semesters count before score, so chances within the tier differ. The small
        probabilities in the lower readmission and lowered bands are not the lottery's: they are
        the averages of applicants certain of a place (college members and those needing an
        accessible room, whose own kinds of bed have room) and many with none.
    """),
]

APPEAL_WALKTHROUGH = [
    md("""
        # An appeal on a stored run

        `psm run` makes a run bundle of the sample into a temporary folder; then one waitlisted
        applicant appeals with documents showing 60 hours of voluntary community work.
        `hac.appeals.recalculate` re-scores and re-ranks them under the bundle's own policy,
        recorded travel minutes and seed, and says whether the new position clears the round's
        cut-off. The bundle's files are never rewritten. Nothing personal is shown.
    """),
    code("""
        import hashlib
        import json
        import shutil
        import tempfile
        from pathlib import Path

        import pandas as pd

        from hac import InputFiles, RunRequest
        from hac.appeals import recalculate, record_appeal
        from hac.bundle import make_run_bundle
        from whatif import sample_folder

        SEED = "demo-2025-26"
        sample = sample_folder()
        workspace = Path(tempfile.mkdtemp(prefix="appeal-walkthrough-"))
        run_dir = workspace / "run"
        request = RunRequest(InputFiles(sample / "applications.csv", sample / "office_bearers.csv",
                                        sample / "achievements.csv"), seed=SEED)
        made = make_run_bundle(request, run_dir, rejected_status=3)  # what psm run does
        print("rows rejected:", made.result.scored.cohort.rejected_rows)
    """),
    md("""
        The appellant: the best-ranked waitlisted undergraduate whose card has no volunteer points.
    """),
    code("""
        ranking = pd.read_csv(run_dir / "ranking.csv", dtype={"applicant_id": str}, keep_default_na=False)
        scores = pd.read_csv(run_dir / "scores.csv", dtype={"applicant_id": str}).set_index("applicant_id")
        waiting = ranking[(ranking["status"] == "waitlisted") & (ranking["pool"] == "undergraduate")]
        waiting = waiting[waiting["applicant_id"].map(scores["volunteer_points"]) == 0]
        applicant = waiting.iloc[0]["applicant_id"]
        waiting.iloc[0][["applicant_id", "pool", "tier", "rank", "score", "status"]]
    """),
    md("With no change, the recalculation must give the stored card exactly (checked on every appeal):"),
    code("""
        unchanged = recalculate(run_dir, applicant, {}, [], [])
        print("no change reproduces the stored card:", unchanged.old_card == unchanged.new_card)
    """),
    code("""
        bundle_files = sorted(p for p in run_dir.rglob("*") if p.is_file())
        before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in bundle_files}

        appeal = recalculate(run_dir, applicant, {"volunteer_hours": "60"}, [], [])
        cards = pd.DataFrame({"old": appeal.old_card, "new": appeal.new_card})
        cards = cards[cards["old"].notna() | cards["new"].notna()]
        cards.assign(changed=(cards["old"] != cards["new"]).map({True: "<-", False: ""}))
    """),
    code("""
        print(pd.DataFrame({"old": appeal.old_position, "new": appeal.new_position}).to_string())
        verdicts = {True: "clears", False: "does not clear", None: "has no waitlist to clear for"}
        verdict = verdicts[appeal.clears_cutoff]
        print(f"\\nThe new position {verdict} this round's cut-off for the pool and gender.")
        for note in appeal.notes:
            print("note:", note)
        unchanged_files = all(hashlib.sha256(p.read_bytes()).hexdigest() == h for p, h in before.items())
        print("bundle files unchanged by the recalculation:", unchanged_files)
    """),
    md("""
        Recording the appeal (as `psm appeal` does) writes who, when, why and the result to
        `RUN_DIR/appeals.jsonl` (household and address values only as "(changed)"); an upheld appeal
        (`--uphold`) is applied by the next offer round (`psm offers`).
    """),
    code("""
        record_appeal(run_dir, appeal, by="HAC secretary", reason="volunteer hours documented",
                      changes={"volunteer_hours": "60"}, posts=[], prizes=[], upheld=False)
        record = json.loads((run_dir / "appeals.jsonl").read_text(encoding="utf-8").splitlines()[-1])
        print("recorded:", sorted(record))
    """),
    code("""
        shutil.rmtree(workspace)  # the bundle was only for this walkthrough
    """),
]

NOTEBOOKS = {
    "what_if": WHAT_IF,
    "lottery_probability": LOTTERY_PROBABILITY,
    "appeal_walkthrough": APPEAL_WALKTHROUGH,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name``, without outputs, with fixed cell ids."""
    cells = []
    for i, (kind, source) in enumerate(NOTEBOOKS[name]):
        cell = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
        cell["id"] = f"{name.replace('_', '-')}-{i:02d}"
        cells.append(cell)
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the .ipynb files are current")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = HERE / f"{name}.ipynb"
        built = build(name)
        if args.check:
            if not path.exists() or nbformat.read(path, as_version=4) != built:
                stale.append(path.name)
        else:
            nbformat.write(built, path)
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
