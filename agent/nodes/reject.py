"""reject: an approver rejected the bill; nothing is posted."""

from __future__ import annotations

from agent.state import InvoiceState


def reject(state: InvoiceState) -> InvoiceState:
    verdict = state.get("verdict") or {}
    by = verdict.get("by") or "an approver"
    comment = verdict.get("comment")
    return {"outcome": "rejected", "reason": f"Rejected by {by}" + (f": {comment}" if comment else "")}
