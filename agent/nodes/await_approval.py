"""await_approval: the graph pauses here until an approver decides (resumed with Command(resume=...)).

The resume value is only a pointer ({"approval_id"}); what was decided is read back from the
approvals table, which is the record of truth, so a forged resume value cannot approve anything."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import approvals_store
from memory.db import read_only


def await_approval(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    interrupt({"approval_id": state["approval_id"], "message_id": state["message_id"]})
    with read_only(context_of(runtime).sessions) as session:
        approval = approvals_store.get(session, state["approval_id"])
    if approval.status == "pending":  # resumed without a decision: ask again
        return {"verdict": {"decision": None}}
    return {"verdict": {"decision": approval.decision, "approval_id": approval.id,
                        "by": approval.decided_by, "comment": approval.comment}}
