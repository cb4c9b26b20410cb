"""A policy with overrides: the policy TOML, changed by a dict, validated as a policy file is.

The rule:

- ``overrides`` is a dict over the TOML's tables, nested (``{"parts": {"volunteer": {...}}}``)
  or with dotted keys (``{"parts.volunteer.bands": [...]}``), or both. Tables merge key by key;
  any other value (a number, text, a list such as ``bands``) replaces the policy's value whole.
- The merged data is written as TOML text and loaded by :func:`psm.policy.load_policy`, so a bad
  override gets exactly the loader's message, naming the key (``parts.volunteer.bands[2].points``),
  the value and what is expected there; an unknown key is refused with the keys allowed. The
  message names the base file "with overrides" instead of a temporary file.
- The result names itself: ``policy.version`` becomes ``"<base version>+whatif.<8 hex>"`` (a
  hash of the overrides; an override of ``policy.version`` itself is kept as given) and
  ``policy.sha256`` is the SHA-256 of the merged TOML text (:func:`override_toml`), which starts
  with a comment listing the overrides. Written to a file, that text is a policy ``psm run
  --policy`` accepts, with the same hash. No overrides: the base policy, unchanged.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from psm.errors import PolicyError
from psm.policy import Policy, default_policy_path, load_policy
from whatif import toml_text

__all__ = ["policy_with", "override_toml", "merge"]

BasePolicy = str | Path | Policy | None


def policy_with(overrides: Mapping[str, Any] | None = None, base: BasePolicy = None) -> Policy:
    """The ``base`` policy (a Policy, a TOML path, or the bundled one) with ``overrides`` applied."""
    path = _base_path(base)
    if not overrides:
        return base if isinstance(base, Policy) else load_policy(path)
    text = override_toml(overrides, path)
    with tempfile.TemporaryDirectory(prefix="whatif-policy-") as folder:
        written = Path(folder) / f"{path.stem}+overrides.toml"
        written.write_text(text, encoding="utf-8")
        try:
            policy = load_policy(written)
        except PolicyError as e:
            raise PolicyError(str(e).replace(str(written), f"{path} with overrides")) from None
    return policy.model_copy(update={"path": ""})


def override_toml(overrides: Mapping[str, Any], base: BasePolicy = None) -> str:
    """The TOML text of the base policy with ``overrides`` merged (not validated here)."""
    path = _base_path(base)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    changes = _expand(overrides)
    listed = json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)
    merged = merge(data, changes)
    header = merged.get("policy")
    own_version = isinstance(changes.get("policy"), dict) and "version" in changes["policy"]
    if isinstance(header, dict) and not own_version:
        note = hashlib.sha256(listed.encode("utf-8")).hexdigest()[:8]
        header["version"] = f"{header.get('version', '')}+whatif.{note}"
    try:
        body = toml_text.dumps(merged)
    except TypeError as e:
        raise PolicyError(f"overrides: {e}") from None
    return f"# What-if policy: {path.name} with overrides\n# overrides: {listed}\n\n{body}"


def merge(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with ``overrides`` merged: tables key by key, other values replaced."""
    merged = copy.deepcopy(dict(data))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _base_path(base: BasePolicy) -> Path:
    if isinstance(base, Policy):
        if not base.path:
            raise PolicyError("the base policy has no file (it has overrides already); pass the overrides "
                              "together, or the base policy's TOML path")
        return Path(base.path)
    return Path(base) if base is not None else default_policy_path()


def _expand(overrides: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Nested tables from dotted keys, values made plain (tuples as lists, numpy scalars as numbers)."""
    if not isinstance(overrides, Mapping):
        raise PolicyError(f"overrides{' at ' + where if where else ''} must be a dict of policy keys, "
                          f"not {type(overrides).__name__}")
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
            raise PolicyError(f"overrides: {where + '.' if where else ''}{key!r} is not a policy key "
                              "(write e.g. 'parts.volunteer.bands')")
        parts = key.split(".")
        name = f"{where}.{key}" if where else key
        value = _expand(value, name) if isinstance(value, Mapping) else _plain(value)
        for part in reversed(parts[1:]):
            value = {part: value}
        _put(nested, parts[0], value, f"{where}.{parts[0]}" if where else parts[0])
    return nested


def _put(table: dict[str, Any], key: str, value: Any, name: str) -> None:
    if key not in table:
        table[key] = value
    elif isinstance(table[key], dict) and isinstance(value, dict):
        for k, v in value.items():
            _put(table[key], k, v, f"{name}.{k}")
    else:
        raise PolicyError(f"overrides: {name} is given twice; give each key once")


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_expand(v) if isinstance(v, Mapping) else _plain(v) for v in value]
    return value
