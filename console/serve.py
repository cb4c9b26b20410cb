"""``psm console``: check the host, make the application, print the login link, serve it.

uvicorn's access log is off (it prints every path with its applicant id and query string);
:mod:`console.audit` writes the console's own request log, route patterns only.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from console.app import create_app
from console.security import Officers, check_host
from psm.errors import PsmError

__all__ = ["serve", "login_link"]


def login_link(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "login")


def serve(runs: Path, host: str = "127.0.0.1", port: int = 8765, users: Path | None = None) -> None:
    """Serve the console over the bundles in ``runs`` until interrupted."""
    import uvicorn  # noqa: PLC0415 (only the server needs it)

    runs = Path(runs)
    if not runs.is_dir():
        raise PsmError(f"--runs {runs}: no such folder; give the folder holding the run bundles (psm run --out "
                       f"{runs}/NAME makes one)")
    officers = Officers.read(users) if users is not None else None
    check_host(host, officers)
    app = create_app(runs, officers=officers)
    token = app.state.console.token
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    print(f"psm console · {runs} · {'officers from ' + str(users) if officers else 'this computer only'}")
    if token:
        print("  open this link in a browser on this computer (it logs you in; do not share it):")
    else:
        print("  officers log in with their name and password at:")
    print(f"  {login_link(host, port, token)}", flush=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)
