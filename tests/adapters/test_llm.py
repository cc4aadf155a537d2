"""The LLM seam against a mocked OpenAI-compatible endpoint (HTTP level, realistic bodies)."""

from __future__ import annotations

import logging

import httpx
import pytest

from adapters.llm import OpenAIChatModel, retry_after_seconds
from core.llm import LlmRefused, LlmUnavailable
from core.settings import Settings
from tests.agent.openai_http import API_KEY, BASE_URL, FakeTime, mock_llm, reply, sent_json

SCHEMA = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "required": ["a"],
          "additionalProperties": False}
MODEL = "gpt-4o-mini"


def make(time: FakeTime | None = None, **kw) -> OpenAIChatModel:
    time = time or FakeTime()
    opts = {"model": MODEL, "base_url": BASE_URL, "api_key": API_KEY, "timeout_seconds": 5.0,
            "max_attempts": 4, "wait_base": 0.0, "sleep": time.sleep, "clock": time.clock} | kw
    return OpenAIChatModel(**opts)


def call(model: OpenAIChatModel):
    return model.complete_json(system="sys", user="usr", schema=SCHEMA, schema_name="thing")


def test_structured_request_and_reply() -> None:
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=reply("completion_invoice.json"))
        out = call(make())
    assert route.call_count == 1
    body = sent_json(route)
    assert body["model"] == MODEL and body["temperature"] == 0
    assert body["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "usr"}]
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "thing", "schema": SCHEMA, "strict": True}}
    assert route.calls[0].request.headers["authorization"] == f"Bearer {API_KEY}"
    assert out.model == "gpt-4o-mini-2024-07-18"
    assert (out.prompt_tokens, out.completion_tokens, out.finish_reason) == (912, 214, "stop")
    assert out.refusal is None and out.content.startswith('{"document_type"')


def test_429_honours_retry_after_then_succeeds() -> None:
    t = FakeTime()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(side_effect=[
            reply("error_429.json", 429, {"retry-after": "2"}), reply("completion_invoice.json")])
        call(make(t))
    assert route.call_count == 2
    assert t.sleeps == [2.0]


def test_retry_after_is_capped() -> None:
    t = FakeTime()
    with mock_llm() as router:
        router.post("/chat/completions").mock(side_effect=[
            reply("error_429.json", 429, {"retry-after": "15"}), reply("completion_invoice.json")])
        call(make(t, retry_after_cap=3.0))
    assert t.sleeps == [3.0]


def test_500_then_success() -> None:
    t = FakeTime()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(side_effect=[
            reply("error_500.json", 500), reply("completion_invoice.json")])
        assert call(make(t)).finish_reason == "stop"
    assert route.call_count == 2 and t.sleeps == [0.0]


def test_timeout_then_success() -> None:
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(side_effect=[
            httpx.ReadTimeout("timed out"), reply("completion_invoice.json")])
        assert call(make()).content
    assert route.call_count == 2


def test_persistent_429_gives_up_after_max_attempts() -> None:
    t = FakeTime()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=reply("error_429.json", 429))
        with pytest.raises(LlmUnavailable) as err:
            call(make(t, max_attempts=3))
    assert err.value.code == "rate_limited"
    assert route.call_count == 3 and len(t.sleeps) == 2


def test_persistent_timeouts_give_up_as_timeout() -> None:
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(side_effect=httpx.ConnectTimeout("slow"))
        with pytest.raises(LlmUnavailable) as err:
            call(make(max_attempts=2))
    assert err.value.code == "timeout" and route.call_count == 2


def test_connection_refused_is_unavailable() -> None:
    with mock_llm() as router:
        router.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(LlmUnavailable) as err:
            call(make(max_attempts=2))
    assert err.value.code == "connection"


def test_time_budget_stops_before_a_wait_that_would_overrun_it() -> None:
    t = FakeTime()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(
            return_value=reply("error_429.json", 429, {"retry-after": "10"}))
        with pytest.raises(LlmUnavailable):
            call(make(t, budget_seconds=5.0, max_attempts=10))
    assert route.call_count == 1 and t.sleeps == []


def test_401_fails_at_once_and_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    model = make()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=reply("error_401.json", 401))
        with pytest.raises(LlmUnavailable) as err:
            call(model)
    assert err.value.code == "auth" and route.call_count == 1
    assert err.value.__cause__ is None and err.value.__suppress_context__
    for text in (str(err.value), repr(err.value), repr(model), caplog.text, str(vars(model).get("_api_key"))):
        assert API_KEY not in text and "9f3c" not in text


def test_404_is_not_retried() -> None:
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=httpx.Response(
            404, json={"error": {"message": "The model `gpt-9` does not exist", "type": "invalid_request_error",
                                 "param": None, "code": "model_not_found"}}))
        with pytest.raises(LlmUnavailable) as err:
            call(make())
    assert err.value.code == "not_found" and route.call_count == 1


def test_400_on_json_schema_falls_back_to_json_object_and_remembers() -> None:
    model = make()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(side_effect=[
            reply("error_400_json_schema.json", 400), reply("completion_invoice.json"),
            reply("completion_invoice.json")])
        call(model)
        call(model)
    assert route.call_count == 3
    assert sent_json(route, 0)["response_format"]["type"] == "json_schema"
    fallback = sent_json(route, 1)
    assert fallback["response_format"] == {"type": "json_object"}
    assert '"additionalProperties":false' in fallback["messages"][0]["content"]  # schema in the prompt
    assert sent_json(route, 2)["response_format"] == {"type": "json_object"}
    assert model.response_format_mode == "json_object"


def test_400_on_every_rung_is_a_bad_request() -> None:
    model = make()
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=reply("error_400_json_schema.json", 400))
        with pytest.raises(LlmUnavailable) as err:
            call(model)
    assert err.value.code == "bad_request" and route.call_count == 3
    assert "response_format" not in sent_json(route, 2)


def test_refusal_raises_with_the_reply() -> None:
    with mock_llm() as router:
        router.post("/chat/completions").mock(return_value=reply("completion_refusal.json"))
        with pytest.raises(LlmRefused) as err:
            call(make())
    assert err.value.code == "refused"
    assert err.value.reply is not None and err.value.reply.refusal.startswith("I'm sorry")


def test_temperature_can_be_left_to_the_server() -> None:
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=reply("completion_invoice.json"))
        call(make(temperature=None))
    assert "temperature" not in sent_json(route)


def test_from_settings_is_none_offline_and_lazy_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL", "BACKOFFICE_OPENAI_API_KEY",
                 "BACKOFFICE_OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert OpenAIChatModel.from_settings(Settings(_env_file=None)) is None
    settings = Settings(_env_file=None, OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=BASE_URL,
                        llm_model=MODEL, llm_timeout_seconds=7, llm_max_attempts=2)
    model = OpenAIChatModel.from_settings(settings)
    assert model is not None and model._client is None  # no client until the first call
    assert model.model == MODEL and model._timeout == 7 and model._max_attempts == 2
    assert API_KEY not in repr(model)


def test_retry_after_forms() -> None:
    def err(headers: dict[str, str]):
        import openai
        response = httpx.Response(429, headers=headers, request=httpx.Request("POST", BASE_URL))
        return openai.RateLimitError("slow", response=response, body=None)

    assert retry_after_seconds(err({"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(err({"retry-after": "3"})) == 3.0
    assert retry_after_seconds(err({"retry-after": "Wed, 21 Oct 2015 07:28:05 GMT"}), now=1445412480) == 5.0
    assert retry_after_seconds(err({})) is None
    assert retry_after_seconds(err({"retry-after": "soon"})) is None
