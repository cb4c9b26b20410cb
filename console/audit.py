"""The console's audit log and its server log: who did what, and nothing personal.

- **Audit log** (``DIR/console-audit.jsonl``, readable by its owner only): one JSON line per page
  opened or action taken: when (UTC), which officer, the action (``applicant page``, ``appeal
  recorded``, ...), the run and the applicant id where there is one, and the outcome. Never a
  value an officer typed or a file held: no changed cell, no reason text, no upload.
- **Server log** (stderr): uvicorn's own access log is switched off, since it prints each path
  with its applicant id and query string. In its place :func:`log_request` writes the method,
  the route's pattern (``/runs/{run}/applicants/{applicant_id}``), the status and the time taken.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path

__all__ = ["AuditLog", "AUDIT_FILE", "log_request", "SERVER_LOG"]

AUDIT_FILE = "console-audit.jsonl"
SERVER_LOG = logging.getLogger("console")


class AuditLog:
    """Appends audit records to ``folder/console-audit.jsonl``, one writer at a time."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / AUDIT_FILE
        self._lock = threading.Lock()

    def record(self, officer: str, action: str, *, run: str = "", applicant_id: str = "", outcome: str = "") -> None:
        entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "officer": officer,
                 "action": action}
        entry |= {k: v for k, v in (("run", run), ("applicant_id", applicant_id), ("outcome", outcome)) if v}
        line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
        with self._lock:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as log:
                log.write(line)

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


def log_request(method: str, route: str, status: int, seconds: float) -> None:
    """One server-log line: the route's pattern, never the path as requested."""
    SERVER_LOG.info("%s %s %d %.0f ms", method, route, status, 1000 * seconds)
