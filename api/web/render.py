"""Rendering the workplace's pages: one Jinja2 environment over the package's templates, with
autoescaping always on (an invoice field or a chat answer is text from outside: it is shown, never
run), and the context every page gets (who is signed in, their navigation, the CSRF token)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from api.web.nav import navigation

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=ChainableUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["money"] = money
    env.filters["pct"] = lambda v: "" if v is None else f"{float(v) * 100:.0f}%"
    return env


def money(value: Any) -> str:
    """'1234.5' → '$1,234.50' (amounts arrive as exact decimal strings)."""
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A full page for the signed-in person (`request.state.web`, set by api.web.auth)."""
    live = getattr(request.state, "web", None)
    principal = live.principal if live is not None else None
    html = environment().get_template(template).render(
        request=request, user=principal, csrf_token=live.csrf_token if live else "",
        nav=navigation(principal.role) if principal else [], path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
