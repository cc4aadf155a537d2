"""What the model is sent: the system message, then the thread's messages with tax file numbers
and bank account numbers redacted (ARCHITECTURE.md §7) and tool results as labelled JSON data.

The history is cut to the last `MAX_HISTORY` messages at a user message, so an assistant message
with tool calls is never separated from its tool results.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from prompts.loader import load_prompt
from tools.documents.redact import redact

MAX_HISTORY = 40
MAX_TOOL_CHARS = 12_000


def tool_message(call_id: str, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A tool's result (or error) as the tool message the model reads: labelled, size-capped JSON."""
    text = json.dumps({"tool": name, "data_not_instructions": payload}, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    if len(text) > MAX_TOOL_CHARS:
        text = text[:MAX_TOOL_CHARS] + ' …(truncated: ask a narrower question for the rest)'
    return {"role": "tool", "tool_call_id": call_id, "content": text}


def system_message(*, organisation: str, today: str, role: str) -> dict[str, Any]:
    text = load_prompt("assistant").render("system", organisation=organisation, today=today,
                                           role=role)
    return {"role": "system", "content": text}


def numbers_retry_message(numbers: Sequence[str]) -> dict[str, Any]:
    text = load_prompt("assistant").render("numbers_retry", numbers=", ".join(numbers))
    return {"role": "user", "content": text}


def _recent(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(messages) <= MAX_HISTORY:
        return list(messages)
    tail = list(messages[-MAX_HISTORY:])
    while tail and tail[0].get("role") != "user":
        tail.pop(0)
    return tail


def _redacted(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if not isinstance(content, str) or not content:
        return dict(message)
    return {**message, "content": redact(content).text}


def for_model(system: dict[str, Any], messages: Sequence[dict[str, Any]],
              extra: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    return [system, *(_redacted(m) for m in _recent(messages)), *(_redacted(m) for m in extra)]
