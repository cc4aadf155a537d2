"""What the reporting kernel (tools.reports) needs from the books: thin reads into its immutable
`LedgerSnapshot`, for one period end.

The window of postings runs from the earlier of the same month last year and the start of the
financial year to the period end, so the kernel can compute the month, its comparisons, the
12-month trend, the year to date and the balance sheet (balances before the window are summed by
the database into `opening_balances`). Nothing dated after the period end is read: a report for
an earlier month is what the books said then (later postings into that month excepted).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from memory.ledger_store import LedgerStore
from memory.schema import (
    AccountRow,
    Contact,
    Invoice,
    Journal,
    JournalLineRow,
    Payment,
    PayRun,
    Payslip,
)
from memory.schema import (
    Organisation as OrganisationRow,
)
from adapters.clock import SystemClock
from tools.ledger.problems import LedgerError
from tools.reports.model import (
    BankFeedState,
    Budget,
    InvoiceRecord,
    LedgerSnapshot,
    Organisation,
    PaymentRecord,
    PayRunRecord,
    Posting,
)
from tools.reports.periods import Month, financial_year_start

__all__ = ["SessionReportSource", "books_start", "latest_journal_date", "load_snapshot",
           "window_start_for"]

ZERO = Decimal("0.00")


def window_start_for(month: Month, fy_start_month: int = 7) -> date:
    return min(month.shift(-12).start, financial_year_start(month.end, fy_start_month))


def latest_journal_date(session: Session) -> date | None:
    return session.scalar(select(func.max(Journal.date)).where(Journal.status == "posted"))


def books_start(session: Session) -> date | None:
    """The first day the books cover: the day after the opening balances, else the first journal."""
    opening = session.scalar(select(func.max(Journal.date)).where(
        Journal.status == "posted", Journal.source_type == "opening"))
    if opening is not None:
        return opening + timedelta(days=1)
    return session.scalar(select(func.min(Journal.date)).where(Journal.status == "posted"))


def _organisation(session: Session) -> Organisation:
    org = session.get(OrganisationRow, 1)
    if org is None:
        raise LedgerError.single("no_organisation", "No organisation is set up in this database yet")
    return Organisation(org.name, org.abn, org.financial_year_start_month, org.gst_registered)


def load_snapshot(session: Session, month: Month, budget: Budget | None = None, *,
                  as_of: date | None = None) -> LedgerSnapshot:
    """The books at the end of `month`, or at `as_of` inside it (a mid-month snapshot serves the
    weekly update of the cash forecast: tools.reports.forecast.cash_forecast)."""
    if as_of is not None and as_of not in month.period():
        raise ValueError(f"{as_of} is not in {month.label}")
    org = _organisation(session)
    ledger = LedgerStore(session, SystemClock(), "report")
    as_of = as_of or month.end
    start = window_start_for(month, org.financial_year_start_month)
    codes = {row.id: row.code for row in session.scalars(select(AccountRow))}

    opening = {codes[aid]: total for aid, total in session.execute(
        select(JournalLineRow.account_id, func.sum(JournalLineRow.amount))
        .join(Journal, Journal.id == JournalLineRow.journal_id)
        .where(Journal.status == "posted", Journal.date < start)
        .group_by(JournalLineRow.account_id)) if total}

    postings = tuple(
        Posting(jid, day, codes[aid], amount, source or "manual", contact, tax, narration)
        for jid, day, aid, amount, source, contact, tax, narration in session.execute(
            select(Journal.id, Journal.date, JournalLineRow.account_id, JournalLineRow.amount,
                   Journal.source_type, JournalLineRow.contact_id, JournalLineRow.tax_code,
                   Journal.narration)
            .join(Journal, Journal.id == JournalLineRow.journal_id)
            .where(Journal.status == "posted", Journal.date >= start, Journal.date <= as_of)
            .order_by(Journal.date, Journal.id, JournalLineRow.line_no)))

    contacts: dict[int, str] = {cid: name for cid, name in session.execute(select(Contact.id, Contact.name))}
    paid_before = (select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))
                   .where(Payment.date < start).group_by(Payment.invoice_id).subquery())
    invoice_rows = session.execute(
        select(Invoice, paid_before.c.paid)
        .outerjoin(paid_before, paid_before.c.invoice_id == Invoice.id)
        .where(Invoice.status.in_(("posted", "paid")), Invoice.issue_date <= as_of,
               or_(Invoice.issue_date >= start,
                   Invoice.total > func.coalesce(paid_before.c.paid, 0)))
        .order_by(Invoice.issue_date, Invoice.id)).all()
    ids = [inv.id for inv, _ in invoice_rows]
    payments: dict[int, list[PaymentRecord]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for invoice_id, day, amount in session.execute(
                select(Payment.invoice_id, Payment.date, Payment.amount)
                .where(Payment.invoice_id.in_(chunk), Payment.date <= as_of)
                .order_by(Payment.date, Payment.id)):
            payments[invoice_id].append(PaymentRecord(day, amount))
    invoices = tuple(
        InvoiceRecord(inv.id, inv.kind, inv.number, inv.contact_id,  # type: ignore[arg-type]
                      contacts.get(inv.contact_id, f"Contact {inv.contact_id}"), inv.issue_date,
                      inv.due_date, inv.subtotal, inv.tax, inv.total, tuple(payments[inv.id]))
        for inv, _ in invoice_rows)

    pay_runs = tuple(
        PayRunRecord(paid, p_start, p_end, gross or ZERO, payg or ZERO, net or ZERO, sg or ZERO)
        for paid, p_start, p_end, gross, payg, net, sg in session.execute(
            select(PayRun.payment_date, PayRun.period_start, PayRun.period_end,
                   func.sum(Payslip.gross), func.sum(Payslip.payg_withheld), func.sum(Payslip.net),
                   func.sum(Payslip.superannuation))
            .join(Payslip, Payslip.pay_run_id == PayRun.id)
            .where(and_(PayRun.payment_date >= start, PayRun.payment_date <= as_of))
            .group_by(PayRun.id, PayRun.payment_date, PayRun.period_start, PayRun.period_end)
            .order_by(PayRun.payment_date)))

    return LedgerSnapshot(
        organisation=org, accounts=tuple(ledger.accounts().values()), as_of=as_of,
        window_start=start, opening_balances=opening, postings=postings, invoices=invoices,
        pay_runs=pay_runs, trial_balance=ledger.trial_balance(as_of), books_start=books_start(session),
        budget=budget, contacts=contacts, bank_feeds=bank_feed_states(session, as_of))


def bank_feed_states(session: Session, as_of: date) -> tuple[BankFeedState, ...]:
    """Each bank feed as at `as_of`: the lines up to that day, reconciled to which date."""
    from memory.bank_store import BankStore

    store = BankStore(session, SystemClock(), "report")
    out = []
    for feed in store.feeds():
        rows = store.lines(feed_id=feed.id, date_to=as_of)
        if not rows:
            continue
        open_rows = [r for r in rows if r.status == "open"]
        out.append(BankFeedState(store.feed_code(feed), feed.name,
                                 store.reconciled_to(feed.id, as_of), len(open_rows),
                                 sum((r.amount for r in open_rows), Decimal("0.00")), rows[-1].balance))
    return tuple(out)


class SessionReportSource:
    """tools.reports.tool.ReportSource over a database session (for the `draft_commentary` tool)."""

    def __init__(self, session: Session, today: date, budget: Budget | None = None) -> None:
        self.session, self.today, self.budget = session, today, budget

    def default_month(self) -> Month:
        from tools.reports.periods import last_complete_month

        return last_complete_month(self.today, latest_journal_date(self.session))

    def snapshot(self, month: Month) -> LedgerSnapshot:
        return load_snapshot(self.session, month, self.budget)
