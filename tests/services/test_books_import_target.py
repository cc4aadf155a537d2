"""Issue #14's target: after importing a year of a supplier's bills from Xero, that supplier's next
clean emailed invoice posts with no person; the same invoice, with the supplier imported but not
its bills, is held (a first bill, and no account its lines are known to go to).

The invoice goes through the real AP path: recorded by services.intake, then the worker runs the
invoice graph (extract, validate, match, propose, decide, post) exactly as in production."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from agent.serde import checkpoint_serde
from agent.worker import Worker
from core.settings import load_settings
from demo.company import ORGANISATION
from demo.documents import (
    DocInvoice,
    DocLine,
    DocParty,
    DocPayment,
    build_invoice_email,
    render_ubl_invoice,
)
from memory import ap_store
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.inbox_store import InboxStore
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.schema import Invoice, InvoiceLine
from services.books_import import import_books
from services.intake import MessageIntake
from tests.conftest import TickingClock

FIXTURES = Path(__file__).parents[1] / "tools" / "imports" / "fixtures" / "xero"
AEST = timezone(timedelta(hours=10))
D = Decimal
SIGNS = ("Harbourside Print & Signage", "31112233445", "accounts@harboursideprint.com.au")


def _next_invoice_email() -> bytes:
    issue = date(2026, 7, 8)
    doc = DocInvoice(
        supplier=DocParty(SIGNS[0], SIGNS[1], SIGNS[2], ("4 Quay Street", "Sydney NSW 2000")),
        customer=DocParty(ORGANISATION["name"], ORGANISATION["abn"], ORGANISATION["email"],
                          ORGANISATION["address"]),
        invoice_number="HPS-2413", issue_date=issue, due_date=issue + timedelta(days=14), purchase_order=None,
        lines=(DocLine("A1 corflute signs", D(3), D("45.00"), D("135.00"), "GST"),
               DocLine("Window decal - sale banner", D(1), D("120.00"), D("120.00"), "GST")),
        subtotal=D("255.00"), tax=D("25.50"), total=D("280.50"),
        payment=DocPayment("062000", "11223344", SIGNS[0], "HPS-2413"))
    return build_invoice_email(
        doc, attachment=render_ubl_invoice(doc), filename="HPS-2413.xml", content_type="application/xml",
        sender=SIGNS[2], to=ORGANISATION["email"], message_id="<HPS-2413@harboursideprint.com.au>",
        sent_at=datetime(2026, 7, 8, 9, 0, tzinfo=AEST), body_text="Invoice HPS-2413 attached.\n").as_bytes()


@pytest.mark.parametrize(("files", "state"), [
    (("ChartOfAccounts.csv", "Contacts.csv", "Bills.csv"), "posted"),
    (("ChartOfAccounts.csv", "Contacts.csv"), "awaiting_approval"),
])
def test_a_year_of_imported_bills_lets_the_suppliers_next_invoice_post_with_no_person(
        tmp_path: Path, files: tuple[str, ...], state: str) -> None:
    settings = load_settings(home=tmp_path / "home", database_url=None)
    engine = create_db_engine(settings.resolved_database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    clock = TickingClock(datetime(2026, 7, 9, tzinfo=UTC))
    ctx = RunContext.build(settings, sessions, clock)
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "cli:owner").create_organisation(ORGANISATION["name"], ORGANISATION["abn"])
    import_books(ctx, "xero", [FIXTURES / f for f in files], actor="cli:owner")

    recorded = MessageIntake(InboxStore(sessions, clock, ctx.blobs)).record(_next_invoice_email(), channel="api")
    graph = build_invoice_graph().compile(checkpointer=InMemorySaver(serde=checkpoint_serde()))
    report = Worker(ctx, scan_maildir=False).tick(graph)

    assert [(r.state, r.error) for r in report.results] == [(state, None)]
    with unit_of_work(sessions) as session:
        run = ap_store.for_message(session, recorded.message.id)
        assert run is not None
        codes = {r["code"] for r in run.reasons}
        if state == "posted":
            assert run.bill_id is not None and not codes
            coded = {desc: account for desc, account in session.execute(
                select(InvoiceLine.description, InvoiceLine.account_id)
                .where(InvoiceLine.invoice_id == run.bill_id))}
            ledger = LedgerStore(session, clock, "t")
            # The lines went where a year of this supplier's bills went, learned from the import.
            assert coded == {"A1 corflute signs": ledger.account_id("461"),
                             "Window decal - sale banner": ledger.account_id("400")}
            assert session.get(Invoice, run.bill_id).total == D("280.50")
        else:
            assert run.bill_id is None and codes == {"supplier_first_bill", "account_unresolved"}
    engine.dispose()
