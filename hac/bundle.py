"""Run bundles: everything a run read and wrote, in one folder that stands on its own.

Layout of ``RUN_DIR`` (``psm run --out RUN_DIR``):

- ``inputs/``: byte-for-byte copies of the applications, office-bearer and achievement files,
  the rooms, the policy TOML and the travel tables the run used (personal data: the folder
  and its files are readable by their owner only);
- ``scores.csv``, ``rejects.csv``, ``ranking.csv``, ``lottery.json``, ``assignments.csv``,
  ``unmatched_roommates.csv``: the results (same inputs, policy and seed: the same bytes);
- ``manifest.json``: SHA-256 of every input and output, policy version and hash, seed, round,
  travel provider, package versions, solver settings and objectives, counts; wall-clock
  timings in their own ``timings`` section (the only part that differs between re-runs);
- ``run.log``: what the run printed (counts only: no address, no key);
- ``report.html``: the run at a glance, self-contained.

A bundle is written into a hidden sibling folder and renamed into place only when complete,
so an interrupted run never leaves a folder that looks like a bundle. An existing bundle is
never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from hac import stats
from hac.pipeline import RESULT_FILES, RunRequest, RunResult, rejects_frame, run, write_json, write_results
from hac.report import write_report
from hac.summary import allocation_lines, input_lines, quota_lines, ranking_lines, reject_lines, review_lines, rooms_line
from psm.errors import BundleChangedError, PsmError
from psm.io import Cohort
from psm.interrupt import raise_if_stopped
from psm.progress import timed_step
from psm.travel import default_table_path
from psm.travel.areas import default_area_path

__all__ = ["OUTPUTS", "FORMAT", "ENGINE", "MadeBundle", "make_run_bundle", "building", "keep_inputs", "sha256_of",
           "input_counts", "input_paths", "run_manifest", "write_manifest", "read_manifest", "read_checked_manifest",
           "changed_files", "write_log",
           "package_versions", "tables_of_run"]

OUTPUTS = RESULT_FILES
FORMAT = 1


@dataclass(frozen=True)
class MadeBundle:
    """A bundle written: its folder, the run, and the summary lines run.log holds."""

    folder: Path
    result: RunResult
    lines: tuple[str, ...]


def make_run_bundle(request: RunRequest, out: Path, rejected_status: int | None) -> MadeBundle:
    """``psm run``: score, rank and allocate ``request`` into the complete, self-sufficient bundle ``out``.

    ``rejected_status`` is the exit status the summary names when rows were rejected."""
    timings: dict[str, float] = {}
    given = request.inputs.given()
    with building(out) as folder:
        kept = keep_inputs(folder, {
            **given, "rooms": request.rooms_path, "policy": request.policy_path,
            "district_minutes": default_table_path(), "area_minutes": default_area_path(),
        })
        result = run(request, timings=timings)
        with timed_step("writing the bundle"):
            write_results(result, folder)
            tables = tables_of_run(result)
            scored = result.scored
            lines = [*input_lines("run", scored.policy, request.scoring_round, scored.travel, scored.cohort),
                     rooms_line(result.inventory),
                     *quota_lines(result.quota_warnings),
                     *ranking_lines(scored.policy, result.ranking, allocated=True, beds=result.admission.beds),
                     *review_lines(scored.scores),
                     *allocation_lines(tables, result.placement.plan.parameters
                                       | {"objectives": result.placement.plan.objectives}),
                     *reject_lines(scored.cohort, rejected_status)]
            write_log(folder, lines)
            write_manifest(folder, run_manifest(
                result, tables, command="psm run", seed=request.seed, scoring_round=request.scoring_round,
                travel=request.travel, inputs=input_counts(kept, given, scored.cohort), timings=timings))
            write_report(folder)
    return MadeBundle(out, result, tuple(lines))


def tables_of_run(result: RunResult, assignments=None, unmatched=None, rooms=None) -> stats.RunTables:
    """:class:`hac.stats.RunTables` of a run in memory; an offer round passes its own assignments
    (residents and new offers), unmatched pairs and the full room list."""
    placement = result.placement
    return stats.tables_of(
        ranking=result.admission.frame, applications=result.scored.cohort.applications,
        assignments=placement.assignments if assignments is None else assignments,
        rooms=result.inventory.rooms if rooms is None else rooms,
        scores=result.scored.scores, rejects=rejects_frame(result.scored.cohort),
        unmatched=placement.split_pairs if unmatched is None else unmatched)


@contextlib.contextmanager
def building(out: Path) -> Iterator[Path]:
    """A scratch folder beside ``out``, renamed to ``out`` only if the block completes."""
    if out.exists():
        raise PsmError(f"{out} already exists; a run bundle is never overwritten: choose a new --out folder")
    _remove_left_behind(out)
    scratch = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        scratch.mkdir(parents=True)
    except OSError as e:
        raise PsmError(f"{out}: cannot create the run folder ({e.strerror}); choose a writable --out path") from e
    try:
        yield scratch
        raise_if_stopped()  # a signal whose exception was lost (raised in a destructor, say) still stops it
        os.replace(scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _remove_left_behind(out: Path) -> None:
    """Delete scratch folders for ``out`` whose process is gone (a run killed outright): they
    hold a copy of the inputs, personal data, and no one will finish them."""
    for scratch in out.parent.glob(f".{out.name}.partial-*"):
        pid = scratch.name.rpartition("-")[2]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(scratch, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, under someone else
    return True


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keep_inputs(folder: Path, files: dict[str, Path | None]) -> dict[str, dict]:
    """Copy each input into ``folder/inputs/`` under its role's name; return role -> file, sha256
    and the file's own name (which rejects.csv quotes, so ``psm verify`` reads it under that name).

    ``inputs/`` holds personal data: the folder is readable by its owner only (0700, set before
    anything is copied into it) and so is each copy (0600), like ``appeals/amendments.jsonl``.
    """
    kept = {}
    inputs = folder / "inputs"
    inputs.mkdir(mode=0o700, exist_ok=True)
    os.chmod(inputs, 0o700)  # mkdir's mode is masked by the umask
    for role, source in files.items():
        if source is None:
            continue
        target = inputs / f"{role}{Path(source).suffix.lower()}"
        try:
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
        except OSError as e:
            raise PsmError(f"{source}: cannot keep a copy in the bundle ({e.strerror}); check the path") from e
        kept[role] = {"file": str(target.relative_to(folder)), "sha256": sha256_of(target), "name": Path(source).name}
    return kept


#: The engine's distribution name, under which ``packages`` in the manifest records its version.
ENGINE = "hall-admission-engine"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in (ENGINE, "numpy", "pandas", "pyarrow", "ortools", "pydantic", "googlemaps", "openpyxl"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def input_counts(kept: dict[str, dict], given: dict[str, Path], cohort: Cohort) -> dict[str, dict]:
    """Each kept input's entry, with the rows read, used, rejected and blank for the files read."""
    read = {f.path: f for f in cohort.files}  # by the path as given, so two files named alike stay apart
    inputs = {}
    for role, entry in kept.items():
        f = read.get(str(given[role])) if role in given else None
        inputs[role] = {**entry, **({"rows": f.rows, "used": f.accepted, "rejected": f.rejected,
                                     "blank_rows": f.blank_rows} if f else {})}
    return inputs


def run_manifest(result: RunResult, tables: stats.RunTables, *, command: str, seed: str, scoring_round: str,
                 travel: str, inputs: dict[str, dict], timings: dict) -> dict:
    """What the run used and made, in counts (no personal data); timings kept apart."""
    scored, placement = result.scored, result.placement
    return {
        "command": command,
        "policy": {"version": scored.policy.version, "sha256": scored.policy.sha256,
                   "file": inputs["policy"]["file"]},
        "seed": seed,
        "round": scoring_round,
        "travel": {"provider": travel, "description": scored.travel.describe()},
        "inputs": inputs,
        "counts": stats.run_counts(tables, applicants=len(scored.cohort.applications),
                                   rejected_rows=scored.cohort.rejected_rows, tracks=scored.scores["track"],
                                   beds_by_pool=result.inventory.beds_by_pool(), rooms=len(result.inventory.rooms)),
        "lottery": {"ranked_ids_sha256": result.ranking.commitment},
        "quota_warnings": [w.as_dict() for w in result.quota_warnings],
        "solver": {**placement.plan.parameters,
                   "objectives": {k: {"value": v, "status": st} for k, (v, st) in placement.plan.objectives.items()},
                   **result.admission.solver_parameters},
        "packages": package_versions(),
        "timings": timings,
    }


def write_manifest(folder: Path, content: dict) -> Path:
    """manifest.json with the outputs' SHA-256 added; keys sorted, so only timings vary."""
    content = {**content, "bundle_format": FORMAT,
               "outputs": {name: sha256_of(folder / name) for name in OUTPUTS if (folder / name).exists()}}
    path = folder / "manifest.json"
    write_json(path, content)
    return path


def input_paths(run_dir: Path, manifest: dict) -> dict[str, Path]:
    """Role -> the copy in ``inputs/`` of each input the manifest records."""
    return {role: run_dir / entry["file"] for role, entry in manifest["inputs"].items()}


def read_manifest(run_dir: Path) -> dict:
    path = run_dir / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise PsmError(f"{path}: not a readable run manifest ({e}); give a folder written by psm run") from e
    if manifest.get("bundle_format") != FORMAT:
        raise PsmError(f"{path}: bundle format {manifest.get('bundle_format')!r} is not {FORMAT}; "
                       "use the engine version named in the manifest")
    return manifest


def changed_files(run_dir: Path, manifest: dict) -> dict[str, list[str]]:
    """Inputs and outputs missing or changed since the manifest was written (hashing, no re-run)."""
    recorded = {**manifest["outputs"], **{entry["file"]: entry["sha256"] for entry in manifest["inputs"].values()}}
    problems: dict[str, list[str]] = {}
    for name, digest in recorded.items():
        if not (run_dir / name).exists():
            problems[name] = ["missing from the bundle"]
        elif sha256_of(run_dir / name) != digest:
            problems[name] = ["changed since the run (SHA-256 differs from the manifest)"]
    return problems


def read_checked_manifest(run_dir: Path) -> dict:
    """The manifest of a bundle whose files all match it; :class:`BundleChangedError` naming each
    file that differs otherwise. Every command that builds on a bundle reads it through this, so
    an edited bundle is never built upon."""
    manifest = read_manifest(run_dir)
    problems = changed_files(run_dir, manifest)
    if problems:
        listed = "; ".join(f"{name}: {', '.join(found)}" for name, found in sorted(problems.items()))
        raise BundleChangedError(f"{run_dir}: the bundle no longer matches its manifest ({listed}); nothing was "
                                 "written. Run psm verify on it, or start again from the original bundle")
    return manifest


def write_log(folder: Path, lines: list[str]) -> Path:
    """run.log: what the run printed (counts only: no address, no key)."""
    path = folder / "run.log"
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path
