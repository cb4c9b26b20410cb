"""Verify a bundle: its files against the manifest, and a re-run from its own inputs.

A bundle verifies when every input and output it records is present with the SHA-256 the
manifest gives, and a re-run from the bundle's inputs (under its policy and seed, with the
travel minutes it recorded, so no provider is asked again) writes the same bytes for every
output. An offer round is re-run as an offer round, from the parent files it kept.

The engine's own version is part of what made a bundle (``packages`` in the manifest): a
later engine may place or report differently, so a bundle is verified, and recalculated, with
the engine that made it. When the versions differ the verification names both, so a re-run
that differs is not mistaken for a tampered bundle.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hac.bundle import ENGINE, changed_files, input_paths, package_versions, read_manifest
from hac.offers import next_round
from hac.pipeline import InputFiles, RunRequest, run, write_results
from psm.travel.recorded import RecordedTravel

__all__ = ["Verification", "verify_bundle"]


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_bundle` found: the manifest, and each file's problems (none: it reproduces)."""

    manifest: dict
    problems: dict[str, list[str]]
    engine: str  # the engine version verifying

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def made_by(self) -> str:
        """The engine version that made the bundle, as its manifest records it."""
        return self.manifest.get("packages", {}).get(ENGINE, "unknown")

    @property
    def other_engine(self) -> bool:
        return self.made_by != self.engine


def verify_bundle(run_dir: Path) -> Verification:
    """Check ``run_dir``'s files against its manifest, then re-run it and compare every output."""
    manifest = read_manifest(run_dir)
    problems = changed_files(run_dir, manifest)
    engine = package_versions().get(ENGINE, "unknown")
    made_by = manifest.get("packages", {}).get(ENGINE, "unknown")
    for name, problem in _rerun_differences(run_dir, manifest).items():
        if made_by != engine:
            problem += (f" (the bundle was made by engine {made_by}, this is engine {engine}: verify it with "
                        f"engine {made_by}, e.g. pip install hall-admission-engine=={made_by})")
        problems.setdefault(name, []).append(problem)
    return Verification(manifest, problems, engine)


def _rerun_differences(run_dir: Path, manifest: dict) -> dict[str, str]:
    """Outputs a re-run from the bundle's inputs (recorded travel minutes) does not reproduce."""
    inputs = input_paths(run_dir, manifest)
    if not all(path.exists() for path in inputs.values()) or not (run_dir / "scores.csv").exists():
        return {"(re-run)": "not possible: the bundle lacks an input or scores.csv"}
    differences = {}
    with tempfile.TemporaryDirectory(prefix="psm-verify-") as scratch:
        out = Path(scratch) / "out"
        out.mkdir()
        if manifest["command"] == "psm offers":
            next_round(inputs, manifest["seed"], manifest["round"], manifest["offer_round"], out)
        else:
            given = _under_given_names(inputs, manifest["inputs"], Path(scratch) / "given")
            request = RunRequest(InputFiles(given["applications"], given.get("office_bearers"),
                                            given.get("achievements")),
                                 seed=manifest["seed"], policy=inputs["policy"], rooms=inputs["rooms"],
                                 scoring_round=manifest["round"])
            recorded = RecordedTravel(pd.read_csv(run_dir / "scores.csv", dtype={"applicant_id": str}))
            write_results(run(request, travel=recorded), out)
        for name in manifest["outputs"]:
            stored = run_dir / name
            if stored.exists() and (out / name).read_bytes() != stored.read_bytes():
                differences[name] = "the re-run from the bundle's inputs gives different content"
    return differences


def _under_given_names(inputs: dict[str, Path], entries: dict[str, dict], scratch: Path) -> dict[str, Path]:
    """The input files copied under the names the run was given (rejects.csv quotes them)."""
    given = {}
    for role in ("applications", "office_bearers", "achievements"):
        if role in inputs:
            target = scratch / role / entries[role].get("name", inputs[role].name)
            target.parent.mkdir(parents=True)
            shutil.copyfile(inputs[role], target)
            given[role] = target
    return given
