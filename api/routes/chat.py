"""The advisor assistant over HTTP.

POST /v1/chat {question, thread_id?, stream?}: one turn. JSON by default:
`{answer, citations: [{document, clause, text}], tool_calls: [{name, arguments}], thread_id, path,
warnings, usage}`; with `"stream": true` (or `Accept: text/event-stream`) server-sent events —
`thread`, then `tool_call`, `tool_result`, `token` (model text as it arrives), `retract` (a draft
withdrawn for untraceable numbers), `answer`, and `done` with the JSON above.
GET /v1/chat/{thread_id}: the conversation's turns (its owner, an auditor or an admin).

Every role may ask; what the assistant may look up for them is decided inside each tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from agent.chat.service import MAX_QUESTION_CHARS, ChatAnswer, ChatError, ChatService, ChatThread
from api.deps import RuntimeDep, allow, error_response
from api.responses import errors
from memory.apikeys_store import Principal
from agent.chat.tools.contract import Caller

router = APIRouter(prefix="/chat", tags=["assistant"])


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    thread_id: str | None = Field(default=None, max_length=64,
                                  description="Continue this conversation (omit to start one)")
    stream: bool = Field(default=False, description="Answer as server-sent events")


def caller_of(principal: Principal) -> Caller:
    return Caller(actor=principal.actor, role=principal.role,  # type: ignore[arg-type]
                  employee_id=getattr(principal, "employee_id", None))


def _service(request: Request, runtime: RuntimeDep) -> ChatService:
    service = getattr(request.app.state, "chat_service", None)
    if service is None:
        from agent.chat.build import build_chat_service

        service = build_chat_service(runtime.settings, runtime.sessions, runtime.clock)
        request.app.state.chat_service = service
    return service


ServiceDep = Annotated[ChatService, Depends(_service)]


def _refused(exc: ChatError) -> JSONResponse:
    status = 404 if exc.code == "thread_not_found" else 422
    return error_response(status, exc.code, exc.message)


def _sse(events: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    for event in events:
        name = event.get("event", "message")
        data = json.dumps(event, ensure_ascii=False, default=str)
        yield f"event: {name}\ndata: {data}\n\n".encode()


# One server-sent event of a streamed answer: its name, and its JSON (which repeats the name).
SSE_EVENT = {"type": "object", "required": ["event", "data"], "properties": {
    "event": {"type": "string", "enum": ["thread", "tool_call", "tool_result", "token", "retract",
                                         "answer", "done", "error"]},
    "data": {"type": "string", "contentMediaType": "application/json"}}}


@router.post("", response_model=ChatAnswer, responses={
    200: {"content": {"text/event-stream": {"schema": SSE_EVENT}},
          "description": "The answer (JSON), or with `stream` the events (see the module docstring)"},
    **errors(404)})
def ask(body: ChatRequest, request: Request,
        principal: Annotated[Principal, Depends(allow("chat.ask"))], service: ServiceDep) -> Any:
    """Ask the assistant. It answers from tool results (the ledger, the inbox, payroll, policies
    and awards), cites the clauses it relied on, and lists the tool calls behind the answer. It
    cannot approve, post, pay or change bank details."""
    caller = caller_of(principal)
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    try:
        if wants_stream:
            events = service.stream(body.question, caller, body.thread_id)
            first = next(events)          # validation errors surface here, before the 200
            return StreamingResponse(_sse(_chain(first, events)), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-store"})
        return service.ask(body.question, caller, body.thread_id)
    except ChatError as exc:
        return _refused(exc)


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


@router.get("/{thread_id}", response_model=ChatThread, responses=errors(404))
def thread(thread_id: str, principal: Annotated[Principal, Depends(allow("chat.ask"))],
           service: ServiceDep) -> Any:
    """A conversation's turns: each question, answer, citations and tool calls."""
    try:
        return service.history(thread_id, caller_of(principal))
    except ChatError as exc:
        return _refused(exc)
