"""bills_due on the demo books: the approved, unpaid bills due by a day (checked against the
stored bills and payments without the tool's code) and the payment runs as a person left them;
it reads and never proposes, approves or writes; staff without payments.read are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.chat.tools.bills_due import BILLS_DUE_TOOL
from agent.chat.tools.contract import ToolRefused
from memory.schema import AuditEntry, Contact, Invoice, Payment
from services import payment_runs
from tests.agent.chat.tools.conftest import Books

DUE_BY = date(2026, 7, 14)


def ask(books: Books, role: str = "owner", **arguments: object):  # type: ignore[no-untyped-def]
    return BILLS_DUE_TOOL.call(arguments, books.caller(role), books.deps)  # type: ignore[arg-type]


def _due(books: Books, by: date) -> dict[str, tuple[str, date, Decimal]]:
    """Bill number -> (supplier, due date, outstanding), straight from the tables."""
    def q(s: Session) -> dict[str, tuple[str, date, Decimal]]:
        paid = dict(s.execute(select(Payment.invoice_id, func.sum(Payment.amount))
                              .group_by(Payment.invoice_id)).all())
        rows = s.execute(select(Invoice, Contact.name).join(Contact, Contact.id == Invoice.contact_id)
                         .where(Invoice.kind == "bill", Invoice.status == "posted",
                                Invoice.due_date <= by)).all()
        return {inv.number: (name, inv.due_date, inv.total - (paid.get(inv.id) or 0))
                for inv, name in rows if inv.total > (paid.get(inv.id) or 0)}
    return books.read(q)


def _audit_rows(books: Books) -> int:
    return int(books.read(lambda s: s.scalar(select(func.count()).select_from(AuditEntry))))


def test_bills_due_by_a_day_are_the_posted_unpaid_ones(shared: Books) -> None:
    expected = _due(shared, DUE_BY)
    assert expected, "the demo has approved bills due in the first half of July"
    out = ask(shared, "clerk", query="due", due_by="2026-07-14", limit=200)
    assert out.due_by == DUE_BY and out.count == len(expected)
    assert {b.number: (b.supplier, b.due_date, b.outstanding) for b in out.bills} == expected
    assert out.total == sum((v[2] for v in expected.values()), Decimal(0)) == out.not_in_a_run
    assert out.in_a_run == 0 and all(b.payment_run is None for b in out.bills)
    assert [b.due_date for b in out.bills] == sorted(b.due_date for b in out.bills)
    today = date(2026, 7, 1)
    assert all(b.overdue == (b.due_date < today) for b in out.bills)
    assert out.no_bank_details == []               # every demo supplier has bank details
    # an earlier day is a subset
    early = ask(shared, query="due", due_by="2026-07-03")
    assert {b.number for b in early.bills} == set(_due(shared, date(2026, 7, 3)))


def test_without_a_day_it_is_a_week_from_today(shared: Books) -> None:
    out = ask(shared, "auditor")
    assert out.due_by == date(2026, 7, 8)


def test_no_runs_yet_is_said(shared: Books) -> None:
    out = ask(shared, query="runs")
    assert out.runs == [] and out.count == 0


def test_the_latest_run_as_a_person_left_it_and_reading_changes_nothing(books: Books) -> None:
    proposed = payment_runs.propose_run(books.deps, DUE_BY, actor="test:clerk")
    payment_runs.approve_run(books.deps, proposed["id"], actor="test:owner")
    before = _audit_rows(books)
    (run,) = ask(books, "clerk", query="runs", limit=1).runs
    assert (run.id, run.reference, run.status) == (proposed["id"], proposed["reference"], "approved")
    assert (run.created_by, run.approved_by) == ("test:clerk", "test:owner")
    assert run.file_written is False and run.filename is None and run.remittances_sent == 0
    assert run.total == proposed["total"] == sum((s.amount for s in run.suppliers), Decimal(0))
    assert sorted(n for s in run.suppliers for n in s.bills) == sorted(_due(books, DUE_BY))
    # the bills due now say which run they are in; none is marked paid by a run
    due = ask(books, query="due", due_by="2026-07-14", limit=200)
    assert {b.payment_run for b in due.bills} == {proposed["reference"]}
    assert {b.run_status for b in due.bills} == {"approved"}
    assert due.in_a_run == due.total and due.not_in_a_run == 0
    assert ask(books, query="runs", run_id=proposed["id"]).runs[0].status == "approved"
    assert _audit_rows(books) == before
    assert payment_runs.show_run(books.deps, proposed["id"])["status"] == "approved"


def test_an_unknown_run_is_refused(shared: Books) -> None:
    with pytest.raises(ToolRefused) as refused:
        ask(shared, query="runs", run_id=999)
    assert refused.value.code == "unknown_payment_run"


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_roles_without_payments_read_are_refused(shared: Books, role: str) -> None:
    with pytest.raises(ToolRefused):
        ask(shared, role)
