"""/v1/bank: statements in, reconciliation, the exception queue, a person's decisions and the rules
(the same services as `backoffice bank ...`).

Roles (api.views.PERMISSIONS): reading the bank is for clerks, approvers, owners and auditors;
importing, reconciling and deciding lines for clerks, approvers and owners; rules, which reconcile
with no person, for approvers and owners. A refused statement is 422 with its code; a line already
reconciled (another tab, another person) is 409 `already_reconciled`; an unknown line 404.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, allow
from api.responses import errors
from api.views import jsonable
from memory.apikeys_store import Principal
from tools.ledger.problems import LedgerError

router = APIRouter(prefix="/bank", tags=["bank"])
LineId = Annotated[int, Path(ge=1, le=2_147_483_647)]
# What `_call` answers for a line or a rule (the 403 comes with the roles: api.responses).
_REFUSALS = errors(404, 409, 422)
_NOT_FOUND = frozenset({"unknown_bank_line", "unknown_bank_rule", "unknown_item", "unknown_entry"})


def _call(fn, *args: Any, **kwargs: Any) -> Any:  # type: ignore[no-untyped-def]
    try:
        return jsonable(fn(*args, **kwargs))
    except LedgerError as err:
        code = err.codes[0] if err.codes else "refused"
        status = 404 if code in _NOT_FOUND else 422 if code in ("amounts_disagree", "wrong_direction",
                                                                "no_such_suggestion", "empty_rule",
                                                                "control_account", "unknown_account",
                                                                "unknown_tax_code") else 409
        raise HTTPException(status, {"code": code, "message": str(err)}) from None


@router.post("/statements", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def import_statement(
        request: Request, principal: Annotated[Principal, Depends(allow("bank.import"))],
        runtime: RuntimeDep,
        filename: Annotated[str, Query(min_length=1, max_length=200)] = "statement",
        account: Annotated[str | None, Query(max_length=20)] = None,
        number: Annotated[str | None, Query(max_length=40)] = None) -> dict[str, Any]:
    """Import one statement file (the raw bytes: OFX/QFX, QIF, camt.053, MT940 or a bank CSV).
    Lines already held are skipped; the whole file is refused (422, nothing stored) when it cannot
    be read, its balances do not add up, or it is for an unknown account (give `account`;
    `number` is the account's BSB and number when the file does not carry it)."""
    from services.bank_import import BankImportError, import_statement_file, problems_as_dicts

    raw = await request.body()
    if not raw:
        raise HTTPException(400, {"code": "empty_body", "message": "The request has no file."})
    try:
        done = await run_in_threadpool(import_statement_file, runtime, raw, filename,
                                       actor=principal.actor, account_code=account,
                                       account_number=number)
    except BankImportError as err:
        raise HTTPException(422, {"code": err.code, "message": err.message}) from None
    return {"file": filename, "statements": [
        {"account": s.account_code, "read": s.lines_read, "new": s.lines_new,
         "problems": problems_as_dicts(s.problems)} for s in done.statements]}


@router.post("/reconcile", responses=errors(409))
def reconcile(principal: Annotated[Principal, Depends(allow("bank.reconcile"))], runtime: RuntimeDep,
              auto: bool = True) -> dict[str, Any]:
    """Reconcile every open line: above the calibrated threshold with no person, the rest kept
    with their suggestions for the exception queue."""
    from services.bank_reconcile import reconcile_all

    return _call(lambda: reconcile_all(runtime, actor=principal.actor, auto=auto).as_dict())


@router.get("/exceptions")
def exceptions(_: Annotated[Principal, Depends(allow("bank.read"))], runtime: RuntimeDep,
               limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
    """Open lines, oldest first, each with its top suggestions and why."""
    from services.bank_reconcile import exceptions as open_lines

    return _call(open_lines, runtime, limit=limit)


@router.get("/status")
def status(_: Annotated[Principal, Depends(allow("bank.read"))], runtime: RuntimeDep) -> list[dict[str, Any]]:
    """Each feed: its lines, how many are open, and the date it is reconciled to."""
    from services.bank_reconcile import feed_status

    return _call(feed_status, runtime)


class AcceptIn(BaseModel):
    choice: int = Field(default=1, ge=1, le=10, description="Which suggestion: 1 is the top one")


class MatchIn(BaseModel):
    items: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(min_length=1, max_length=20)


class CategoriseIn(BaseModel):
    account_code: str = Field(min_length=1, max_length=20)
    tax_code: str | None = Field(default=None, max_length=10)


@router.post("/lines/{line_id}/accept", responses=_REFUSALS)
def accept(line_id: LineId, body: AcceptIn,
           principal: Annotated[Principal, Depends(allow("bank.reconcile"))], runtime: RuntimeDep) -> dict[str, Any]:
    """Reconcile the line as one of its suggestions says."""
    from services.bank_decide import accept as accept_line

    return _call(accept_line, runtime, line_id, actor=principal.actor, choice=body.choice)


@router.post("/lines/{line_id}/match", responses=_REFUSALS)
def match(line_id: LineId, body: MatchIn,
          principal: Annotated[Principal, Depends(allow("bank.reconcile"))], runtime: RuntimeDep) -> dict[str, Any]:
    """Reconcile the line against bills or invoices (numbers, or bill:ID / sale:ID) or a ledger
    entry (entry:ID); the amounts must agree within the tolerance."""
    from services.bank_decide import match as match_line

    return _call(match_line, runtime, line_id, body.items, actor=principal.actor)


@router.post("/lines/{line_id}/categorise", responses=_REFUSALS)
def categorise(line_id: LineId, body: CategoriseIn,
               principal: Annotated[Principal, Depends(allow("bank.reconcile"))], runtime: RuntimeDep) -> dict[str, Any]:
    """Post the line to an account (GST split by the tax code); the choice trains the categoriser."""
    from services.bank_decide import categorise as categorise_line

    return _call(categorise_line, runtime, line_id, body.account_code, body.tax_code,
                 actor=principal.actor)


@router.get("/rules")
def rules(_: Annotated[Principal, Depends(allow("bank.read"))], runtime: RuntimeDep) -> list[dict[str, Any]]:
    """A person's rules and the ones proposed from corrections, with their backtests."""
    from services.bank_learning import list_rules

    return _call(list_rules, runtime)


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    account_code: str = Field(min_length=1, max_length=20)
    tax_code: str | None = Field(default=None, max_length=10)
    contains: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default=[], max_length=10)
    payee: str | None = Field(default=None, max_length=200)
    direction: Literal["in", "out"] | None = None
    amount_min: str | None = Field(default=None, pattern=r"^\d{1,12}(\.\d{1,2})?$")
    amount_max: str | None = Field(default=None, pattern=r"^\d{1,12}(\.\d{1,2})?$")


@router.post("/rules", status_code=201, responses=_REFUSALS)
def add_rule(body: RuleIn, principal: Annotated[Principal, Depends(allow("bank.rules"))],
             runtime: RuntimeDep) -> dict[str, Any]:
    """Add a rule; refused (409 `rule_contradicts_history`) if it would have changed an earlier
    decision."""
    from services.bank_learning import add_rule as add

    return _call(add, runtime, body.name, actor=principal.actor, contains=tuple(body.contains),
                 payee=body.payee, account_code=body.account_code, tax_code=body.tax_code,
                 direction=body.direction, amount_min=body.amount_min, amount_max=body.amount_max)


class RuleStatusIn(BaseModel):
    status: Literal["active", "disabled"]


@router.post("/rules/{rule_id}/status", responses=_REFUSALS)
def rule_status(rule_id: LineId, body: RuleStatusIn,
                principal: Annotated[Principal, Depends(allow("bank.rules"))],
                runtime: RuntimeDep) -> dict[str, Any]:
    """Use or stop using a rule."""
    from services.bank_learning import set_rule_status

    return _call(set_rule_status, runtime, rule_id, body.status, actor=principal.actor)
