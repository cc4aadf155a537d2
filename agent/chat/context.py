"""What the chat graph's nodes may use, injected per turn and never visible to a model: who is
asking, the tools they may call, the tools' runtime, the model (None offline) and where streamed
events go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from langgraph.config import get_stream_writer

from agent.chat.llm_tools import ToolCallingModel
from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller


@dataclass(frozen=True)
class Prices:
    """What the endpoint charges per million tokens (None: unknown, so no cost is claimed)."""
    input_per_million: Decimal | None = None
    output_per_million: Decimal | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal | None:
        if self.input_per_million is None or self.output_per_million is None:
            return None
        return ((self.input_per_million * prompt_tokens + self.output_per_million * completion_tokens)
                / Decimal(1_000_000)).quantize(Decimal("0.000001"))


@dataclass(frozen=True)
class ChatContext:
    caller: Caller
    deps: AssistantDeps
    tools: Mapping[str, AssistantTool[Any, Any]]
    model: ToolCallingModel | None = None
    prices: Prices = field(default_factory=Prices)
    max_rounds: int = 6
    organisation: str = "the business"
    stream: bool = False          # ask the endpoint to stream (tokens become "token" events)

    def send(self, event: dict[str, Any]) -> None:
        """A streaming event (a token, a tool call, a tool result) for `stream_mode="custom"`;
        nothing happens when the graph is invoked rather than streamed."""
        try:
            writer = get_stream_writer()
        except RuntimeError:  # outside a graph run (a node called directly in a test)
            return
        writer(event)
