"""llm_turn: one model turn over the conversation and the tools this caller may use. Tool calls
go to `run_tools`; text is the draft answer. A model that is unavailable (or loops past the round
limit) hands the turn to the offline router, with the reason as a warning."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.chat import conversation
from agent.chat.context import ChatContext
from agent.chat.state import ChatState
from core.llm import LlmError


def _usage(state: ChatState, ctx: ChatContext, model: str, prompt: int, completion: int
           ) -> dict[str, Any]:
    usage = dict(state.get("usage") or {})
    usage["model"] = model
    usage["prompt_tokens"] = int(usage.get("prompt_tokens", 0)) + prompt
    usage["completion_tokens"] = int(usage.get("completion_tokens", 0)) + completion
    usage["model_calls"] = int(usage.get("model_calls", 0)) + 1
    cost = ctx.prices.cost(usage["prompt_tokens"], usage["completion_tokens"])
    usage["cost"] = str(cost) if cost is not None else None
    return usage


def llm_turn(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    assert ctx.model is not None
    rounds = state.get("rounds", 0)
    if rounds >= ctx.max_rounds:
        return {"path": "offline", "pending": [],
                "warnings": [*state.get("warnings", []),
                             f"The model called tools {rounds} times without answering; "
                             "answered offline instead."]}
    system = conversation.system_message(
        organisation=ctx.organisation, today=ctx.deps.clock.now().date().isoformat(),
        role=ctx.caller.role)
    extra = []
    if state.get("retried_for_numbers"):
        extra = [{"role": "assistant", "content": state.get("rejected", "")},
                 conversation.numbers_retry_message(state.get("untraceable", []))]
    specs = [tool.openai_spec() for tool in ctx.tools.values() if ctx.caller.role in tool.roles]
    try:
        on_text = (lambda text: ctx.send({"event": "token", "text": text})) if ctx.stream else None
        turn = ctx.model.chat(conversation.for_model(system, state["messages"], extra), specs,
                              on_text=on_text)
    except LlmError as exc:
        return {"path": "offline", "pending": [],
                "warnings": [*state.get("warnings", []),
                             f"The model was unavailable ({exc.code}); answered offline instead."]}
    update: dict[str, Any] = {"rounds": rounds + 1,
                              "usage": _usage(state, ctx, turn.model, turn.prompt_tokens,
                                              turn.completion_tokens)}
    if turn.tool_calls:
        update["messages"] = [turn.as_message()]
        update["pending"] = [{"id": c.id, "name": c.name, "arguments": c.arguments}
                             for c in turn.tool_calls]
    else:
        update["pending"] = []
        update["draft"] = turn.content.strip()
    return update
