"""propose: the balanced bill this invoice should become, with the rule behind each account (an
approver's re-coding learned for the supplier, memory.layouts_store, among them)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import layouts_store
from memory.ap_queries import chart_for_proposals, past_bill_lines, supplier_posting
from memory.db import read_only
from tools.ap.propose import propose_bill


def propose(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    reading = state["reading"]
    supplier = reading.validation.supplier_match.supplier
    with read_only(ctx.sessions) as session:
        posting = supplier_posting(session, supplier.contact_id) if supplier else None
        history = past_bill_lines(session, supplier.contact_id) if supplier else ()
        chart = chart_for_proposals(session, ctx.settings.ap_unclassified_account)
        abn = (supplier.abn if supplier else None) or reading.extraction.supplier.abn
        layout = layouts_store.latest(session, abn) if abn else None
    proposal = propose_bill(reading.extraction, supplier=posting, history=history, match=state["match"],
                            chart=chart, today=ctx.clock.now().date(),
                            document_sha256=reading.document.sha256, layout=layout)
    return {"proposal": proposal}
