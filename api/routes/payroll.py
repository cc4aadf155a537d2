"""POST /v1/payroll/check: every pay run in a period checked against the Modern Awards, with the
clause behind every dollar (the same service as `backoffice payroll check`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.deps import RuntimeDep, allow
from memory.apikeys_store import Principal
from memory.db import unit_of_work
from tools.payroll.tool import PayrollCheckRequest

router = APIRouter(prefix="/payroll", tags=["payroll"])


@router.post("/check")
def check(request: PayrollCheckRequest, principal: Annotated[Principal, Depends(allow("payroll.check"))],
          runtime: RuntimeDep) -> dict[str, Any]:
    """Under- and over-payments per employee, the back pay owed, and the pay lines and award
    clauses behind each entitlement. Read-only."""
    from services.payroll_check import check_payroll

    with unit_of_work(runtime.sessions) as session:
        result = check_payroll(session, runtime.clock, principal.actor, request)
        return result.model_dump(mode="json")
