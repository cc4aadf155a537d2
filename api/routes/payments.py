"""/v1/payments/runs: payment runs (the same service as `backoffice pay ...`,
services.payment_runs).

Roles (api.views.PERMISSIONS): reading runs is for clerks, approvers, owners and auditors;
proposing for clerks, approvers and owners; approving, writing the file, sending remittances and
cancelling for approvers and owners. The service checks segregation of duties again, per run: the
approver is neither the run's creator nor whoever last changed a payee's bank details (403
`segregation_of_duties`), and writing the file re-checks every payee's bank details against the
supplier master (409 `payee_bank_details_changed`, naming the supplier; nothing is written).

Errors: no such run 404 `unknown_payment_run`; a run in the wrong state, a stale bill, a closed
period, a reused idempotency key or nothing due 409 with the service's code; file fields that
cannot be written (the business's ABA settings) 422; ABA settings missing 409 `aba_not_configured`.

`POST /v1/payments/runs/{id}/file` answers with the ABA file itself (`text/plain`, ASCII, CRLF
records), `Content-Disposition: attachment; filename=payrun-ID.aba`, and headers
`X-Payment-Run-Sha256` / `X-Replayed`; the file is kept in the books (the run's view shows its
sha256), so asking again gives back the same bytes. The remitter details come from the
BACKOFFICE_ABA_* settings. Remittance advice is a separate call (`.../remittances`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, allow
from api.responses import errors
from api.schemas import Day
from api.views import jsonable
from memory.apikeys_store import Principal
from services import payment_runs
from services.runtime import Runtime
from tools.ledger.problems import LedgerError
from tools.payments.aba import Remitter

router = APIRouter(prefix="/payments/runs", tags=["payments"])
# What `refusal` answers for a run (the 403 comes with the roles: api.responses).
_REFUSALS = errors(403, 404, 409, 422)
RunId = Annotated[int, Path(ge=1, le=2_147_483_647)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                       pattern=r"^[\x21-\x7e]+$",
                                       description="Any unique string; the same key and due date "
                                                   "returns the same run")]
_FORBIDDEN = frozenset({"segregation_of_duties", "no_actor"})
_UNPROCESSABLE = frozenset({"aba_bank", "aba_apca_id", "aba_blank", "aba_amount", "aba_empty",
                            "bsb_malformed", "account_number_malformed"})


def refusal(err: LedgerError) -> HTTPException:
    code = err.codes[0] if err.codes else "refused"
    status = (404 if code == "unknown_payment_run" else 403 if code in _FORBIDDEN
              else 422 if code in _UNPROCESSABLE else 409)
    return HTTPException(status, {"code": code, "message": str(err)})


async def _call(fn, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
    try:
        return await run_in_threadpool(fn, *args, **kwargs)
    except LedgerError as err:
        raise refusal(err) from None


def remitter(runtime: Runtime) -> Remitter:
    s = runtime.settings
    missing = [f"BACKOFFICE_ABA_{name.upper()}" for name in ("bank", "apca_id", "user_name", "bsb",
                                                             "account")
               if not getattr(s, f"aba_{name}")]
    if missing:
        raise HTTPException(409, {"code": "aba_not_configured", "message": "The business's direct "
                                  "entry details are not set: " + ", ".join(missing)})
    assert s.aba_bank and s.aba_user_name and s.aba_apca_id and s.aba_bsb and s.aba_account
    return Remitter(bank=s.aba_bank.upper(), user_name=s.aba_user_name, apca_id=s.aba_apca_id,
                    bsb=s.aba_bsb, account_number=s.aba_account,
                    remitter_name=s.aba_remitter or s.aba_user_name[:16])


class ProposeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_by: Day = Field(description="Pay the approved bills due on or before this date")


class WriteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    process_on: Day | None = Field(default=None, description="Processing date (default: today)")
    self_balance: bool | None = Field(default=None, description="End with one debit to your own "
                                      "account (default: BACKOFFICE_ABA_SELF_BALANCE)")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500)


@router.get("")
async def list_runs(_: Annotated[Principal, Depends(allow("payments.read"))],
                    runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Every payment run, newest first (without their suppliers: see one run)."""
    return jsonable(await _call(payment_runs.list_runs, runtime))


@router.post("", status_code=201, responses=errors(409))
async def propose(body: ProposeIn, idempotency_key: IdempotencyKey,
                  principal: Annotated[Principal, Depends(allow("payments.propose"))],
                  runtime: RuntimeDep) -> dict[str, Any]:
    """Propose a run of every approved, unpaid bill due by `due_by` not already in a run, grouped
    by supplier; suppliers with no bank details are named in `left_out`. The same key again
    returns the same run (`replayed: true`); with another due date it is 409."""
    return jsonable(await _call(payment_runs.propose_run, runtime, body.due_by,
                                actor=principal.actor, idempotency_key=idempotency_key))


@router.get("/{run_id}", responses=errors(404))
async def show(run_id: RunId, _: Annotated[Principal, Depends(allow("payments.read"))],
               runtime: RuntimeDep) -> dict[str, Any]:
    """One run: its suppliers, bills, bank details, approval, file and remittances."""
    return jsonable(await _call(payment_runs.show_run, runtime, run_id))


@router.post("/{run_id}/approval", responses=_REFUSALS)
async def approve(run_id: RunId, principal: Annotated[Principal, Depends(allow("payments.approve"))],
                  runtime: RuntimeDep) -> dict[str, Any]:
    """Approve a proposed run (not as its creator, nor as whoever last changed a payee's bank
    details: 403 `segregation_of_duties`)."""
    return jsonable(await _call(payment_runs.approve_run, runtime, run_id, actor=principal.actor))


@router.post("/{run_id}/file", response_class=Response,
             responses={200: {"content": {"text/plain": {}},
                              "description": "The ABA (direct entry) file"}, **_REFUSALS})
async def write_file(run_id: RunId, principal: Annotated[Principal, Depends(allow("payments.write"))],
                     runtime: RuntimeDep, body: WriteIn | None = None) -> Response:
    """Write an approved run's ABA file, every payee's bank details checked again against the
    supplier master; the answer is the file. A run already written gives back the same file."""
    body = body or WriteIn()
    details = remitter(runtime)
    self_balance = runtime.settings.aba_self_balance if body.self_balance is None else body.self_balance
    run = await _call(payment_runs.write_run, runtime, run_id, details, actor=principal.actor,
                      process_on=body.process_on, self_balance=self_balance)
    f = run["file"] or {}
    return Response(run["content"].encode("ascii"), media_type="text/plain; charset=us-ascii",
                    headers={"Content-Disposition": f'attachment; filename="payrun-{run_id}.aba"',
                             "X-Payment-Run-Sha256": str(f.get("sha256", "")),
                             "X-Replayed": "true" if run.get("replayed") else "false"})


@router.post("/{run_id}/remittances", responses=_REFUSALS)
async def remittances(run_id: RunId, principal: Annotated[Principal, Depends(allow("payments.write"))],
                      runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Email each supplier of a written run its remittance advice, once: a retry sends only what
    was not sent (`sent`, `already_sent`, `no_email`, `not_sent` with why, `failed`)."""
    return jsonable(await _call(payment_runs.send_remittances, runtime, run_id,
                                actor=principal.actor))


@router.post("/{run_id}/cancel", responses=_REFUSALS)
async def cancel(run_id: RunId, principal: Annotated[Principal, Depends(allow("payments.write"))],
                 runtime: RuntimeDep, body: CancelIn | None = None) -> dict[str, Any]:
    """Cancel a run not yet written: its bills may go into another run."""
    return jsonable(await _call(payment_runs.cancel_run, runtime, run_id, actor=principal.actor,
                                reason=(body or CancelIn()).reason))
