"""Helpers for the console's tests: the start-up token they use, logging in, a form's CSRF token."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

TOKEN = "test-token-0123456789"


def logged_in(client: TestClient) -> TestClient:
    response = client.get(f"/?token={TOKEN}", follow_redirects=False)
    assert response.status_code == 303
    return client


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
