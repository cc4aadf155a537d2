"""Reconciling one bank line: by the run (above the threshold) or by a person (accept a
suggestion, match items, categorise). Every path ends in `apply`, which re-checks the books as
they are now, posts a balanced journal with the line's idempotency key (or claims the ledger
entry the line settles) and records the reconciliation with its evidence, all in one savepoint.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from sqlalchemy import select

from memory.bank_schema import BankLineRow, BankMatchedEntry
from memory.bank_store import BankStore, line_from_row
from memory.db import unit_of_work
from memory.schema import Invoice, Journal, JournalLineRow
from memory.trading_store import TradingStore
from services import bank_learning
from services.bank_evidence import candidate_from_dict
from services.context import BooksContext
from tools.bank.reconcile import OpenItem, reconciliation_journal
from tools.ledger.problems import LedgerError

ZERO = Decimal("0.00")
# A purchase in another currency: the bank's AUD amount includes a conversion and often a separate
# fee line, so it never settles a bill or makes a transfer by itself. Categorised as this payee's
# earlier lines were (a rule, or the learned categoriser), the AUD amount is the expense.
_FOREIGN = re.compile(r"\b(USD|EUR|GBP|NZD|SGD|JPY|CAD|HKD)\b|FOREIGN|INTL|INTERNATIONAL TRANS", re.IGNORECASE)


def auto_choice(row: BankLineRow, suggestions: list[dict], threshold: float) -> dict | None:
    """The suggestion the run may apply with no person, or None (the line is an exception)."""
    if not suggestions or suggestions[0]["confidence"] < threshold:
        return None
    if suggestions[0]["kind"] in ("match", "transfer") and _FOREIGN.search(line_from_row(row).text):
        return None
    return suggestions[0]


def _invoice_item(trading: TradingStore, invoice: Invoice) -> OpenItem | None:
    roles = trading.ledger.roles()
    outstanding = invoice.total - trading.amount_paid(invoice)
    if invoice.status != "posted" or outstanding <= 0:
        return None
    contact = trading.contacts.get(invoice.contact_id)
    bill = invoice.kind == "bill"
    return OpenItem(item_id=f"{invoice.kind}:{invoice.id}", kind=invoice.kind,  # type: ignore[arg-type]
                    direction="out" if bill else "in", amount=outstanding, contact=contact.name,
                    number=invoice.number, date=invoice.issue_date, due=invoice.due_date,
                    account_code=roles["accounts_payable" if bill else "accounts_receivable"],
                    contact_id=contact.id, references=tuple(r for r in (invoice.reference,) if r))


def _items_now(trading: TradingStore, item_ids: list[str]) -> dict[str, OpenItem]:
    out = {}
    for item_id in item_ids:
        kind, _, raw = item_id.partition(":")
        invoice = trading.session.get(Invoice, int(raw)) if kind in ("bill", "sale") and raw.isdigit() else None
        item = _invoice_item(trading, invoice) if invoice is not None else None
        if item is not None:
            out[item_id] = item
    return out


def apply(store: BankStore, row: BankLineRow, suggestion: dict, *, decided_by: str,
          corrected: bool) -> dict:
    """Reconcile `row` as `suggestion` says; refused (LedgerError) if the books no longer agree."""
    existing = store.reconciliation_for(row.id)
    if existing is not None:
        raise LedgerError.single("already_reconciled",
                                 f"Bank line {row.id} was already reconciled by {existing.decided_by}")
    code = store.feed_code_of(row.feed_id)
    line = line_from_row(row)
    kind = suggestion["kind"]
    journal_ids: list[int] = []
    entries: list[int] = []
    if kind == "entry":
        entries = [_claimable_entry(store, row, code, int(suggestion["entry"]))]
        journal_ids = [int(suggestion["journal_id"])]
    else:
        trading = TradingStore(store.session, store.clock, store.actor)
        items = _items_now(trading, [i for i, _ in suggestion.get("allocations", ())])
        candidate = candidate_from_dict(suggestion, items)
        if kind == "match" and len(candidate.items) != len(candidate.allocations):
            raise LedgerError.single("item_settled", "A bill or invoice of this match was paid or "
                                     "changed since it was suggested; reconcile the line again")
        ledger = store.ledger
        roles = ledger.roles()
        journal = reconciliation_journal(
            line, candidate, bank_account_code=code, tax_rates=ledger.tax_rates(),
            gst_paid_code=roles["gst_paid"], gst_collected_code=roles["gst_collected"],
            line_key=row.line_key)
        journal_ids = [ledger.post(journal)]
        # The posted line on the bank account is this bank line's: no other line may claim it.
        entries = list(store.session.scalars(select(JournalLineRow.id).where(
            JournalLineRow.journal_id == journal_ids[0],
            JournalLineRow.account_id == ledger.account_id(code))))
        for item_id, amount in candidate.allocations:
            _, _, raw = item_id.partition(":")
            trading.record_settlement(store.session.get(Invoice, int(raw)), row.posted, amount,  # type: ignore[arg-type]
                                      journal_id=journal_ids[0], bank_code=code,
                                      reference=(row.reference or row.description)[:100],
                                      idempotency_key=f"bank:{row.id}:{item_id}")
    rec = store.record_reconciliation(
        row, method=kind, decided_by=decided_by, confidence=suggestion.get("confidence"),
        account_code=suggestion.get("account_code"), tax_code=suggestion.get("tax_code"),
        corrected=corrected, evidence={"suggestion": suggestion, "line": {
            "posted": row.posted.isoformat(), "amount": str(row.amount), "text": line.text}},
        journal_ids=journal_ids, entry_line_ids=entries, idempotency_key=f"bank:line:{row.id}")
    return {"line_id": row.id, "method": kind, "account_code": suggestion.get("account_code"),
            "journal_ids": journal_ids, "decided_by": decided_by, "reconciliation_id": rec.id}


def _claimable_entry(store: BankStore, row: BankLineRow, code: str, entry_id: int) -> int:
    entry = store.session.get(JournalLineRow, entry_id)
    if entry is None or entry.account_id != store.ledger.account_id(code) or entry.amount != row.amount:
        raise LedgerError.single("entry_mismatch", f"Ledger entry {entry_id} is not ${row.amount:,.2f} "
                                 f"on account {code}")
    if store.session.get(BankMatchedEntry, entry_id) is not None:
        raise LedgerError.single("entry_claimed", f"Ledger entry {entry_id} is already reconciled "
                                 "with another bank line")
    return entry_id


# -- a person's decisions ----------------------------------------------------------------------
def _open_row(store: BankStore, line_id: int) -> BankLineRow:
    row = store.line(line_id)
    if row.status != "open":
        rec = store.reconciliation_for(line_id)
        raise LedgerError.single("already_reconciled", f"Bank line {line_id} was already reconciled"
                                 + (f" by {rec.decided_by}" if rec else ""))
    return row


def accept(ctx: BooksContext, line_id: int, *, actor: str, choice: int = 1) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        row = _open_row(store, line_id)
        suggestions = json.loads(row.suggestions or "[]")
        if not 1 <= choice <= len(suggestions):
            raise LedgerError.single("no_such_suggestion", f"Bank line {line_id} has "
                                     f"{len(suggestions)} suggestion(s), not a number {choice}; "
                                     "run `bank reconcile` or match/categorise it yourself")
        done = apply(store, row, suggestions[choice - 1], decided_by=actor, corrected=choice != 1)
        bank_learning.after_person(store)
        return done


def categorise(ctx: BooksContext, line_id: int, account_code: str, tax_code: str | None, *,
               actor: str) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        row = _open_row(store, line_id)
        accounts = store.ledger.accounts()
        account = accounts.get(account_code)
        if account is None or not account.active:
            raise LedgerError.single("unknown_account", f"There is no active account {account_code!r}")
        if account.role in ("accounts_payable", "accounts_receivable") or \
                account_code == store.feed_code_of(row.feed_id):
            raise LedgerError.single("control_account", f"Account {account_code} {account.name} is "
                                     "settled by matching bills or invoices, not by categorising")
        tax = tax_code or account.tax_code
        if tax is not None and tax not in store.ledger.tax_rates():
            raise LedgerError.single("unknown_tax_code", f"There is no tax code {tax!r}")
        suggestions = json.loads(row.suggestions or "[]")
        top = suggestions[0] if suggestions else None
        corrected = not (top and top["kind"] in ("categorise", "rule")
                         and top.get("account_code") == account_code)
        done = apply(store, row, {"kind": "categorise", "confidence": None, "account_code": account_code,
                                  "tax_code": tax, "reasons": [f"categorised by {actor}"]},
                     decided_by=actor, corrected=corrected)
        bank_learning.after_person(store)
        return done


def match(ctx: BooksContext, line_id: int, refs: list[str], *, actor: str) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        row = _open_row(store, line_id)
        if len(refs) == 1 and refs[0].startswith("entry:"):
            entry = store.session.get(JournalLineRow, int(refs[0][6:])) if refs[0][6:].isdigit() else None
            if entry is None:
                raise LedgerError.single("unknown_entry", f"There is no ledger entry {refs[0][6:]}")
            journal = store.session.get(Journal, entry.journal_id)
            suggestion = {"kind": "entry", "confidence": None, "entry": entry.id,
                          "journal_id": entry.journal_id, "reasons": [f"matched by {actor}"],
                          "narration": journal.narration if journal else ""}
        else:
            suggestion = _match_suggestion(store, row, refs, actor, ctx.settings.bank_tolerance_amount,
                                           ctx.settings.bank_tolerance_fraction)
        suggestions = json.loads(row.suggestions or "[]")
        top = suggestions[0] if suggestions else {}
        corrected = sorted(top.get("item_ids", [top.get("entry")])) != sorted(
            suggestion.get("item_ids", [suggestion.get("entry")]))
        done = apply(store, row, suggestion, decided_by=actor, corrected=corrected)
        bank_learning.after_person(store)
        return done


def _match_suggestion(store: BankStore, row: BankLineRow, refs: list[str], actor: str,
                      tol_abs: Decimal, tol_frac: Decimal) -> dict:
    trading = TradingStore(store.session, store.clock, store.actor)
    kind = "sale" if row.amount > 0 else "bill"
    items: list[OpenItem] = []
    for ref in refs:
        found = None
        if re.fullmatch(r"(bill|sale):\d+", ref):
            found = _items_now(trading, [ref]).get(ref)
        else:
            invoices = list(store.session.scalars(select(Invoice).where(
                Invoice.kind == kind, Invoice.number == ref)))
            open_ = [i for i in (_invoice_item(trading, inv) for inv in invoices) if i is not None]
            if len(open_) > 1:
                raise LedgerError.single("ambiguous_number", f"{len(open_)} open {kind}s are numbered "
                                         f"{ref}; give bill:ID or sale:ID")
            found = open_[0] if open_ else None
        if found is None:
            raise LedgerError.single("unknown_item", f"There is no open {kind} {ref}")
        if found.direction != ("in" if row.amount > 0 else "out"):
            raise LedgerError.single("wrong_direction", f"{ref} is a {found.kind}; this line is money "
                                     f"{'in' if row.amount > 0 else 'out'}")
        items.append(found)
    size = abs(row.amount)
    total = sum((i.amount for i in items), ZERO)
    if len(items) == 1 and size < total:
        allocations = [(items[0].item_id, size)]          # a part payment
        difference = ZERO
    else:
        allocations = [(i.item_id, i.amount) for i in items]
        difference = (size - total) * (1 if row.amount > 0 else -1)
        if abs(size - total) > max(tol_abs, (total * tol_frac).quantize(Decimal("0.01"))):
            raise LedgerError.single(
                "amounts_disagree", f"The line is ${size:,.2f} but the items come to ${total:,.2f}; "
                                    "the difference is more than the tolerance")
    return {"kind": "match", "confidence": None, "item_ids": [i.item_id for i in items],
            "allocations": [[i, str(a)] for i, a in allocations], "difference": str(difference),
            "account_code": None, "tax_code": None, "reasons": [f"matched by {actor}"]}
