"""Signing in to the workplace in tests: the form's CSRF token, then the API key."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, key: str, next_path: str = "/") -> str:
    """Signs `client` in with `key`; returns the session's CSRF token (from the next page)."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    r = client.post("/login", data={"api_key": key, "csrf_token": csrf_of(form.text),
                                    "next": next_path}, follow_redirects=False)
    assert r.status_code == 303, r.text
    landing = client.get(r.headers["location"])
    assert landing.status_code == 200, landing.text
    return csrf_of(landing.text)
