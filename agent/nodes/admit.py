"""admit: the run starts from a recorded inbox message (the admission record already exists; this
node only checks the message is there and still ours to process, and picks up a person's request
for approval made through the assistant: `propose_posting`, ap_runs.requested_by)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory.ap_store import requested_by
from memory.db import read_only
from memory.inbox_schema import InboxMessage


def admit(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    with read_only(context_of(runtime).sessions) as session:
        message = session.get(InboxMessage, state["message_id"])
        if message is None:
            return {"outcome": "quarantined", "reason": "The inbox message is missing."}
        if message.status == "quarantined":
            return {"outcome": "quarantined",
                    "reason": message.quarantine_reason or "The message was quarantined at intake."}
        request = requested_by(session, state["run_id"]) if "run_id" in state else None
    if request is not None:
        return {"requested": {"by": request[0], "note": request[1] or ""}}
    return {}
