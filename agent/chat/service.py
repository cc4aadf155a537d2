"""Asking the assistant: one turn on a thread (new or continued), streamed or not, and reading a
thread back. The API route and `backoffice ask` both go through here.

Threads are LangGraph threads in the application database (agent.checkpointer). A thread belongs
to whoever started it: only they may continue it; they, an auditor or an admin may read it. Any
other caller is told the thread does not exist, so thread ids cannot be probed.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

from agent.chat.context import ChatContext, Prices
from agent.chat.llm_tools import ToolCallingModel
from agent.checkpointer import open_checkpointer
from agent.graphs.chat import build_chat_graph
from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller

log = logging.getLogger(__name__)

THREAD_ID = re.compile(r"chat-[0-9a-f]{32}")
MAX_QUESTION_CHARS = 4000
READ_ANY_THREAD = frozenset({"auditor", "admin"})


class ChatError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Citation(BaseModel):
    document: str | None
    document_id: str | None = None
    clause: str | None
    text: str


class ToolCallOut(BaseModel):
    name: str
    arguments: Any
    ok: bool = True


class ChatAnswer(BaseModel):
    answer: str
    citations: list[Citation]
    tool_calls: list[ToolCallOut]
    thread_id: str
    path: str = Field(description="llm: the model answered; offline: the offline router did")
    warnings: list[str] = Field(default_factory=list)
    usage: dict[str, Any] = Field(default_factory=dict)


class ChatTurnOut(BaseModel):
    question: str
    answer: str
    citations: list[Citation]
    tool_calls: list[ToolCallOut]
    path: str | None = None
    warnings: list[str] = Field(default_factory=list)
    asked_by: str | None = None
    at: str | None = None


class ChatThread(BaseModel):
    thread_id: str
    owner: str
    turns: list[ChatTurnOut]
    usage: dict[str, Any] = Field(default_factory=dict)


def new_thread_id() -> str:
    return f"chat-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class ChatService:
    deps: AssistantDeps
    tools: Mapping[str, AssistantTool[Any, Any]]
    model: ToolCallingModel | None = None
    prices: Prices = field(default_factory=Prices)
    max_rounds: int = 6

    @contextmanager
    def _graph(self) -> Iterator[Any]:
        settings = self.deps.settings
        with open_checkpointer(settings.resolved_database_url,
                               busy_timeout_ms=settings.sqlite_busy_timeout_ms) as saver:
            yield build_chat_graph().compile(checkpointer=saver)

    def _context(self, caller: Caller, *, stream: bool = False) -> ChatContext:
        return ChatContext(caller=caller, deps=self.deps, tools=self.tools, model=self.model,
                           prices=self.prices, max_rounds=self.max_rounds,
                           organisation=_organisation(self.deps), stream=stream)

    def _prepare(self, graph: Any, question: str, caller: Caller, thread_id: str | None
                 ) -> tuple[str, dict[str, Any]]:
        question = question.strip()
        if not question:
            raise ChatError("empty_question", "Ask a question.")
        if len(question) > MAX_QUESTION_CHARS:
            raise ChatError("question_too_long",
                            f"A question may be at most {MAX_QUESTION_CHARS} characters.")
        if thread_id is None:
            thread_id = new_thread_id()
        else:
            values = self._values(graph, thread_id)
            if values.get("owner") != caller.actor:
                raise ChatError("thread_not_found", "There is no such conversation.")
        return thread_id, {"configurable": {"thread_id": thread_id}}

    def _values(self, graph: Any, thread_id: str) -> dict[str, Any]:
        if not THREAD_ID.fullmatch(thread_id):
            raise ChatError("thread_not_found", "There is no such conversation.")
        values = graph.get_state({"configurable": {"thread_id": thread_id}}).values
        if not values:
            raise ChatError("thread_not_found", "There is no such conversation.")
        return values

    def ask(self, question: str, caller: Caller, thread_id: str | None = None) -> ChatAnswer:
        with self._graph() as graph:
            thread_id, config = self._prepare(graph, question, caller, thread_id)
            values = graph.invoke({"question": question.strip()}, config,
                                  context=self._context(caller), durability="sync")
        return _answer(values, thread_id)

    def stream(self, question: str, caller: Caller, thread_id: str | None = None
               ) -> Iterator[dict[str, Any]]:
        """Events as they happen ({"event": "token" | "tool_call" | "tool_result" | "retract" |
        "answer", ...}), then {"event": "done", "result": ChatAnswer as JSON}. Validation errors
        raise before the first event."""
        with ExitStack() as stack:   # handed to the worker thread once the request is valid
            graph = stack.enter_context(self._graph())
            thread_id, config = self._prepare(graph, question, caller, thread_id)
            resources = stack.pop_all()
        events: queue.Queue[tuple[str, Any]] = queue.Queue()

        def run() -> None:
            # A thread of its own so that events reach the client while the graph runs.
            with resources:
                try:
                    for chunk in graph.stream({"question": question.strip()}, config,
                                              context=self._context(caller, stream=True),
                                              stream_mode="custom", durability="sync"):
                        events.put(("event", chunk))
                    values = graph.get_state(config).values
                    events.put(("done", _answer(values, thread_id).model_dump(mode="json")))
                except Exception:  # noqa: BLE001 — reported to the client as an error event
                    log.exception("chat turn on %s failed", thread_id)
                    events.put(("error", None))

        worker = threading.Thread(target=run, name=f"chat-{thread_id[-8:]}", daemon=True)
        worker.start()
        yield {"event": "thread", "thread_id": thread_id}
        while True:
            kind, payload = events.get()
            if kind == "event":
                yield payload
            elif kind == "done":
                yield {"event": "done", "result": payload}
                return
            else:
                yield {"event": "error", "code": "failed",
                       "message": "The assistant failed to answer; the error has been logged."}
                return

    def history(self, thread_id: str, caller: Caller) -> ChatThread:
        with self._graph() as graph:
            values = self._values(graph, thread_id)
        if values.get("owner") != caller.actor and caller.role not in READ_ANY_THREAD:
            raise ChatError("thread_not_found", "There is no such conversation.")
        return ChatThread(thread_id=thread_id, owner=values.get("owner", ""),
                          turns=[ChatTurnOut.model_validate(t) for t in values.get("turns", [])],
                          usage=values.get("usage") or {})


def _organisation(deps: AssistantDeps) -> str:
    from memory.db import read_only
    from memory.schema import Organisation

    with read_only(deps.sessions) as session:
        org = session.get(Organisation, 1)
        return org.name if org is not None else "the business"


def _answer(values: dict[str, Any], thread_id: str) -> ChatAnswer:
    turn = (values.get("turns") or [{}])[-1]
    return ChatAnswer(answer=values.get("answer", ""), citations=values.get("citations", []),
                      tool_calls=turn.get("tool_calls", []), thread_id=thread_id,
                      path=values.get("path") or "offline", warnings=values.get("warnings", []),
                      usage=values.get("usage") or {})
