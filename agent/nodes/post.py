"""post: record and post the bill. Money moves here, so the permission is checked again from the
records of truth (the decision and, unless it was an auto-post, the approval row as stored), and
the posting is idempotent: the same message and proposal post once however often this runs."""

from __future__ import annotations

from dataclasses import replace

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import approvals_store
from memory.ap_queries import chart_for_proposals
from memory.db import unit_of_work
from memory.trading_store import TradingStore
from tools.ap.edits import ProposalEdits, apply_edits
from tools.ap.propose import BillProposal
from tools.ledger.problems import LedgerError, Problem
from tools.policies.approval_rules import Approval


def idempotency_key(message_id: int, proposal: BillProposal) -> str:
    return f"ap-bill:{message_id}:{proposal.proposal_hash()}"


def post(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    proposal, decision = state["proposal"], state["decision"]
    assert isinstance(proposal, BillProposal)
    with unit_of_work(ctx.sessions) as session:
        approval = None
        if state.get("approval_id") is not None:
            row = approvals_store.get(session, state["approval_id"])
            if row.proposal_hash != proposal.proposal_hash():
                raise LedgerError((Problem("approval_for_other_proposal",
                                           "The approval is for a different version of this bill."),))
            verdict = "approve" if row.decision in ("approve", "edit") else "reject"
            if row.decision == "edit" and row.changes:
                edited = apply_edits(proposal, ProposalEdits.model_validate(row.changes),
                                     chart_for_proposals(session, ctx.settings.ap_unclassified_account))
                if not isinstance(edited, BillProposal):
                    raise LedgerError(edited)
                # The approver approved this edit of the decided proposal: the same decision,
                # for the edited bill (and its amount, when a correction changed the total: the
                # approver's limit is checked against what is posted).
                proposal = edited
                decision = replace(decision, proposal_hash=proposal.proposal_hash(),
                                   amount=proposal.total)
            approval = Approval(row.decided_by or "", row.decided_role or "", verdict,  # type: ignore[arg-type]
                                proposal.proposal_hash(), row.decided_at)
        bill = TradingStore(session, ctx.clock, ctx.actor).post_bill_proposal(
            proposal, idempotency_key=idempotency_key(state["message_id"], proposal),
            purchase_order_number=proposal.purchase_order_number, decision=decision,
            approval=approval, policy=ctx.policy)
        return {"bill_id": bill.id, "outcome": "posted"}
