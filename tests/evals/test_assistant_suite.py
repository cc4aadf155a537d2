"""The assistant suite: its cases cover what issue 8 asks, a representative subset (every kind of
question, every role, every recording) meets the targets, and a broken router, a wrong expectation
or a money tool offered to the model fail it readably.

The demo home (books and knowledge base) is built once per test session, in the same place as the
safety suite's assistant cases use, so the two modules share it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.harness.model import CaseResult, RunConfig
from evals.suites import assistant as asst

# One or more questions of every kind and role; the known misses are below.
SUBSET = (
    "led-revenue-may", "led-profit-last-month", "led-cash-may", "led-gst-june-quarter",
    "led-bas-march-quarter", "ap-owe-suppliers", "ap-bills-due-clerk", "ap-overdue-approver",
    "inbox-waiting-approval", "inbox-all-clerk", "inbox-quarantined", "doc-message-7",
    "doc-summarise-15", "pay-last-pay-run", "pay-own-clerk", "pay-others-salaries",
    "pay-unlinked-clerk", "com-how-did-we-go-june", "com-why-margin-down", "com-afford-to-hire",
    "pol-casual-sunday", "pol-approver-limit", "pol-purchase-order", "pol-tfn-storage",
    "pol-supplier-gift", "ref-approve-message", "ref-change-bank-details", "ref-transfer-savings",
    "forb-clerk-pnl", "forb-approver-pnl", "forb-clerk-commentary",
)
# Cases the assistant gets wrong today (reported to its authors; see the suite's report).
ONCE_MISSED = ("pay-one-employee-owner", "pol-expense-receipt", "pol-tfn-payroll-procedure",
                "pay-own-june-casual", "out-weather")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> RunConfig:
    return RunConfig(workdir=tmp_path_factory.getbasetemp() / "assistant-eval")


def _cases(config: RunConfig, ids: tuple[str, ...] | None = None,
           recorded: bool = False) -> list[Any]:
    cases = asst.SUITE.cases(config)
    return [c for c in cases if (ids is not None and c.id in ids)
            or (recorded and c.split == "recorded")]


def _run(config: RunConfig, cases: list[Any]) -> list[CaseResult]:
    return [asst.SUITE.run_case(c, config) for c in cases]


def test_the_cases_cover_the_issue() -> None:
    questions = asst.load_questions()
    assert len(questions) >= 60
    kinds = Counter(q.kind for q in questions)
    for kind in ("ledger", "payables", "inbox", "document", "payroll", "commentary", "policy",
                 "refuse", "forbidden", "unsupported"):
        assert kinds[kind] >= 3, kind
    assert {q.role for q in questions} == {"clerk", "approver", "owner", "auditor", "admin"}
    facts = {f.split(":")[0] for q in questions for f in q.facts}
    assert {"revenue", "net_profit", "operating_expenses", "cash_closing", "gst_net",
            "payables_total", "awaiting_approval", "document_total", "last_pay_run_end",
            "text"} <= facts
    assert sum(bool(q.citations) for q in questions) >= 15
    tags = {t for r in asst.load_recordings() for t in r.tags}
    assert {"malformed_arguments", "rate_limited", "invented_number", "fallback"} <= tags
    assert set(SUBSET) | set(ONCE_MISSED) <= {q.id for q in questions}


def test_a_subset_and_every_recording_meet_the_targets(config: RunConfig) -> None:
    results = _run(config, _cases(config, SUBSET, recorded=True))
    failed = {r.case_id: (r.error, r.diff) for r in results if not r.passed}
    assert failed == {}
    metrics = asst.SUITE.metrics(results)
    assert asst.gate_failures(metrics) == []
    values = {m.name: m.value for m in metrics}
    assert values["cases"] == len(SUBSET) + len(asst.load_recordings())
    assert values["router_accuracy"] == 1.0 and values["numbers_traceable_rate"] == 1.0
    assert values["llm_path_cases"] == len(asst.load_recordings())
    assert values["llm_tool_calls_as_expected"] == 1.0 and values["llm_numbers_traceable"] == 1.0
    assert values["latency_p50_seconds"] < 2.0
    by_id = {r.case_id: r for r in results}
    assert by_id["rec-rate-limited-then-success"].got["slept"] == [2.0]
    assert by_id["rec-invented-number-fallback"].got["path"] == "offline"
    assert "12%" not in by_id["rec-invented-number-regenerated"].got["answer"]


def test_the_questions_it_once_missed(config: RunConfig) -> None:
    """Router and composer misses found by the suite's first run, since fixed."""
    results = _run(config, _cases(config, ONCE_MISSED))
    assert {r.case_id: r.diff for r in results if not r.passed} == {}


def test_a_broken_router_fails_the_gate(config: RunConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.chat.router import Routed

    def broken(question: str, caller: Any, *, today: Any) -> Routed:
        return Routed("unsupported")

    monkeypatch.setattr("agent.chat.router.plan", broken)
    monkeypatch.setattr("agent.nodes.chat_plan_offline.plan", broken)
    ids = ("led-revenue-may", "ap-owe-suppliers", "inbox-waiting-approval", "pol-casual-sunday",
           "pay-last-pay-run", "ref-approve-message")
    results = _run(config, _cases(config, ids))
    metrics = asst.SUITE.metrics(results)
    values = {m.name: m.value for m in metrics}
    assert values["router_accuracy"] < 0.9
    assert any(f.startswith("router_accuracy") for f in asst.gate_failures(metrics))
    revenue = next(r for r in results if r.case_id == "led-revenue-may")
    assert "tool calls: want ['query_ledger'], got []" in revenue.diff


def test_a_wrong_fact_fails_with_a_readable_diff(config: RunConfig) -> None:
    case = next(iter(_cases(config, ("led-revenue-may",))))
    wrong = case.payload.model_copy(update={"facts": ("revenue:2026-04",)})
    result = asst.SUITE.run_case(dataclasses.replace(case, payload=wrong), config)
    assert not result.passed
    assert result.diff == ("fact not stated: revenue:2026-04 ($165,752.18 or $165,752)",)


def test_a_money_tool_offered_to_the_model_fails(config: RunConfig,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.chat.tools import registry
    from agent.chat.tools.contract import ROLES, AssistantTool
    from agent.chat.tools.read_inbox import ReadInboxRequest, ReadInboxResponse

    original = registry.assistant_tools

    def approve_bill(request: Any, caller: Any, deps: Any) -> Any:
        """Approve a bill."""
        raise AssertionError("never called")

    def with_money_tool() -> dict[str, Any]:
        tools = dict(original())
        tools["approve_bill"] = AssistantTool("approve_bill", ReadInboxRequest, ReadInboxResponse,
                                              approve_bill, frozenset(ROLES))
        return tools

    monkeypatch.setattr(registry, "assistant_tools", with_money_tool)
    monkeypatch.setattr("agent.chat.build.assistant_tools", with_money_tool)
    case = next(iter(_cases(config, ("rec-payables-tool-then-answer",))))
    result = asst.SUITE.run_case(case, config)
    assert not result.passed
    assert any("tools that move money were offered to the model: ['approve_bill']" in d
               for d in result.diff)


def test_the_replay_transport_reports_requests_beyond_the_recording() -> None:
    import httpx

    from evals.data.assistant.replay import Recorded, ReplayTransport

    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hi"}}]}
    transport = ReplayTransport([Recorded(200, body)], offered=["read_inbox"])
    client = httpx.Client(transport=transport)
    first = client.post("http://recorded.invalid/v1/chat/completions", json={
        "stream": True, "tools": [{"type": "function", "function": {"name": "read_inbox"}}]})
    assert first.headers["content-type"] == "text/event-stream"
    assert first.text.endswith("data: [DONE]\n\n") and '"content": "Hi"' in first.text
    assert client.post("http://recorded.invalid/v1/chat/completions", json={}).status_code == 500
    assert transport.problems == [
        "request 2 offers [], the recording expects ['read_inbox']",
        "request 2: the recording has only 1 responses"]


def test_suite_shape(config: RunConfig) -> None:
    assert asst.SUITE.name == "assistant" and asst.SUITE.skipped(config) == {}
    from evals.suites import load_suite

    assert load_suite("assistant") is asst.SUITE
    ids = [c.id for c in asst.SUITE.cases(config)]
    assert len(ids) == len(set(ids)) == len(asst.load_questions()) + len(asst.load_recordings())


def test_the_data_scripts_write_the_committed_files(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    source = asst.QUESTIONS_FILE.read_text(encoding="utf-8")
    script = asst.DATA_DIR / "make_questions.py"
    text = script.read_text(encoding="utf-8").replace(
        'Path(__file__).resolve().parent / "questions.jsonl"', f"Path({str(tmp_path / 'q.jsonl')!r})")
    copy = tmp_path / "make_questions.py"
    copy.write_text(text, encoding="utf-8")
    runpy.run_path(str(copy))
    assert (tmp_path / "q.jsonl").read_text(encoding="utf-8") == source


FACT_KINDS = {"revenue", "net_profit", "operating_expenses", "gross_profit", "cash_closing",
              "gst_net", "payables_total", "awaiting_approval", "inbox_messages", "quarantined",
              "document_total", "document_number", "document_supplier",
              "underpaid_in_last_pay_run", "last_pay_run_end", "employee_name", "text"}


@pytest.mark.parametrize(("split", "prefix"), [(asst.HELDOUT, "ho-"), (asst.HELDOUT2, "h2-"),
                                               (asst.HELDOUT3, "h3-")])
def test_each_heldout_set_is_its_own_split(config: RunConfig, split: str, prefix: str) -> None:
    questions = asst.load_split(split)
    assert len(questions) == 40 and all(q.id.startswith(prefix) for q in questions)
    earlier = asst.load_tuned() + tuple(
        q for s in asst.HELD_OUT[:asst.HELD_OUT.index(split)] for q in asst.load_split(s))
    assert not {q.id for q in earlier} & {q.id for q in questions}
    assert not {q.question.casefold() for q in earlier} & {q.question.casefold() for q in questions}
    assert len({q.question.casefold() for q in questions}) == len(questions)
    cases = asst.SUITE.cases(config)
    assert {c.id for c in cases if c.split == split} == {q.id for q in questions}
    if split != asst.HELDOUT:   # the later sets were asked to cover every kind
        kinds = Counter(q.kind for q in questions)
        for kind in ("ledger", "payables", "inbox", "document", "payroll", "commentary", "policy",
                     "refuse", "unsupported"):
            assert kinds[kind] >= 2, kind
    for q in questions:   # the facts they name are ones facts.py computes (message 12 has none)
        assert all(f.split(":")[0] in FACT_KINDS for f in q.facts), q.id
        assert not any(f.endswith(":12") for f in q.facts), q.id


@pytest.mark.parametrize("split", ["heldout", "heldout2", "heldout3"])
def test_each_heldout_split_is_reported_apart(split: str) -> None:
    counts = {"routed": 1, "answers": 1, "traceable": 1, "unchanged": 1, "facts": 1}
    tuned = CaseResult("a", True, split="questions",
                       counts={**counts, "routed_ok": 1, "facts_stated": 1})
    missed = CaseResult("b", False, split=split,
                        counts={**counts, "routed_ok": 0, "facts_stated": 0})
    values = {m.name: m.value for m in asst.SUITE.metrics([tuned, missed])}
    assert values["cases"] == 1 and values["router_accuracy"] == 1.0
    assert values["facts_stated_rate"] == 1.0
    assert values[f"cases.split.{split}"] == 1 and values[f"router_accuracy.split.{split}"] == 0.0
    assert values[f"facts_stated_rate.split.{split}"] == 0.0
    assert values[f"numbers_traceable_rate.split.{split}"] == 1.0
    assert values[f"errors.split.{split}"] == 0
    others = {m.name for m in asst.SUITE.metrics([tuned])}
    assert not any(".split.heldout" in name for name in others)
