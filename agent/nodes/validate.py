"""validate: check the reading against the books (supplier master, bank details, stored bills,
arithmetic, injection), re-read it with the LLM when configured and the offline reading is weak,
and record the extraction (once per message and document)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import documents_store
from memory.db import unit_of_work
from tools.documents.extract import check_invoice
from tools.documents.validation import decision_confidence


def validate(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    raw = state["raw"]
    with unit_of_work(ctx.sessions) as session:
        context = documents_store.validation_context(
            session, today=ctx.clock.now().date(), exclude_message_id=state["message_id"])
    reading = check_invoice(raw, context=context, model=ctx.model)
    match = reading.validation.supplier_match.supplier
    with unit_of_work(ctx.sessions) as session:
        stored = documents_store.record(
            session, ctx.clock, actor=ctx.actor, inbox_message_id=state["message_id"],
            source=reading.document.source, content_sha256=reading.document.sha256,
            extraction=reading.extraction, contact_id=match.contact_id if match else None)
    return {"reading": reading, "extracted_document_id": stored.id,
            "confidence": decision_confidence(reading.extraction, reading.validation)}
