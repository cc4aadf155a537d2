"""Approvals through the API: the queue's shape, each decision resuming its run, one outcome
whatever the races (double resume, concurrent decisions, replayed keys), stale proposals refused,
limits and segregation of duties, and bad input as clear 4xx answers."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from agent import decisions
from memory.ap_queries import chart_for_proposals
from memory.ap_schema import ApRun
from memory.contacts_store import ContactsStore
from memory.db import unit_of_work
from memory.schema import Invoice
from tests.api.conftest import Api, MakeApi, find_approval, pending
from tools.ledger.contacts import BankDetails


def _decide(api: Api, approval: dict[str, Any], decision: str = "approve", who: str = "approver",
            key: str = "key-1", **extra: Any):  # type: ignore[no-untyped-def]
    body = {"decision": decision, "proposal_hash": approval["proposal_hash"], **extra}
    return api.client.post(f"/v1/approvals/{approval['id']}/decision", json=body,
                           headers=api.auth(who, **{"Idempotency-Key": key}))


def _bills_numbered(api: Api, number: str) -> int:
    with unit_of_work(api.runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(Invoice).where(
            Invoice.kind == "bill", Invoice.number == number)) or 0


def _postable(api: Api) -> dict[str, Any]:
    """A pending bill an approver may approve and that will post (not a duplicate)."""
    for item in pending(api):
        codes = {r["code"] for r in item["reasons"]}
        if item["required_role"] == "approver" and "duplicate_suspected" not in codes and item["contact_id"]:
            detail = api.client.get(f"/v1/approvals/{item['id']}", headers=api.auth("approver")).json()
            if detail["proposal"]["complete"]:
                return detail
    raise AssertionError("no postable approval in the demo")


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


# -- reading ----------------------------------------------------------------------------------

def test_the_queue_lists_pending_approvals_with_reasons_and_hashes(shared: Api) -> None:
    r = shared.client.get("/v1/approvals", params={"status": "pending"}, headers=shared.auth("approver"))
    assert r.status_code == 200
    body = r.json()
    assert body["limit"] == 100 and body["offset"] == 0
    items = body["items"]
    assert len(items) >= 5 and all(a["status"] == "pending" for a in items)
    codes = {r["code"] for a in items for r in a["reasons"]}
    assert {"duplicate_suspected", "bank_details_changed", "supplier_unknown",
            "above_approver_limit"} <= codes
    for a in items:
        assert len(a["proposal_hash"]) == 64 and a["reasons"]
        assert a["amount"].count(".") == 1 and len(a["amount"].split(".")[1]) == 2
        assert 0 <= float(a["confidence"]) <= 1
        assert "evidence" not in a and "proposal" not in a  # the list stays light
    assert any(a["required_role"] == "owner" for a in items)
    page = shared.client.get("/v1/approvals", params={"status": "pending", "limit": 2, "offset": 1},
                             headers=shared.auth("auditor")).json()
    assert [a["id"] for a in page["items"]] == [a["id"] for a in items[1:3]]
    assert shared.client.get("/v1/approvals", params={"status": "approved"},
                             headers=shared.auth("admin")).json()["items"] == []


def test_one_approval_carries_evidence_proposal_hash_and_confidence(shared: Api) -> None:
    item = pending(shared)[0]
    r = shared.client.get(f"/v1/approvals/{item['id']}", headers=shared.auth("auditor"))
    assert r.status_code == 200
    a = r.json()
    assert a["proposal_hash"] == a["proposal"]["proposal_hash"] == item["proposal_hash"]
    assert a["evidence"]["document"]["sha256"] and "extraction" in a["evidence"]
    assert a["reasons"] == item["reasons"] and a["confidence"] == item["confidence"]
    assert a["proposal"]["lines"] and a["decision"] is None and a["changes"] is None


def test_the_queue_read_matches_the_store(api: Api) -> None:
    """The list's light column read (api.views.approval_queue) shows what the store holds."""
    from api.views import approval_queue, approval_summary
    from memory import approvals_store

    a = _postable(api)
    assert _decide(api, a, "reject", key="q-1").status_code == 200
    with unit_of_work(api.runtime.sessions) as session:
        for status in (None, "pending", "approved", "rejected"):
            for limit, offset in ((100, 0), (2, 1)):
                expected = [approval_summary(r) for r in approvals_store.list_approvals(
                    session, status=status, limit=limit, offset=offset)]
                got = approval_queue(session, status=status, limit=limit, offset=offset)
                assert got == expected, status


@pytest.mark.parametrize("params", [{"status": "open"}, {"limit": 0}, {"limit": 501},
                                    {"offset": -1}, {"limit": "NaN"}, {"limit": "1e3"}])
def test_list_parameters_are_bounded(shared: Api, params: dict[str, Any]) -> None:
    r = shared.client.get("/v1/approvals", params=params, headers=shared.auth("approver"))
    assert r.status_code == 422 and r.json()["error"]["fields"]


def test_a_missing_approval_is_404(shared: Api) -> None:
    assert shared.client.get("/v1/approvals/999999", headers=shared.auth("owner")).status_code == 404
    r = _decide(shared, {"id": 999999, "proposal_hash": "a" * 64})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


# -- deciding ---------------------------------------------------------------------------------

def test_approve_resumes_the_run_and_posts_the_bill(api: Api) -> None:
    a = _postable(api)
    r = _decide(api, a, comment="checked with the supplier")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["replayed"] is False
    assert body["approval"]["status"] == "approved" and body["approval"]["decision"] == "approve"
    assert body["approval"]["decided_by"].startswith("key:") and body["approval"]["comment"]
    assert body["run"]["state"] == "posted" and body["run"]["bill_id"]
    bill = api.client.get(f"/v1/bills/{body['run']['bill_id']}", headers=api.auth("clerk")).json()
    assert bill["number"] == a["invoice_number"] and bill["total"] == a["amount"]
    assert bill["approval_id"] == a["id"] and bill["journal_id"]
    message = api.client.get(f"/v1/inbox/messages/{a['inbox_message_id']}", headers=api.auth("clerk"))
    assert message.json()["status"] == "posted"
    assert all(p["id"] != a["id"] for p in pending(api))


def test_reject_ends_the_run_without_posting(api: Api) -> None:
    a = _postable(api)
    r = _decide(api, a, "reject", comment="not ours")
    assert r.status_code == 200
    assert r.json()["approval"]["status"] == "rejected" and r.json()["run"]["state"] == "rejected"
    assert r.json()["run"]["bill_id"] is None
    assert _bills_numbered(api, a["invoice_number"]) == 0


def test_edit_posts_the_bill_with_the_edited_account_and_due_date(api: Api) -> None:
    a = _postable(api)
    with unit_of_work(api.runtime.sessions) as session:
        accounts = sorted(chart_for_proposals(session).line_accounts)
    current = a["proposal"]["lines"][0]["account"]
    other = next(code for code in accounts if code != current)
    due = a["proposal"]["due_date"][:8] + "28"
    r = _decide(api, a, "edit", changes={"lines": [{"index": 0, "account_code": other}], "due_date": due})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["approval"]["decision"] == "edit" and body["run"]["state"] == "posted"
    assert body["approval"]["changes"]["lines"] == [{"index": 0, "account_code": other}]
    bill = api.client.get(f"/v1/bills/{body['run']['bill_id']}", headers=api.auth("auditor")).json()
    assert bill["lines"][0]["account_code"] == other and bill["due_date"] == due


@pytest.mark.parametrize("changes, code", [
    ({"lines": [{"index": 99, "account_code": "6030"}]}, "edit_line_unknown"),
    ({"lines": [{"index": 0, "account_code": "9999"}]}, "edit_account_unknown"),
    ({"lines": []}, "no_changes"),
])
def test_unusable_edits_are_422(shared: Api, changes: dict[str, Any], code: str) -> None:
    r = _decide(shared, _postable(shared), "edit", key=f"edit-{code}", changes=changes)
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_a_stale_proposal_hash_is_refused(api: Api) -> None:
    a = _postable(api)
    r = _decide(api, {**a, "proposal_hash": "0" * 64})
    assert r.status_code == 409 and r.json()["error"]["code"] == "stale_proposal"
    assert api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("owner")).json()["status"] == "pending"


def test_a_second_different_decision_is_409(api: Api) -> None:
    a = _postable(api)
    assert _decide(api, a, "approve", key="first").status_code == 200
    second = _decide(api, a, "reject", who="owner", key="second")
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_decided"
    again = _decide(api, a, "approve", key="third")  # the same decision, a new key: closed
    assert again.status_code == 409
    reused = _decide(api, a, "reject", key="first")  # the first key for something else
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "key_reused"
    assert _bills_numbered(api, a["invoice_number"]) == 1


def test_replaying_the_idempotency_key_gives_the_same_answer_and_posts_once(api: Api) -> None:
    a = _postable(api)
    first = _decide(api, a, key="replay-me")
    second = _decide(api, a, key="replay-me")
    assert first.status_code == second.status_code == 200
    assert second.json()["replayed"] is True
    assert {**first.json(), "replayed": True} == second.json()
    assert _bills_numbered(api, a["invoice_number"]) == 1


def test_concurrent_decisions_have_one_outcome_and_409_for_the_rest(api: Api) -> None:
    a = _postable(api)
    n = 6
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def decide(i: int) -> None:
        barrier.wait()
        results[i] = _decide(api, a, "approve" if i % 2 else "reject",
                             who="owner" if i % 3 else "approver", key=f"race-{i}")

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * (n - 1), [r.text for r in results]
    winner = next(r.json() for r in results if r.status_code == 200)
    expected_bills = 1 if winner["approval"]["decision"] == "approve" else 0
    assert _bills_numbered(api, a["invoice_number"]) == expected_bills
    assert winner["run"]["state"] == ("posted" if expected_bills else "rejected")


def test_a_double_resume_posts_once(api: Api) -> None:
    a = _postable(api)
    ctx = api.run_context()
    outcome = decisions.decide(ctx, api.principal("approver"), a["id"], verdict="approve",
                                      proposal_hash=a["proposal_hash"], key="no-resume", resume=False)
    run_id = outcome.approval.run_id
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def resume() -> None:
        barrier.wait()
        results.append(decisions.resume_run(ctx, run_id))

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    decisions.resume_run(ctx, run_id)  # and once more, afterwards
    with unit_of_work(api.runtime.sessions) as session:
        run = session.get(ApRun, run_id)
        assert run is not None and run.state == "posted"
    assert _bills_numbered(api, a["invoice_number"]) == 1
    assert any(r is not None and r.state == "posted" for r in results)


# -- who may decide ---------------------------------------------------------------------------

def test_whoever_changed_the_bank_details_may_not_approve_that_suppliers_bills(api: Api) -> None:
    a = _postable(api)
    approver = api.principal("approver")
    with unit_of_work(api.runtime.sessions) as session:
        ContactsStore(session, api.clock, approver.actor).set_bank_details(
            a["contact_id"], BankDetails.parse("062-000", "12345678", "Changed Pty Ltd"))
    refused = _decide(api, a, key="sod-1")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "segregation_of_duties"
    other = _decide(api, a, who="approver2", key="sod-2")
    assert other.status_code == 200 and other.json()["run"]["state"] == "posted"


def test_bills_above_the_approver_limit_need_the_owner(api: Api) -> None:
    a = find_approval(api, "above_approver_limit", role="owner")
    assert float(a["amount"]) > 10_000
    refused = _decide(api, a, key="limit-1")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "above_role_limit"
    assert "10,000" in refused.json()["error"]["message"]
    owner = _decide(api, a, who="owner", key="limit-2")
    assert owner.status_code == 200, owner.text
    assert owner.json()["approval"]["decided_role"] == "owner"
    assert owner.json()["run"]["state"] == "posted"


def test_an_incomplete_proposal_can_be_rejected_but_not_approved(api: Api) -> None:
    a = find_approval(api, "supplier_unknown", complete=False)
    r = _decide(api, a, key="inc-1")
    assert r.status_code == 409 and r.json()["error"]["code"] == "proposal_incomplete"
    assert _decide(api, a, "reject", key="inc-2").status_code == 200


def test_a_decision_on_a_closed_approval_is_409(api: Api) -> None:
    a = _postable(api)
    assert _decide(api, a, "reject", key="close-1").status_code == 200
    for verdict in ("approve", "reject"):
        r = _decide(api, a, verdict, who="owner", key=f"close-{verdict}")
        assert r.status_code == 409 and r.json()["error"]["code"] == "already_decided"


def test_overdue_approvals_are_escalated_and_emailed(make_api: MakeApi, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from core.settings import load_settings
    from adapters.inbox.smtp import smtp_controller

    relay = smtp_controller(load_settings(home=tmp_path / "relay"), maildir=tmp_path / "relay-mail",
                            host="127.0.0.1", port=0)
    relay.start()
    try:
        api = make_api(approval_escalate_hours=24, notify_smtp_host="127.0.0.1",
                       notify_smtp_port=relay.port, notify_to="owner@example.com")
        assert api.tick().escalated == 0
        api.clock.current += timedelta(hours=25)
        waiting = pending(api)
        assert api.tick().escalated == len(waiting) and waiting
        assert all(a["escalated_at"] for a in pending(api))
        mails = [p.read_text() for p in (tmp_path / "relay-mail" / "new").iterdir()]
        assert len(mails) == len(waiting)
        assert all("To: owner@example.com" in m and "backoffice approvals show" in m for m in mails)
        assert api.tick().escalated == 0  # once each
    finally:
        relay.stop()


# -- bad input --------------------------------------------------------------------------------

HASH = "ab" * 32


@pytest.mark.parametrize("body", [
    {"decision": "maybe", "proposal_hash": HASH},
    {"decision": "approve"},
    {"decision": "approve", "proposal_hash": "AB" * 32},
    {"decision": "approve", "proposal_hash": HASH[:-1]},
    {"decision": "approve", "proposal_hash": HASH, "comment": "x" * 2001},
    {"decision": "approve", "proposal_hash": HASH, "amount": "10.00"},
    {"decision": "approve", "proposal_hash": HASH, "changes": {"due_date": "2026-07-30"}},
    {"decision": "edit", "proposal_hash": HASH},
    {"decision": "edit", "proposal_hash": HASH, "changes": {"lines": [{"index": -1, "account_code": "6030"}]}},
    {"decision": "edit", "proposal_hash": HASH, "changes": {"lines": [{"index": 0, "account_code": "6030",
                                                                        "amount": "1.005"}]}},
    {"decision": "edit", "proposal_hash": HASH, "changes": {"due_date": "30/07/2026"}},
    {"decision": "edit", "proposal_hash": HASH, "changes": {"lines": [{"index": 0,
                                                                        "account_code": "../../etc"}]}},
    [], "approve", None,
])
def test_malformed_decisions_are_422(shared: Api, body: Any) -> None:
    r = shared.client.post("/v1/approvals/1/decision", json=body,
                           headers=shared.auth("approver", **{"Idempotency-Key": "bad-1"}))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("raw", [
    b'{"decision": "edit", "proposal_hash": "' + HASH.encode() + b'", "changes": {"lines": '
    b'[{"index": NaN, "account_code": "6030"}]}}',
    b'{"decision": "approve", "proposal_hash": "' + HASH.encode() + b'", "comment": Infinity}',
    b'{"decision": "approve", "proposal_hash": ',
])
def test_nan_infinity_and_broken_json_are_422(shared: Api, raw: bytes) -> None:
    r = shared.client.post("/v1/approvals/1/decision", content=raw, headers=shared.auth(
        "approver", **{"Idempotency-Key": "bad-2", "Content-Type": "application/json"}))
    assert r.status_code == 422, r.text
    assert raw.decode()[-12:] not in r.text


def test_a_body_that_is_not_even_text_is_400(shared: Api) -> None:
    r = shared.client.post("/v1/approvals/1/decision", content=b"\xff\xfe not json", headers=shared.auth(
        "approver", **{"Idempotency-Key": "bad-3", "Content-Type": "application/json"}))
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_the_idempotency_key_is_required_and_bounded(shared: Api) -> None:
    body = {"decision": "reject", "proposal_hash": HASH}
    missing = shared.client.post("/v1/approvals/1/decision", json=body, headers=shared.auth("approver"))
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"][0]["loc"] == ["header", "Idempotency-Key"]
    for key in ("k" * 201, "has space"):
        r = shared.client.post("/v1/approvals/1/decision", json=body,
                               headers=shared.auth("approver", **{"Idempotency-Key": key}))
        assert r.status_code == 422, key


# -- the same on PostgreSQL -------------------------------------------------------------------

@pytest.mark.postgres
def test_reads_and_decisions_on_postgresql(postgres_server_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The PostgreSQL setup: reads in the thread pool, decisions under FOR UPDATE, one outcome."""
    import uuid

    import psycopg
    from fastapi.testclient import TestClient
    from sqlalchemy.engine import make_url

    from core.settings import load_settings
    from api.app import create_app
    from demo.build import build_demo
    from services.runtime import Runtime
    from memory import apikeys_store
    from tests.api.conftest import TODAY, Api
    from tests.conftest import TickingClock

    schema = f"t_{uuid.uuid4().hex[:10]}"
    base = make_url(postgres_server_url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    # Reads in the thread pool, as for a remote database (a local one reads on the loop by
    # default: tests/api/test_deps.py); the concurrent decisions below run against either.
    settings = load_settings(home=tmp_path / "home", database_url=url.render_as_string(hide_password=False),
                             api_inline_reads="off")
    build_demo(settings, with_assistant=False)
    clock = TickingClock(TODAY)
    runtime = Runtime(settings, clock)
    with unit_of_work(runtime.sessions) as session:
        keys = {role: apikeys_store.create(session, clock, name=role, role=role, created_by="t").key
                for role in ("approver", "owner", "clerk")}
    app = create_app(runtime)
    assert app.state.read_engine is None and app.state.reads.inline is False
    api = Api(tmp_path / "home", settings, runtime, app, TestClient(app), keys, clock)
    try:
        assert api.client.get("/healthz").json() == {"status": "ok"}
        a = _postable(api)
        results: list[Any] = []
        barrier = threading.Barrier(3)

        def decide(i: int) -> None:
            barrier.wait()
            results.append(_decide(api, a, "approve" if i else "reject", who="owner", key=f"pg-{i}"))

        threads = [threading.Thread(target=decide, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(r.status_code for r in results) == [200, 409, 409]
        winner = next(r.json() for r in results if r.status_code == 200)
        posted = winner["approval"]["decision"] == "approve"
        assert winner["run"]["state"] == ("posted" if posted else "rejected")
        assert _bills_numbered(api, a["invoice_number"]) == (1 if posted else 0)
        message = api.client.get(f"/v1/inbox/messages/{a['inbox_message_id']}", headers=api.auth("clerk"))
        assert message.json()["status"] == winner["run"]["state"]
        tb = api.client.get("/v1/ledger/trial-balance", headers=api.auth("owner")).json()
        assert tb["balanced"] is True
    finally:
        api.close()
