"""The LLM seam: the `ChatModel` Protocol a caller receives (None when no endpoint is configured),
its reply and its typed errors. The real implementation over an OpenAI-compatible endpoint is
adapters.llm; nothing here imports the SDK, so reading a PDF never loads openai.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ChatModel", "LlmError", "LlmRefused", "LlmReply", "LlmUnavailable"]


@dataclass(frozen=True)
class LlmReply:
    content: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    refusal: str | None = None


class LlmError(Exception):
    """Base of the LLM errors. `code` is stable (for routing and metrics); `message` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{message} [{code}]")
        self.code, self.message = code, message


class LlmUnavailable(LlmError):
    """No usable answer: credentials refused, endpoint unreachable, retries or budget exhausted."""


class LlmRefused(LlmError):
    """The model declined (message.refusal, or finish_reason content_filter). `reply` keeps usage."""

    def __init__(self, code: str, message: str, reply: LlmReply | None = None) -> None:
        super().__init__(code, message)
        self.reply = reply


class ChatModel(Protocol):
    def complete_json(self, *, system: str, user: str, schema: dict[str, Any],
                      schema_name: str) -> LlmReply: ...
