"""What the export kernel (tools.exports) needs from the books: the chart, posted journals with
their ids, and bills with their lines and suppliers, as its immutable values. Reads only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from adapters.clock import SystemClock
from memory.ledger_store import LedgerStore
from memory.schema import AccountRow, Contact, Invoice
from tools.exports.model import Books, ExportBill, ExportBillLine, ExportContact, PostedJournal

BILL_STATUSES = ("posted", "paid")


def _ledger(session: Session) -> LedgerStore:
    return LedgerStore(session, SystemClock(), "export")


def load_books(session: Session, date_from: date | None = None, date_to: date | None = None, *,
               journals: bool = True, bills: bool = True) -> Books:
    """The organisation's chart and, between the dates (inclusive; open when None), its posted
    journals and its posted or paid bills."""
    ledger = _ledger(session)
    org = ledger.organisation()
    posted = tuple(PostedJournal(jid, j) for jid, j in ledger.journals(date_from, date_to)) \
        if journals else ()
    return Books(org.name, tuple(ledger.accounts().values()), posted,
                 load_bills(session, date_from, date_to) if bills else ())


def load_bills(session: Session, date_from: date | None = None, date_to: date | None = None
               ) -> tuple[ExportBill, ...]:
    codes = {row.id: row.code for row in session.scalars(select(AccountRow))}
    query = (select(Invoice).where(Invoice.kind == "bill", Invoice.status.in_(BILL_STATUSES))
             .options(selectinload(Invoice.lines)).order_by(Invoice.issue_date, Invoice.id))
    if date_from:
        query = query.where(Invoice.issue_date >= date_from)
    if date_to:
        query = query.where(Invoice.issue_date <= date_to)
    invoices = list(session.scalars(query))
    contacts = {c.id: c for c in session.scalars(
        select(Contact).where(Contact.id.in_({inv.contact_id for inv in invoices})))}
    return tuple(
        ExportBill(
            id=inv.id, number=inv.number,
            contact=ExportContact(contacts[inv.contact_id].name, contacts[inv.contact_id].email,
                                  contacts[inv.contact_id].address),
            issue_date=inv.issue_date, due_date=inv.due_date,
            lines=tuple(ExportBillLine(ln.description, ln.quantity, ln.unit_price, ln.amount,
                                       codes[ln.account_id], ln.tax_code, ln.tax_amount)
                        for ln in inv.lines),
            subtotal=inv.subtotal, tax=inv.tax, total=inv.total, reference=inv.reference,
            journal_id=inv.journal_id)
        for inv in invoices)
