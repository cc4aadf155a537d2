"""A document no bill can be proposed from (a credit note, a foreign-currency invoice) is put on hold
in front of a person, with its reason, like any other held bill.

Regression (found by the ap-decisions eval, issue 5): the decision for a refused proposal has no
amount, and request_approval stored it as the approval's amount (NOT NULL), so the run failed on
every attempt until it was quarantined as "processing failed" instead of waiting for a person."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import update

from agent.graphs.invoice import build_invoice_graph
from agent.serde import checkpoint_serde
from agent.worker import Worker
from memory import ap_store, approvals_store
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from memory.inbox_store import InboxStore
from services.intake import MessageIntake
from tests.agent.conftest import Books
from demo.company import ORGANISATION, SUPPLIERS
from demo.documents import (
    DocInvoice,
    DocLine,
    DocParty,
    DocPayment,
    build_invoice_email,
    render_ubl_invoice,
)

AEST = timezone(timedelta(hours=10))
D = Decimal


def _document(**changes: Any) -> DocInvoice:
    s = next(x for x in SUPPLIERS if x.key == "software")
    lines = (DocLine("POS software subscription - 3 registers", D(1), D("249.00"), D("249.00"), "GST"),)
    issue = datetime(2026, 6, 29).date()
    doc = DocInvoice(
        supplier=DocParty(s.name, s.abn, s.email, s.address),
        customer=DocParty(ORGANISATION["name"], ORGANISATION["abn"], ORGANISATION["email"],
                          ORGANISATION["address"]),
        invoice_number="CB-CN-0042", issue_date=issue, due_date=issue + timedelta(days=7),
        purchase_order=None, lines=lines, subtotal=D("249.00"), tax=D("24.90"), total=D("273.90"),
        payment=DocPayment(s.bsb, s.account_number, s.name, "CB-CN-0042"))
    return replace(doc, **changes)


@pytest.mark.parametrize(("changes", "code"), [
    ({"document_type": "credit_note", "due_date": None}, "credit_note_unsupported"),
    ({"currency": "USD"}, "currency_foreign"),
])
def test_a_document_that_cannot_become_a_bill_waits_for_a_person(books: Books, changes: dict[str, Any],
                                                                  code: str) -> None:
    with unit_of_work(books.sessions) as session:   # the demo mailbox is not part of this test
        session.execute(update(InboxMessage).where(InboxMessage.status == "received")
                        .values(status="quarantined", quarantine_reason="not part of this test"))
    doc = _document(**changes)
    s = next(x for x in SUPPLIERS if x.key == "software")
    message = build_invoice_email(
        doc, attachment=render_ubl_invoice(doc), filename="CB-CN-0042.xml",
        content_type="application/xml", sender=s.email, to=ORGANISATION["email"],
        message_id=f"<cb-cn-0042-{code}@cloudbooks.com.au>",
        sent_at=datetime(2026, 6, 29, 9, 0, tzinfo=AEST), body_text="Please see attached.\n")
    recorded = MessageIntake(InboxStore(books.sessions, books.ctx.clock, books.ctx.blobs)).record(
        message.as_bytes(), channel="api")
    graph = build_invoice_graph().compile(checkpointer=InMemorySaver(serde=checkpoint_serde()))
    report = Worker(books.ctx, scan_maildir=False).tick(graph)
    assert [(r.state, r.error) for r in report.results] == [("awaiting_approval", None)]
    with unit_of_work(books.sessions) as session:
        run = ap_store.for_message(session, recorded.message.id)
        assert run is not None and run.state == "awaiting_approval" and run.bill_id is None
        assert {(r["code"], r["hard"]) for r in run.reasons} >= {(code, True)}
        approval = approvals_store.get(session, run.approval_id)  # type: ignore[arg-type]
    assert approval.status == "pending" and approval.amount == D("273.90")
    assert approval.proposal["refused"][0]["code"] == code
    state = graph.get_state({"configurable": {"thread_id": run.thread_id}}).values
    assert state["decision"].outcome == "hold"
