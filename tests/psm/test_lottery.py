"""The lottery of policy section 6, recomputed from the published formula."""

from __future__ import annotations

import hashlib

import pytest

from psm.errors import PsmError
from psm.lottery import commitment, lottery_key, lottery_keys


def published_formula(seed: str, applicant_id: str) -> int:
    """policy.md section 6, word for word."""
    return int.from_bytes(hashlib.sha256(f"{seed}|{applicant_id}".encode("utf-8")).digest(), "big")


def test_keys_match_values_computed_outside_python():
    # printf '%s' 'abc|24000001A' | sha256sum
    assert lottery_key("abc", "24000001A") == "35eddf5e44446a12d6dacbc96a86e163b146b592e2108baf597f929006b756e4"
    assert lottery_key("HAC-2025-26", "23012345D") == "a65616c74a2361dc1dc473000dfe872de7a49cde3976defbbca07b167924b4c0"


def test_keys_are_the_published_number_as_64_hex_digits_and_sort_like_it():
    ids = [f"25{i:06d}{'ABCDEFGHJK'[i % 10]}" for i in range(500)]
    keys = lottery_keys("HAC-2025-26 draw 1", ids)
    for applicant_id, key in zip(ids, keys):
        assert len(key) == 64 and key == format(published_formula("HAC-2025-26 draw 1", applicant_id), "064x")
    by_text = sorted(ids, key=dict(zip(ids, keys)).get)
    by_number = sorted(ids, key=lambda i: published_formula("HAC-2025-26 draw 1", i))
    assert by_text == by_number


def test_seed_and_unicode_are_encoded_as_utf8():
    assert lottery_key("抽籤", "24000001A") == format(published_formula("抽籤", "24000001A"), "064x")


def test_commitment_is_the_hash_of_the_sorted_ids_one_per_line():
    # printf '24000001A\n23012345D\n' | sort | sha256sum
    expected = "459adc7c9da7cf8f9c4b8c603536907cbd5ceeab4659731c28ce4f2e1754ff84"
    assert commitment(["24000001A", "23012345D"]) == commitment(["23012345D", "24000001A"]) == expected


@pytest.mark.parametrize("seed", ["", "   "])
def test_an_empty_seed_is_refused(seed):
    with pytest.raises(PsmError, match="the lottery seed is empty"):
        lottery_keys(seed, ["24000001A"])
