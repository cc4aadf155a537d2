"""GET /v1/reports/monthly: the month-end report (the same JSON as `backoffice report monthly`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import RuntimeDep, allow
from memory.apikeys_store import Principal
from memory.db import unit_of_work

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/monthly")
def monthly(_: Annotated[Principal, Depends(allow("reports.read"))], runtime: RuntimeDep,
            month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$",
                                               description="YYYY-MM; default: the last complete month")] = None,
            ) -> dict[str, Any]:
    """Profit and loss, balance sheet, cash position, aged payables and receivables, GST for the
    BAS, variances, the 13-week cash forecast and the drafted commentary (which records whether a
    model or the offline narrative wrote it)."""
    from services.reports import monthly_report
    from tools.reports.errors import ReportError
    from adapters.reports.render_json import report_contract

    try:
        with unit_of_work(runtime.sessions) as session:
            report = monthly_report(session, month, runtime.settings, clock=runtime.clock)
            return report_contract(report)
    except ReportError as exc:  # a month the books cannot report on: the caller's to fix
        problem = exc.problems[0]
        raise HTTPException(422, {"code": problem.code, "message": problem.message}) from None
