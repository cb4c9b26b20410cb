"""TOML text from policy data: the inverse of ``tomllib.loads`` for the values a policy holds.

The rule: ``tomllib.loads(dumps(data)) == data`` for any table whose values are text, whole
numbers, finite numbers, true/false, dates, times, lists and tables (tests hold it to that).
Tables become ``[a.b]`` sections (values first, then sub-tables, in the data's order); a table
inside a list becomes an inline table, as the policy writes its bands. A value TOML cannot hold
(None, an object) raises :class:`TypeError` naming its key, so nothing is silently dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["dumps"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(data: Mapping[str, Any]) -> str:
    """The TOML text of ``data`` (a table)."""
    lines: list[str] = []
    _table(data, (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _table(table: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    values = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (values or not tables):  # a table holding only tables is declared by them
        lines += ["", f"[{'.'.join(map(_key, path))}]"]
    lines += [f"{_key(k)} = {_value(v, (*path, k))}" for k, v in values]
    for k, v in tables:
        _table(v, (*path, k), lines)


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"a TOML key is text, not {key!r}")
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes (\" \\ \n \t \uXXXX ...) are TOML's too; TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any, path: tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return repr(number)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):  # datetime first: it is also a date
        return value.isoformat()
    if isinstance(value, Mapping):
        items = [f"{_key(k)} = {_value(v, (*path, k))}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return "[" + ", ".join(_value(v, (*path, f"[{i + 1}]")) for i, v in enumerate(value)) + "]"
    where = ".".join(path).replace(".[", "[")
    raise TypeError(f"{where} = {value!r}: TOML has no such value; give a number, text, true/false, "
                    "a date, a list or a table")
