"""A business moving in from another system imports its supplier list, each with its default
account and whether it already trades with them (`established`); the first clean invoice here from
an established supplier posts with no person, while a supplier that is truly new is still held."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import update

from agent.graphs.invoice import build_invoice_graph
from agent.serde import checkpoint_serde
from agent.worker import Worker
from demo.company import ORGANISATION
from demo.documents import DocInvoice, DocLine, DocParty, DocPayment, build_invoice_email, render_ubl_invoice
from memory import ap_store
from memory.contacts_store import ContactsStore
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from memory.inbox_store import InboxStore
from services.intake import MessageIntake
from tests.agent.conftest import Books
from tools.ledger.abn import complete_abn

AEST = timezone(timedelta(hours=10))
D = Decimal
ABN = complete_abn("123456789")
SUPPLIER = {"name": "Harbourside Signage Co", "abn": ABN, "email": "accounts@harboursidesigns.com.au",
            "bsb": "062-000", "account_number": "1122 3344", "account_name": "Harbourside Signage Co",
            "address": "4 Quay Street, Sydney NSW 2000", "payment_terms_days": 14,
            "default_account": "6090"}


def _invoice_email(number: str) -> bytes:
    issue = date(2026, 6, 29)
    doc = DocInvoice(
        supplier=DocParty(SUPPLIER["name"], ABN, SUPPLIER["email"], ("4 Quay Street", "Sydney NSW 2000")),
        customer=DocParty(ORGANISATION["name"], ORGANISATION["abn"], ORGANISATION["email"],
                          ORGANISATION["address"]),
        invoice_number=number, issue_date=issue, due_date=issue + timedelta(days=14), purchase_order=None,
        lines=(DocLine("Window decal - sale banner", D(2), D("120.00"), D("240.00"), "GST"),),
        subtotal=D("240.00"), tax=D("24.00"), total=D("264.00"),
        payment=DocPayment("062000", "11223344", SUPPLIER["name"], number))
    return build_invoice_email(
        doc, attachment=render_ubl_invoice(doc), filename=f"{number}.xml", content_type="application/xml",
        sender=SUPPLIER["email"], to=ORGANISATION["email"], message_id=f"<{number}@harboursidesigns.com.au>",
        sent_at=datetime(2026, 6, 29, 9, 0, tzinfo=AEST), body_text="Invoice attached.\n").as_bytes()


@pytest.mark.parametrize(("established", "state"), [(True, "posted"), (False, "awaiting_approval")])
def test_an_imported_established_supplier_is_not_held_on_its_first_bill(
        books: Books, established: bool, state: str) -> None:
    with unit_of_work(books.sessions) as session:   # the demo mailbox is not part of this test
        session.execute(update(InboxMessage).where(InboxMessage.status == "received")
                        .values(status="quarantined", quarantine_reason="not part of this test"))
        ContactsStore(session, books.ctx.clock, "cli:owner").import_suppliers(
            [{**SUPPLIER, "established": established}])
    recorded = MessageIntake(InboxStore(books.sessions, books.ctx.clock, books.ctx.blobs)).record(
        _invoice_email("HSC-1001"), channel="api")
    graph = build_invoice_graph().compile(checkpointer=InMemorySaver(serde=checkpoint_serde()))
    report = Worker(books.ctx, scan_maildir=False).tick(graph)
    assert [(r.state, r.error) for r in report.results] == [(state, None)]
    with unit_of_work(books.sessions) as session:
        run = ap_store.for_message(session, recorded.message.id)
        assert run is not None
        codes = {r["code"] for r in run.reasons}
    if established:
        assert run.bill_id is not None and codes.isdisjoint({"supplier_first_bill", "account_unresolved"})
    else:
        assert "supplier_first_bill" in codes and "account_unresolved" not in codes
