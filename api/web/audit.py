"""The audit log, newest first and paged, and the check of its hash chain (memory.audit.verify,
as `backoffice audit verify` runs it): intact with the rows checked and the head hash to write
down, or the first row that does not fit and why. Reading it needs ledger.read (owner, auditor,
admin). Verifying walks the whole chain, so it runs off the event loop and only when asked."""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.web.auth import requires
from api.web.render import page
from memory import audit
from memory.schema import AuditEntry
from memory.web_sessions_store import LiveSession

router = APIRouter(include_in_schema=False)

Reading = Annotated[LiveSession, Depends(requires("ledger.read", "read the audit log"))]
PER_PAGE = (25, 50, 100, 200)
PAYLOAD_CHARS = 600
HASH = frozenset("0123456789abcdef")


def _page_of(session: Session, per: int, number: int) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    pages = max(1, -(-total // per))
    number = min(max(1, number), pages)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())
                           .limit(per).offset((number - 1) * per))
    return {"total": int(total), "pages": pages, "number": number,
            "rows": [_row(r) for r in rows]}


def _row(row: AuditEntry) -> dict[str, Any]:
    try:
        payload = json.dumps(json.loads(row.payload), ensure_ascii=False, indent=1)
    except ValueError:
        payload = row.payload
    return {"seq": row.seq, "at": row.at, "actor": row.actor, "action": row.action,
            "entity_type": row.entity_type, "entity_id": row.entity_id,
            "payload": payload[:PAYLOAD_CHARS], "cut": len(payload) > PAYLOAD_CHARS,
            "hash": row.hash}


def _int(raw: str | None, default: int) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else default


@router.get("/audit")
async def audit_log(request: Request, _: Reading) -> Response:
    q = request.query_params
    per = _int(q.get("per"), 50)
    per = per if per in PER_PAGE else 50
    listing = await request.app.state.reads(_page_of, per, _int(q.get("page"), 1))
    report, error = None, None
    head = (q.get("expect_head") or "").strip().lower()
    if q.get("verify"):
        if head and (len(head) != 64 or not set(head) <= HASH):
            error = "A head hash is the 64 hexadecimal characters an earlier check printed."
        else:
            found = await anyio.to_thread.run_sync(request.app.state.reads.run_sync,
                                                   audit.verify, head or None)
            report = {"intact": found.intact, "rows_checked": found.rows_checked,
                      "head_hash": found.head_hash, "first_bad_seq": found.first_bad_seq,
                      "reason": found.reason, "expected_head": head or None}
    return page(request, "audit.html", status_code=422 if error else 200, listing=listing,
                per=per, per_page=PER_PAGE, report=report, error=error, expect_head=head)
