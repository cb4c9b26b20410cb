"""Keep the API key (and addresses) out of messages and logs.

The googlemaps client puts the key in the request URL (``...&key=AIza...``), and requests /
urllib3 repeat that URL in exception messages and DEBUG log lines. Everything third-party that
we turn into a message goes through :func:`redact`; :func:`install_log_redaction` adds a filter
to the loggers that print request URLs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["redact", "RedactingFilter", "install_log_redaction", "RedactedError"]

# Query parameters whose values are secret (key, signature) or personal (addresses, place ids).
_QUERY = re.compile(r"(?i)\b(key|signature|client|address|origins|destinations|place_id|components)=[^&\s'\"]*")
_API_KEY = re.compile(r"AIza[0-9A-Za-z_\-]{10,}")
_LOGGERS = ("urllib3.connectionpool", "googlemaps.client", "google.auth", "google.api_core", "requests")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secrets, key-like strings and sensitive query values replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _QUERY.sub(lambda m: f"{m.group(1)}=***", text)
    return _API_KEY.sub("***", text)


class RedactedError(Exception):
    """Stands in for a third-party exception whose text may hold the key: class name + redacted text."""

    @classmethod
    def of(cls, error: BaseException, secrets: Iterable[str] = ()) -> RedactedError:
        return cls(f"{type(error).__module__}.{type(error).__name__}: {redact(str(error), secrets)}")


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message (its arguments merged in first)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = redact(message, self.secrets), None
        return True


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Add a :class:`RedactingFilter` (once per secret set) to the loggers that print request URLs."""
    secrets = tuple(s for s in secrets if s)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        for existing in logger.filters:
            if isinstance(existing, RedactingFilter) and existing.secrets == secrets:
                break
        else:
            logger.addFilter(RedactingFilter(secrets))
