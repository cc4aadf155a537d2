"""Aged receivables and payables at a date: each open invoice's outstanding amount by how far past
its due date it is (current = not yet due; 1-30, 31-60, 61-90 and over 90 days overdue), per
contact, reconciled to the control account's balance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from tools.reports.model import LedgerSnapshot
from tools.reports.money import ZERO

BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
BUCKET_LABELS = {"current": "Current", "1_30": "1-30 days", "31_60": "31-60 days",
                 "61_90": "61-90 days", "over_90": "Over 90 days"}


def bucket_of(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    return "61_90" if days_overdue <= 90 else "over_90"


@dataclass(frozen=True)
class OpenItem:
    number: str
    contact_id: int
    contact: str
    issue_date: date
    due_date: date
    total: Decimal
    outstanding: Decimal
    days_overdue: int

    @property
    def bucket(self) -> str:
        return bucket_of(self.days_overdue)


@dataclass(frozen=True)
class AgedContact:
    contact_id: int
    name: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["current"]


@dataclass(frozen=True)
class AgedReport:
    kind: Literal["receivables", "payables"]
    as_of: date
    items: tuple[OpenItem, ...]
    contacts: tuple[AgedContact, ...]
    control_account: str | None
    control_balance: Decimal       # natural: what the control account says is owed

    @property
    def totals(self) -> dict[str, Decimal]:
        return {b: sum((c.buckets[b] for c in self.contacts), ZERO) for b in BUCKETS}

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.totals["current"]

    @property
    def difference(self) -> Decimal:
        """Control account less the open items (manual journals to the control account show here)."""
        return self.control_balance - self.total


def aged(snapshot: LedgerSnapshot, kind: Literal["receivables", "payables"], as_of: date | None = None
         ) -> AgedReport:
    day = as_of or snapshot.as_of
    invoice_kind = "sale" if kind == "receivables" else "bill"
    items = []
    for inv in snapshot.invoices:
        if inv.kind != invoice_kind or inv.issue_date > day:
            continue
        outstanding = inv.outstanding_as_of(day)
        if outstanding == 0:
            continue
        items.append(OpenItem(inv.number, inv.contact_id, inv.contact_name, inv.issue_date,
                              inv.due_date, inv.total, outstanding, (day - inv.due_date).days))
    items.sort(key=lambda i: (i.contact.casefold(), i.due_date, i.number))
    by_contact: dict[int, dict[str, Decimal]] = defaultdict(lambda: {b: ZERO for b in BUCKETS})
    names: dict[int, str] = {}
    for item in items:
        by_contact[item.contact_id][item.bucket] += item.outstanding
        names[item.contact_id] = item.contact
    contacts = tuple(sorted((AgedContact(cid, names[cid], dict(b)) for cid, b in by_contact.items()),
                            key=lambda c: (-c.total, c.name.casefold())))
    role = "accounts_receivable" if kind == "receivables" else "accounts_payable"
    code = snapshot.roles.get(role)
    balance = snapshot.balance(code, day) if code else ZERO
    natural = balance if kind == "receivables" else -balance
    return AgedReport(kind, day, tuple(items), contacts, code, natural)
