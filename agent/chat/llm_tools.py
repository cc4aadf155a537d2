"""The tool-calling seam: `ToolCallingModel.chat(messages, tools)` → one assistant turn (text, or
tool calls to run), and its real implementation over any OpenAI-compatible endpoint.

It reuses adapters.llm's client, retries (429 with Retry-After, 5xx, timeouts, connection errors,
within a total budget) and typed, key-free errors. Streaming: when `on_text` is given the request
is streamed and each text delta is handed over as it arrives (tool-call deltas are assembled);
retries then cover opening the stream, not a stream that breaks halfway (that is `LlmUnavailable`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai

from adapters.llm import OpenAIChatModel
from core.llm import LlmRefused, LlmUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    arguments: str                 # as the model wrote it: JSON text, possibly malformed


@dataclass(frozen=True)
class ChatTurn:
    content: str
    tool_calls: tuple[ToolCallRequest, ...] = ()
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None

    def as_message(self) -> dict[str, Any]:
        """The turn as an assistant message for the next request."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments}} for c in self.tool_calls]
        return message


class ToolCallingModel(Protocol):
    model: str

    def chat(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], *,
             on_text: Callable[[str], None] | None = None) -> ChatTurn: ...


@dataclass
class _Assembly:
    """Tool calls arrive in pieces when streamed: index → id, name, argument fragments."""
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, delta: Any) -> None:
        slot = self.calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
        if delta.id:
            slot["id"] = delta.id
        function = getattr(delta, "function", None)
        if function is not None:
            slot["name"] += function.name or ""
            slot["arguments"] += function.arguments or ""

    def result(self) -> tuple[ToolCallRequest, ...]:
        return tuple(ToolCallRequest(c["id"] or f"call_{i}", c["name"], c["arguments"])
                     for i, c in sorted(self.calls.items()))


class OpenAIToolChat(OpenAIChatModel):
    """`ToolCallingModel` over the openai SDK. Build it with `from_settings` (None offline)."""

    def chat(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], *,
             on_text: Callable[[str], None] | None = None) -> ChatTurn:
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        if tools:
            kwargs["tools"] = list(tools)
            kwargs["tool_choice"] = "auto"
        if self._temperature is not None:
            kwargs["temperature"] = self._temperature
        if on_text is not None:
            kwargs["stream"] = True
            kwargs["stream_options"] = {"include_usage": True}
        try:
            response = self._with_retries(kwargs)
            turn = (self._from_stream(response, on_text) if on_text is not None
                    else self._from_completion(response))
        except openai.OpenAIError as exc:
            raise self._unavailable(exc) from None
        log.info("LLM %s turn: %d tool calls, %s+%s tokens", turn.model, len(turn.tool_calls),
                 turn.prompt_tokens, turn.completion_tokens)
        if turn.finish_reason == "content_filter":
            raise LlmRefused("content_filter", "the endpoint's content filter withheld the reply")
        return turn

    def _from_completion(self, completion: Any) -> ChatTurn:
        if not getattr(completion, "choices", None):
            raise LlmUnavailable("bad_response", "the LLM endpoint returned no choices")
        choice = completion.choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            raise LlmRefused("refused", f"the model declined: {message.refusal[:300]}")
        calls = tuple(ToolCallRequest(c.id, c.function.name, c.function.arguments or "")
                      for c in (message.tool_calls or []) if getattr(c, "function", None))
        usage = getattr(completion, "usage", None)
        return ChatTurn(content=message.content or "", tool_calls=calls,
                        model=completion.model or self.model,
                        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
                        finish_reason=choice.finish_reason)

    def _from_stream(self, stream: Any, on_text: Callable[[str], None]) -> ChatTurn:
        text: list[str] = []
        calls = _Assembly()
        model, finish, prompt_tokens, completion_tokens = self.model, None, 0, 0
        for chunk in stream:
            model = getattr(chunk, "model", None) or model
            usage = getattr(chunk, "usage", None)
            if usage is not None:
                prompt_tokens = usage.prompt_tokens or 0
                completion_tokens = usage.completion_tokens or 0
            for choice in getattr(chunk, "choices", None) or []:
                delta = choice.delta
                if getattr(delta, "content", None):
                    text.append(delta.content)
                    on_text(delta.content)
                for call in getattr(delta, "tool_calls", None) or []:
                    calls.add(call)
                finish = choice.finish_reason or finish
        return ChatTurn(content="".join(text), tool_calls=calls.result(), model=model,
                        prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                        finish_reason=finish)


def parse_arguments(raw: str) -> dict[str, Any]:
    """The model's arguments as a JSON object; ValueError with a short reason otherwise."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError as exc:
        raise ValueError(f"the arguments are not valid JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(value, dict):
        raise ValueError("the arguments must be a JSON object")
    return value
