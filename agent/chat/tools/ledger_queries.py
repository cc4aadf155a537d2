"""The computations behind `query_ledger`: each query kind over the reporting kernel
(tools.reports: statements, aged, gst) on a snapshot read by memory.report_queries, or over
memory's parameterised reads (trial balance, bills). Read-only: one read transaction per call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from memory.assistant_queries import bills
from memory.db import read_only
from memory.ledger_store import LedgerStore
from memory.report_queries import latest_journal_date, load_snapshot
from agent.chat.tools.contract import AssistantDeps, ToolRefused
from agent.chat.tools.ledger_models import LedgerRow, QueryLedgerRequest, QueryLedgerResponse
from tools.reports.aged import BUCKETS, aged
from tools.reports.gst import gst_summary
from tools.reports.model import LedgerSnapshot
from tools.reports.money import ZERO
from tools.reports.periods import Month, Period, bas_period_of, last_complete_month, long_date
from tools.reports.statements import cash_position, period_metrics, pnl_period, section_of


def _today(deps: AssistantDeps) -> date:
    return deps.clock.now().date()


def _period(session: Session, request: QueryLedgerRequest, today: date) -> Period:
    if request.month:
        return Month.parse(request.month).period()
    if request.period_start and request.period_end:
        return Period(request.period_start, request.period_end,
                      f"{long_date(request.period_start)} to {long_date(request.period_end)}")
    month = last_complete_month(today, latest_journal_date(session))
    return bas_period_of(month.end) if request.query == "gst" else month.period()


def _snapshot(session: Session, end: date, start: date | None = None) -> LedgerSnapshot:
    snapshot = load_snapshot(session, Month.of(end), as_of=end)
    if start is not None and start < snapshot.window_start:
        raise ToolRefused("period_too_long", f"A period ending {long_date(end)} may start on "
                                             f"{long_date(snapshot.window_start)} at the earliest.")
    return snapshot


def _balances(session: Session, request: QueryLedgerRequest,
              deps: AssistantDeps) -> QueryLedgerResponse:
    as_at = request.as_at or _today(deps)
    tb = LedgerStore(session, deps.clock, "assistant").trial_balance(as_at)
    rows = [LedgerRow(label=r.name, account_code=r.code, section=r.type, amount=r.balance,
                      amounts={"debit": r.debit, "credit": r.credit})
            for r in tb.rows if (request.account_code is None or r.code == request.account_code)
            and (r.debit or r.credit or request.account_code)]
    return QueryLedgerResponse(
        query="account_balances", as_at=as_at, rows=rows[:request.limit],
        truncated=len(rows) > request.limit,
        totals={"debit": tb.total_debit, "credit": tb.total_credit},
        checks=[f"The trial balance {'balances' if tb.balanced else 'does NOT balance'}."],
        query_description=(f"Trial balance at {long_date(as_at)}: the sum of every posted journal "
                           "line dated on or before that day, per account; amount = debit less "
                           "credit (debit positive)."))


def _pnl(session: Session, request: QueryLedgerRequest, deps: AssistantDeps) -> QueryLedgerResponse:
    period = _period(session, request, _today(deps))
    snap = _snapshot(session, period.end, period.start)
    by_code = pnl_period(snap, period)
    rows = [LedgerRow(label=snap.account_map[code].name, account_code=code, amount=amount,
                      section=section_of(snap.account_map[code]))
            for code, amount in sorted(by_code.items())
            if request.account_code is None or code == request.account_code]
    metrics = period_metrics(snap, period)
    totals = {k: v for k, v in metrics.items() if v is not None and k != "gross_margin_pct"}
    return QueryLedgerResponse(
        query="profit_and_loss", period_start=period.start, period_end=period.end,
        rows=rows[:request.limit], truncated=len(rows) > request.limit, totals=totals,
        query_description=(f"Profit and loss from {long_date(period.start)} to "
                           f"{long_date(period.end)}, accruals basis: the movement of each "
                           "revenue and expense account in posted journals dated in the period, "
                           "as natural amounts (income and expenses positive); net_profit = "
                           "revenue - cost_of_sales + other_income - operating_expenses."))


def _cash(session: Session, request: QueryLedgerRequest, deps: AssistantDeps) -> QueryLedgerResponse:
    period = _period(session, request, _today(deps))
    cash = cash_position(_snapshot(session, period.end, period.start), period)
    rows = [LedgerRow(label=c.name, account_code=c.code, amount=c.closing,
                      amounts={"opening": c.opening, "receipts": c.receipts,
                               "payments": c.payments, "closing": c.closing})
            for c in cash.accounts]
    t = cash.total
    return QueryLedgerResponse(
        query="cash", period_start=period.start, period_end=period.end, rows=rows,
        totals={"opening": t.opening, "receipts": t.receipts, "payments": t.payments,
                "closing": t.closing},
        query_description=(f"Cash at bank from {long_date(period.start)} to "
                           f"{long_date(period.end)}: each bank account's balance the day before, "
                           "money in (debits), money out (credits) and closing balance, from "
                           "posted journals."))


def _payables(session: Session, request: QueryLedgerRequest,
              deps: AssistantDeps) -> QueryLedgerResponse:
    as_at = request.as_at or _today(deps)
    report = aged(_snapshot(session, as_at), "payables", as_at)
    wanted = (request.supplier or "").strip().casefold()
    contacts = [c for c in report.contacts if wanted in c.name.casefold()]
    rows = [LedgerRow(label=c.name, supplier=c.name, amount=c.total,
                      amounts={**c.buckets, "overdue": c.overdue}) for c in contacts]
    totals = {b: sum((c.buckets[b] for c in contacts), ZERO) for b in BUCKETS}
    totals["total"] = sum((c.total for c in contacts), ZERO)
    checks = []
    if not wanted:
        checks.append(f"Open bills total {report.total}; the Accounts Payable account "
                      f"({report.control_account}) shows {report.control_balance}; difference "
                      f"{report.difference}.")
        totals["control_account_balance"] = report.control_balance
    return QueryLedgerResponse(
        query="payables", as_at=as_at, rows=rows[:request.limit],
        truncated=len(rows) > request.limit, totals=totals, checks=checks,
        query_description=(f"Aged payables at {long_date(as_at)}: every posted supplier bill "
                           "issued by that day, less payments made by then, by supplier and by "
                           "days past its due date (current = not yet due)."))


def _bills(session: Session, request: QueryLedgerRequest,
           deps: AssistantDeps) -> QueryLedgerResponse:
    found = bills(session, supplier=request.supplier, status=request.status,
                  due_before=request.due_before, limit=request.limit + 1)
    rows = [LedgerRow(label=f"{b.supplier} {b.number}", supplier=b.supplier, bill_id=b.id,
                      number=b.number, status=b.status, issue_date=b.issue_date,
                      due_date=b.due_date, amount=b.outstanding,
                      amounts={"subtotal": b.subtotal, "gst": b.tax, "total": b.total,
                               "paid": b.paid, "outstanding": b.outstanding})
            for b in found[:request.limit]]
    filters = ", ".join(f for f in (
        f"supplier name containing {request.supplier!r}" if request.supplier else "",
        f"status {request.status}" if request.status else "",
        f"due before {long_date(request.due_before)}" if request.due_before else "") if f)
    return QueryLedgerResponse(
        query="bills", rows=rows, truncated=len(found) > request.limit,
        totals={"total": sum((r.amounts["total"] for r in rows), ZERO),
                "outstanding": sum((r.amount for r in rows), ZERO)},
        query_description=("Supplier bills by due date" + (f" ({filters})" if filters else "")
                           + "; amount = total less payments recorded against the bill."))


def _gst(session: Session, request: QueryLedgerRequest, deps: AssistantDeps) -> QueryLedgerResponse:
    period = _period(session, request, _today(deps))
    g = gst_summary(_snapshot(session, period.end, period.start), period)
    labels: list[tuple[str, str, Decimal]] = [
        ("G1", "Total sales (GST included)", g.g1), ("1A", "GST on sales", g.gst_on_sales),
        ("1B", "GST on purchases", g.gst_on_purchases), ("W1", "Gross wages", g.w1),
        ("W2", "PAYG withheld", g.w2)]
    rows = [LedgerRow(label=f"{key} {name}", amount=value) for key, name, value in labels]
    return QueryLedgerResponse(
        query="gst", period_start=period.start, period_end=period.end, rows=rows,
        totals={"net_gst": g.net_gst},
        query_description=(f"GST for the BAS from {long_date(period.start)} to "
                           f"{long_date(period.end)}, accruals basis, from the GST accounts' "
                           "movements (BAS settlements and opening balances left out); net_gst = "
                           "1A - 1B (payable when positive, a refund when negative)."))


_QUERIES: dict[str, Callable[[Session, QueryLedgerRequest, AssistantDeps], QueryLedgerResponse]] = {
    "account_balances": _balances, "profit_and_loss": _pnl, "cash": _cash,
    "payables": _payables, "bills": _bills, "gst": _gst}


def run(request: QueryLedgerRequest, deps: AssistantDeps) -> QueryLedgerResponse:
    with read_only(deps.sessions) as session:
        return _QUERIES[request.query](session, request, deps)

