"""The payroll check over the ledger's pay runs: the service the `POST /v1/payroll/check` route,
`backoffice payroll check`, the assistant's payroll tool and the demo call. Read-only: the store
supplies the pay runs, the kernel (tools.payroll) judges them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from core.clock import Clock
from memory.payroll_store import PayrollStore
from tools.payroll.tool import PayrollCheckRequest, PayrollCheckResponse, run_payroll_check


def check_payroll(session: Session, clock: Clock, actor: str,
                  request: PayrollCheckRequest) -> PayrollCheckResponse:
    """Check every pay run in the request's period against the awards."""
    return run_payroll_check(request, PayrollStore(session, clock, actor))


def check_period(store: PayrollStore, start: date, end: date,
                 employee_ids: Sequence[str] | None = None) -> PayrollCheckResponse:
    return run_payroll_check(PayrollCheckRequest(period_start=start, period_end=end,
                                                 employee_ids=list(employee_ids) if employee_ids else None),
                             store)
