"""GET /v1/bills/{id}: a posted supplier bill with its lines, accounts and journal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from api.deps import ReadsDep, allow
from api.schemas import BillOut, ErrorBody
from api.views import bill_view
from memory.apikeys_store import Principal

router = APIRouter(prefix="/bills", tags=["bills"])


@router.get("/{bill_id}", response_model=BillOut, responses={404: {"model": ErrorBody}})
async def get_bill(bill_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
                   _: Annotated[Principal, Depends(allow("bills.read"))],
                   reads: ReadsDep) -> dict[str, Any]:
    """The bill, its supplier, lines (with the account each was coded to) and journal id."""
    view = await reads(bill_view, bill_id)
    if view is None:
        raise HTTPException(404, {"code": "not_found", "message": f"There is no bill {bill_id}."})
    return view
