"""plan_offline: with no model (or none usable), the deterministic router reads the question and
names the tool calls that answer it; a question it does not recognise gets no calls, and the
composer says what it can answer instead."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat.context import ChatContext
from agent.chat.router import plan
from agent.chat.state import ChatState


def plan_offline(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    routed = plan(state["question"], ctx.caller, today=ctx.deps.clock.now().date())
    pending = [{"id": f"offline-{i}", "name": name, "arguments": arguments}
               for i, (name, arguments) in enumerate(routed.calls, start=1)]
    return {"path": "offline", "intent": routed.intent, "pending": pending, "results": []}
