"""extract: read the message's invoice offline (no checks yet), with what corrections taught about
the supplier's layout (memory.layouts_store). An email without a readable invoice ends the run as
quarantined, with the reason."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.context import RunContext, context_of
from agent.state import InvoiceState
from memory.db import read_only
from memory.inbox_schema import InboxMessage
from memory.layouts_store import StoredLayouts
from memory.schema import Organisation
from services.extraction import read_invoice
from tools.documents.extract import NoInvoice
from tools.documents.pipeline import DocumentUnreadable, ReadingOptions
from tools.inbox.errors import InboxError
from tools.inbox.parsing import MessageLimits


def extract(state: InvoiceState, runtime: Runtime[RunContext]) -> InvoiceState:
    ctx = context_of(runtime)
    settings = ctx.settings
    with read_only(ctx.sessions) as session:
        message = session.get(InboxMessage, state["message_id"])
        assert message is not None, f"inbox message {state['message_id']} vanished"
        raw_sha, subject = message.raw_sha256, message.subject
        org = session.get(Organisation, 1)
    # Our own ABN is never the supplier's: the reader must know it to tell the parties apart.
    # What approvers' corrections taught about the supplier's layout is applied to the reading.
    options = ReadingOptions(own_abn=org.abn if org else None, max_pdf_pages=settings.max_pdf_pages,
                             max_xml_bytes=settings.max_xml_bytes, learned=StoredLayouts(ctx.sessions))
    try:
        raw = read_invoice(ctx.blobs.get(raw_sha), name=subject, ocr=ctx.ocr, options=options,
                           limits=MessageLimits.from_settings(settings))
    except NoInvoice as exc:
        return {"outcome": "quarantined", "reason": f"No invoice could be read: {exc}"[:500]}
    except (DocumentUnreadable, InboxError) as exc:
        return {"outcome": "quarantined", "reason": f"{exc.message} [{exc.code}]"[:500]}
    return {"raw": raw}
