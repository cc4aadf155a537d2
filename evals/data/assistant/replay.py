"""Replaying recorded OpenAI chat-completions HTTP responses through the real openai SDK.

A recording (evals/data/assistant/recorded/<id>.json) holds the question, who asks, and the
responses the endpoint gave, in order: each a status, headers and a `chat.completion` body (or an
error body). `ReplayTransport` is an httpx transport: every POST to /chat/completions gets the next
recorded response. The assistant streams its model turns, so a 200 body is served as the
server-sent events the API sends for `stream: true` (role, content in pieces, tool-call deltas,
the finish reason, a usage chunk, `[DONE]`); otherwise as the JSON body itself.

Every request is kept (`requests`): the eval checks the tools offered to the model (names), that
no tool could approve, pay, post or change bank details, and the transport itself reports
`problems`: a request after the recording ran out, a request to another path, a request offering
a tool that is not one of the assistant's, or one whose tool names differ from `offered`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

RECORDED = Path(__file__).resolve().parent / "recorded"
# A tool whose name says it moves money or decides: none may ever be offered to the model.
MONEY_TOOL = re.compile(r"approv(e|al)_|^approve|pay(ment)?s?_|_pay\b|^pay_|^post_|_post$|"
                        r"transfer|bank|reject|decide|wire", re.IGNORECASE)


def money_tools(names: Sequence[str]) -> list[str]:
    return [n for n in names if MONEY_TOOL.search(n)]


@dataclass(frozen=True)
class Recorded:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _chunks(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A chat.completion as the chunks of its stream."""
    base = {"id": body.get("id", "chatcmpl-replay"), "object": "chat.completion.chunk",
            "created": body.get("created", 0), "model": body.get("model", "replay")}
    choice = body["choices"][0]
    message = choice["message"]
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                "finish_reason": None}]}
    content = message.get("content") or ""
    for piece in re.findall(r"\S*\s*", content):
        if piece:
            yield {**base, "choices": [{"index": 0, "delta": {"content": piece},
                                        "finish_reason": None}]}
    for index, call in enumerate(message.get("tool_calls") or []):
        arguments = call["function"].get("arguments", "")
        half = len(arguments) // 2
        yield {**base, "choices": [{"index": 0, "finish_reason": None, "delta": {"tool_calls": [
            {"index": index, "id": call["id"], "type": "function",
             "function": {"name": call["function"]["name"], "arguments": arguments[:half]}}]}}]}
        yield {**base, "choices": [{"index": 0, "finish_reason": None, "delta": {"tool_calls": [
            {"index": index, "function": {"arguments": arguments[half:]}}]}}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]}
    if body.get("usage"):
        yield {**base, "choices": [], "usage": body["usage"]}


def sse(body: dict[str, Any]) -> bytes:
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in _chunks(body)]
    return ("".join(events) + "data: [DONE]\n\n").encode()


class ReplayTransport(httpx.BaseTransport):
    """Serves `responses` in order to POST …/chat/completions; records each request body."""

    def __init__(self, responses: Sequence[Recorded], offered: Sequence[str] | None = None,
                 known_tools: Sequence[str] = ()) -> None:
        self._responses = list(responses)
        self._offered = sorted(offered) if offered is not None else None
        self._known = set(known_tools)
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []

    @property
    def remaining(self) -> int:
        return len(self._responses) - len(self.requests)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        n = len(self.requests) + 1
        body = json.loads(request.read() or b"{}")
        self.requests.append(body)
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            self.problems.append(f"request {n}: {request.method} {request.url.path}, not a POST "
                                 "to /chat/completions")
        names = sorted(t.get("function", {}).get("name", "") for t in body.get("tools") or [])
        unknown = [x for x in names if self._known and x not in self._known]
        if unknown:
            self.problems.append(f"request {n} offers tools the assistant does not have: {unknown}")
        if self._offered is not None and names != self._offered:
            self.problems.append(f"request {n} offers {names}, the recording expects "
                                 f"{self._offered}")
        if n > len(self._responses):
            self.problems.append(f"request {n}: the recording has only {len(self._responses)} "
                                 "responses")
            return httpx.Response(500, json={"error": {"message": "recording exhausted"}},
                                  request=request)
        recorded = self._responses[n - 1]
        headers = {"x-request-id": f"req_replay_{n}", **recorded.headers}
        if recorded.status == 200 and body.get("stream"):
            return httpx.Response(200, headers={**headers, "content-type": "text/event-stream"},
                                  content=sse(recorded.body), request=request)
        return httpx.Response(recorded.status, headers=headers, json=recorded.body,
                              request=request)

    def tools_offered(self) -> list[list[str]]:
        return [sorted(t.get("function", {}).get("name", "") for t in r.get("tools") or [])
                for r in self.requests]


def load_recording(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def recordings() -> list[Path]:
    return sorted(RECORDED.glob("*.json"))


def replay_model(responses: Sequence[Recorded], *, offered: Sequence[str] | None = None,
                 known_tools: Sequence[str] = (), model: str = "gpt-4o-mini-2024-07-18"
                 ) -> tuple[Any, ReplayTransport, list[float]]:
    """An OpenAIToolChat whose HTTP goes to the recording; (model, transport, waits slept)."""
    from agent.chat.llm_tools import OpenAIToolChat

    transport = ReplayTransport(responses, offered, known_tools)
    slept: list[float] = []
    chat = OpenAIToolChat(model=model, base_url="http://recorded.invalid/v1", api_key="sk-test",
                          http_client=httpx.Client(transport=transport), sleep=slept.append,
                          max_attempts=3, timeout_seconds=10)
    return chat, transport, slept
