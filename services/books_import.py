"""Importing the books of a business moving in from Xero or MYOB (`backoffice import xero|myob`).

The kernel (tools.imports) reads every file and plans the whole import against a snapshot of the
books; this service writes exactly that plan in one transaction, through the stores: new accounts,
contacts (with their bank details, as a change of bank details is recorded everywhere else), the
bills and sales as real posted documents with their own dates and lines (paid where the export
says so), and the opening balances as one balanced journal. A refusal, from the kernel or from a
store, rolls everything back: nothing is partly written.

Why real posted bills: the invoice path decides a supplier is established by the bills it has
posted (memory.ap_queries.supplier_posting) and codes a new bill's lines by the accounts that
supplier's past lines went to (past_bill_lines → tools.ap.propose "learned:"). An imported year of
bills therefore counts exactly as a year of bills posted here would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from memory import audit
from memory.contacts_store import ContactsStore
from memory.db import read_only, unit_of_work
from memory.import_queries import books_snapshot
from memory.ledger_store import LedgerStore
from memory.trading_store import TradingStore
from services.context import BooksContext
from tools.imports.exports import read_export
from tools.imports.model import ExportFile, ImportRefused
from tools.imports.plan import ImportPlan, plan_import
from tools.ledger.contacts import BankDetails
from tools.ledger.model import Journal, JournalLine
from tools.ledger.postings import DocumentLine


@dataclass(frozen=True)
class ImportOutcome:
    plan: ImportPlan
    applied: bool          # False: a dry run, or nothing to change


def read_files(system: str, files: list[tuple[str, bytes]]) -> tuple[ExportFile, ...]:
    problems = []
    read = []
    for name, data in files:
        try:
            read.append(read_export(data, name, system))
        except ImportRefused as exc:   # report every bad file at once, not the first only
            problems.extend(exc.problems)
    if problems:
        raise ImportRefused(problems)
    return tuple(read)


def import_books(ctx: BooksContext, system: str, paths: list[Path], *, actor: str,
                 as_at: date | None = None, dry_run: bool = False) -> ImportOutcome:
    files = read_files(system, [(p.name, p.read_bytes()) for p in paths])
    prefix = f"import:{system}:"
    if dry_run:
        with read_only(ctx.sessions) as session:
            ledger = LedgerStore(session, ctx.clock, actor)
            ledger.organisation()
            plan = plan_import(system, files, books_snapshot(session, ledger, journal_prefix=prefix),
                               as_at=as_at)
        return ImportOutcome(plan, False)
    with unit_of_work(ctx.sessions) as session:
        ledger = LedgerStore(session, ctx.clock, actor)
        ledger.organisation()   # no books yet is its own, clearer error
        plan = plan_import(system, files, books_snapshot(session, ledger, journal_prefix=prefix),
                           as_at=as_at)
        if not plan.changes_anything:
            return ImportOutcome(plan, False)
        _apply(session, ctx, plan, actor)
    return ImportOutcome(plan, True)


def _apply(session: Session, ctx: BooksContext, plan: ImportPlan, actor: str) -> None:
    source = f"import:{plan.system}"
    ledger = LedgerStore(session, ctx.clock, actor)
    for a in plan.new_accounts:
        ledger.add_account(a.code, a.name, a.type, subtype=a.subtype, tax_code=a.tax_code,
                           source=f"{source}:{a.source.file}:{a.source.row}")
    # Made after the accounts are added: each store caches the chart it first reads.
    contacts = ContactsStore(session, ctx.clock, actor)
    trading = TradingStore(session, ctx.clock, actor)
    ledger = trading.ledger
    ids: dict[str, int] = dict(plan.contact_ids)
    for change in plan.contacts:
        c = change.contact
        bank = BankDetails(c.bsb, c.account_number, c.account_name) if c.bsb and c.account_number else None
        if change.existing_id is None:
            row = contacts.create(c.name, abn=c.abn, email=c.email, address=c.address,
                                  supplier=change.supplier, customer=change.customer,
                                  payment_terms_days=c.payment_terms_days or 30,
                                  default_account=c.default_account, bank=bank, source=source)
            ids[c.name.lower()] = row.id
            continue
        ids[c.name.lower()] = change.existing_id
        if change.roles_change:
            contacts.set_trading_roles(change.existing_id, supplier=change.supplier,
                                       customer=change.customer, source=source)
        if change.bank_changes and bank is not None:
            contacts.set_bank_details(change.existing_id, bank, source=source)
    today = ctx.clock.now().date()
    for inv in plan.new_invoices:
        cid = ids[inv.contact_name.lower()]
        lines = [DocumentLine(ln.description, ln.quantity, ln.unit_price, ln.account_code, ln.tax_code)
                 for ln in inv.lines]
        key = f"{source}:{inv.kind}:{cid}:{inv.number}"
        posted = trading.create_invoice(inv.kind, cid, inv.number, inv.issue_date, lines,
                                        due_date=inv.due_date, reference=inv.reference,
                                        idempotency_key=key)
        if posted.total != inv.total:
            raise ImportRefused.at("invoice_does_not_add_up", f"{inv.number} posts at "
                                   f"${posted.total:,.2f} here, not the export's ${inv.total:,.2f}",
                                   inv.source.file, inv.source.row)
        if inv.amount_paid > 0:
            # The export says it was paid, not when: the due date (never after today) is the
            # nearest fact there is; the bank's own history, not this, is the record of the day.
            paid_on = min(max(inv.due_date or inv.issue_date, inv.issue_date), today)
            trading.record_payment(posted, paid_on, inv.amount_paid, reference=f"{source} {inv.number}",
                                   idempotency_key=f"{key}:paid")
    if plan.opening:
        ledger.post(Journal(
            date=plan.opening_date, narration=f"Opening balances from {plan.system.upper()} as at "
            f"{plan.opening_date:%d/%m/%Y}",  # type: ignore[arg-type]
            lines=tuple(JournalLine(b.account_code, b.amount, f"{b.source.file} row {b.source.row}")
                        for b in plan.opening),
            source_type="import", source_ref=plan.system, idempotency_key=plan.opening_key))
    audit.append(session, ctx.clock, actor=actor, action="books.imported", entity_type="import",
                 entity_id=plan.system, payload=summary(plan))


def summary(plan: ImportPlan) -> dict[str, object]:
    """What the plan does, in counts and names: the dry run's report and the audit entry's payload."""
    return {
        "system": plan.system,
        "files": [{"file": f.file, "export": f.kind, "rows": f.rows} for f in plan.files],
        "accounts": {"create": [f"{a.code} {a.name}" for a in plan.new_accounts],
                     "unchanged": list(plan.unchanged_accounts),
                     "mapped": {old: new for old, new in sorted(plan.aliases.items())}},
        "contacts": {
            "create": [c.contact.name for c in plan.contacts if c.existing_id is None],
            "update": [{"name": c.contact.name, "bank_details": c.bank_changes,
                        "supplier": c.supplier, "customer": c.customer}
                       for c in plan.contacts if c.existing_id is not None],
            "unchanged": list(plan.unchanged_contacts)},
        "invoices": {
            "create": [{"kind": i.kind, "contact": i.contact_name, "number": i.number,
                        "date": i.issue_date.isoformat(), "total": str(i.total),
                        "paid": str(i.amount_paid)} for i in plan.new_invoices],
            "unchanged": list(plan.unchanged_invoices)},
        "opening_balances": {
            "as_at": plan.opening_date.isoformat() if plan.opening_date else None,
            "lines": [{"account": b.account_code, "amount": str(b.amount)} for b in plan.opening],
            "already_posted": bool(plan.opening_key and not plan.opening)},
        "notes": list(plan.notes),
    }
