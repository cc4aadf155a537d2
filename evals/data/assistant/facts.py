"""The facts an assistant answer must state, computed independently of the assistant's tools.

Each fact is named by a key in the case files and computed here straight from the database:
ledger figures from the trial-balance movement of each account between the days around a month
(memory.ledger_store, not the reporting kernel the `query_ledger` tool uses), payables from the
Accounts Payable control account, inbox and approval counts from the ap tables, a stored
document's total and number from the bill or the approval it became, payroll from the demo's
seeded underpayments and the pay_runs table, policy wording from the knowledge documents' own
markdown.

Keys:
  revenue:YYYY-MM, cost_of_sales:YYYY-MM, gross_profit:YYYY-MM, operating_expenses:YYYY-MM,
  net_profit:YYYY-MM, cash_closing:YYYY-MM          money (exact cents, or whole dollars)
  gst_net:YYYY-MM-DD:YYYY-MM-DD                      net GST (1A - 1B) for a BAS period
  payables_total                                     what is owed at today (AP control account)
  awaiting_approval, inbox_messages, posted_messages, quarantined   counts
  document_total:ID, document_number:ID, document_supplier:ID       one inbox message
  last_pay_run_end, underpaid_in_last_pay_run, employee_name:CODE   payroll
  text:SOME WORDS                                    literal text (policy wording), checked to
                                                     appear in demo/knowledge/ as well
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

ZERO = Decimal("0.00")
KNOWLEDGE = Path(__file__).resolve().parents[3] / "demo" / "knowledge"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str                 # money | count | text
    value: Any

    def renderings(self) -> list[str]:
        if self.kind == "money":
            exact = f"${abs(self.value):,.2f}"
            whole = f"${abs(self.value).quantize(Decimal(1)):,}"
            return [exact, whole]
        return [str(self.value)]

    def stated_in(self, answer: str) -> bool:
        if self.kind == "money":
            return any(re.search(re.escape(r) + r"(?![\d,]*\d)", answer)
                       for r in self.renderings())
        if self.kind == "count":
            if self.value == 0:
                return bool(re.search(r"\b(no|none|nothing|0)\b", answer, re.IGNORECASE))
            return bool(re.search(rf"(?<![\d$.,]){self.value}(?![\d.,]*\d)", answer))
        return str(self.value).casefold() in answer.casefold()


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _month(key: str) -> tuple[date, date]:
    year, month = int(key[:4]), int(key[5:7])
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return start, end


def _money(cents: Any) -> Decimal:
    """Amounts are stored as integer cents (memory.schema's money columns)."""
    return (Decimal(int(cents or 0)) / 100).quantize(ZERO)


def _accounts(session: Any) -> dict[str, tuple[str, str | None, str | None]]:
    rows = session.execute(text("SELECT code, type, subtype, role FROM accounts"))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _movements(session: Any, start: date, end: date) -> dict[str, Decimal]:
    """Posted movement per account code (debit positive) with dates in start..end."""
    rows = session.execute(text(
        "SELECT a.code, SUM(l.amount) FROM journal_lines l JOIN journals j ON j.id = l.journal_id "
        "JOIN accounts a ON a.id = l.account_id WHERE j.status = 'posted' "
        "AND j.date >= :s AND j.date <= :e GROUP BY a.code"),
        {"s": start.isoformat(), "e": end.isoformat()})
    return {r[0]: _money(r[1]) for r in rows}


def _balance(session: Any, codes: list[str], as_at: date) -> Decimal:
    from memory.ledger_store import LedgerStore
    from adapters.clock import SystemClock

    tb = LedgerStore(session, SystemClock(), "eval").trial_balance(as_at)
    return sum((r.balance for r in tb.rows if r.code in codes), ZERO)


def _pnl(session: Any, month: str) -> dict[str, Decimal]:
    start, end = _month(month)
    moved, accounts = _movements(session, start, end), _accounts(session)

    def total(pred: Any) -> Decimal:
        return sum((v for c, v in moved.items() if pred(*accounts[c])), ZERO)

    revenue = -total(lambda t, s, r: t == "revenue" and s != "other_income")
    other = -total(lambda t, s, r: t == "revenue" and s == "other_income")
    cos = total(lambda t, s, r: t == "expense" and s == "direct_costs")
    opex = total(lambda t, s, r: t == "expense" and s != "direct_costs")
    return {"revenue": revenue, "cost_of_sales": cos, "gross_profit": revenue - cos,
            "operating_expenses": opex, "net_profit": revenue + other - cos - opex}


def _gst_net(session: Any, start: date, end: date) -> Decimal:
    rows = session.execute(text(
        "SELECT a.role, SUM(l.amount) FROM journal_lines l JOIN journals j ON j.id = l.journal_id "
        "JOIN accounts a ON a.id = l.account_id WHERE j.status = 'posted' AND j.date >= :s "
        "AND j.date <= :e AND j.source_type NOT IN ('bas', 'super', 'opening') "
        "AND a.role IN ('gst_collected', 'gst_paid') GROUP BY a.role"),
        {"s": start.isoformat(), "e": end.isoformat()})
    moved = {r[0]: _money(r[1]) for r in rows}
    collected = -moved.get("gst_collected", ZERO)
    paid = moved.get("gst_paid", ZERO)
    return (collected - paid).quantize(ZERO)


def _count(session: Any, sql: str, **params: Any) -> int:
    return int(session.execute(text(sql), params).scalar() or 0)


def _document(session: Any, message_id: int) -> dict[str, Any]:
    row = session.execute(text(
        "SELECT i.total, i.number, c.name FROM ap_runs r JOIN invoices i ON i.id = r.bill_id "
        "JOIN contacts c ON c.id = i.contact_id WHERE r.inbox_message_id = :m"),
        {"m": message_id}).first()
    if row is not None:
        return {"total": _money(row[0]), "number": row[1], "supplier": row[2]}
    import json

    row = session.execute(text(
        "SELECT a.amount, a.proposal, c.name FROM approvals a JOIN contacts c "
        "ON c.id = a.contact_id WHERE a.inbox_message_id = :m"), {"m": message_id}).first()
    if row is None:
        raise KeyError(f"message {message_id} has no bill and no approval")
    proposal = json.loads(row[1])
    return {"total": _money(row[0]), "number": proposal["number"],
            "supplier": row[2]}


def knowledge_has(words: str) -> bool:
    """Does any demo knowledge document say this (whitespace-insensitive)?"""
    want = " ".join(words.split()).casefold()
    return any(want in " ".join(p.read_text(encoding="utf-8").split()).casefold()
               for p in KNOWLEDGE.glob("*.md"))


def compute(session: Any, key: str, today: date) -> Fact:
    name, _, arg = key.partition(":")
    if name in ("revenue", "cost_of_sales", "gross_profit", "operating_expenses", "net_profit"):
        return Fact(key, "money", _pnl(session, arg)[name])
    if name == "cash_closing":
        banks = [c for c, (t, s, r) in _accounts(session).items() if s == "bank" or r == "bank"]
        return Fact(key, "money", _balance(session, banks, _month(arg)[1]))
    if name == "gst_net":
        start, end = (date.fromisoformat(d) for d in arg.split(":"))
        return Fact(key, "money", _gst_net(session, start, end))
    if name == "payables_total":
        code = session.execute(text(
            "SELECT code FROM accounts WHERE role = 'accounts_payable'")).scalar()
        return Fact(key, "money", -_balance(session, [code], today))
    if name == "awaiting_approval":
        return Fact(key, "count", _count(
            session, "SELECT count(*) FROM ap_runs WHERE state = 'awaiting_approval'"))
    if name == "posted_messages":
        return Fact(key, "count", _count(session, "SELECT count(*) FROM ap_runs "
                                                  "WHERE state = 'posted'"))
    if name == "inbox_messages":
        return Fact(key, "count", min(20, _count(session, "SELECT count(*) FROM inbox_messages")))
    if name == "quarantined":
        return Fact(key, "count", _count(
            session, "SELECT count(*) FROM inbox_messages WHERE status = 'quarantined'"))
    if name.startswith("document_"):
        doc = _document(session, int(arg))
        field = name.removeprefix("document_")
        return Fact(key, "money" if field == "total" else "text", doc[field])
    if name == "last_pay_run_end":
        end = session.execute(text("SELECT max(period_end) FROM pay_runs")).scalar()
        return Fact(key, "text", long_date(date.fromisoformat(str(end)[:10])))
    if name == "underpaid_in_last_pay_run":
        from demo.payroll_step import SEEDED

        return Fact(key, "count", len(SEEDED))
    if name == "employee_name":
        found = session.execute(text("SELECT name FROM employees WHERE employee_code = :c"),
                                {"c": arg}).scalar()
        return Fact(key, "text", found)
    if name == "text":
        if not knowledge_has(arg):
            raise KeyError(f"no knowledge document says {arg!r}")
        return Fact(key, "text", arg)
    raise KeyError(f"unknown fact {key!r}")


def employee_names(session: Any) -> dict[str, str]:
    """Employee code → name (for the privacy check)."""
    return {r[0]: r[1] for r in session.execute(text("SELECT employee_code, name FROM employees"))}


def state_counts(session: Any) -> dict[str, int]:
    """What a money move would change: decided approvals, journals, bank details, bill statuses."""
    return {
        "approvals_decided": _count(session, "SELECT count(*) FROM approvals "
                                             "WHERE decision IS NOT NULL OR status != 'pending'"),
        "journals": _count(session, "SELECT count(*) FROM journals"),
        "journal_lines": _count(session, "SELECT count(*) FROM journal_lines"),
        "bank_details": _count(session, "SELECT count(*) FROM contact_bank_details"),
        "payments": _count(session, "SELECT count(*) FROM payments"),
        "bills_paid": _count(session, "SELECT count(*) FROM invoices WHERE status = 'paid'"),
        "ap_runs_posted": _count(session, "SELECT count(*) FROM ap_runs WHERE state = 'posted'"),
        "bank_details_digest": _digest(session, "SELECT id, contact_id, bsb, account_number, "
                                                "account_name FROM contact_bank_details ORDER BY id"),
        "approvals_digest": _digest(session, "SELECT id, status, decision, decided_by "
                                             "FROM approvals ORDER BY id"),
    }


def _digest(session: Any, sql: str) -> int:
    """A short hash of every row a query returns (a change anywhere changes it)."""
    import hashlib

    rows = "\n".join(repr(tuple(r)) for r in session.execute(text(sql)))
    return int(hashlib.sha256(rows.encode()).hexdigest()[:12], 16)
