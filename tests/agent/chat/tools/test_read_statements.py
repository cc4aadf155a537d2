"""read_statements on the demo's year of bank statements: what is unreconciled and what was spent
at a payee, checked against the stored bank lines without the tool's code; the auditor reads,
staff without the bank role are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.chat.tools.contract import ToolRefused
from agent.chat.tools.read_statements import READ_STATEMENTS_TOOL
from memory.bank_schema import BankLineRow
from tests.agent.chat.tools.conftest import Books


def ask(books: Books, role: str = "owner", **arguments: object):  # type: ignore[no-untyped-def]
    return READ_STATEMENTS_TOOL.call(arguments, books.caller(role), books.deps)  # type: ignore[arg-type]


def _lines(books: Books) -> list[BankLineRow]:
    def q(s: Session) -> list[BankLineRow]:
        rows = list(s.scalars(select(BankLineRow)))
        s.expunge_all()
        return rows
    return books.read(q)


def test_what_is_unreconciled_is_every_open_line(shared: Books) -> None:
    open_rows = [r for r in _lines(shared) if r.status == "open"]
    assert open_rows, "the demo leaves lines for a person"
    out = ask(shared, "auditor", query="unreconciled", limit=200)
    assert {f.account_code for f in out.feeds} == {"1100", "1110"}
    assert sum(f.open_lines for f in out.feeds) == len(open_rows) == out.count
    assert sum((f.open_amount for f in out.feeds), Decimal(0)) == sum(
        (r.amount for r in open_rows), Decimal(0))
    assert {ln.id for ln in out.lines} == {r.id for r in open_rows}


def test_spend_at_a_payee_in_a_month_adds_up_the_banks_lines(shared: Books) -> None:
    may = [r for r in _lines(shared) if "BUNNINGS" in r.description.upper()
           and date(2026, 5, 1) <= r.posted <= date(2026, 5, 31)]
    assert may, "the demo's card spending includes Bunnings in May"
    out = ask(shared, query="spend", payee="bunnings", period_start="2026-05-01",
              period_end="2026-05-31", limit=200)
    assert out.total_paid == -sum((r.amount for r in may if r.amount < 0), Decimal(0))
    assert sorted(ln.id for ln in out.lines) == sorted(r.id for r in may)


def test_staff_without_the_bank_role_are_refused(shared: Books) -> None:
    with pytest.raises(ToolRefused):
        ask(shared, "staff", query="unreconciled")
