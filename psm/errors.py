"""Exceptions of the engine.

Every message names the file, the place in it (row, column or key), the value, and the fix::

    PsmError                  anything the engine refuses, with a message for a person
    ├── PolicyError           a policy TOML that cannot be used (file, key, expected value)
    └── InputFileError        an input file that cannot be read at all (file, row, fix);
                              a bad *row* is not an exception: it goes to rejects.csv
"""

from __future__ import annotations

__all__ = ["PsmError", "PolicyError", "InputFileError"]


class PsmError(Exception):
    """Base class: the engine cannot go on, and says why in words a committee member can act on."""


class PolicyError(PsmError):
    """The policy file is missing, malformed, or inconsistent."""


class InputFileError(PsmError):
    """An input file as a whole cannot be read (encoding, header, missing required columns)."""
