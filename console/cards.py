"""Applicant cards and run pages, kept while their bundle stays as it was.

:class:`hac.cards.BundleCards` reads a bundle's files once (after checking them against the
manifest) and then gives any applicant's card at once; the run page's report sections take
seconds to draw. Both are kept per bundle under a stamp of its files (size and modification
time of the manifest, of every file it records, and of ``appeals.jsonl``): a recorded appeal
or any edit makes a new stamp, so the bundle is read, and checked, again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hac.appeals import AMENDMENTS
from hac.bundle import read_manifest
from hac.cards import ApplicantCard, BundleCards

__all__ = ["CardCache", "stamp_of"]


def stamp_of(run_dir: Path) -> tuple:
    """(name, size, mtime) of the manifest, every file it records, and the appeals records."""
    manifest = read_manifest(run_dir)
    names = ["manifest.json", "appeals.jsonl", str(AMENDMENTS), *manifest.get("outputs", {}),
             *(entry["file"] for entry in manifest.get("inputs", {}).values())]
    stamp = []
    for name in names:
        path = run_dir / name
        stat = path.stat() if path.exists() else None
        stamp.append((name, stat.st_size if stat else -1, stat.st_mtime_ns if stat else -1))
    return tuple(stamp)


class CardCache:
    """Per bundle: its :class:`BundleCards` and any other page part made from it, under its stamp."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[tuple, Any]] = {}
        self._lock = threading.Lock()

    def made(self, run_dir: Path, what: str, make: Callable[[Path], Any]) -> Any:
        """``make(run_dir)``, or what it gave last time if the bundle's stamp is unchanged."""
        stamp = stamp_of(run_dir)
        key = (str(run_dir), what)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        value = make(run_dir)
        with self._lock:
            self._kept[key] = (stamp, value)
        return value

    def cards(self, run_dir: Path) -> BundleCards:
        return self.made(run_dir, "cards", BundleCards)

    def card(self, run_dir: Path, applicant_id: str) -> ApplicantCard:
        return self.cards(run_dir).card(applicant_id)
