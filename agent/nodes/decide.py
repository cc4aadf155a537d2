"""decide: pure policy — auto-post, or a person approves (with the reasons), or hold."""

from __future__ import annotations

from datetime import timedelta

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory.ap_queries import recent_bills
from memory.db import read_only
from tools.ap.propose import BillProposal
from tools.policies.decide import decide as decide_policy


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
                             recent, ctx.policy)
    return {"decision": decision}
