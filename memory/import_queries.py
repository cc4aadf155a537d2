"""What an import of another system's books needs to know before it writes: the chart's codes and
roles, the contacts with their current bank details, the bills and sales already held (by
contact, kind and number) and the journals' idempotency keys (services.books_import)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from memory.ledger_store import LedgerStore
from memory.schema import Contact, Invoice
from memory.schema import Journal as JournalRow
from tools.imports.plan import BooksSnapshot, KnownContact


def books_snapshot(session: Session, ledger: LedgerStore, *, journal_prefix: str) -> BooksSnapshot:
    accounts = {code: a.type for code, a in ledger.accounts().items()}
    contacts = []
    for c in session.scalars(select(Contact).order_by(Contact.id)):
        bank = c.current_bank_details
        contacts.append(KnownContact(c.id, c.name, c.abn, c.is_supplier, c.is_customer,
                                     (bank.bsb, bank.account_number) if bank else None))
    invoices = {(kind, cid, number): total for kind, cid, number, total in session.execute(
        select(Invoice.kind, Invoice.contact_id, Invoice.number, Invoice.total))}
    keys = frozenset(session.scalars(select(JournalRow.idempotency_key).where(
        JournalRow.idempotency_key.like(f"{journal_prefix}%"))))
    return BooksSnapshot(accounts, ledger.roles(), tuple(contacts), invoices, keys, ledger.lock_date())
