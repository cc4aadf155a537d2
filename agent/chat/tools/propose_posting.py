"""The assistant tool `propose_posting`: ask for an inbox document to become a bill, through a
person's approval. The assistant can never post.

Why admission and not a separate proposal table: the AP graph already turns an inbox message into a
proposal, checks it (supplier, bank details, duplicates, PO match, GST) and puts it in the existing
approval queue, and only the posting node, after an approver's decision, moves money. So the tool
admits the message for that graph (memory.ap_store.admit_requested) with who asked and their note;
the decide step then adds the hard reason "requested_by_assistant", so the bill waits in
`GET /v1/approvals` / `backoffice approvals list` however clean it is. A message that already has a
run is never admitted again: asking twice, or after the worker took it, creates nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from memory import ap_store
from memory.assistant_queries import inbox_messages
from memory.db import unit_of_work
from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller, ToolModel, ToolRefused

PROPOSING_ROLES = ("clerk", "approver", "owner")  # those who may submit mail (inbox.submit)


class ProposePostingRequest(ToolModel):
    message_id: int = Field(ge=1, description="The inbox message whose invoice should be a bill")
    note: str = Field(default="", max_length=500,
                      description="Why, in the user's words; shown to the approver")


class ProposePostingResponse(ToolModel):
    message_id: int
    status: Literal["proposed", "already_proposed", "processing", "awaiting_approval", "posted",
                    "rejected", "quarantined"] = Field(description=(
                        "proposed: queued now for a person's approval; otherwise what already "
                        "happened to the message (nothing new was created)"))
    created: bool = Field(description="True only when this call queued the message")
    run_id: int | None = None
    bill_id: int | None = None
    bill_total: Decimal | None = None
    approval_id: int | None = None
    message: str


_OUTCOME = {"posted": "posted", "rejected": "rejected", "quarantined": "quarantined",
            "failed": "quarantined", "awaiting_approval": "awaiting_approval"}


def propose_posting(request: ProposePostingRequest, caller: Caller,
                    deps: AssistantDeps) -> ProposePostingResponse:
    """Ask for an inbox message's invoice to be made into a bill, for a person to approve. You can
    never post, pay or approve: this only queues the document for the AP agent, which reads and
    checks it and then ALWAYS puts the proposed bill in the approval queue (reason
    "requested_by_assistant", with who asked and `note`), where an approver accepts, edits or
    rejects it. Use it when the user asks to "post", "enter" or "process" a bill from the inbox.
    If the message already has an outcome (a posted bill, a pending approval, rejected,
    quarantined, or still processing) nothing is created and the answer says what happened
    (bill_id, approval_id); asking twice creates one request. Tell the user the bill is waiting
    for approval, not that it was posted.
    """
    caller.require(*PROPOSING_ROLES, what="propose bills for approval")
    with unit_of_work(deps.sessions) as session:
        before = inbox_messages(session, message_id=request.message_id, limit=1)
        if before and before[0].run_id is None and before[0].inbox_status == "quarantined":
            return ProposePostingResponse(
                message_id=request.message_id, status="quarantined", created=False,
                message=f"It was quarantined when it arrived: {before[0].quarantine_reason}. "
                        "Nothing new was created.")
        try:
            run, created = ap_store.admit_requested(session, deps.clock, request.message_id,
                                                    actor=caller.actor, note=request.note)
        except ap_store.NotAdmissible as exc:
            raise ToolRefused(exc.code, exc.message) from None
        row = inbox_messages(session, message_id=request.message_id, limit=1)[0]
    if created:
        return ProposePostingResponse(
            message_id=request.message_id, status="proposed", created=True, run_id=run.id,
            message=("Queued for the AP agent. It will read and check the invoice and put the "
                     "proposed bill in the approval queue for a person to approve; nothing is "
                     "posted until then."))
    if run.state in _OUTCOME:
        status = _OUTCOME[run.state]
        what = {"posted": f"It was already posted as bill {run.bill_id}.",
                "awaiting_approval": f"It is already waiting for approval {run.approval_id}.",
                "rejected": "An approver already rejected it.",
                "quarantined": "It was quarantined: "
                               + "; ".join(str(r.get("message")) for r in run.reasons)}[status]
    elif row.requested_by is not None:
        status, what = "already_proposed", (f"{row.requested_by} already asked for it; the AP "
                                            "agent will put it in the approval queue.")
    else:
        status, what = "processing", "The AP agent is already processing it."
    return ProposePostingResponse(
        message_id=request.message_id, status=status, created=False,  # type: ignore[arg-type]
        run_id=run.id, bill_id=run.bill_id, bill_total=row.bill_total,
        approval_id=run.approval_id, message=what + " Nothing new was created.")


PROPOSE_POSTING_TOOL = AssistantTool(name="propose_posting", request=ProposePostingRequest,
                                     response=ProposePostingResponse, run=propose_posting,
                                     roles=frozenset(PROPOSING_ROLES))
