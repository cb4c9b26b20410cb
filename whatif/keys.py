"""The real lottery keys of many applicants as numbers numpy can sort (:mod:`psm.lottery`).

    key = SHA-256 of the UTF-8 text "{seed}|{applicant_id}", read as a 256-bit number; lower first

:func:`digests` hashes every id with :mod:`hashlib` in one tight loop (the 32-byte digests,
joined). :func:`order_by_key` sorts by (group, key): the key is compared by its first 8 bytes
as an unsigned 64-bit number, which orders exactly as the 64 hex digits do; only when two
members of one group share those 8 bytes (about 1 in 10^11 for 10,000 applicants) is the
whole 256-bit key compared. So the order is always the real lottery's, never an approximation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["encode_ids", "digests", "key_words", "order_by_key"]

_SHA256 = hashlib.sha256


def encode_ids(applicant_ids: Iterable[str]) -> list[bytes]:
    """The ids as the bytes that follow the seed in the hashed text: ``b"|" + id`` (UTF-8)."""
    return [f"|{applicant_id}".encode("utf-8") for applicant_id in applicant_ids]


def digests(seed: str, encoded_ids: Sequence[bytes]) -> bytes:
    """The 32-byte SHA-256 digests of ``seed|id`` for every id, in order, joined."""
    prefix = seed.encode("utf-8")
    return b"".join([_SHA256(prefix + tail).digest() for tail in encoded_ids])


def key_words(joined_digests: bytes) -> np.ndarray:
    """The digests as rows of four big-endian 64-bit words (the key's number, most significant
    first): rows can be picked out for :func:`order_by_key`."""
    return np.frombuffer(joined_digests, dtype=">u8").reshape(-1, 4)


def order_by_key(group: np.ndarray, keys: bytes | np.ndarray) -> np.ndarray:
    """Indices sorting the members by ``group`` (ascending), then by lottery key (lowest first);
    ``keys``: their joined :func:`digests`, or rows of :func:`key_words`."""
    words = key_words(keys) if isinstance(keys, bytes) else keys
    first = words[:, 0].astype(np.uint64)  # big-endian bytes: the number the hex digits spell
    order = np.lexsort((first, group))
    same = (group[order][1:] == group[order][:-1]) & (first[order][1:] == first[order][:-1])
    if same.any():  # two keys alike in their first 64 bits: compare all 256
        order = np.lexsort((*(words[:, i].astype(np.uint64) for i in (3, 2, 1)), first, group))
    return order
