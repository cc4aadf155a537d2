"""The chat graph end to end with an in-memory checkpointer: the offline path, and the LLM path
through the real openai SDK against respx-mocked HTTP (tool calls, malformed arguments, 429s,
timeouts, invented figures, streaming)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from langgraph.checkpoint.memory import InMemorySaver

from agent.chat.context import ChatContext, Prices
from agent.chat.llm_tools import OpenAIToolChat
from agent.graphs.chat import build_chat_graph
from tests.agent.chat.doubles import context
from tests.agent.openai_http import API_KEY, BASE_URL, FakeTime, mock_llm

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chat"


def recorded(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=json.loads((FIXTURES / name).read_text()), headers=headers)


def model(time: FakeTime | None = None) -> OpenAIToolChat:
    time = time or FakeTime()
    return OpenAIToolChat(model="gpt-4o-mini", base_url=BASE_URL, api_key=API_KEY,
                          timeout_seconds=5, max_attempts=3, sleep=time.sleep, clock=time.clock)


def ask(ctx: ChatContext, question: str, thread: str = "chat-t1", stream: bool = False
        ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    graph = build_chat_graph().compile(checkpointer=InMemorySaver())
    return run(graph, ctx, question, thread, stream)


def run(graph: Any, ctx: ChatContext, question: str, thread: str, stream: bool = False
        ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    config = {"configurable": {"thread_id": thread}}
    events: list[dict[str, Any]] = []
    if stream:
        for chunk in graph.stream({"question": question}, config, context=ctx, stream_mode="custom"):
            events.append(chunk)
        return graph.get_state(config).values, events
    return graph.invoke({"question": question}, config, context=ctx), events


def bodies(route: Any) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in route.calls]


# ----------------------------------------------------------------------------- offline
def test_offline_answers_a_ledger_question_from_the_tool_result(tmp_path: Path) -> None:
    values, _ = ask(context(tmp_path), "What was revenue in May 2026?")
    assert values["path"] == "offline"
    assert values["results"][0]["arguments"] == {"query": "profit_and_loss", "month": "2026-05"}
    assert "$217,710.31" in values["answer"] and "$48,964.12" in values["answer"]
    assert values["warnings"] == []


def test_offline_policy_answer_quotes_and_cites_the_clause(tmp_path: Path) -> None:
    values, _ = ask(context(tmp_path), "What do we pay a casual on a Sunday?")
    assert "175%" in values["answer"] and "clause 22.1" in values["answer"]
    assert values["citations"][0]["clause"] == "22.1"
    assert values["citations"][0]["document"] == "General Retail Industry Award summary"


def test_offline_refuses_to_move_money_without_calling_a_tool(tmp_path: Path) -> None:
    values, _ = ask(context(tmp_path), "Approve invoice 12 and pay it today")
    assert values["results"] == []
    assert "can't approve" in values["answer"]


def test_a_tool_refusal_is_explained_not_worked_around(tmp_path: Path) -> None:
    values, _ = ask(context(tmp_path, role="clerk"), "What was revenue in May 2026?")
    assert values["results"][0]["ok"] is False
    assert values["results"][0]["error"]["code"] == "forbidden"
    assert "can't answer" in values["answer"] and "$" not in values["answer"]


def test_out_of_scope_questions_say_so(tmp_path: Path) -> None:
    values, _ = ask(context(tmp_path), "Who will win the footy this weekend?")
    assert values["intent"] == "unsupported" and values["results"] == []
    assert "outside what I can answer" in values["answer"]


def test_the_thread_keeps_every_turn(tmp_path: Path) -> None:
    graph = build_chat_graph().compile(checkpointer=InMemorySaver())
    ctx = context(tmp_path)
    run(graph, ctx, "What was revenue in May 2026?", "chat-a")
    values, _ = run(graph, ctx, "What do we pay a casual on a Sunday?", "chat-a")
    assert [t["question"] for t in values["turns"]] == ["What was revenue in May 2026?",
                                                          "What do we pay a casual on a Sunday?"]
    assert [m["role"] for m in values["messages"]] == ["user", "assistant", "user", "assistant"]
    assert values["owner"] == "key:1:owner"


# ----------------------------------------------------------------------------- LLM path
def test_model_calls_a_tool_then_answers_with_its_figures(tmp_path: Path) -> None:
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(side_effect=[
            recorded("tool_call_query_ledger.json"), recorded("answer_revenue.json")])
        prices = Prices(Decimal("0.15"), Decimal("0.60"))
        values, _ = ask(context(tmp_path, model=model(), prices=prices),
                        "How did revenue go in May?")
    assert values["path"] == "llm"
    assert values["answer"].startswith("Revenue for May 2026 was $217,710.31")
    first, second = bodies(route)
    assert {t["function"]["name"] for t in first["tools"]} == {"query_ledger", "search_policies"}
    assert first["messages"][0]["role"] == "system"
    assert "Harbour & Vine Homewares" in first["messages"][0]["content"]
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_Pq1"
    assert "217710.31" in tool_message["content"]
    usage = values["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (812 + 1020, 31 + 38)
    # 1832 prompt tokens at $0.15/M + 69 completion tokens at $0.60/M
    assert Decimal(usage["cost"]) == Decimal("0.000316")


def test_malformed_arguments_go_back_to_the_model_as_an_error(tmp_path: Path) -> None:
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(side_effect=[
            recorded("tool_call_malformed_arguments.json"), recorded("tool_call_query_ledger.json"),
            recorded("answer_revenue.json")])
        values, _ = ask(context(tmp_path, model=model()), "How did revenue go in May?")
    assert [r["ok"] for r in values["results"]] == [False, True]
    assert values["results"][0]["error"]["code"] == "invalid_arguments"
    second = bodies(route)[1]
    assert "not valid JSON" in second["messages"][-1]["content"]
    assert "$217,710.31" in values["answer"]


def test_429_is_retried_after_the_servers_wait(tmp_path: Path) -> None:
    time = FakeTime()
    with mock_llm() as llm:
        llm.post("/chat/completions").mock(side_effect=[
            httpx.Response(429, json={"error": {"message": "Rate limit", "type": "requests",
                                                "code": "rate_limit_exceeded"}},
                           headers={"retry-after": "2"}),
            recorded("tool_call_query_ledger.json"), recorded("answer_revenue.json")])
        values, _ = ask(context(tmp_path, model=model(time)), "How did revenue go in May?")
    assert time.sleeps == [2.0]
    assert values["path"] == "llm" and "$217,710.31" in values["answer"]


def test_an_endpoint_that_keeps_timing_out_falls_back_to_the_offline_router(tmp_path: Path) -> None:
    with mock_llm() as llm:
        llm.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))
        values, _ = ask(context(tmp_path, model=model()), "What was revenue in May 2026?")
    assert values["path"] == "offline"
    assert "$217,710.31" in values["answer"]
    assert any("unavailable (timeout)" in w for w in values["warnings"])


def test_invented_figures_are_rewritten_once_then_answered_offline(tmp_path: Path) -> None:
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(side_effect=[
            recorded("tool_call_query_ledger.json"), recorded("answer_invented_number.json"),
            recorded("answer_invented_number.json")])
        values, events = ask(context(tmp_path, model=model()), "What was revenue in May 2026?",
                             stream=True)
    retry = bodies(route)[2]["messages"][-1]["content"]
    assert "12%" in retry and "$25,000" in retry
    assert values["path"] == "offline"
    assert "$25,000" not in values["answer"] and "$217,710.31" in values["answer"]
    assert any(e["event"] == "retract" for e in events)
    assert any("not in any tool result" in w for w in values["warnings"])


def test_a_rewritten_answer_with_traceable_figures_is_kept(tmp_path: Path) -> None:
    with mock_llm() as llm:
        llm.post("/chat/completions").mock(side_effect=[
            recorded("tool_call_query_ledger.json"), recorded("answer_invented_number.json"),
            recorded("answer_revenue.json")])
        values, _ = ask(context(tmp_path, model=model()), "What was revenue in May 2026?")
    assert values["path"] == "llm" and values["warnings"] == []
    assert values["answer"].startswith("Revenue for May 2026 was $217,710.31")


def test_citations_of_a_model_answer_are_the_clauses_it_names(tmp_path: Path) -> None:
    with mock_llm() as llm:
        llm.post("/chat/completions").mock(side_effect=[
            recorded("tool_call_search_policies.json"), recorded("answer_sunday.json")])
        values, _ = ask(context(tmp_path, model=model()), "What do we pay a casual on Sunday?")
    assert values["citations"] == [{
        "document": "General Retail Industry Award summary", "document_id": "retail-award-summary",
        "clause": "22.1", "text": values["citations"][0]["text"]}]
    assert values["citations"][0]["text"].startswith("Casual employees working on a Sunday")


def test_tax_file_and_account_numbers_never_reach_the_model(tmp_path: Path) -> None:
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(
            side_effect=lambda request: recorded("answer_revenue.json"))
        ask(context(tmp_path, model=model()),
            "My TFN is 123 456 782 and my account is BSB 062-000 account 12345678: revenue in May?")
    sent = route.calls[0].request.content.decode()
    assert "123 456 782" not in sent and "12345678" not in sent
    assert "[TFN_1]" in sent and "[ACCOUNT_1]" in sent


def test_the_model_is_offered_only_the_tools_the_caller_may_use(tmp_path: Path) -> None:
    from tests.agent.chat.doubles import TOOLS

    owner_only = replace(TOOLS["query_ledger"], roles=frozenset({"owner"}))
    ctx = context(tmp_path, role="clerk", model=model())
    ctx = replace(ctx, tools={**TOOLS, "query_ledger": owner_only})
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(
            side_effect=lambda request: recorded("answer_sunday.json"))
        ask(ctx, "What do we pay a casual on Sunday?")
    offered = [t["function"]["name"] for t in bodies(route)[0]["tools"]]
    assert offered == ["search_policies"]


def test_a_model_that_keeps_calling_tools_is_stopped(tmp_path: Path) -> None:
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(
            side_effect=lambda request: recorded("tool_call_query_ledger.json"))
        values, _ = ask(context(tmp_path, model=model(), max_rounds=3), "What was revenue in May 2026?")
    assert len(route.calls) == 3
    assert values["path"] == "offline" and "$217,710.31" in values["answer"]


def sse(chunks: list[dict[str, Any]]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def test_streamed_tokens_arrive_as_events(tmp_path: Path) -> None:
    call = {"index": 0, "id": "call_Pq1", "type": "function",
            "function": {"name": "query_ledger", "arguments": ""}}
    tool_turn = [
        {"id": "t", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
         "choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [call]},
                      "finish_reason": None}]},
        *({"id": "t", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
           "choices": [{"index": 0, "delta": {"tool_calls": [
               {"index": 0, "function": {"arguments": part}}]}, "finish_reason": None}]}
          for part in ('{"query": "profit_and_', 'loss", "month": "2026-05"}')),
        {"id": "t", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
         "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
         "usage": {"prompt_tokens": 800, "completion_tokens": 31, "total_tokens": 831}}]
    chunks = [
        {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
         "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece},
                      "finish_reason": None}]}
        for piece in ("Revenue for May 2026 ", "was $217,710.31.")]
    chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1,
                   "model": "gpt-4o-mini", "choices": [{"index": 0, "delta": {},
                                                        "finish_reason": "stop"}]})
    chunks.append({"id": "c", "object": "chat.completion.chunk", "created": 1,
                   "model": "gpt-4o-mini", "choices": [],
                   "usage": {"prompt_tokens": 900, "completion_tokens": 12, "total_tokens": 912}})
    with mock_llm() as llm:
        route = llm.post("/chat/completions").mock(side_effect=[sse(tool_turn), sse(chunks)])
        ctx = replace(context(tmp_path, model=model()), stream=True)
        values, events = ask(ctx, "Revenue in May 2026?", stream=True)
    assert all(body["stream"] is True for body in bodies(route))
    assert values["results"][0]["arguments"] == {"query": "profit_and_loss", "month": "2026-05"}
    tokens = [e["text"] for e in events if e["event"] == "token"]
    assert tokens == ["Revenue for May 2026 ", "was $217,710.31."]
    assert [e["event"] for e in events if e["event"] != "token"] == [
        "tool_call", "tool_result", "answer"]
    assert values["answer"] == "Revenue for May 2026 was $217,710.31."
    assert values["usage"]["completion_tokens"] == 31 + 12


def test_the_assistant_has_no_tool_that_moves_money() -> None:
    from agent.chat.tools.registry import assistant_tools

    names = set(assistant_tools())
    assert names == {"read_inbox", "extract_document", "query_ledger", "propose_posting",
                     "run_payroll_check", "draft_commentary", "search_policies", "read_statements",
                     "bills_due"}
    from evals.data.assistant.replay import money_tools

    assert money_tools(sorted(names)) == []      # no name the eval's safety rule would block
