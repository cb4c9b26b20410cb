"""Who may use the console, and how a request proves it.

The rules (after Jupyter server's login, and Datasette's secure defaults):

- **Loopback by default.** The console binds to 127.0.0.1. A host that is not a loopback address
  is refused unless an officers file (``--users``) names at least one officer
  (:func:`check_host`): every page holds personal data.
- **Token login on loopback.** Without an officers file, the console prints one login link with
  a random token at start (:func:`new_token`); opening it makes a session for the computer's
  user and the token leaves the address bar. The token changes at every start.
- **Officers with passwords when exposed.** The officers file (TOML, ``[officers.NAME]`` with an
  argon2 ``password`` hash, written by ``psm console-user add NAME``) holds each officer's
  name and password hash, never a password. With it, each officer logs in with their own name,
  which is what appeals record; the token link is not offered.
- **Session**: a signed cookie (Starlette's ``SessionMiddleware``, itsdangerous), HttpOnly and
  SameSite=Strict, holding the officer's name and the session's CSRF token. Its key is random
  per start, so a restart logs everyone out.
- **CSRF**: every form carries the session's token (:func:`csrf_token`); a POST whose token is
  missing or differs is refused (:func:`check_csrf`), compared in constant time.
"""

from __future__ import annotations

import getpass
import hmac
import ipaddress
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from psm.errors import PsmError

__all__ = ["Officers", "is_loopback", "check_host", "new_token", "token_matches", "local_officer",
           "csrf_token", "check_csrf", "CsrfRefused", "NAME_RULE", "add_officer", "CSRF_FIELD"]

CSRF_FIELD = "csrf_token"
#: An officer's name as it is recorded with appeals: letters, digits, spaces and . _ - (1-64).
NAME_RULE = re.compile(r"[A-Za-z][A-Za-z0-9 ._-]{0,63}")
_HASHER = PasswordHasher()


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, officers: Officers | None) -> None:
    """Refuse a non-loopback ``host`` unless an officers file with an officer was given."""
    if not is_loopback(host) and (officers is None or not officers.names):
        raise PsmError(f"--host {host}: the console holds personal data and listens beyond this computer only "
                       "with officers' accounts; add --users users.toml (psm console-user add NAME writes it), "
                       "or leave --host at 127.0.0.1")


def new_token() -> str:
    """The login token printed at start (256 bits)."""
    return secrets.token_urlsafe(32)


def token_matches(given: str | None, token: str | None) -> bool:
    return bool(given) and bool(token) and hmac.compare_digest(given.encode(), token.encode())


def local_officer() -> str:
    """The name recorded for a token login: the computer's user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "console user"


def csrf_token(session: dict) -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf(session: dict, given: object) -> None:
    """Raise :class:`CsrfRefused` unless ``given`` is the session's CSRF token."""
    expected = session.get("csrf")
    if not (isinstance(given, str) and expected and hmac.compare_digest(given.encode(), expected.encode())):
        raise CsrfRefused("the form's security token is missing or out of date")


@dataclass(frozen=True)
class Officers:
    """The officers file: name -> argon2 hash."""

    path: Path
    hashes: dict[str, str]

    @property
    def names(self) -> list[str]:
        return sorted(self.hashes)

    @classmethod
    def read(cls, path: Path) -> Officers:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise PsmError(f"{path}: not a readable officers file ({e}); write it with psm console-user add NAME") from e
        hashes = {}
        for name, entry in data.get("officers", {}).items():
            if not isinstance(entry, dict) or not str(entry.get("password", "")).startswith("$argon2"):
                raise PsmError(f"{path}: officers.{name}: no argon2 password hash; set it again with "
                               f"psm console-user add {name!r}")
            hashes[name] = entry["password"]
        return cls(Path(path), hashes)

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is the officer's (argon2); an unknown name takes as long."""
        stored = self.hashes.get(name)
        try:
            return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


_DUMMY_HASH = _HASHER.hash(secrets.token_hex(8))


def add_officer(path: Path, name: str, password: str) -> bool:
    """Write (or replace) the officer ``name`` with an argon2 hash of ``password`` into the officers
    file ``path`` (created readable by its owner only). True if the officer was new."""
    if not NAME_RULE.fullmatch(name):
        raise PsmError(f"officer name {name!r}: use 1-64 letters, digits, spaces or . _ - starting with a letter")
    if len(password) < 8:
        raise PsmError("the password is shorter than 8 characters; choose a longer one")
    path = Path(path)
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    if "officers" not in document:
        document["officers"] = tomlkit.table()
    new = name not in document["officers"]
    entry = tomlkit.table()
    entry["password"] = _HASHER.hash(password)
    document["officers"][name] = entry
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(tomlkit.dumps(document))
    os.chmod(path, 0o600)
    return new
