"""respond: the turn's answer becomes part of the thread — the assistant message, its citations,
the tool calls behind it, and a turn summary (kept for `GET /v1/chat/{thread_id}`)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat.citations import cited_by
from agent.chat.context import ChatContext
from agent.chat.state import ChatState


def respond(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    answer = state.get("draft", "").strip()
    results = state.get("results", [])
    citations = state.get("citations") or cited_by(answer, results)
    tool_calls = [{"name": r["name"], "arguments": r["arguments"], "ok": r["ok"]} for r in results]
    ctx.send({"event": "answer", "text": answer})
    return {"answer": answer, "citations": citations,
            "messages": [{"role": "assistant", "content": answer}],
            "turns": [{"question": state["question"], "answer": answer, "citations": citations,
                       "tool_calls": tool_calls, "path": state.get("path"),
                       "warnings": state.get("warnings", []), "asked_by": ctx.caller.actor,
                       "at": ctx.deps.clock.now().isoformat()}]}
