"""The inbox: submit a raw email (the API channel), and follow what became of it.

POST /v1/inbox/messages takes the message's bytes as they are (`Content-Type: message/rfc822`):
- a new message is recorded (bytes first, then one inbox row) and answered 202 `{id, status,
  duplicate: false}`; the worker picks it up within its poll interval;
- the same message again (same Message-ID and body) is answered 200 with the SAME id and its
  current status, `duplicate: true`: nothing new was accepted, so nothing is processed twice;
- a message the parser refuses (MIME nested too deep, too many parts, too large) is still
  recorded, as quarantined with the reason, and answered 202 with status "quarantined" (nothing
  accepted is lost, and a person can release it); a message that is readable but carries no
  invoice is quarantined by the worker, with the reason, shortly after;
- a body that is not an email at all (no header block with From/Subject/Message-ID/…, e.g. a bare
  PDF or JSON) is refused with 400 `not_an_email` and not recorded; an empty body is 400
  `empty_body`; another Content-Type is 415. The body limit (413) is the app's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import ReadsDep, RuntimeDep, allow
from services.runtime import Runtime
from api.schemas import ErrorBody, MessageAccepted, MessageOut
from api.views import message_view
from memory.apikeys_store import Principal
from memory.db import unit_of_work
from memory.inbox_store import InboxStore
from services.intake import MessageIntake
from tools.documents.identify import Kind, identify
from memory.blobs import BlobStore
from tools.inbox.parsing import MessageLimits

router = APIRouter(prefix="/inbox", tags=["inbox"])

MESSAGE_TYPES = ("message/rfc822", "message/global")
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _record(runtime: Runtime, principal: Principal, raw: bytes) -> tuple[dict[str, Any], bool]:
    settings = runtime.settings
    store = MessageIntake(InboxStore(runtime.sessions, runtime.clock, BlobStore(settings.blob_path),
                                     actor=principal.actor), MessageLimits.from_settings(settings))
    result = store.record(raw, channel="api")
    with unit_of_work(runtime.sessions) as session:
        view = message_view(session, result.message.id)
    assert view is not None
    return view, result.created


@router.post(
    "/messages", status_code=202, response_model=MessageAccepted,
    responses={200: {"model": MessageAccepted, "description": "Already received: the same id"},
               400: {"model": ErrorBody}, 413: {"model": ErrorBody}, 415: {"model": ErrorBody}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "message/rfc822": {"schema": {"type": "string", "format": "binary"}}}}})
async def submit_message(request: Request, principal: Annotated[Principal, Depends(allow("inbox.submit"))],
                         runtime: RuntimeDep) -> JSONResponse:
    """Record one raw email (see the module docstring for every answer)."""
    if _content_type(request) not in MESSAGE_TYPES:
        raise HTTPException(415, {"code": "unsupported_media_type",
                                  "message": "Send the raw email with Content-Type: message/rfc822."})
    raw = await request.body()
    if not raw.strip():
        raise HTTPException(400, {"code": "empty_body", "message": "The request has no message."})
    if identify(raw) is not Kind.EMAIL:
        raise HTTPException(400, {"code": "not_an_email",
                                  "message": "The body is not an email (RFC 822 headers, a blank "
                                             "line, then the body)."})
    view, created = await run_in_threadpool(_record, runtime, principal, raw)
    body = {"id": view["id"], "status": view["status"], "duplicate": not created}
    return JSONResponse(body, status_code=202 if created else 200,
                        headers={"Location": f"/v1/inbox/messages/{view['id']}"})


@router.get("/messages/{message_id}", response_model=MessageOut,
            responses={404: {"model": ErrorBody}})
async def get_message(message_id: RowId, _: Annotated[Principal, Depends(allow("inbox.read"))],
                      reads: ReadsDep) -> dict[str, Any]:
    """Where a message got to: received, processing, posted (bill_id), awaiting_approval
    (approval_id), rejected or quarantined, with the reasons."""
    view = await reads(message_view, message_id)
    if view is None:
        raise HTTPException(404, {"code": "not_found", "message": f"There is no message {message_id}."})
    return view
