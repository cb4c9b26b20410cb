"""The vectorised lottery keys sort exactly as the published keys do (psm.lottery)."""

from __future__ import annotations

import hashlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from psm.lottery import lottery_key
from whatif.keys import digests, encode_ids, order_by_key

ids = st.lists(st.text(min_size=1, max_size=10).filter(str.strip), min_size=1, max_size=40, unique=True)


@given(seed=st.text(min_size=1, max_size=12).filter(str.strip), applicant_ids=ids,
       groups=st.lists(st.integers(0, 3), min_size=40, max_size=40))
def test_order_is_the_published_lotterys_within_each_group(seed, applicant_ids, groups):
    group = np.array(groups[: len(applicant_ids)], dtype=np.int64)
    order = order_by_key(group, digests(seed, encode_ids(applicant_ids)))
    expected = sorted(range(len(applicant_ids)),
                      key=lambda i: (group[i], lottery_key(seed, applicant_ids[i])))
    assert order.tolist() == expected


def test_digests_are_sha256_of_seed_bar_id():
    joined = digests("abc", encode_ids(["24000001A", "學生2"]))
    assert joined[:32].hex() == lottery_key("abc", "24000001A")
    assert joined[32:] == hashlib.sha256("abc|學生2".encode("utf-8")).digest()
    assert lottery_key("abc", "24000001A").startswith("35eddf5e44446a12")  # the README's example


def test_keys_alike_in_their_first_64_bits_are_compared_whole():
    same_start = bytes(range(8))
    keys = [same_start + bytes([9] * 24), same_start + bytes([1] * 24), bytes([0] * 32),
            same_start + bytes([5] * 24)]
    order = order_by_key(np.zeros(4, dtype=np.int64), b"".join(keys))
    assert order.tolist() == sorted(range(4), key=lambda i: keys[i].hex()) == [2, 1, 3, 0]
    # equal first words in different groups are no tie: groups first
    assert order_by_key(np.array([1, 0, 0, 2]), b"".join(keys)).tolist() == [2, 1, 0, 3]
