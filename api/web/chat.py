"""The assistant in the browser: a conversation's earlier turns (?thread=ID) and a question form.

The same ChatService as POST /v1/chat (api.routes.chat: one service per app, the model when one
is configured, the offline router otherwise), asked as the signed-in key, so a thread started
here is the same thread the API reads back and belongs to the same caller.

- Without JavaScript the form posts to /chat (CSRF-checked) and the page comes back with the
  answer: the tool calls behind it, its citations, any warnings.
- With JavaScript (static/chat.js) the submit goes to POST /chat/stream (the X-CSRF-Token header,
  a JSON body) and the answer arrives as server-sent events, the same events as the API's stream;
  the script writes every piece of text with textContent, never as markup.
- A citation opens /chat/source: that clause of the policy or award, looked up in the knowledge
  base with the caller's audiences (a passage their role may not search is not shown either).
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.chat.service import MAX_QUESTION_CHARS, ChatError, ChatService, ChatThread
from api.deps import error_response
from api.routes.chat import ServiceDep, _chain, _refused, _sse, caller_of
from api.web.auth import WebForbidden, csrf_checked, requires
from api.web.nav import may
from api.web.render import page
from memory.web_sessions_store import LiveSession

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

Asking = Annotated[LiveSession, Depends(requires("chat.ask", "use the assistant"))]
Posting = Annotated[LiveSession, Depends(csrf_checked)]
SOURCE_LIMIT = 50          # passages of one clause (and its sub-clauses) shown at most


class StreamRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    thread_id: str | None = Field(default=None, max_length=64)


def source_href(citation: dict[str, Any]) -> str:
    """The page that shows a citation's clause (by document id; a title works too)."""
    document = citation.get("document_id") or citation.get("document") or ""
    query = {"document": document}
    if citation.get("clause"):
        query["clause"] = str(citation["clause"])
    return "/chat/source?" + urlencode(query)


def _arguments(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False, sort_keys=True, default=str)


def turn_view(turn: dict[str, Any]) -> dict[str, Any]:
    """A turn as the template shows it: arguments as text, each citation with its link."""
    return {**turn,
            "tool_calls": [{**c, "arguments_text": _arguments(c.get("arguments"))}
                           for c in turn.get("tool_calls") or []],
            "citations": [{**c, "href": source_href(c)} for c in turn.get("citations") or []]}


def _thread_view(thread: ChatThread) -> list[dict[str, Any]]:
    return [turn_view(t.model_dump(mode="json")) for t in thread.turns]


async def _history(service: ChatService, thread_id: str, live: LiveSession) -> ChatThread:
    return await anyio.to_thread.run_sync(service.history, thread_id, caller_of(live.principal))


async def _render(request: Request, live: LiveSession, service: ChatService,
                  thread_id: str | None, *, question: str = "", error: str | None = None,
                  status: int = 200) -> Response:
    turns: list[dict[str, Any]] = []
    continuing = None
    reading_other = False
    if thread_id:
        try:
            thread = await _history(service, thread_id, live)
        except ChatError as exc:
            error = error or exc.message
            status = 404 if status == 200 else status
        else:
            turns = _thread_view(thread)
            if thread.owner == live.principal.actor:
                continuing = thread.thread_id
            else:   # an auditor or admin reading someone else's conversation
                reading_other = True
    return page(request, "chat.html", status_code=status, turns=turns, thread_id=continuing,
                reading_other=reading_other, question=question, error=error,
                max_chars=MAX_QUESTION_CHARS)


def requires_chat(live: LiveSession) -> None:
    """Every role may ask today (api.views.PERMISSIONS); a form post is checked all the same."""
    if not may(live.principal.role, "chat.ask"):
        raise WebForbidden(f"Your role ({live.principal.role}) may not use the assistant.")


@router.get("/chat")
async def chat_page(request: Request, live: Asking, service: ServiceDep,
                    thread: str | None = None) -> Response:
    return await _render(request, live, service, (thread or "").strip() or None)


@router.post("/chat")
async def ask(request: Request, live: Posting, service: ServiceDep) -> Response:
    """The form without JavaScript: ask, then show the conversation with the new answer."""
    requires_chat(live)
    form = await request.form()
    question = str(form.get("question") or "")
    thread_id = str(form.get("thread_id") or "").strip() or None
    try:
        answer = await anyio.to_thread.run_sync(partial(
            service.ask, question, caller_of(live.principal), thread_id))
    except ChatError as exc:
        status = 404 if exc.code == "thread_not_found" else 422
        return await _render(request, live, service,
                             None if exc.code == "thread_not_found" else thread_id,
                             question=question, error=exc.message, status=status)
    except Exception:  # said in words on the page, as the stream says it
        log.exception("chat turn from the workplace failed")
        return await _render(request, live, service, thread_id, question=question, status=500,
                             error="The assistant failed to answer; the error has been logged. "
                                   "Try again, or ask it another way.")
    return await _render(request, live, service, answer.thread_id)


@router.post("/chat/stream")
async def stream(request: Request, live: Posting, service: ServiceDep) -> Response:
    """The script's way in: JSON {question, thread_id} → text/event-stream (thread, tool_call,
    tool_result, token, retract, answer, done), or a JSON error (422, 404 for a thread that is
    not the caller's) before anything is streamed."""
    requires_chat(live)
    try:
        body = StreamRequest.model_validate(await request.json())
    except (ValueError, ValidationError):  # not JSON, or not the fields above
        return error_response(422, "invalid_request",
                              f"Send JSON {{question, thread_id}}; a question of 1 to "
                              f"{MAX_QUESTION_CHARS} characters.")
    events = service.stream(body.question, caller_of(live.principal),
                            (body.thread_id or "").strip() or None)
    try:
        first = await anyio.to_thread.run_sync(next, events)  # validation errors come here
    except ChatError as exc:
        return _refused(exc)
    return StreamingResponse(_sse(_chain(first, events)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _lookup(service: ChatService, live: LiveSession, document: str, clause: str | None
            ) -> dict[str, Any] | None:
    """The clause's passages (with its sub-clauses), in document order, among the documents the
    caller's role may search; None when there is no such clause for them."""
    from agent.chat.tools.search_policies import allowed_audiences, knowledge_base

    kb = knowledge_base(service.deps)
    audiences = allowed_audiences(caller_of(live.principal))
    docs = {d.document_id: d for d in kb.documents() if d.audience in audiences}
    info = docs.get(document) or next((d for d in docs.values() if d.title == document), None)
    if info is None:
        return None
    hits = kb.search(f"clause {clause}" if clause else info.title, SOURCE_LIMIT,
                     document=info.document_id, clause=clause or None, audiences=audiences)
    if not hits:
        return None
    passages = sorted(hits, key=lambda h: h.chunk_id)
    exact = [h for h in passages if h.clause == clause]
    return {"document_id": info.document_id, "title": info.title, "clause": clause,
            "audience": info.audience, "effective_from": info.effective_from,
            "effective_to": info.effective_to,
            "passages": [{"clause": h.clause, "heading": h.heading, "text": h.text,
                          "exact": h in exact} for h in passages]}


@router.get("/chat/source")
async def source(request: Request, live: Asking, service: ServiceDep, document: str = "",
                 clause: str = "") -> Response:
    document, clause = document.strip()[:120], clause.strip()[:32]
    if not document:
        return page(request, "error.html", status_code=404, heading="No such clause",
                    message="Say which document (and clause) to show.", back="/chat")
    from adapters.knowledge.errors import KnowledgeError

    try:
        found = await anyio.to_thread.run_sync(_lookup, service, live, document, clause or None)
    except KnowledgeError as exc:
        return page(request, "error.html", status_code=503, heading="The policies are not available",
                    message=exc.message, back="/chat")
    if found is None:
        what = f"clause {clause} of {document}" if clause else document
        return page(request, "error.html", status_code=404, heading="No such clause",
                    message=f"There is no {what} among the documents your role may read.",
                    back="/chat")
    return page(request, "chat_source.html", source=found)
