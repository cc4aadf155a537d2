"""query_ledger: fixed computations with exact amounts, checked here against the journal lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memory.schema import AccountRow, Invoice, Journal, JournalLineRow, Payment
from tests.agent.chat.tools.conftest import Books
from agent.chat.tools.contract import ROLES, ToolRefused
from agent.chat.tools.query_ledger import QUERY_LEDGER_TOOL


def _sum(books: Books, *, roles: tuple[str, ...] = (), types: tuple[str, ...] = (),
         start: date | None = None, end: date) -> Decimal:
    """Debit-positive sum of posted journal lines, computed here without the tool's code."""
    def q(s: Session) -> Decimal:
        query = (select(func.coalesce(func.sum(JournalLineRow.amount), 0))
                 .join(Journal, Journal.id == JournalLineRow.journal_id)
                 .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
                 .where(Journal.status == "posted", Journal.date <= end))
        if start is not None:
            query = query.where(Journal.date >= start)
        if roles:
            query = query.where(AccountRow.role.in_(roles))
        if types:
            query = query.where(AccountRow.type.in_(types))
        return Decimal(str(s.scalar(query)))
    return books.read(q)


def ask(books: Books, role: str = "owner", **arguments: object):  # type: ignore[no-untyped-def]
    return QUERY_LEDGER_TOOL.call(arguments, books.caller(role), books.deps)  # type: ignore[arg-type]


def test_payables_equal_the_accounts_payable_balance(shared: Books) -> None:
    before = shared.journals()
    out = ask(shared, "clerk", query="payables", as_at="2026-07-01")
    owed = -_sum(shared, roles=("accounts_payable",), end=date(2026, 7, 1))
    assert owed > 0 and out.totals["total"] == owed == out.totals["control_account_balance"]
    assert sum((r.amount for r in out.rows), Decimal(0)) == owed
    for row in out.rows:
        assert sum((row.amounts[b] for b in ("current", "1_30", "31_60", "61_90", "over_90")),
                   Decimal(0)) == row.amount
    assert "Aged payables at 1 July 2026" in out.query_description
    assert shared.journals() == before


def test_profit_and_loss_for_a_month(shared: Books) -> None:
    out = ask(shared, query="profit_and_loss", month="2026-06")
    net = -_sum(shared, types=("revenue", "expense"), start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert out.totals["net_profit"] == net
    assert out.period_start == date(2026, 6, 1) and out.period_end == date(2026, 6, 30)
    assert "accruals" in out.query_description and "30 June 2026" in out.query_description
    only = ask(shared, query="profit_and_loss", month="2026-06", account_code=out.rows[0].account_code)
    assert [r.account_code for r in only.rows] == [out.rows[0].account_code]


def test_balances_cash_and_gst(shared: Books) -> None:
    tb = ask(shared, "auditor", query="account_balances", as_at="2026-06-30")
    ap = next(r for r in tb.rows if r.label and r.amount ==
              _sum(shared, roles=("accounts_payable",), end=date(2026, 6, 30)))
    assert ap.amounts["credit"] > 0 and tb.totals["debit"] == tb.totals["credit"]
    cash = ask(shared, "admin", query="cash", period_start="2026-06-01", period_end="2026-06-30")
    for row in cash.rows:
        assert row.amounts["opening"] + row.amounts["receipts"] - row.amounts["payments"] == \
            row.amounts["closing"]
    gst = ask(shared, query="gst", month="2026-06")
    one_a, one_b = gst.rows[1].amount, gst.rows[2].amount
    assert gst.totals["net_gst"] == one_a - one_b
    default = ask(shared, query="gst")  # the last complete month's BAS quarter
    assert (default.period_start, default.period_end) == (date(2026, 4, 1), date(2026, 6, 30))


def test_bills_filters_and_outstanding(shared: Books) -> None:
    out = ask(shared, "clerk", query="bills", status="posted", due_before="2026-08-01", limit=500)
    assert out.rows and all(r.status == "posted" and r.due_date < date(2026, 8, 1)
                            for r in out.rows)
    row = out.rows[0]
    paid = shared.read(lambda s: s.scalar(select(func.coalesce(func.sum(Payment.amount), 0))
                                          .where(Payment.invoice_id == row.bill_id)))
    total = shared.read(lambda s: s.get(Invoice, row.bill_id).total)
    assert row.amount == total - Decimal(str(paid))
    name = row.supplier or ""
    only = ask(shared, "clerk", query="bills", supplier=name[:5].upper())
    assert only.rows and all(name[:5].lower() in (r.supplier or "").lower() for r in only.rows)
    assert ask(shared, "clerk", query="bills", supplier="%' OR 1=1 --").rows == []


@pytest.mark.parametrize("query", ["account_balances", "profit_and_loss", "cash", "gst"])
@pytest.mark.parametrize("role", ["clerk", "approver"])
def test_the_books_are_for_owner_auditor_admin(shared: Books, query: str, role: str) -> None:
    with pytest.raises(ToolRefused) as info:
        ask(shared, role, query=query)
    assert info.value.code == "forbidden"


@pytest.mark.parametrize("role", ROLES)
def test_bills_and_payables_for_every_role(shared: Books, role: str) -> None:
    assert ask(shared, role, query="payables").rows
    assert ask(shared, role, query="bills", limit=1).rows


@pytest.mark.parametrize("bad", [
    {"query": "secrets"}, {"query": "profit_and_loss", "month": "2026-13"},
    {"query": "profit_and_loss", "month": "June"},
    {"query": "cash", "month": "2026-06", "period_start": "2026-06-01", "period_end": "2026-06-30"},
    {"query": "cash", "period_start": "2026-06-30", "period_end": "2026-06-01"},
    {"query": "cash", "period_start": "2026-06-01"},
    {"query": "account_balances", "account_code": "1=1; --"},
    {"query": "bills", "status": "deleted"}, {"query": "bills", "sql": "select 1"}])
def test_bad_parameters_are_refused(shared: Books, bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        QUERY_LEDGER_TOOL.call(bad, shared.caller("owner"), shared.deps)


def test_a_period_beyond_the_snapshot_is_refused(shared: Books) -> None:
    with pytest.raises(ToolRefused) as info:
        ask(shared, query="profit_and_loss", period_start="2020-01-01", period_end="2026-06-30")
    assert info.value.code == "period_too_long"
