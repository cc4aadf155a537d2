"""The inbox: what came into the AP mailbox and what became of each message (posted, awaiting
approval, quarantined with its reasons, rejected, processing, received), and one message.

The list is memory.assistant_queries.inbox_messages (the query behind the assistant's read_inbox,
which filters by the derived status, quarantined included); each status is api.views.
message_status, as GET /v1/inbox/messages/{id} reports it, and one message is api.views.
message_view. Everything here was written by an outside sender: it is shown as text, never as
HTML (the body is the parser's visible text; attachments are listed by name only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.views import MESSAGE_STATUSES, message_status, message_view
from api.web.auth import requires
from api.web.nav import may
from api.web.render import page
from memory.assistant_queries import InboxRow, inbox_messages
from memory.blobs import BlobStore
from memory.inbox_schema import InboxMessage
from memory.web_sessions_store import LiveSession
from tools.inbox.errors import InboxError
from tools.inbox.parsing import MessageLimits, parse_message

router = APIRouter(include_in_schema=False)

Reading = Annotated[LiveSession, Depends(requires("inbox.read", "open the inbox"))]
LIMITS = (50, 100, 200, 500)
BODY_CHARS = 20_000   # the visible text shown on a message's page (the rest is cut, and said so)
STATUS_WORDS = {"received": "received, not yet picked up", "processing": "being processed",
                "posted": "posted as a bill", "awaiting_approval": "waiting for a person's approval",
                "rejected": "rejected by an approver", "quarantined": "quarantined: no bill made"}


def when(value: datetime | None) -> dict[str, str] | None:
    """A time for <time>: ISO 8601 in UTC, and as people read it."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return {"iso": value.isoformat(), "text": f"{value:%Y-%m-%d %H:%M} UTC"}


def reasons_of(row: InboxRow, status: str) -> list[dict[str, Any]]:
    """The run's reasons; for a quarantined message without any, why it was quarantined (the
    same rule as api.views.message_view and the assistant's read_inbox)."""
    reasons = [{"code": str(r.get("code", "")), "message": str(r.get("message", "")),
                "hard": bool(r.get("hard", True))} for r in row.reasons]
    if status == "quarantined" and not reasons:
        why = row.quarantine_reason or row.last_error or "quarantined"
        reasons = [{"code": "quarantined", "message": why, "hard": True}]
    return reasons


def row_view(row: InboxRow) -> dict[str, Any]:
    status = message_status(row.inbox_status, row.run_state)
    return {"id": row.id, "received": when(row.received_at), "sender": row.sender,
            "subject": row.subject, "status": status, "status_words": STATUS_WORDS[status],
            "bill_id": row.bill_id, "bill_number": row.bill_number, "bill_total": row.bill_total,
            "approval_id": row.approval_id, "reasons": reasons_of(row, status)}


@router.get("/inbox")
async def inbox(request: Request, live: Reading, status: str = "", limit: str = "") -> Response:
    chosen = status if status in MESSAGE_STATUSES else None
    shown = int(limit) if limit.isdigit() and int(limit) in LIMITS else 100
    rows = await request.app.state.reads(partial(inbox_messages, status=chosen, limit=shown))
    return page(request, "inbox.html", messages=[row_view(r) for r in rows], status=chosen,
                statuses=MESSAGE_STATUSES, limit=shown, limits=LIMITS,
                can_open_approvals=may(live.principal.role, "approvals.read"))


def _one(session: Session, message_id: int) -> tuple[dict[str, Any], InboxRow, str] | None:
    view = message_view(session, message_id)
    if view is None:
        return None
    rows = inbox_messages(session, message_id=message_id, limit=1)
    sha = session.scalar(select(InboxMessage.raw_sha256).where(InboxMessage.id == message_id))
    return view, rows[0], str(sha)


def _read_mail(blobs: BlobStore, sha: str, limits: MessageLimits) -> dict[str, Any]:
    """The message as the parser reads it: attachment names and the visible text only."""
    try:
        parsed = parse_message(blobs.get(sha), limits)
    except (InboxError, OSError, ValueError) as exc:
        return {"readable": False, "why": str(exc), "attachments": [], "text": "",
                "cut": False, "warnings": [], "hidden": 0}
    text = parsed.text.strip()
    return {"readable": True, "why": None, "text": text[:BODY_CHARS], "cut": len(text) > BODY_CHARS,
            "attachments": [{"name": a.document.name, "type": a.document.content_type,
                             "forwarded": a.forwarded} for a in parsed.attachments],
            "warnings": [str(getattr(w, "message", w)) for w in parsed.warnings],
            "hidden": len(parsed.hidden_text)}


@router.get("/inbox/{message_id}")
async def message(request: Request, message_id: str, live: Reading) -> Response:
    number = int(message_id) if message_id.isdigit() and len(message_id) < 10 else 0
    found = await request.app.state.reads(_one, number) if number else None
    if found is None:
        return page(request, "error.html", status_code=404, heading="No such message",
                    message=f"There is no message {message_id} in the inbox.", back="/inbox")
    view, row, sha = found
    settings = request.app.state.runtime.settings
    mail = await anyio.to_thread.run_sync(_read_mail, BlobStore(settings.blob_path), sha,
                                          MessageLimits.from_settings(settings))
    return page(request, "inbox_message.html", m=row_view(row), view=view, mail=mail,
                can_open_approvals=may(live.principal.role, "approvals.read"))
