"""The workplace: the pages people use in a browser, served at / by the same app as the API.

Server-rendered Jinja2 templates over the same view and service functions the API uses (no logic
in templates), plain HTML forms that work without JavaScript, and one small script for keyboard
shortcuts and the assistant's streamed answers. No build step, no CDN: every asset is in this
package. See api.web.auth for sessions and CSRF; every response carries a strict
Content-Security-Policy, so nothing injected into a page (an invoice field, a chat answer) can run.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.web.auth import CsrfRefused, SignInRequired, WebForbidden, sign_in_redirect
from api.web.render import page

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
     b"object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every response outside the JSON API."""

    def __init__(self, app: ASGIApp, api_prefix: str = "/v1") -> None:
        self.app, self.api_prefix = app, api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.api_prefix):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    from api.web import approvals, audit, auth, bank, chat, home, inbox, payroll, reports

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, home, approvals, inbox, bank, chat, reports, payroll, audit):
        app.include_router(module.router)
    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return sign_in_redirect(request, exc.reason)

    @app.exception_handler(WebForbidden)
    async def forbidden(request: Request, exc: WebForbidden) -> Response:
        return page(request, "error.html", status_code=403, heading="Not for your role",
                    message=exc.message)

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        return page(request, "error.html", status_code=403, heading="Form refused",
                    message="This form was not sent from a page of this site, or the page was "
                            "too old (its security token did not match). Nothing was changed: "
                            "reload the page and try again.",
                    back="/")
