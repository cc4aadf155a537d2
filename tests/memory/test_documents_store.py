"""What validation is told about the books (suppliers with their current bank details, every stored
bill) and the write-once record of extractions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from memory import documents_store
from services.validation_context import validation_context
from memory.db import session_factory, unit_of_work
from memory.documents_schema import ExtractedDocument
from memory.contacts_store import ContactsStore
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry
from memory.tables import metadata
from memory.trading_store import TradingStore
from tests.conftest import TickingClock
from tools.documents.model import DocumentType, Extraction, Issue, Method, Supplier
from tools.ledger.contacts import BankDetails
from tools.ledger.postings import DocumentLine

D = Decimal
OWN_ABN = "51824753556"
SUPPLIER_ABN = "53004085616"


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> sessionmaker[Session]:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        LedgerStore(session, clock, "test").create_organisation("Harbour & Vine", OWN_ABN, state="NSW")
        contacts = ContactsStore(session, clock, "test")
        supplier = contacts.create("Pinnacle Office Supplies", abn=SUPPLIER_ABN, supplier=True,
                                   email="accounts@pinnacleoffice.com.au", default_account="6090",
                                   bank=BankDetails("082001", "456123789", None))
        contacts.set_bank_details(supplier.id, BankDetails("062000", "10458832", "Pinnacle"))
        contacts.create("A customer", customer=True)
        TradingStore(session, clock, "test").create_invoice(
            "bill", supplier.id, "INV-0042", date(2026, 5, 2),
            [DocumentLine("Paper", D("2"), D("50.00"), "6090", "GST")])
    return factory


def _extraction(number: str = "INV-0043", total: str = "110.00") -> Extraction:
    return Extraction(supplier=Supplier(name="Pinnacle Office Supplies", abn=SUPPLIER_ABN),
                      invoice_number=number, issue_date=date(2026, 6, 1), currency="AUD",
                      subtotal=D(total) / 11 * 10, tax=D(total) / 11, total=D(total),
                      confidence={"overall": 0.91},
                      issues=(Issue(code="bank_details_changed", message="changed"),), method=Method.PDF_TEXT)


def _record(session: Session, clock: TickingClock, message: int | None, sha: str, ex: Extraction):  # type: ignore[no-untyped-def]
    return documents_store.record(session, clock, actor="test", inbox_message_id=message, source="inv.pdf",
                                  content_sha256=sha, extraction=ex, contact_id=1)


def test_the_context_holds_suppliers_with_current_bank_details_and_stored_bills(
        sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        ctx = documents_store.validation_context(session, today=date(2026, 6, 30))
    assert ctx.own_abn == OWN_ABN and ctx.today == date(2026, 6, 30) and ctx.supplier_master
    [supplier] = ctx.suppliers  # the customer is not a supplier
    assert (supplier.name, supplier.abn, supplier.domain) == (
        "Pinnacle Office Supplies", SUPPLIER_ABN, "pinnacleoffice.com.au")
    assert (supplier.bsb, supplier.account_number) == ("062000", "10458832")  # the latest change
    [bill] = ctx.prior_invoices
    assert (bill.number, bill.total, bill.issue_date, bill.supplier_abn) == (
        "INV-0042", D("110.00"), date(2026, 5, 2), SUPPLIER_ABN)


def test_extractions_of_other_messages_are_prior_invoices_but_not_the_messages_own(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        session.execute(text("INSERT INTO inbox_messages (id, message_id, body_hash, raw_sha256, size, "
                             "channel, received_at, subject, status) VALUES (7, 'm7', 'b', 'r', 1, "
                             "'import', CURRENT_TIMESTAMP, 's', 'received')"))
        _record(session, clock, 7, "a" * 64, _extraction())
    with unit_of_work(sessions) as session:
        others = documents_store.validation_context(session, today=date(2026, 6, 30), exclude_message_id=8)
        own = documents_store.validation_context(session, today=date(2026, 6, 30), exclude_message_id=7)
    stored = [p for p in others.prior_invoices if p.content_hash == "a" * 64]
    assert len(stored) == 1 and stored[0].number == "INV-0043" and stored[0].total == D("110.00")
    assert stored[0].document_type is DocumentType.INVOICE and "message 7" in stored[0].ref
    assert not any(p.content_hash for p in own.prior_invoices)


def test_recording_is_idempotent_per_message_and_bytes_and_audited(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        first = _record(session, clock, None, "b" * 64, _extraction())
        again = _record(session, clock, None, "b" * 64, _extraction(total="999.00"))
        other = _record(session, clock, None, "c" * 64, _extraction())
    assert first.created and not again.created and again.id == first.id and other.id != first.id
    with unit_of_work(sessions) as session:
        row = session.get(ExtractedDocument, first.id)
        assert row is not None and row.total == D("110.00") and row.number_key == "43"
        assert row.issue_codes == "bank_details_changed" and row.confidence == "0.910"
        audited = session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "document.extracted"))
    assert audited == 2


def test_a_recorded_extraction_cannot_be_edited_or_deleted(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        doc_id = _record(session, clock, None, "d" * 64, _extraction()).id
    for statement in (f"UPDATE extracted_documents SET invoice_number = 'X' WHERE id = {doc_id}",
                      f"DELETE FROM extracted_documents WHERE id = {doc_id}"):
        with pytest.raises(DBAPIError, match="append_only"), unit_of_work(sessions) as session:
            session.execute(text(statement))


def test_the_migration_creates_exactly_the_documents_model(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    assert [d for d in flat if "extracted_documents" in repr(d)] == []


def test_a_context_for_one_invoice_holds_only_what_could_duplicate_it(
        sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        other = ContactsStore(session, clock, "test").create("Other Supplies", abn="33 051 775 556",
                                                             supplier=True, default_account="6090")
        TradingStore(session, clock, "test").create_invoice(
            "bill", other.id, "OTH-1", date(2026, 5, 3), [DocumentLine("Pens", D("1"), D("10.00"), "6090", "GST")])
        _record(session, clock, None, "e" * 64, _extraction("STRAY-9"))  # another supplier's bytes? no: same ABN
    with unit_of_work(sessions) as session:
        everything = documents_store.validation_context(session, today=date(2026, 6, 30))
        ours = validation_context(session, today=date(2026, 6, 30),
                                  for_extraction=_extraction(), content_hash="f" * 64)
        by_bytes = validation_context(
            session, today=date(2026, 6, 30), content_hash="e" * 64,
            for_extraction=Extraction(supplier=Supplier(name="Nobody"), method=Method.PDF_TEXT))
    numbers = lambda ctx: sorted(p.number or "" for p in ctx.prior_invoices)  # noqa: E731
    assert numbers(everything) == ["INV-0042", "OTH-1", "STRAY-9"]
    assert numbers(ours) == ["INV-0042", "STRAY-9"]        # the supplier's bill and reading only
    assert numbers(by_bytes) == ["STRAY-9"]                 # an unknown supplier: the same bytes only
