"""The console's application: one factory (:func:`create_app`), the guard every request passes,
and the shared pieces the pages use (templates, the bundles, the audit log, the scenarios).

Every request but ``/healthz``, ``/login`` and ``/static/`` needs a session (else 401 and the
login page); a request carrying the start-up token (``/?token=...``) gets one, when the
console runs without an officers file. The pages themselves are in :mod:`console.pages`.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Match

from console.audit import AuditLog, log_request
from console.bundles import Bundles
from console.cards import CardCache
from console.scenarios import Scenarios
from console.security import CSRF_FIELD, Officers, csrf_token, local_officer, new_token, token_matches

__all__ = ["Console", "create_app", "render"]

OPEN_PATHS = ("/healthz", "/login")
OPEN_PREFIXES = ("/static/",)

TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("console", "templates"),
                               autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass
class Console:
    """What the pages share: the runs folder, the login token (None with an officers file), the
    officers, the audit log, the cards read so far and the background scenarios."""

    bundles: Bundles
    token: str | None
    officers: Officers | None
    audit: AuditLog
    cards: CardCache
    scenarios: Scenarios


def console_of(request: Request) -> Console:
    return request.app.state.console


def officer_of(request: Request) -> str:
    return request.session.get("officer", "")


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    """The page ``template`` with the officer, the CSRF token and ``context``."""
    session = request.session
    page = TEMPLATES.get_template(template).render(
        officer=session.get("officer", ""), csrf=csrf_token(session), csrf_field=CSRF_FIELD,
        password_login=console_of(request).officers is not None, **context)
    return HTMLResponse(page, status_code=status,
                        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                                            "img-src 'self' data:; form-action 'self'",
                                 "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})


def route_pattern(app: Starlette, scope) -> str:
    """The pattern of the route a request matched (``/runs/{run}``), never its values."""
    for route in app.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", "?")
    return "(no route)"


class Guard(BaseHTTPMiddleware):
    """Token login, the session check, and the server's log line (route pattern only)."""

    async def dispatch(self, request: Request, call_next) -> Response:
        started = time.perf_counter()
        response = await self._checked(request, call_next)
        log_request(request.method, route_pattern(request.app, request.scope), response.status_code,
                    time.perf_counter() - started)
        return response

    async def _checked(self, request: Request, call_next) -> Response:
        console, path = console_of(request), request.url.path
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return await call_next(request)
        if console.token and token_matches(request.query_params.get("token"), console.token):
            request.session.clear()
            request.session["officer"] = local_officer()
            csrf_token(request.session)
            console.audit.record(request.session["officer"], "login with the start-up link")
            return RedirectResponse(path, status_code=303)  # the token leaves the address bar
        if not officer_of(request):
            return render(request, "login.html.j2", status=401, failed=False)
        return await call_next(request)


def create_app(runs: Path, *, officers: Officers | None = None, token: str | None = None) -> Starlette:
    """The console over the bundles in ``runs``. Without ``officers``, ``token`` (default: a new
    random one) is the login link's; with them, officers log in with name and password."""
    from console.pages import routes  # noqa: PLC0415 (the pages import this module)

    bundles = Bundles(runs)
    console = Console(bundles=bundles, token=None if officers is not None else (token or new_token()),
                      officers=officers, audit=AuditLog(bundles.folder), cards=CardCache(),
                      scenarios=Scenarios(bundles.state))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        console.scenarios.close()
        console.cards.close()

    app = Starlette(routes=routes(), lifespan=lifespan, middleware=[
        Middleware(SessionMiddleware, secret_key=new_token(), session_cookie="psm_console", same_site="strict",
                   max_age=12 * 3600),
        Middleware(Guard),
    ])
    app.state.console = console
    return app
