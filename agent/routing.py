"""Where the invoice graph goes next: pure functions of the state, returning literal node names."""

from __future__ import annotations

from typing import Literal

from agent.state import InvoiceState


def after_admit(state: InvoiceState) -> Literal["extract", "notify"]:
    return "notify" if state.get("outcome") == "quarantined" else "extract"


def after_extract(state: InvoiceState) -> Literal["validate", "notify"]:
    return "notify" if state.get("outcome") == "quarantined" else "validate"


def after_decide(state: InvoiceState) -> Literal["post", "request_approval"]:
    return "post" if state["decision"].outcome == "auto_post" else "request_approval"


def after_approval(state: InvoiceState) -> Literal["post", "reject", "await_approval"]:
    decision = (state.get("verdict") or {}).get("decision")
    if decision in ("approve", "edit"):
        return "post"
    if decision == "reject":
        return "reject"
    return "await_approval"
