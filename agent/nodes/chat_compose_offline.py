"""compose_offline: the offline answer, written from the tool results with the intent's template:
plain sentences, every figure copied from a result, every rule cited."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat.compose import compose
from agent.chat.context import ChatContext
from agent.chat.state import ChatState


def compose_offline(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    answer = compose(state.get("intent") or "unsupported", state["question"],
                     state.get("results", []), ctx.caller)
    return {"draft": answer.text, "citations": answer.citations}
