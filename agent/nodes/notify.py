"""notify: the run's one outcome, recorded on the run and on its inbox message (notify)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.nodes.request_approval import reasons_of
from agent.state import InvoiceState
from memory import ap_store, audit
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage


def notify(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    outcome = state["outcome"]
    reasons = reasons_of(state) if state.get("decision") else []
    if outcome == "quarantined" and state.get("reason"):
        reasons = [{"code": "quarantined", "message": state["reason"], "hard": True}]
    with unit_of_work(ctx.sessions) as session:
        run = ap_store.finish(session, ctx.clock, state["run_id"], outcome, bill_id=state.get("bill_id"),
                              reasons=reasons)
        message = session.get(InboxMessage, state["message_id"], with_for_update=True)
        assert message is not None
        if outcome == "quarantined":
            message.status, message.quarantine_reason = "quarantined", (state.get("reason") or "")[:500]
        else:
            message.status = "processed"
            message.outcome = (f"posted: bill {state['bill_id']}" if outcome == "posted"
                               else f"rejected: {state.get('reason', '')}")[:200]
        audit.append(session, ctx.clock, actor=ctx.actor, action=f"ap.{outcome}",
                     entity_type="inbox_message", entity_id=state["message_id"],
                     payload={"run": run.id, "bill": state.get("bill_id"), "reason": state.get("reason")})
    return {}
