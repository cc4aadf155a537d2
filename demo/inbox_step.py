"""The demo's intake step: record the AP mailbox (Maildir → inbox table, bytes first) and read each
message's invoice, validated against the demo books. Messages without a readable invoice are
quarantined with the reason; the rest keep their extraction for the AP agent to decide on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from memory import documents_store
from memory.db import unit_of_work
from memory.inbox_store import InboxStore
from services.intake import MessageIntake
from core.clock import Clock
from services.extraction import extract_invoice
from tools.documents.extract import NoInvoice
from adapters.ocr import TesseractOcr
from tools.documents.pipeline import DocumentUnreadable, ReadingOptions
from memory.blobs import BlobStore
from adapters.inbox.maildir import import_maildir
from tools.inbox.parsing import MessageLimits


@dataclass
class IntakeSummary:
    recorded: int = 0
    methods: Counter[str] = field(default_factory=Counter)
    issues: Counter[str] = field(default_factory=Counter)
    quarantined: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"recorded": self.recorded, "methods": dict(sorted(self.methods.items())),
                "issues": dict(sorted(self.issues.items())), "quarantined": self.quarantined}

    def as_text(self) -> str:
        methods = ", ".join(f"{n} {m}" for m, n in sorted(self.methods.items())) or "none"
        issues = ", ".join(f"{c} ({n})" for c, n in sorted(self.issues.items())) or "none"
        lines = [f"  extraction   {sum(self.methods.values())} of {self.recorded} messages read: {methods}",
                 f"  issues found {issues}"]
        lines += [f"  quarantined  {q}" for q in self.quarantined]
        return "\n".join(lines)


def read_inbox(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> IntakeSummary:
    limits = MessageLimits.from_settings(settings)
    store = InboxStore(sessions, clock, BlobStore(settings.blob_path), actor="demo")
    summary = IntakeSummary()
    ocr = TesseractOcr()
    for result in import_maildir(settings.maildir_path, MessageIntake(store, limits)):
        message = result.result.message
        summary.recorded += 1
        if message.status != "received":
            continue
        with unit_of_work(sessions) as session:
            context = documents_store.validation_context(
                session, today=clock.now().date(), exclude_message_id=message.id)
        options = ReadingOptions(own_abn=context.own_abn, max_pdf_pages=settings.max_pdf_pages,
                                 max_xml_bytes=settings.max_xml_bytes)
        try:
            reading = extract_invoice(store.raw(message.id), name=message.subject, context=context,
                                      ocr=ocr, options=options, limits=limits)
        except (NoInvoice, DocumentUnreadable) as exc:
            reason = str(exc)[:500]
            store.mark(message.id, "quarantined", reason=reason)
            summary.quarantined.append(f"#{message.id} {message.subject[:50]}: {reason}")
            continue
        ex = reading.extraction
        match = reading.validation.supplier_match.supplier
        with unit_of_work(sessions) as session:
            documents_store.record(session, clock, actor="demo", inbox_message_id=message.id,
                                   source=reading.document.source, content_sha256=reading.document.sha256,
                                   extraction=ex, contact_id=match.contact_id if match else None)
        summary.methods[ex.method.value] += 1
        summary.issues.update(set(i.code for i in ex.issues))
    return summary
