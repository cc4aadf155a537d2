"""validate: check the reading against the books (supplier master, bank details, stored bills,
arithmetic, injection), re-read it with the LLM when configured and the offline reading is weak,
and record the extraction (once per message and document)."""

from __future__ import annotations

from dataclasses import replace

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory import documents_store
from services.validation_context import validation_context
from memory.db import read_only, unit_of_work
from tools.documents.extract import check_invoice
from tools.documents.validation import decision_confidence


def validate(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    raw = state["raw"]
    offline = raw.document.extraction
    with read_only(ctx.sessions) as session:
        # Without a model the supplier cannot change after this reading, so only that supplier's
        # stored bills (and the same bytes) are loaded for the duplicate check.
        context = validation_context(
            session, today=ctx.clock.now().date(), exclude_message_id=state["message_id"],
            sender_email=raw.message.sender if raw.message else None,
            for_extraction=offline if ctx.model is None else None, content_hash=raw.document.sha256)
    reading = check_invoice(raw, context=context, model=ctx.model)
    match = reading.validation.supplier_match.supplier
    with unit_of_work(ctx.sessions) as session:
        stored = documents_store.record(
            session, ctx.clock, actor=ctx.actor, inbox_message_id=state["message_id"],
            source=reading.document.source, content_sha256=reading.document.sha256,
            extraction=reading.extraction, contact_id=match.contact_id if match else None)
    # Later steps need the checked reading, not the texts it was screened from: keep the state (and
    # every checkpoint written after this step) small.
    slim = replace(reading, document=replace(reading.document, texts=()), message=None)
    return {"reading": slim, "raw": None, "extracted_document_id": stored.id,
            "confidence": decision_confidence(reading.extraction, reading.validation)}
