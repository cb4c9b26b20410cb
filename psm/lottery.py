"""The verifiable lottery (policy section 6): one number per applicant, used for every tie.

    key = SHA-256 of the UTF-8 bytes of f"{seed}|{applicant_id}", read as a 256-bit number;
    the lower key goes first.

Keys are written as 64 lowercase hex digits, so sorting the text sorts the numbers. A key
depends only on the published seed and the applicant's own id: adding or removing an
applicant (an appeal, a late application) never changes anyone else's relative order, and
anyone can recompute a draw with ``psm lottery`` or three lines of any language.

The commitment is the SHA-256 of the ranked applicant ids, sorted, each followed by a
newline (UTF-8). The HAC can publish it before the seed is drawn, so nobody can be added
to or dropped from the draw afterwards without it showing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from psm.errors import PsmError

__all__ = ["FORMULA", "lottery_key", "lottery_keys", "draw_order", "commitment", "check_seed"]

FORMULA = 'key = SHA-256 of UTF-8 "{seed}|{applicant_id}" as 64 hex digits; lower key first'


def check_seed(seed: str) -> str:
    """A seed is any non-empty text the HAC publishes (or commits to) before the draw, without
    white space at either end: a seed typed with a stray space would silently be another draw."""
    if not isinstance(seed, str) or not seed.strip():
        raise PsmError("the lottery seed is empty; pass the published seed, e.g. --seed 'HAC-2025-26-draw-1'")
    if seed != seed.strip():
        raise PsmError(f"the lottery seed {seed!r} begins or ends with white space, which would make it another "
                       f"draw; pass the published seed exactly, e.g. --seed {seed.strip()!r}")
    return seed


def lottery_key(seed: str, applicant_id: str) -> str:
    """The applicant's lottery key, as 64 hex digits (lower first)."""
    return hashlib.sha256(f"{seed}|{applicant_id}".encode("utf-8")).hexdigest()


def lottery_keys(seed: str, applicant_ids: Iterable[str]) -> np.ndarray:
    """Keys of many applicants, in their order (an object array of 64-hex-digit strings)."""
    check_seed(seed)
    return np.array([lottery_key(seed, applicant_id) for applicant_id in applicant_ids], dtype=object)


def draw_order(seed: str, applicant_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(applicant id, key) for each id, lowest key first (ids with equal keys keep their order)."""
    ids = list(applicant_ids)
    keys = lottery_keys(seed, ids)
    return [(ids[i], keys[i]) for i in np.argsort(keys, kind="stable")]


def commitment(applicant_ids: Iterable[str]) -> str:
    """SHA-256 of the sorted ids, one per line: what the HAC publishes before the draw."""
    listing = "".join(f"{applicant_id}\n" for applicant_id in sorted(applicant_ids))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()
