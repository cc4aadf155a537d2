"""match: two- or three-way match against the supplier's purchase orders and goods receipts."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory.ap_queries import purchase_orders_for_match
from memory.db import read_only
from tools.matching.po_match import match_purchase_order


def match(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    reading = state["reading"]
    supplier = reading.validation.supplier_match.supplier
    contact_id = supplier.contact_id if supplier else None
    with read_only(ctx.sessions) as session:
        orders = purchase_orders_for_match(session, contact_id, reading.extraction.purchase_order)
    text = "\n".join(t.text for t in reading.texts if t.source.endswith(".text"))
    return {"match": match_purchase_order(reading.extraction, contact_id=contact_id,
                                          purchase_orders=orders, tolerances=ctx.tolerances,
                                          document_text=text)}
