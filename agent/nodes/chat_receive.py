"""receive: start a turn — record the question, reset the turn's fields, pick the path (the model
when one is configured, the offline router otherwise)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat.context import ChatContext
from agent.chat.state import ChatState


def receive(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    question = state["question"]
    return {"owner": state.get("owner") or ctx.caller.actor,
            "messages": [{"role": "user", "content": question}],
            "path": "llm" if ctx.model is not None else "offline",
            "intent": None, "pending": [], "results": [], "rounds": 0, "draft": "",
            "retried_for_numbers": False, "answer": "", "citations": [], "warnings": []}
