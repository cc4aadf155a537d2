"""Signing in to the workplace, and who is asking.

- An API key is exchanged once for a session (POST /login): the cookie holds a random token whose
  hash only is stored (memory.web_sessions_store); it is HttpOnly, SameSite=Strict, Secure over
  https, and lives `web_session_hours`. A revoked key ends its sessions at once.
- Every form carries the session's CSRF token (the sign-in form, a token of its own kept in a
  short-lived cookie); a POST without the right one is refused before anything is done. Scripts
  send it as the X-CSRF-Token header.
- A page the role may not open is refused in words (403), as the API refuses it; an expired or
  missing session sends a page to sign-in, and a form post to the sign-in page with its reason.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from api.web.nav import may
from api.web.render import page
from memory import web_sessions_store
from memory.db import unit_of_work
from memory.web_sessions_store import LiveSession

SESSION_COOKIE = "bo_session"
LOGIN_CSRF_COOKIE = "bo_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason


class WebForbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class CsrfRefused(Exception):
    pass


def _secure(request: Request) -> bool:
    configured = request.app.state.runtime.settings.web_secure_cookies
    return request.url.scheme == "https" if configured is None else bool(configured)


async def _session_from(request: Request) -> LiveSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    now = request.app.state.runtime.clock.now()
    return await request.app.state.reads(web_sessions_store.resolve, now, token)


async def web_user(request: Request) -> LiveSession:
    live = await _session_from(request)
    if live is None:
        had_cookie = SESSION_COOKIE in request.cookies
        raise SignInRequired("Your session has ended; sign in again." if had_cookie else None)
    request.state.web = live
    return live


Live = Annotated[LiveSession, Depends(web_user)]


def requires(permission: str, what: str):  # type: ignore[no-untyped-def]
    """The signed-in person, if their role has `permission` (else a 403 page naming `what`)."""

    async def dependency(request: Request, live: Live) -> LiveSession:
        if not may(live.principal.role, permission):
            raise WebForbidden(f"Your role ({live.principal.role}) may not {what}.")
        return live

    return dependency


async def csrf_checked(request: Request, live: Live) -> LiveSession:
    """For every POST: the session's CSRF token in the form or the X-CSRF-Token header."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not sent or not hmac.compare_digest(sent, live.csrf_token):
        raise CsrfRefused()
    return live


def safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def login_page(request: Request, *, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", status_code=status, error=error, login_csrf=token,
                    next=safe_next(request.query_params.get("next")),
                    reason=request.query_params.get("reason"))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=900, httponly=True, samesite="strict",
                        secure=_secure(request), path="/login")
    return response


@router.get("/login")
async def login_form(request: Request) -> Response:
    if await _session_from(request) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return login_page(request)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    sent = str(form.get(CSRF_FIELD) or "")
    if not expected or not hmac.compare_digest(sent, expected):
        return login_page(request, status=403,
                          error="The sign-in form had expired or was not sent from this site. "
                                "Try again.")
    key = str(form.get("api_key") or "").strip()
    runtime = request.app.state.runtime
    lifetime = timedelta(hours=runtime.settings.web_session_hours)
    with unit_of_work(runtime.sessions) as session:
        begun = web_sessions_store.begin(session, runtime.clock, key, lifetime=lifetime,
                                         client=request.headers.get("user-agent"))
    if begun is None:
        return login_page(request, status=401,
                          error="That key is not valid: it may be mistyped, revoked or not yet "
                                "activated.")
    _, started = begun
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.set_cookie(SESSION_COOKIE, started.token,
                        max_age=int(lifetime.total_seconds()), httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, _: Annotated[LiveSession, Depends(csrf_checked)]) -> Response:
    runtime = request.app.state.runtime
    with unit_of_work(runtime.sessions) as session:
        web_sessions_store.end(session, runtime.clock, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login?reason=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def sign_in_redirect(request: Request, reason: str | None) -> Response:
    target = request.url.path if request.method == "GET" else request.headers.get("referer", "/")
    if "://" in target:  # a Referer is a full URL: keep its path only
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    elif request.method == "GET" and request.url.query:
        target += f"?{request.url.query}"
    location = f"/login?next={quote(safe_next(target))}"
    if reason:
        location += "&reason=expired"
    response = RedirectResponse(location, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
