"""The approval queue and one approval: the document's pages beside what was read from it, each
field's confidence, the purchase order, the evidence and the reasons; approve, edit or reject.

Deciding goes through agent.decisions.decide, exactly as POST /v1/approvals/{id}/decision does
(the same proposal hash, an idempotency key minted when the page was drawn, so a double submit
replays instead of deciding twice). A refusal (409 another tab decided first, 403 a limit or
segregation of duties) is shown in words on the page, with the approval as it stands now."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.page_images import PageImageError, page_count, render_page
from agent import decisions
from api.schemas import Changes
from api.views import approval_detail, approval_queue
from api.web.auth import csrf_checked, requires
from api.web.nav import may
from api.web.render import page
from memory import approvals_store
from memory.ap_queries import chart_for_proposals
from memory.approvals_store import ApprovalNotFound
from memory.schema import AccountRow
from memory.web_sessions_store import LiveSession
from services.approval_documents import approval_source
from services.approvals import ApprovalRefused

router = APIRouter(include_in_schema=False)

Reading = Annotated[LiveSession, Depends(requires("approvals.read", "open the approval queue"))]
STATUSES = ("pending", "approved", "rejected")
# (the Changes field and the extraction's confidence key, its label)
FIELDS = (("invoice_number", "Invoice number"), ("issue_date", "Issue date"),
          ("due_date", "Due date"), ("purchase_order", "Purchase order"),
          ("subtotal", "Subtotal"), ("tax", "GST"), ("total", "Total"))


@router.get("/approvals")
async def queue(request: Request, live: Reading, status: str = "pending") -> Response:
    status = status if status in STATUSES else "pending"
    items = await request.app.state.reads(partial(approval_queue, status=status, limit=500))
    return page(request, "approvals.html", items=items, status=status, statuses=STATUSES,
                flash=_flash(request))


def _flash(request: Request) -> str | None:
    done, verdict = request.query_params.get("done"), request.query_params.get("verdict")
    if not (done and done.isdigit() and verdict in {"approve", "reject", "edit"}):
        return None
    said = {"approve": "approved", "reject": "rejected", "edit": "edited and approved"}[verdict]
    return f"Approval {done} {said}."


def _detail(session: Session, approval_id: int) -> dict[str, Any] | None:
    try:
        view = approval_detail(approvals_store.get(session, approval_id))
    except ApprovalNotFound:
        return None
    # What an edit may re-code a line to, and each line's own account (so an untouched select
    # sends back what it was, not the first option)
    current = {str(line.get("account")) for line in view["proposal"].get("lines") or []
               if line.get("account")}
    usable = chart_for_proposals(session).line_accounts | current
    names = dict(session.execute(select(AccountRow.code, AccountRow.name)).all())
    view["accounts"] = [{"code": code, "name": names.get(code, "")} for code in sorted(usable)]
    return view


def field_rows(view: dict[str, Any]) -> list[dict[str, Any]]:
    """What the invoice was read as, each field with its confidence, low ones marked."""
    proposal = view.get("proposal") or {}
    extraction = (view.get("evidence") or {}).get("extraction") or {}
    confidence = extraction.get("confidence") or {}
    threshold = float((view.get("evidence") or {}).get("threshold") or 0.8)
    rows = [{"name": "supplier", "label": "Supplier", "value": proposal.get("supplier_name"),
             "confidence": confidence.get("supplier.name"), "editable": False}]
    for name, label in FIELDS:
        value = proposal.get(name if name != "invoice_number" else "number")
        if name == "purchase_order" and isinstance(value, dict):
            value = value.get("number")
        rows.append({"name": name, "label": label, "value": value,
                     "confidence": confidence.get(name), "editable": True})
    for row in rows:
        c = row["confidence"]
        row["low"] = c is not None and float(c) < threshold
    return rows


async def _render(request: Request, live: LiveSession, approval_id: int, *,
                  error: str | None = None, status: int = 200) -> Response:
    view = await request.app.state.reads(_detail, approval_id)
    if view is None:
        return page(request, "error.html", status_code=404, heading="No such approval",
                    message=f"There is no approval {approval_id}.", back="/approvals")
    source = await request.app.state.reads(approval_source, request.app.state.run_context.blobs,
                                           approval_id)
    pages = page_count(source.data, source.content_type) if source is not None else 0
    can_decide = may(live.principal.role, "approvals.decide") and view["status"] == "pending"
    return page(request, "approval.html", status_code=status, a=view, fields=field_rows(view),
                pages=pages, source=source, can_decide=can_decide, error=error,
                decision_key=f"web-{uuid.uuid4()}")


@router.get("/approvals/{approval_id}")
async def detail(request: Request, approval_id: int, live: Reading) -> Response:
    return await _render(request, live, approval_id)


@router.get("/approvals/{approval_id}/pages/{number}.png")
async def page_image(request: Request, approval_id: int, number: int, _: Reading) -> Response:
    source = await request.app.state.reads(approval_source, request.app.state.run_context.blobs,
                                           approval_id)
    if source is None:
        return Response(status_code=404)
    try:
        png = render_page(source.data, source.content_type, number - 1)
    except PageImageError:
        return Response(status_code=404)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})


def changes_from_form(form: Any, view: dict[str, Any]) -> dict[str, Any]:
    """The edit as the API's `Changes`: only what differs from the proposal (blank = unchanged).
    Raises ValueError with the reason in words."""
    proposal = view.get("proposal") or {}
    raw: dict[str, Any] = {}
    for row in field_rows(view):
        if not row["editable"]:
            continue
        sent = str(form.get(row["name"]) or "").strip()
        if sent and sent != str(row["value"] or ""):
            raw[row["name"]] = sent
    lines = []
    for index, line in enumerate(proposal.get("lines") or []):
        sent = str(form.get(f"line_{index}_account") or "").strip()
        if sent and sent != str(line.get("account") or ""):
            lines.append({"index": index, "account_code": sent})
    if lines:
        raw["lines"] = lines
    if not raw:
        raise ValueError("Nothing was changed: change a field or a line's account, or approve it "
                         "as it stands.")
    try:
        return Changes.model_validate(raw).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ValueError(f"{where}: {first.get('msg')}") from None


@router.post("/approvals/{approval_id}/decision")
async def decide(request: Request, approval_id: int,
                 live: Annotated[LiveSession, Depends(csrf_checked)]) -> Response:
    if not may(live.principal.role, "approvals.decide"):
        return await _render(request, live, approval_id, status=403,
                             error=f"Your role ({live.principal.role}) may read approvals but not "
                                   f"decide them. Nothing was changed.")
    form = await request.form()
    verdict = str(form.get("decision") or "")
    if verdict not in ("approve", "reject", "edit"):
        return await _render(request, live, approval_id, status=422,
                             error="Choose approve, edit or reject.")
    changes = None
    if verdict == "edit":
        view = await request.app.state.reads(_detail, approval_id)
        if view is None:
            return await _render(request, live, approval_id)
        try:
            changes = changes_from_form(form, view)
        except ValueError as exc:
            return await _render(request, live, approval_id, status=422, error=str(exc))
    comment = str(form.get("comment") or "").strip() or None
    if verdict == "reject" and not comment:
        return await _render(request, live, approval_id, status=422,
                             error="Say why you are rejecting it: the comment goes to the audit "
                                   "log and to whoever follows the invoice up.")
    import anyio

    try:
        await anyio.to_thread.run_sync(partial(
            decisions.decide, request.app.state.run_context, live.principal, approval_id,
            verdict=verdict, proposal_hash=str(form.get("proposal_hash") or ""),
            key=str(form.get("idempotency_key") or ""), changes=changes, comment=comment))
    except ApprovalRefused as exc:
        return await _render(request, live, approval_id, status=exc.status,
                             error=_refusal_words(exc))
    return RedirectResponse(f"/approvals?done={approval_id}&verdict={verdict}", status_code=303)


def _refusal_words(exc: ApprovalRefused) -> str:
    after = {409: " Nothing you sent was applied; below is the approval as it stands now.",
             403: " Nothing was changed: someone else must decide this one.",
             404: "", 422: " Nothing was changed."}.get(exc.status, "")
    return exc.message + after
