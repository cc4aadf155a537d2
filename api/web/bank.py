"""The bank: each feed's reconciliation status, and the exceptions (the open lines a person must
decide), each with its suggestions and why; accept a suggestion, categorise a line to an account,
or reconcile every open line again.

The same services as /v1/bank and `backoffice bank ...` (services.bank_reconcile.feed_status and
exceptions, services.bank_decide.accept and categorise, services.bank_reconcile.reconcile_all),
called through api.routes.bank's `_call`, so a refusal has the same status and code as the API's:
a line already reconciled (another tab, another person: the line's idempotency key means it is
never posted twice) is 409 `already_reconciled`, shown in words with the queue as it stands now.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.routes.bank import _call
from api.web.auth import csrf_checked, requires
from api.web.nav import may
from api.web.render import page
from memory.schema import AccountRow, TaxCodeRow
from memory.web_sessions_store import LiveSession
from services import bank_decide
from services import bank_reconcile as reconciling

router = APIRouter(include_in_schema=False)

Reading = Annotated[LiveSession, Depends(requires("bank.read", "open the bank"))]
Posting = Annotated[LiveSession, Depends(csrf_checked)]
LIMITS = (20, 50, 100, 500)
CONTROL_ROLES = ("accounts_payable", "accounts_receivable")
KIND_WORDS = {"match": "Settles", "transfer": "Transfer to", "rule": "Rule: post to",
              "categorise": "Post to", "entry": "The ledger entry"}
ALREADY = ("Someone else (or another tab) reconciled it first, so nothing was posted twice; "
           "below is the queue as it stands now.")


def _choices(session: Session, feed_codes: set[str]) -> dict[str, Any]:
    """What a line may be categorised to: active accounts that are not settled by matching
    (payables, receivables) and not a bank feed's own account; and the tax codes."""
    accounts = session.execute(select(AccountRow.code, AccountRow.name, AccountRow.type,
                                      AccountRow.role, AccountRow.active)
                               .order_by(AccountRow.code)).all()
    taxes = session.execute(select(TaxCodeRow.code, TaxCodeRow.name).order_by(TaxCodeRow.code))
    return {"accounts": [{"code": c, "name": n, "type": t} for c, n, t, role, active in accounts
                         if active and role not in CONTROL_ROLES and c not in feed_codes],
            "tax_codes": [{"code": c, "name": n} for c, n in taxes]}


def suggestion_view(s: dict[str, Any]) -> dict[str, Any]:
    """One stored suggestion in words (as `backoffice bank exceptions` prints it)."""
    if s.get("kind") == "entry":
        target = f"{s.get('entry_date', '')} {s.get('narration') or ''}".strip() or \
            f"entry {s.get('entry')}"
    elif s.get("items"):
        target = ", ".join(f"{i.get('number') or i.get('id')} ({i.get('contact')})"
                           for i in s["items"])
    else:
        target = s.get("account_code") or ", ".join(s.get("item_ids") or []) or ""
    return {"kind": s.get("kind"), "words": KIND_WORDS.get(str(s.get("kind")), str(s.get("kind"))),
            "target": target, "confidence": s.get("confidence"),
            "tax_code": s.get("tax_code"), "reasons": list(s.get("reasons") or []),
            "difference": s.get("difference") if s.get("difference") not in (None, "0", "0.00")
            else None}


def feed_view(feed: dict[str, Any]) -> dict[str, Any]:
    statement = feed.get("statement")
    balanced = statement is not None and Decimal(str(statement["difference"])) == 0
    return {**feed, "balanced": balanced}


def line_view(line: dict[str, Any]) -> dict[str, Any]:
    amount = str(line["amount"])
    return {**line, "direction": "out" if amount.startswith("-") else "in",
            "suggestions": [suggestion_view(s) for s in line.get("suggestions") or []]}


async def _render(request: Request, live: LiveSession, *, limit: int = 50,
                  error: str | None = None, flash: str | None = None,
                  status: int = 200) -> Response:
    runtime = request.app.state.runtime
    feeds = await anyio.to_thread.run_sync(_call, reconciling.feed_status, runtime)
    lines = await anyio.to_thread.run_sync(partial(_call, reconciling.exceptions, runtime,
                                                   limit=limit))
    can_reconcile = may(live.principal.role, "bank.reconcile")
    choices = (await request.app.state.reads(_choices, {f["account"] for f in feeds})
               if can_reconcile else {"accounts": [], "tax_codes": []})
    return page(request, "bank.html", status_code=status, feeds=[feed_view(f) for f in feeds],
                lines=[line_view(ln) for ln in lines], limit=limit, limits=LIMITS,
                can_reconcile=can_reconcile, error=error, flash=flash, flash_kind="ok", **choices)


def _limit(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and int(text) in LIMITS else 50


@router.get("/bank")
async def bank(request: Request, live: Reading, limit: str = "") -> Response:
    return await _render(request, live, limit=_limit(limit), flash=_flash(request))


def _flash(request: Request) -> str | None:
    done, how = request.query_params.get("done"), request.query_params.get("how")
    if done and done.isdigit() and how in ("accept", "categorise"):
        said = "reconciled as suggested" if how == "accept" else "categorised"
        account = request.query_params.get("account", "")
        to = f" to {account}" if how == "categorise" and account.isalnum() else ""
        return f"Bank line {done} {said}{to}."
    if request.query_params.get("reconciled") == "1":
        auto, left = request.query_params.get("auto", ""), request.query_params.get("left", "")
        if auto.isdigit() and left.isdigit():
            return (f"Reconciled: {auto} line(s) with no person (above the calibrated "
                    f"threshold); {left} left for a person.")
    return None


def _refusal(exc: HTTPException) -> tuple[int, str]:
    """The API's refusal (status, code, message) in words, and what it means for the books."""
    detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail)}
    words = str(detail.get("message") or detail.get("code") or "Refused").rstrip()
    words += "" if words.endswith((".", "!", "?")) else "."
    if detail.get("code") == "already_reconciled":
        return exc.status_code, f"{words} {ALREADY}"
    return exc.status_code, words + ("" if exc.status_code == 404 else " Nothing was changed.")


async def _decide(request: Request, live: LiveSession, fn: Any, *args: Any,
                  **kwargs: Any) -> tuple[dict[str, Any] | None, Response | None]:
    form = await request.form()
    limit = _limit(form.get("limit"))
    if not may(live.principal.role, "bank.reconcile"):
        return None, await _render(request, live, limit=limit, status=403, error=(
            f"Your role ({live.principal.role}) may read the bank but not reconcile it. "
            "Nothing was changed."))
    try:
        done = await anyio.to_thread.run_sync(partial(_call, fn, request.app.state.runtime, *args,
                                                      actor=live.principal.actor, **kwargs))
    except HTTPException as exc:
        status, words = _refusal(exc)
        return None, await _render(request, live, limit=limit, status=status, error=words)
    return done, None


@router.post("/bank/lines/{line_id}/accept")
async def accept(request: Request, line_id: int, live: Posting) -> Response:
    form = await request.form()
    raw = str(form.get("choice") or "1")
    choice = int(raw) if raw.isdigit() and 1 <= int(raw) <= 10 else 1
    _, refused = await _decide(request, live, bank_decide.accept, line_id, choice=choice)
    if refused is not None:
        return refused
    return RedirectResponse(f"/bank?done={line_id}&how=accept", status_code=303)


@router.post("/bank/lines/{line_id}/categorise")
async def categorise(request: Request, line_id: int, live: Posting) -> Response:
    form = await request.form()
    account = str(form.get("account_code") or "").strip()
    tax = str(form.get("tax_code") or "").strip() or None
    if not account or len(account) > 20 or (tax is not None and len(tax) > 10):
        return await _render(request, live, limit=_limit(form.get("limit")), status=422,
                             error="Choose the account to post the line to. Nothing was changed.")
    _, refused = await _decide(request, live, bank_decide.categorise, line_id, account, tax)
    if refused is not None:
        return refused
    return RedirectResponse(f"/bank?done={line_id}&how=categorise&account={account}",
                            status_code=303)


@router.post("/bank/reconcile")
async def reconcile(request: Request, live: Posting) -> Response:
    done, refused = await _decide(request, live,
                                  lambda runtime, **kw: reconciling.reconcile_all(runtime, **kw)
                                  .as_dict())
    if refused is not None:
        return refused
    assert done is not None
    return RedirectResponse(f"/bank?reconciled=1&auto={done['auto']}&left={done['exceptions']}",
                            status_code=303)
