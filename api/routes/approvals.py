"""Approvals: the queue of bills waiting for a person, and their one decision.

A decision (`POST /v1/approvals/{id}/decision`) needs an `Idempotency-Key` header (422 without
one) and the proposal hash the approver saw. It goes through services.approvals, as the CLI's
does: recorded once (a stale hash, a second different decision or a reused key → 409; a role or
limit or segregation-of-duties refusal → 403; no such approval → 404; unusable changes → 422),
then the paused run is resumed at once, in this request's worker thread (the AP worker would pick
it up anyway). The same key and decision again answers as the first time (`replayed: true`) and
changes nothing.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

from agent import decisions
from api.deps import Reader, ReadsDep, allow
from api.schemas import ApprovalDetail, ApprovalList, DecisionOut, DecisionRequest, ErrorBody
from api.views import approval_detail, approval_queue, run_view
from memory import approvals_store
from memory.apikeys_store import Principal
from memory.approvals_store import ApprovalNotFound
from memory.db import unit_of_work

router = APIRouter(prefix="/approvals", tags=["approvals"])

ApprovalId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Reading = Annotated[Principal, Depends(allow("approvals.read"))]
Deciding = Annotated[Principal, Depends(allow("approvals.decide"))]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                       pattern=r"^[\x21-\x7e]+$",
                                       description="Any unique string (printable ASCII, no "
                                                   "spaces); the same key replays the answer")]


def _one(session: Session, approval_id: int) -> dict[str, Any] | None:
    try:
        return approval_detail(approvals_store.get(session, approval_id))
    except ApprovalNotFound:
        return None


@router.get("", response_model=ApprovalList)
async def list_approvals(_: Reading, reads: ReadsDep,
                         status: Annotated[Literal["pending", "approved", "rejected"] | None,
                                           Query()] = None,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    """Approvals, oldest first; `status=pending` for the queue."""
    items = await reads(partial(approval_queue, status=status, limit=limit, offset=offset))
    return {"items": items, "limit": limit, "offset": offset}


@router.get("/{approval_id}", response_model=ApprovalDetail, responses={404: {"model": ErrorBody}})
async def get_approval(approval_id: ApprovalId, _: Reading, reads: ReadsDep) -> dict[str, Any]:
    """One approval: reasons, evidence, the proposal and its hash, confidence, any decision."""
    view = await reads(_one, approval_id)
    if view is None:
        raise HTTPException(404, {"code": "not_found", "message": f"There is no approval {approval_id}."})
    return view


@router.post("/{approval_id}/decision", response_model=DecisionOut,
             responses={s: {"model": ErrorBody} for s in (403, 404, 409, 422)})
def decide(request: Request, approval_id: ApprovalId, body: DecisionRequest,
           idempotency_key: IdempotencyKey, principal: Deciding, reader: Reader) -> dict[str, Any]:
    """Approve, reject or edit (re-code lines, move the due date, correct the reading: number,
    dates, purchase order, subtotal/tax/total, which must add up) the proposal whose hash you send;
    the run continues at once (see the module docstring), and an edit is learned for the
    supplier's next invoices."""
    outcome = decisions.decide(
        request.app.state.run_context, principal, approval_id, verdict=body.decision,
        proposal_hash=body.proposal_hash, key=idempotency_key,
        changes=body.changes.model_dump(mode="json") if body.changes else None,
        comment=body.comment)
    with unit_of_work(reader) as session:
        run = run_view(session, outcome.approval.run_id)
    return {"approval": approval_detail(outcome.approval), "replayed": outcome.replayed, "run": run}
