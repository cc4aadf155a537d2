"""The payroll check: a pay run (the latest by default, or any period) checked against the Modern
Awards, each employee's under- or over-payment with the shifts, pay lines and award clauses behind
it. The same service and contract as POST /v1/payroll/check (services.payroll_check.check_payroll
over a PayrollCheckRequest, its JSON shown); it only reads, so the form is a GET."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.web.auth import requires
from api.web.render import page
from memory.schema import PayRun
from memory.web_sessions_store import LiveSession
from services.payroll_check import check_payroll
from tools.payroll.tool import PayrollCheckRequest

router = APIRouter(include_in_schema=False)

Checking = Annotated[LiveSession, Depends(requires("payroll.check", "check payroll"))]
STATUS_WORDS = {"underpaid": "underpaid", "above_minimum": "paid above the minimum",
                "correct": "correct", "not_checked": "not checked (no timesheet)"}
STATUS_BADGE = {"underpaid": "hard", "above_minimum": "posted", "correct": "posted",
                "not_checked": "soft"}


def _pay_runs(session: Session) -> list[dict[str, Any]]:
    """Every pay run, the latest first (memory.payroll_store.PayrollStore.last_pay_run's order)."""
    rows = session.scalars(select(PayRun).order_by(PayRun.payment_date.desc(), PayRun.id.desc()))
    return [{"id": r.id, "period_start": r.period_start, "period_end": r.period_end,
             "payment_date": r.payment_date} for r in rows]


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def check_request(params: Any, runs: list[dict[str, Any]]) -> tuple[PayrollCheckRequest | None,
                                                                    dict[str, Any], str | None]:
    """What to check (the form as the API's request), what the form shows, and any refusal in
    words. A period given in full wins over the pay run; no choice at all is the latest run."""
    raw_run, employee = params.get("pay_run", ""), (params.get("employee") or "").strip().upper()
    start_raw, end_raw = params.get("period_start", ""), params.get("period_end", "")
    form = {"pay_run": None, "period_start": start_raw, "period_end": end_raw,
            "employee": employee}
    if employee and (len(employee) > 20 or not employee.isalnum()):
        return None, form, "An employee code is letters and digits, like E007."
    if start_raw or end_raw:
        start, end = _date(start_raw), _date(end_raw)
        if start is None or end is None:
            return None, form, "Give the period as two dates (YYYY-MM-DD), or choose a pay run."
        if end < start:
            return None, form, f"The period ends ({end}) before it starts ({start})."
    else:
        chosen = next((r for r in runs if str(r["id"]) == str(raw_run)), runs[0] if runs else None)
        if chosen is None:
            return None, form, None
        form["pay_run"] = chosen["id"]
        start, end = chosen["period_start"], chosen["period_end"]
    try:
        request = PayrollCheckRequest(period_start=start, period_end=end,
                                      employee_ids=[employee] if employee else None)
    except ValidationError as exc:
        return None, form, str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
    return request, form, None


@router.get("/payroll")
async def payroll(request: Request, live: Checking) -> Response:
    runs = await request.app.state.reads(_pay_runs)
    wanted, form, error = check_request(request.query_params, runs)
    result = None
    if wanted is not None:
        clock = request.app.state.runtime.clock
        checked = await request.app.state.reads(check_payroll, clock, live.principal.actor, wanted)
        result = checked.model_dump(mode="json")
    return page(request, "payroll.html", status_code=422 if error else 200, runs=runs, form=form,
                error=error, result=result, status_words=STATUS_WORDS,
                status_badge=STATUS_BADGE)
