"""A policy file as an officer's editor saves it.

Regression: a policy file saved with a byte-order mark (Notepad's "UTF-8") failed with "Invalid
statement"; it is read like the input files, which accept one. Its hash is the file's own bytes.
"""

from __future__ import annotations

import hashlib

from psm.policy import default_policy_path, load_policy


def test_a_policy_file_with_a_byte_order_mark_loads_as_the_same_policy(tmp_path):
    plain = default_policy_path().read_bytes()
    marked = tmp_path / "policy.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + plain)
    policy = load_policy(marked)
    assert policy.model_dump(exclude={"sha256", "path"}) == load_policy().model_dump(exclude={"sha256", "path"})
    assert policy.sha256 == hashlib.sha256(marked.read_bytes()).hexdigest()
