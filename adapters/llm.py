"""The real `core.llm.ChatModel` over any
OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, llama.cpp server, LM Studio).

Why a seam: the product works offline by default (ARCHITECTURE.md §2 principle 2), so the model is an
optional collaborator that callers receive, never a global. Tests mock HTTP, not this class.

Reliability rules, all here so that every caller gets them:
* Structured output: `response_format=json_schema` (strict). Many local servers reject it (or
  reject `json_object`), so on a 400/422 the request is re-sent one rung down the ladder
  json_schema → json_object → no response_format (the schema then goes into the system message);
  the first rung that succeeds is remembered for this instance. A 400 on the last rung is final.
* Retries (tenacity) on 429 (honouring Retry-After, capped), 408, 5xx, timeouts and connection
  errors; bounded by `max_attempts` AND a total time budget (no wait that would overrun it). No
  retry on 400/401/403/404: repeating them cannot help.
* Errors are typed (`LlmUnavailable`, `LlmRefused`) and never carry the API key: messages are
  built here, server text is scrubbed, and the SDK exception is not chained.
* No client exists until the first call; nothing happens at import time.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
import openai
from pydantic import SecretStr
from tenacity import RetryCallState, Retrying, retry_if_exception

from core.llm import ChatModel, LlmError, LlmRefused, LlmReply, LlmUnavailable

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = ["ChatModel", "LlmError", "LlmRefused", "LlmReply", "LlmUnavailable", "OpenAIChatModel"]

log = logging.getLogger(__name__)

MODES = ("json_schema", "json_object", "text")
_KEYLIKE = re.compile(r"\b(?:sk|key|api)[-_][A-Za-z0-9_\-*.]{6,}", re.IGNORECASE)


def _status(exc: BaseException) -> int | None:
    return exc.status_code if isinstance(exc, openai.APIStatusError) else None


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    status = _status(exc)
    return status is not None and (status in (408, 429) or status >= 500)


def retry_after_seconds(exc: BaseException, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms, Retry-After seconds or HTTP date)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        if re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
            return max(0.0, float(value))
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    except (TypeError, ValueError, OverflowError):
        return None


class OpenAIChatModel:
    """`ChatModel` over the official `openai` SDK. Build it with `from_settings`."""

    def __init__(self, *, model: str, base_url: str | None = None,
                 api_key: SecretStr | str | None = None, timeout_seconds: float = 30.0,
                 max_attempts: int = 4, budget_seconds: float | None = None,
                 temperature: float | None = 0.0, wait_base: float = 0.5, wait_max: float = 8.0,
                 retry_after_cap: float = 20.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 http_client: httpx.Client | None = None) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.model = model
        self.base_url = base_url
        self._api_key = api_key if isinstance(api_key, SecretStr) or api_key is None else SecretStr(api_key)
        self._timeout = timeout_seconds
        self._max_attempts = max_attempts
        # Default budget: every attempt may use its whole timeout, plus room for the waits.
        self._budget = budget_seconds if budget_seconds is not None else (
            timeout_seconds * max_attempts + wait_max * (max_attempts - 1))
        self._temperature = temperature
        self._wait_base, self._wait_max, self._retry_after_cap = wait_base, wait_max, retry_after_cap
        self._sleep, self._clock = sleep, clock
        self._mode = 0          # index into MODES; moves down on a 400/422, never back up
        self._client: openai.OpenAI | None = None
        # A transport of the caller's (the evals replay recorded HTTP responses through it).
        self._http_client = http_client

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> OpenAIChatModel | None:
        """The configured model, or None when no LLM is configured (the offline default)."""
        if not settings.llm_enabled or not settings.llm_model:
            return None
        kwargs: dict[str, Any] = {
            "model": settings.llm_model, "base_url": settings.openai_base_url,
            "api_key": settings.openai_api_key, "timeout_seconds": settings.llm_timeout_seconds,
            "max_attempts": settings.llm_max_attempts}
        kwargs.update(overrides)
        return cls(**kwargs)

    def __repr__(self) -> str:
        return f"OpenAIChatModel(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def response_format_mode(self) -> str:
        return MODES[self._mode]

    def _get_client(self) -> openai.OpenAI:
        if self._client is None:
            # Local servers ignore the key but the SDK insists on one.
            key = self._api_key.get_secret_value() if self._api_key else "not-needed"
            self._client = openai.OpenAI(api_key=key, base_url=self.base_url,
                                         timeout=self._timeout, max_retries=0,
                                         http_client=self._http_client)
        return self._client

    def _scrub(self, text: str) -> str:
        if self._api_key and (secret := self._api_key.get_secret_value()):
            text = text.replace(secret, "***")
        return _KEYLIKE.sub("***", text)[:300]

    def complete_json(self, *, system: str, user: str, schema: dict[str, Any],
                      schema_name: str) -> LlmReply:
        while True:
            mode = MODES[self._mode]
            try:
                completion = self._with_retries(self._request(mode, system, user, schema, schema_name))
                break
            except openai.APIStatusError as exc:
                code = exc.code if isinstance(getattr(exc, "code", None), str) else None
                if (exc.status_code in (400, 422) and self._mode < len(MODES) - 1
                        and code != "context_length_exceeded"):
                    log.warning("LLM endpoint rejected response_format %s (HTTP %s); trying %s",
                                mode, exc.status_code, MODES[self._mode + 1])
                    self._mode += 1
                    continue
                raise self._unavailable(exc) from None
            except openai.OpenAIError as exc:
                raise self._unavailable(exc) from None
        return self._reply(completion)

    def _request(self, mode: str, system: str, user: str, schema: dict[str, Any],
                 schema_name: str) -> dict[str, Any]:
        if mode != "json_schema":
            system = (f"{system}\n\nReply with one JSON object that validates against this JSON "
                      f"Schema ({schema_name}):\n{json.dumps(schema, separators=(',', ':'))}")
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}
        if self._temperature is not None:
            kwargs["temperature"] = self._temperature
        if mode == "json_schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": schema_name, "schema": schema, "strict": True}}
        elif mode == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def _with_retries(self, kwargs: dict[str, Any]) -> Any:
        deadline = self._clock() + self._budget
        planned: dict[int, float] = {}

        def wait(state: RetryCallState) -> float:
            n = state.attempt_number
            if n not in planned:
                exc = state.outcome.exception() if state.outcome else None
                asked = retry_after_seconds(exc) if exc is not None else None
                if asked is not None:
                    planned[n] = min(asked, self._retry_after_cap)
                else:
                    backoff = min(self._wait_max, self._wait_base * 2 ** (n - 1))
                    planned[n] = backoff * (0.5 + random.random() / 2)  # jitter spreads retries
            return planned[n]

        def stop(state: RetryCallState) -> bool:
            return (state.attempt_number >= self._max_attempts
                    or self._clock() + wait(state) >= deadline)

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("LLM call attempt %d failed (%s); retrying in %.2fs", state.attempt_number,
                        type(exc).__name__, wait(state))

        def send() -> Any:
            remaining = max(0.1, deadline - self._clock())
            return self._get_client().chat.completions.create(
                **kwargs, timeout=min(self._timeout, remaining))

        retrying = Retrying(stop=stop, wait=wait, retry=retry_if_exception(_retryable),
                            sleep=self._sleep, before_sleep=before_sleep, reraise=True)
        return retrying(send)

    def _unavailable(self, exc: BaseException) -> LlmUnavailable:
        status = _status(exc)
        detail = self._scrub(str(getattr(exc, "message", "") or ""))
        where = f"the LLM endpoint ({self.base_url or 'OpenAI'})"
        if status in (401, 403):
            return LlmUnavailable("auth", f"{where} refused the credentials (HTTP {status}); "
                                          "check OPENAI_API_KEY")
        if status == 404:
            return LlmUnavailable("not_found", f"{where} has no model {self.model!r} or no such "
                                               f"URL (HTTP 404): {detail}")
        if status == 429:
            return LlmUnavailable("rate_limited", f"{where} kept rate-limiting (HTTP 429)")
        if status in (400, 422):
            code = getattr(exc, "code", None)
            if code == "context_length_exceeded":
                return LlmUnavailable("context_length", f"the document is too long for {self.model!r}")
            return LlmUnavailable("bad_request", f"{where} rejected the request (HTTP {status}): {detail}")
        if status is not None:
            return LlmUnavailable("server_error" if status >= 500 else f"http_{status}",
                                  f"{where} failed (HTTP {status})")
        if isinstance(exc, openai.APITimeoutError):
            return LlmUnavailable("timeout", f"{where} did not answer within the time allowed")
        if isinstance(exc, openai.APIConnectionError):
            return LlmUnavailable("connection", f"could not connect to {where}")
        return LlmUnavailable("bad_response", f"{where} sent an unusable response "
                                              f"({type(exc).__name__})")

    def _reply(self, completion: Any) -> LlmReply:
        if not getattr(completion, "choices", None):
            raise LlmUnavailable("bad_response", "the LLM endpoint returned no choices")
        choice = completion.choices[0]
        message = choice.message
        usage = getattr(completion, "usage", None)
        reply = LlmReply(
            content=message.content or "", model=completion.model or self.model,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            finish_reason=choice.finish_reason, refusal=getattr(message, "refusal", None))
        log.info("LLM %s replied (%s, %s+%s tokens, mode %s)", reply.model, reply.finish_reason,
                 reply.prompt_tokens, reply.completion_tokens, self.response_format_mode)
        if reply.refusal:
            raise LlmRefused("refused", f"the model declined: {reply.refusal[:300]}", reply=reply)
        if reply.finish_reason == "content_filter":
            raise LlmRefused("content_filter", "the endpoint's content filter withheld the reply",
                             reply=reply)
        return reply
