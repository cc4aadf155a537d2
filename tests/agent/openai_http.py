"""HTTP-level mocking of the OpenAI-compatible endpoint for tests, with respx.

The `openai` SDK has been built on `httpx` (SDK 1.x) and on its successor `httpx2` (newer SDKs). respx
patches httpcore, so for an httpx2-based SDK this registers an equivalent respx mocker for httpcore2;
tests then mock `https://llm.test/v1/chat/completions` the same way on either stack, and the SDK's
own request building, error mapping and response parsing run for real.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import openai._base_client as _sdk
import respx
from respx.mocks import HTTPCoreMocker

BASE_URL = "https://llm.test/v1"
API_KEY = "sk-test-3c1f0b9a7d5e4c2b8a6f9e0d1c2b3a4f9f3c"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "llm"

if hasattr(_sdk, "httpx2"):
    import httpcore2

    class _HTTPCore2Mocker(HTTPCoreMocker):
        name = "httpcore2"
        targets = [  # noqa: RUF012 - respx's own class attribute, extended by respx
            "httpcore2._sync.connection.HTTPConnection",
            "httpcore2._sync.connection_pool.ConnectionPool",
            "httpcore2._sync.http_proxy.HTTPProxy",
        ]

        @classmethod
        def handler(cls, httpx_request):  # type: ignore[no-untyped-def]
            try:
                return super().handler(httpx_request)
            except httpx.TransportError as exc:  # a side effect such as httpx.ReadTimeout
                raise getattr(httpcore2, type(exc).__name__, httpcore2.NetworkError)(str(exc)) from exc

        @classmethod
        def from_sync_httpx_response(cls, httpx_response, target, **kwargs):  # type: ignore[no-untyped-def]
            return httpcore2.Response(status=httpx_response.status_code, headers=httpx_response.headers.raw,
                                      content=httpx_response.stream, extensions=httpx_response.extensions)

    USING = "httpcore2"
else:  # pragma: no cover - SDKs built on httpx
    USING = "httpcore"


def mock_llm() -> respx.MockRouter:
    """A respx router for the test endpoint; use as a context manager."""
    return respx.mock(base_url=BASE_URL, using=USING, assert_all_called=False)


def fixture_json(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def reply(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    """An HTTP response whose body is a fixture file (a chat.completion or an error object)."""
    return httpx.Response(status, json=fixture_json(name), headers=headers)


def sent_json(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)


class FakeTime:
    """A monotonic clock and a sleep that advances it: retries are timed, never waited for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
