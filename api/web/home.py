"""The start page: what is waiting for the person signed in, by what their role may open."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.web.auth import Live
from api.web.nav import may
from api.web.render import page
from memory.ap_schema import Approval
from memory.inbox_schema import InboxMessage

router = APIRouter(include_in_schema=False)


def _counts(session: Session) -> dict[str, int]:
    pending = session.scalar(select(func.count()).select_from(Approval)
                             .where(Approval.status == "pending")) or 0
    quarantined = session.scalar(select(func.count()).select_from(InboxMessage)
                                 .where(InboxMessage.status == "quarantined")) or 0
    return {"pending": int(pending), "quarantined": int(quarantined)}


@router.get("/")
async def home(request: Request, live: Live) -> Response:
    counts = await request.app.state.reads(_counts)
    role = live.principal.role
    cards: list[dict[str, Any]] = []
    if may(role, "approvals.read"):
        cards.append({"path": "/approvals", "count": counts["pending"],
                      "label": "approvals waiting"})
    if may(role, "inbox.read"):
        cards.append({"path": "/inbox?status=quarantined", "count": counts["quarantined"],
                      "label": "messages quarantined"})
    return page(request, "home.html", cards=cards)
