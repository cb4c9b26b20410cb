"""The bundles under the console's folder, and the locks that keep two officers from colliding.

- A bundle is a folder directly inside ``DIR`` holding a ``manifest.json`` (``psm run --out
  DIR/NAME``, ``psm offers ... --out DIR/NAME``); the console names it by its folder name and
  never opens a path an officer typed.
- The runs list checks each bundle's files against its manifest (SHA-256, no re-run:
  :func:`hac.bundle.changed_files`); the full re-run is ``psm verify``.
- **Appeals** are recorded under the bundle's lock, so two officers' records never interleave.
- **Offer rounds**: a bundle has one next round. Its folder name is fixed (:func:`next_round_name`)
  and it is built under the parent's lock, so a second attempt, at once or later, is refused
  with a message naming the round already built.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from hac.bundle import changed_files, read_manifest
from psm.errors import PsmError

__all__ = ["RunSummary", "Bundles", "UnknownRun", "RoundAlreadyBuilt", "LOCKS"]

#: The console's own files inside DIR (locks, uploads being read); hidden, never a bundle.
STATE = ".console"
LOCKS = "locks"
_ROUND_SUFFIX = re.compile(r"-round\d+$")


class UnknownRun(PsmError):
    """A run name that is not a bundle of the folder."""


class RoundAlreadyBuilt(PsmError):
    """A second attempt at a bundle's next offer round."""


@dataclass(frozen=True)
class RunSummary:
    """One bundle as the runs list shows it."""

    name: str
    offer_round: int
    parent: str
    seed: str
    policy_version: str
    command: str
    written: str
    statuses: dict[str, int]
    applicants: int | None
    problems: dict[str, list[str]]

    @property
    def matches_manifest(self) -> bool:
        return not self.problems


class Bundles:
    """The bundles directly inside ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.state = self.folder / STATE
        (self.state / LOCKS).mkdir(parents=True, exist_ok=True, mode=0o700)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file())

    def path(self, name: str) -> Path:
        """The bundle called ``name``; PsmError if there is none (nothing outside DIR is reachable)."""
        if name not in self.names():
            raise UnknownRun(f"there is no run called {name!r} in {self.folder}; pick one from the runs list")
        return self.folder / name

    def summary(self, name: str) -> RunSummary:
        folder = self.path(name)
        manifest = read_manifest(folder)
        counts = manifest.get("counts", {})
        parent = manifest.get("parent", {}).get("run_dir", "")
        written = dt.datetime.fromtimestamp((folder / "manifest.json").stat().st_mtime, dt.timezone.utc)
        return RunSummary(
            name=name, offer_round=manifest.get("offer_round", 1), parent=Path(parent).name if parent else "",
            seed=manifest.get("seed", ""), policy_version=manifest.get("policy", {}).get("version", ""),
            command=manifest.get("command", ""), written=written.strftime("%Y-%m-%d %H:%M UTC"),
            statuses=counts.get("statuses", {}), applicants=counts.get("applicants"),
            problems=changed_files(folder, manifest))

    def summaries(self) -> list[RunSummary]:
        return [self.summary(name) for name in self.names()]

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[Path]:
        """Hold the bundle's lock (across processes: an flock) while the block runs."""
        folder = self.path(name)
        with open(self.state / LOCKS / f"{name}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def next_round_name(self, name: str) -> str:
        """The folder of the round after bundle ``name``: ``<first round's name>-round<N>``."""
        offer_round = read_manifest(self.path(name)).get("offer_round", 1) + 1
        return f"{_ROUND_SUFFIX.sub('', name)}-round{offer_round}"

    def refuse_second_round(self, name: str) -> Path:
        """The new round's folder, or :class:`RoundAlreadyBuilt` if it (or another round from
        this bundle) exists."""
        out = self.folder / self.next_round_name(name)
        built = [child for child in self.names() if Path(read_manifest(self.folder / child)
                                                          .get("parent", {}).get("run_dir", "")).name == name]
        if out.exists() or built:
            raise RoundAlreadyBuilt(f"the next offer round from {name} is already built ({(built or [out.name])[0]}); "
                                    "a round is built once: open it from the runs list, or answer its own offers "
                                    "for the round after")
        return out
