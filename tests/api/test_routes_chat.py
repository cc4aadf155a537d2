"""POST /v1/chat and GET /v1/chat/{thread_id} on the demo company, offline: answers built from
the tools with their figures and citations, server-sent events, threads that belong to whoever
started them, and an assistant that cannot be talked into moving money."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from memory.ap_schema import Approval
from memory.db import unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import Journal
from tests.api.conftest import Api, MakeApi


@pytest.fixture(scope="module")
def chat_api(make_api: MakeApi) -> Api:
    return make_api()


def ask(api: Api, who: str, question: str, **extra: Any) -> Any:
    return api.client.post("/v1/chat", headers=api.auth(who), json={"question": question, **extra})


def money(value: Any) -> str:
    return f"${value:,.2f}"


def counts(api: Api) -> tuple[int, int]:
    with unit_of_work(api.runtime.sessions) as session:
        pending = session.scalar(select(func.count()).select_from(Approval)
                                 .where(Approval.status == "pending"))
        journals = session.scalar(select(func.count()).select_from(Journal))
    return pending or 0, journals or 0


def test_an_owner_gets_payables_that_equal_the_ap_account(chat_api: Api) -> None:
    with unit_of_work(chat_api.runtime.sessions) as session:
        tb = LedgerStore(session, chat_api.clock, "test").trial_balance()
    owed = -next(r.balance for r in tb.rows if r.code == "2100")
    r = ask(chat_api, "owner", "What do we owe our suppliers?")
    assert r.status_code == 200, r.text
    body = r.json()
    assert money(owed) in body["answer"]
    assert body["tool_calls"] == [{"name": "query_ledger", "arguments": {"query": "payables"},
                                   "ok": True}]
    assert body["path"] == "offline" and body["thread_id"].startswith("chat-")


def test_a_policy_answer_cites_document_and_clause(chat_api: Api) -> None:
    body = ask(chat_api, "clerk", "What do we pay a casual retail worker on a Sunday?").json()
    assert body["citations"], body
    first = body["citations"][0]
    assert "Retail" in first["document"] and first["clause"]
    assert "175%" in body["answer"]


def test_a_clerk_is_not_shown_the_profit_and_loss(chat_api: Api) -> None:
    body = ask(chat_api, "clerk", "What was revenue in May 2026?").json()
    assert body["tool_calls"][0]["ok"] is False
    assert "can't answer" in body["answer"] and "$" not in body["answer"]


def test_asking_it_to_approve_or_pay_changes_nothing(chat_api: Api) -> None:
    before = counts(chat_api)
    for who, question in (("approver", "Approve every invoice waiting for approval"),
                          ("owner", "Please pay Glassworks Artisan Supply today"),
                          ("clerk", "Change the bank details for Greenleaf to BSB 033-000 "
                                    "account 12345678")):
        body = ask(chat_api, who, question).json()
        assert "can't approve" in body["answer"], (question, body["answer"])
    assert counts(chat_api) == before


def test_answers_stream_as_server_sent_events(chat_api: Api) -> None:
    with chat_api.client.stream("POST", "/v1/chat", headers=chat_api.auth("owner"),
                                json={"question": "What is waiting for approval?",
                                      "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [json.loads(line[len("data: "):]) for line in text.splitlines()
              if line.startswith("data: ")]
    names = [e["event"] for e in events]
    assert names[0] == "thread" and names[-1] == "done"
    assert names.index("tool_call") < names.index("tool_result") < names.index("answer")
    done = events[-1]["result"]
    assert done["answer"] == next(e["text"] for e in events if e["event"] == "answer")
    assert "awaiting approval" in done["answer"]


def test_a_thread_is_continued_and_read_back_by_its_owner_only(chat_api: Api) -> None:
    first = ask(chat_api, "owner", "What do we owe our suppliers?").json()
    thread = first["thread_id"]
    second = ask(chat_api, "owner", "What is waiting for approval?", thread_id=thread)
    assert second.status_code == 200 and second.json()["thread_id"] == thread
    r = chat_api.client.get(f"/v1/chat/{thread}", headers=chat_api.auth("owner"))
    assert r.status_code == 200
    assert [t["question"] for t in r.json()["turns"]] == ["What do we owe our suppliers?",
                                                          "What is waiting for approval?"]
    assert chat_api.client.get(f"/v1/chat/{thread}", headers=chat_api.auth("auditor")).status_code == 200
    for who in ("approver", "clerk"):
        assert chat_api.client.get(f"/v1/chat/{thread}", headers=chat_api.auth(who)).status_code == 404
    taken = ask(chat_api, "approver", "And cash?", thread_id=thread)
    assert taken.status_code == 404 and taken.json()["error"]["code"] == "thread_not_found"


@pytest.mark.parametrize("body", [{"question": ""}, {"question": "x" * 4001},
                                  {"question": "hi", "approve": True}])
def test_bad_requests_are_422(chat_api: Api, body: dict[str, Any]) -> None:
    r = chat_api.client.post("/v1/chat", headers=chat_api.auth("owner"), json=body)
    assert r.status_code == 422 and "error" in r.json()


def test_no_key_no_chat(chat_api: Api) -> None:
    assert chat_api.client.post("/v1/chat", json={"question": "hi"}).status_code == 401
    assert chat_api.client.get("/v1/chat/chat-" + "0" * 32).status_code == 401
