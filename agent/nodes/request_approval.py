"""request_approval: put the proposal in front of a person, with the reasons and the evidence.

A side effect, so idempotent: asking again for the same run and proposal returns the approval
already open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import approvals_store
from memory.db import unit_of_work
from tools.ap.propose import BillProposal


def reasons_of(state: InvoiceState) -> list[dict[str, Any]]:
    return [{"code": r.code, "message": r.message, "hard": r.hard} for r in state["decision"].reasons]


def evidence_of(state: InvoiceState) -> dict[str, Any]:
    reading = state["reading"]
    match = reading.validation.supplier_match
    return {"document": {"source": reading.document.source, "sha256": reading.document.sha256,
                         "method": reading.extraction.method.value,
                         "extracted_document_id": state.get("extracted_document_id")},
            "extraction": reading.extraction.contract(),
            "supplier_match": {"by": match.by, "confidence": match.confidence,
                               "contact_id": match.supplier.contact_id if match.supplier else None},
            "purchase_order": {"status": state["match"].status, "number": state["match"].po_number,
                               "exceptions": [{"code": i.code, "message": i.message}
                                              for i in state["match"].exceptions]},
            "confidence": state["confidence"],
            "threshold": state["decision"].threshold_used}


def approval_amount(state: InvoiceState) -> Decimal:
    """What the approval is for: the decided bill's total. A refused proposal (a hold: a credit note,
    a foreign currency, no number...) has none, so the document's stated total when it shows one,
    else $0.00: the approval row needs an amount, and its reasons say why there is no bill."""
    decided = state["decision"].amount
    if decided is not None:
        return decided
    total = state["reading"].extraction.total
    if isinstance(total, Decimal) and total.is_finite():
        return abs(total).quantize(Decimal("0.01"))
    return Decimal("0.00")


def request_approval(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    proposal, decision = state["proposal"], state["decision"]
    payload = proposal.as_dict() if isinstance(proposal, BillProposal) else {
        "refused": [{"code": i.code, "message": i.message} for i in proposal.issues]}
    contact = proposal.supplier.contact_id if isinstance(proposal, BillProposal) and proposal.supplier else None
    with unit_of_work(ctx.sessions) as session:
        approval = approvals_store.open_approval(
            session, ctx.clock, run_id=state["run_id"], inbox_message_id=state["message_id"],
            contact_id=contact, amount=approval_amount(state), required_role=decision.required_role or "owner",
            confidence=state["confidence"], proposal_hash=decision.proposal_hash or "",
            proposal=payload, reasons=reasons_of(state), evidence=evidence_of(state))
    return {"approval_id": approval.id}
