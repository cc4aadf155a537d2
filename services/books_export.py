"""Handing the books back: the whole ledger as an hledger journal, bills and journals as the files
Xero and MYOB AccountRight import (tools.exports), read from the books by memory.export_queries.

The hledger journal is checked against the ledger's own trial balance before it is returned: each
account's balance in the file is the trial balance's, to the cent, or nothing is returned
(ExportMismatch). Journal exports leave out the journals that post the exported bills, so a
target that imports both files holds each bill once (`with_bill_journals` keeps them, for a
target that takes journals only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from adapters.clock import SystemClock
from memory.export_queries import load_bills, load_books
from memory.ledger_store import LedgerStore
from tools.exports.hledger import hledger_journal, journal_balances
from tools.exports.model import Books, ExportFile
from tools.exports.myob import myob_journals_csv, myob_purchases_csv
from tools.exports.xero import journal_parts, xero_bills_csv, xero_journals_csv

TARGETS = ("hledger", "xero", "myob")
KINDS = ("bills", "journals")


class ExportMismatch(Exception):
    """The export does not balance to the ledger's trial balance; nothing was written."""


@dataclass(frozen=True)
class Export:
    target: str
    kind: str
    file: ExportFile
    date_from: date | None = None
    date_to: date | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    parts: tuple[ExportFile, ...] = ()  # the same, in files the target's limit admits

    def summary(self) -> dict[str, object]:
        return {"target": self.target, "kind": self.kind, "rows": self.file.rows,
                "records": self.file.records, "bytes": len(self.file.data),
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None,
                "left_out": self.left_out, "parts": [p.rows for p in self.parts],
                "warnings": list(self.file.warnings)}


def trial_balance_differences(session: Session, books: Books) -> dict[str, tuple[Decimal, Decimal]]:
    """Account code -> (trial balance, export) wherever they differ."""
    tb = {row.code: row.balance for row in LedgerStore(session, SystemClock(), "export")
          .trial_balance().rows}
    exported = journal_balances(books)
    zero = Decimal("0.00")
    return {code: (tb.get(code, zero), exported.get(code, zero))
            for code in sorted(set(tb) | set(exported))
            if tb.get(code, zero) != exported.get(code, zero)}


def export_hledger(session: Session) -> Export:
    """The whole ledger (every posted journal), balancing to the trial balance."""
    books = load_books(session, bills=False)
    differences = trial_balance_differences(session, books)
    if differences:
        raise ExportMismatch("the journal does not balance to the trial balance: " + ", ".join(
            f"{code} {tb} != {ex}" for code, (tb, ex) in differences.items()))
    text = hledger_journal(books)
    return Export("hledger", "ledger", ExportFile(text.encode("utf-8"), text.count("\n"),
                                                  len(books.journals)))


def export_csv(session: Session, target: str, kind: str, date_from: date | None = None,
               date_to: date | None = None, *, with_bill_journals: bool = False,
               split: bool = False) -> Export:
    """Xero or MYOB, bills or journals, between the dates (inclusive). `split`: Xero's manual
    journals also in parts of at most 300 lines (its limit per import), whole journals each."""
    if target not in ("xero", "myob") or kind not in KINDS:
        raise ValueError(f"no export {target} {kind}")
    books = load_books(session, date_from, date_to, journals=kind == "journals",
                       bills=kind == "bills")
    left_out: dict[str, int] = {}
    if kind == "bills":
        file = (xero_bills_csv(books.bills) if target == "xero"
                else myob_purchases_csv(books.bills, books.accounts))
    else:
        journals = books.journals
        if not with_bill_journals:
            billed = {b.journal_id for b in load_bills(session) if b.journal_id is not None}
            journals = tuple(p for p in journals if p.id not in billed)
            left_out["bill_journals"] = len(books.journals) - len(journals)
        if target == "xero":
            file = xero_journals_csv(journals)
            if split:
                parts = tuple(xero_journals_csv(part) for part in journal_parts(journals))
                return Export(target, kind, file, date_from, date_to, left_out, parts)
        else:
            file = myob_journals_csv(journals, books.accounts)
    return Export(target, kind, file, date_from, date_to, left_out)
