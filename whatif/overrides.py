"""A policy with overrides: the policy TOML, changed by a dict, validated as a policy file is.

The rule:

- ``overrides`` is a dict over the TOML's tables, nested (``{"parts": {"volunteer": {...}}}``)
  or with dotted keys (``{"parts.volunteer.bands": [...]}``), or both. Tables merge key by key;
  any other value (a number, text, a list such as ``bands``) replaces the policy's value whole.
- The overrides are written into the base policy's own TOML (parsed with tomlkit, so its comments
  and layout stay; a list of tables is written as inline tables, as the policy writes its bands),
  and the text is loaded by :func:`psm.policy.load_policy`, so a bad override gets exactly the
  loader's message, naming the key (``parts.volunteer.bands[2].points``),
  the value and what is expected there; an unknown key is refused with the keys allowed. The
  message names the base file "with overrides" instead of a temporary file. A value TOML cannot
  hold (None, an object) is refused naming its key, so nothing is silently dropped.
- The result names itself: ``policy.version`` becomes ``"<base version>+whatif.<8 hex>"`` (a
  hash of the overrides; an override of ``policy.version`` itself is kept as given) and
  ``policy.sha256`` is the SHA-256 of the merged TOML text (:func:`override_toml`), which starts
  with a comment listing the overrides. Written to a file, that text is a policy ``psm run
  --policy`` accepts, with the same hash. No overrides: the base policy, unchanged.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import numbers
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import numpy as np
import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.items import Array, InlineTable, Item

from psm.errors import PolicyError
from psm.policy import Policy, default_policy_path, load_policy

__all__ = ["merge", "override_toml", "policy_with"]

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
    """The TOML text of the base policy with ``overrides`` merged (not validated here).

    The base file's text with the overridden values set in place (its comments and layout kept),
    after two comment lines naming the base file and listing the overrides.
    """
    path = _base_path(base)
    text = path.read_text(encoding="utf-8")
    try:
        document = tomlkit.parse(text)
    except ParseError as e:
        raise PolicyError(f"{path}: not valid TOML ({e}); fix the base policy file") from e
    changes = _expand(overrides)
    listed = json.dumps(changes, sort_keys=True, ensure_ascii=False, default=str)
    _merge_into(document, changes, _toml_item)
    header = document.get("policy")
    own_version = isinstance(changes.get("policy"), dict) and "version" in changes["policy"]
    if isinstance(header, MutableMapping) and not own_version:
        note = hashlib.sha256(listed.encode("utf-8")).hexdigest()[:8]
        header["version"] = f"{header.get('version', '')}+whatif.{note}"
    comment = listed.replace("\x7f", "\\u007f")  # JSON escapes every control character TOML bars but DEL
    return f"# What-if policy: {path.name} with overrides\n# overrides: {comment}\n\n{tomlkit.dumps(document)}"


def merge(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``data`` with ``overrides`` merged: tables key by key, other values replaced."""
    merged = copy.deepcopy(dict(data))
    _merge_into(merged, overrides, lambda value, _name: copy.deepcopy(value))
    return merged


def _merge_into(
    table: MutableMapping[str, Any],
    overrides: Mapping[str, Any],
    new_value: Callable[[Any, str], Any],
    where: str = "",
) -> None:
    """The merge rule, in place: tables key by key; any other value replaced whole by
    ``new_value(value, its dotted key)``."""
    for key, value in overrides.items():
        name = f"{where}.{key}" if where else key
        if isinstance(value, Mapping) and isinstance(table.get(key), Mapping):
            _merge_into(table[key], value, new_value, name)
        else:
            table[key] = new_value(value, name)


def _toml_item(value: Any, name: str, inline: bool = False) -> Item:
    """The tomlkit item of an override's value; a table inside a list (or inside an inline table)
    is inline, and a list of tables is written one table a line, as the policy writes its bands."""
    if isinstance(value, Mapping):
        table = tomlkit.inline_table() if inline else tomlkit.table()
        for key, entry in value.items():
            table[key] = _toml_item(entry, f"{name}.{key}", inline)
        return table
    if isinstance(value, (list, tuple)):
        array: Array = tomlkit.array()
        array.extend(_toml_item(entry, f"{name}[{i}]", inline=True) for i, entry in enumerate(value, 1))
        return array.multiline(any(isinstance(entry, InlineTable) for entry in array))
    if isinstance(value, (bool, str, dt.date, dt.time)):  # bool before Integral; a datetime is a date
        return tomlkit.item(value)
    if isinstance(value, numbers.Integral):
        return tomlkit.item(int(value))
    if isinstance(value, numbers.Real):
        return tomlkit.item(float(value))
    raise PolicyError(f"overrides: {name} = {value!r}: TOML has no such value; give a number, text, "
                      "true/false, a date, a list or a table")


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
