"""admit: the run starts from a recorded inbox message (the admission record already exists; this
node only checks the message is there and still ours to process)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
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
    return {}
