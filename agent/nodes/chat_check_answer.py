"""check_answer: every number in the draft must come from a tool result (or the question). A model
draft that fails is rewritten once with the offending numbers named; if it fails again, the turn
is answered by the offline router instead and the reason recorded. The offline router writes its
numbers from tool results, so its drafts pass; one that did not would be a bug, reported as a
warning rather than hidden."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat.context import ChatContext
from agent.chat.state import ChatState
from agent.chat.trace import untraceable


def check_answer(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    draft = state.get("draft", "")
    missing = untraceable(draft, state.get("results", []), state.get("question", ""))
    if not missing:
        return {}
    warnings = list(state.get("warnings", []))
    if state.get("path") != "llm":
        return {"warnings": [*warnings, f"Figures not traced to a tool result: {', '.join(missing)}"]}
    ctx.send({"event": "retract", "reason": "untraceable_numbers", "numbers": missing})
    if not state.get("retried_for_numbers"):
        return {"draft": "", "rejected": draft, "untraceable": missing, "retried_for_numbers": True}
    return {"draft": "", "path": "offline",
            "warnings": [*warnings, "The model's answer used figures that are not in any tool "
                                    f"result ({', '.join(missing)}); answered offline instead."]}
