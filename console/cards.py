"""Applicant cards and run pages, kept while their bundle stays as it was.

:class:`hac.cards.BundleCards` reads a bundle's files once (after checking them against the
manifest) and then gives any applicant's card at once; the run page shows the report's sections
(:func:`hac.report.report_sections`). Both are kept per bundle under a stamp of its files (size
and modification time of the manifest, of every file it records, and of ``appeals.jsonl``): a
recorded appeal or any edit makes a new stamp, so the bundle is read, and checked, again.

- Each is made once per stamp: requests arriving while it is being made wait for that one.
- Lazily, and one step ahead: a page that made one starts the other in a background thread
  (:meth:`CardCache.warm`), so the applicant page opened from the run page (or the run page
  opened from an applicant's) finds it made. A problem found in the background is left for the
  page that needs it to report.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hac.appeals import AMENDMENTS
from hac.bundle import read_manifest
from hac.cards import ApplicantCard, BundleCards
from hac.report import report_sections
from psm.errors import PsmError

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


#: What is kept per bundle, and how it is made.
MAKERS: dict[str, Callable[[Path], Any]] = {"cards": BundleCards, "report": report_sections}


class CardCache:
    """Per bundle: its :class:`BundleCards` and its report sections, under its stamp."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str], tuple[tuple, Future]] = {}
        self._lock = threading.Lock()
        self._background: ThreadPoolExecutor | None = None

    def made(self, run_dir: Path, what: str) -> Any:
        """``MAKERS[what](run_dir)``, made once while the bundle's stamp is unchanged."""
        stamp, key = stamp_of(run_dir), (str(run_dir), what)
        with self._lock:
            kept = self._kept.get(key)
            making = kept is None or kept[0] != stamp
            if making:
                kept = self._kept[key] = (stamp, Future())
        future = kept[1]
        if making:
            try:
                future.set_result(MAKERS[what](run_dir))
            except BaseException as e:  # noqa: BLE001 (given to every waiting request, then raised)
                future.set_exception(e)
                with self._lock:
                    if self._kept.get(key) is kept:
                        del self._kept[key]  # made again next time
        return future.result()

    def warm(self, run_dir: Path, what: str) -> None:
        """Make ``what`` for ``run_dir`` in the background, if it is not made yet."""
        with self._lock:
            if self._background is None:
                self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-warm")
            self._background.submit(self._quietly, run_dir, what)

    def _quietly(self, run_dir: Path, what: str) -> None:
        try:
            self.made(run_dir, what)
        except (PsmError, OSError, ValueError):
            pass  # the page that needs it makes it again and says what is wrong

    def cards(self, run_dir: Path) -> BundleCards:
        return self.made(run_dir, "cards")

    def card(self, run_dir: Path, applicant_id: str) -> ApplicantCard:
        return self.cards(run_dir).card(applicant_id)

    def report(self, run_dir: Path) -> dict:
        """:func:`hac.report.report_sections` of the bundle."""
        return self.made(run_dir, "report")

    def close(self) -> None:
        with self._lock:
            if self._background is not None:
                self._background.shutdown(wait=False, cancel_futures=True)
                self._background = None
