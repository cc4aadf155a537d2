"""decide: pure policy — auto-post, or a person approves (with the reasons), or hold.

A run admitted at a person's request through the assistant (`propose_posting`, picked up by the
admit node as `requested`) carries the hard reason "requested_by_assistant", so it always stops at
a person's approval."""

from __future__ import annotations

from datetime import timedelta

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory.ap_queries import recent_bills
from memory.db import read_only
from tools.ap.propose import BillProposal
from tools.policies.decide import Reason
from tools.policies.decide import decide as decide_policy


def _forced(state: InvoiceState) -> tuple[Reason, ...]:
    request = state.get("requested")
    if not request:
        return ()
    note = f": {request['note']}" if request.get("note") else ""
    return (Reason("requested_by_assistant",
                   f"{request['by']} asked the assistant to propose this bill{note}. A person must "
                   "approve it before it is posted.", True),)


def decide(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    proposal = state["proposal"]
    recent = ()
    if isinstance(proposal, BillProposal) and proposal.supplier is not None:
        since = proposal.issue_date - timedelta(days=ctx.policy.split_window_days)
        with read_only(ctx.sessions) as session:
            recent = recent_bills(session, proposal.supplier.contact_id, since,
                                  exclude_document_id=state.get("extracted_document_id"))
    reading = state["reading"]
    decision = decide_policy(proposal, reading.extraction.issues, state["match"], state["confidence"],
                             recent, ctx.policy, forced=_forced(state))
    return {"decision": decision}
