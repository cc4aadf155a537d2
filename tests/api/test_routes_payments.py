"""/v1/payments/runs over the demo books: propose (idempotent), approve with segregation of duties,
write the ABA file re-checking bank details, remittances, cancel. The demo's own run (1, written)
pays every bill due by 14 July, so each test posts two more bills, due 20 July, to suppliers with
bank details on file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from memory.db import unit_of_work
from tests.api.conftest import Api, MakeApi
from tests.tools.payments.aba_parser import parse

ABA = {"aba_bank": "CBA", "aba_apca_id": "301500", "aba_user_name": "Harbour & Vine Homewares",
       "aba_bsb": "062-000", "aba_account": "10458921"}
DUE_BY = "2026-07-31"
BILLS = ((1, "CCW-NEW-1", Decimal("1000.00")), (2, "SCL-NEW-1", Decimal("250.50")))  # contact, no., ex GST


def post_bills(api: Api) -> None:
    from memory.trading_store import TradingStore
    from tools.ledger.postings import DocumentLine

    with unit_of_work(api.runtime.sessions) as session:
        trading = TradingStore(session, api.clock, "test")
        for contact_id, number, amount in BILLS:
            trading.create_invoice("bill", contact_id, number, date(2026, 6, 30),
                                   [DocumentLine("stock", Decimal(1), amount, "5000", "GST")],
                                   due_date=date(2026, 7, 20))


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    made = make_api(**ABA)
    post_bills(made)
    return made


def propose(api: Api, who: str = "clerk", key: str = "run-1", due_by: str = DUE_BY) -> Any:
    return api.client.post("/v1/payments/runs", json={"due_by": due_by},
                           headers=api.auth(who, **{"Idempotency-Key": key}))


def test_propose_approve_write_show(api: Api) -> None:
    r = propose(api)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "proposed" and run["suppliers"] and not run["replayed"]
    assert run["created_by"] == api.principal("clerk").actor
    assert [b["number"] for s in run["suppliers"] for b in s["bills"]] == ["CCW-NEW-1", "SCL-NEW-1"]
    assert run["total"] == "1375.55"                 # 1100.00 + 275.55, GST included
    total = 137_555
    again = propose(api)
    assert again.status_code == 201 and again.json()["replayed"] and again.json()["id"] == run["id"]
    other = propose(api, due_by="2026-11-30")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    listed = api.client.get("/v1/payments/runs", headers=api.auth("auditor")).json()
    assert [x["id"] for x in listed] == [run["id"], 1]     # newest first; 1 is the demo's

    early = api.client.post(f"/v1/payments/runs/{run['id']}/file", headers=api.auth("owner"))
    assert early.status_code == 409 and early.json()["error"]["code"] == "run_not_approved"
    ok = api.client.post(f"/v1/payments/runs/{run['id']}/approval", headers=api.auth("approver"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["approved_by"] == api.principal("approver").actor

    f = api.client.post(f"/v1/payments/runs/{run['id']}/file", json={"process_on": "2026-07-02"},
                        headers=api.auth("owner"))
    assert f.status_code == 200, f.text
    assert f.headers["content-type"].startswith("text/plain")
    assert f'filename="payrun-{run["id"]}.aba"' in f.headers["content-disposition"]
    aba = parse(f.content)
    assert aba.totals.credit == total
    assert [d.code for d in aba.details] == ["50"] * len(run["suppliers"]) + ["13"]
    shown = api.client.get(f"/v1/payments/runs/{run['id']}", headers=api.auth("clerk")).json()
    assert shown["status"] == "written" and shown["file"]["sha256"] == f.headers["x-payment-run-sha256"]
    twice = api.client.post(f"/v1/payments/runs/{run['id']}/file", headers=api.auth("approver"))
    assert twice.status_code == 200 and twice.content == f.content
    assert twice.headers["x-replayed"] == "true"
    sent = api.client.post(f"/v1/payments/runs/{run['id']}/remittances", headers=api.auth("owner"))
    assert sent.status_code == 200, sent.text   # no relay configured here: nothing is sent
    assert {s["status"] for s in sent.json()} <= {"not_sent", "no_email"}
    gone = api.client.post(f"/v1/payments/runs/{run['id']}/cancel", headers=api.auth("owner"))
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "run_final"


def test_the_runs_creator_may_not_approve_it(api: Api) -> None:
    run = propose(api, who="approver").json()
    r = api.client.post(f"/v1/payments/runs/{run['id']}/approval", headers=api.auth("approver"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "segregation_of_duties"
    assert "someone else must approve" in r.json()["error"]["message"]
    shown = api.client.get(f"/v1/payments/runs/{run['id']}", headers=api.auth("approver")).json()
    assert shown["status"] == "proposed" and shown["approved_by"] is None
    assert api.client.post(f"/v1/payments/runs/{run['id']}/approval",
                           headers=api.auth("approver2")).status_code == 200


def test_a_bank_detail_change_since_approval_refuses_the_file_naming_the_supplier(api: Api) -> None:
    from memory.contacts_store import ContactsStore
    from tools.ledger.contacts import BankDetails

    run = propose(api).json()
    assert api.client.post(f"/v1/payments/runs/{run['id']}/approval",
                           headers=api.auth("owner")).status_code == 200
    payee = run["suppliers"][0]
    with unit_of_work(api.runtime.sessions) as session:
        ContactsStore(session, api.clock, "someone:else").set_bank_details(
            payee["contact_id"], BankDetails("082001", "99887766", payee["account_name"]))
    r = api.client.post(f"/v1/payments/runs/{run['id']}/file", headers=api.auth("approver"))
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "payee_bank_details_changed"
    assert payee["supplier"] in error["message"]
    shown = api.client.get(f"/v1/payments/runs/{run['id']}", headers=api.auth("owner")).json()
    assert shown["status"] == "approved" and shown["file"] is None


def test_cancel_frees_the_bills_and_unknown_runs_are_404(api: Api) -> None:
    run = propose(api).json()
    r = api.client.post(f"/v1/payments/runs/{run['id']}/cancel", json={"reason": "wrong date"},
                        headers=api.auth("owner"))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = propose(api, key="run-2")
    assert again.status_code == 201 and again.json()["total"] == run["total"]
    for path in ("", "/approval", "/cancel", "/remittances"):
        method = api.client.get if not path else api.client.post
        missing = method(f"/v1/payments/runs/424242{path}", headers=api.auth("owner"))
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_payment_run"
    nothing = propose(api, key="run-3", due_by="2000-01-01")
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_due"
    assert propose(api, who="auditor", key="run-4").status_code == 403
    no_key = api.client.post("/v1/payments/runs", json={"due_by": DUE_BY}, headers=api.auth("clerk"))
    assert no_key.status_code == 422


def test_writing_needs_the_aba_settings(make_api: MakeApi) -> None:
    bare = make_api()
    post_bills(bare)
    run = propose(bare).json()
    assert bare.client.post(f"/v1/payments/runs/{run['id']}/approval",
                            headers=bare.auth("owner")).status_code == 200
    r = bare.client.post(f"/v1/payments/runs/{run['id']}/file", headers=bare.auth("owner"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "aba_not_configured"
    assert "BACKOFFICE_ABA_BSB" in r.json()["error"]["message"]
