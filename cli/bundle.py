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
import io
import json
import os
import platform
import shutil
import sys
from argparse import Namespace
from collections import Counter
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from psm.errors import PsmError

__all__ = ["OUTPUTS", "building", "keep_inputs", "sha256_of", "manifest_of", "write_manifest", "read_manifest",
           "Tee", "package_versions"]

OUTPUTS = ("scores.csv", "rejects.csv", "ranking.csv", "lottery.json", "assignments.csv", "unmatched_roommates.csv")
FORMAT = 1


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


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("hall-admission-engine", "numpy", "pandas", "ortools", "pydantic", "googlemaps", "openpyxl"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def manifest_of(args: Namespace, result, summary, kept: dict, timings: dict) -> dict:
    """What the run used and made, in counts (no personal data); timings kept apart."""
    scored, allocated = result.scored, result.allocated
    read = {f.path: f for f in scored.cohort.files}  # by the path as given, so two files named alike stay apart
    inputs = {}
    for role, entry in kept.items():
        given = getattr(args, role, None) if role in ("applications", "office_bearers", "achievements") else None
        f = read.get(str(given)) if given is not None else None
        inputs[role] = {**entry, **({"rows": f.rows, "used": f.accepted, "rejected": f.rejected,
                                     "blank_rows": f.blank_rows} if f else {})}
    status = Counter(allocated.admission.frame["status"])
    return {
        "command": "psm run",
        "policy": {"version": scored.policy.version, "sha256": scored.policy.sha256, "file": kept["policy"]["file"]},
        "seed": args.seed,
        "round": args.round,
        "travel": {"provider": args.travel, "description": scored.travel.describe()},
        "inputs": inputs,
        "counts": {
            "applicants": len(scored.cohort.applications),
            "rejected_rows": scored.cohort.rejected_rows,
            "tracks": dict(sorted(Counter(scored.scores["track"]).items())),
            "statuses": dict(sorted(status.items())),
            "assigned": len(allocated.placement.assignments),
            "rooms": len(allocated.inventory.rooms),
            "beds_by_pool": allocated.inventory.beds_by_pool(),
            "mutual_pairs_together": summary.pairs_together,
            "mutual_pairs_possible": summary.pairs_possible,
            "mixed_rooms": summary.mixed_rooms,
            "mixed_rooms_upper_bound": summary.mixing_bound,
        },
        "lottery": {"ranked_ids_sha256": result.ranking.commitment},
        "solver": {**allocated.placement.plan.parameters,
                   "objectives": {k: {"value": v, "status": st} for k, (v, st) in allocated.placement.plan.objectives.items()}},
        "packages": package_versions(),
        "timings": timings,
    }


def write_manifest(folder: Path, content: dict) -> Path:
    """manifest.json with the outputs' SHA-256 added; keys sorted, so only timings vary."""
    content = {**content, "bundle_format": FORMAT,
               "outputs": {name: sha256_of(folder / name) for name in OUTPUTS if (folder / name).exists()}}
    path = folder / "manifest.json"
    path.write_text(json.dumps(content, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path


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


class Tee(io.TextIOBase):
    """Write to the terminal and keep a copy (for run.log)."""

    def __init__(self, stream) -> None:
        self.stream, self.kept = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        return self.kept.write(text)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def logging_to(path_in_folder: Path) -> Iterator[None]:
    """Tee stdout into a log file written when the block ends."""
    tee = Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield
    path_in_folder.write_text(tee.kept.getvalue(), encoding="utf-8")
