"""GET /v1/ledger/trial-balance: the same JSON as `backoffice ledger trial-balance --json`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.deps import Reader, RuntimeDep, allow
from api.schemas import Day, TrialBalanceOut
from api.views import trial_balance_view
from memory.apikeys_store import Principal
from memory.db import unit_of_work

router = APIRouter(prefix="/ledger", tags=["ledger"])


@router.get("/trial-balance", response_model=TrialBalanceOut)
def trial_balance(_: Annotated[Principal, Depends(allow("ledger.read"))], runtime: RuntimeDep,
                  reader: Reader,
                  as_of: Annotated[Day | None, Query(description="Include journals up to this date")] = None,
                  ) -> dict[str, Any]:
    """One row per account with its debit or credit balance; the totals agree."""
    with unit_of_work(reader) as session:
        return trial_balance_view(session, runtime.clock, as_of)
