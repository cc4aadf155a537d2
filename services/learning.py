"""Learning from an approver's correction: what the edited bill teaches about its supplier's layout
(tools.documents.learned), backtested against the supplier's earlier accepted documents and kept as
the supplier's next layout version (memory.layouts_store), or with why not.

Called after an edit decision (agent.decisions). The lesson is the document as the approver accepted
it: every header field as read, with their corrections; anchors are learned where those values are
printed. Header rules are backtested against the supplier's documents whose bills were posted (as
accepted, corrections included); line-account rules against the coding people approved on the
supplier's earlier bills (an account a default chose and nobody looked at is no earlier decision). Idempotent: one lesson per approval, so a replayed decision learns nothing twice. A
document that cannot be read again (its blob gone, an e-invoice with no layout) still teaches the
line-account rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ocr import Ocr, OcrText
from core.text_layer import PdfText
from memory import approvals_store, layouts_store
from memory.blobs import BlobStore
from memory.db import read_only, unit_of_work
from memory.documents_store import own_abn
from memory.inbox_schema import InboxMessage
from memory.layouts_store import AcceptedDocument, LayoutConflict, LayoutLesson
from memory.schema import Contact
from services.extraction import text_layer
from services.context import BooksContext
from tools.ap.edits import ProposalEdits
from tools.documents.identify import Kind, identify
from tools.documents.learned import (
    HEADER_FIELDS,
    Corrections,
    SupplierLayout,
    accept,
    backtest,
    learn,
)
from tools.documents.model import Extraction
from tools.documents.pipeline import DocumentUnreadable, ReadingOptions
from tools.inbox.errors import InboxError
from tools.inbox.parsing import MessageLimits, parse_message

Text = PdfText | OcrText


class LearningContext(BooksContext, Protocol):
    """What learning needs (the invoice graph's RunContext has it)."""
    @property
    def blobs(self) -> BlobStore: ...
    @property
    def ocr(self) -> Ocr | None: ...


@dataclass(frozen=True)
class _Inputs:
    abn: str
    taught_by: str
    edits: ProposalEdits
    corrections: Corrections
    previous: SupplierLayout | None
    raw_sha: str | None
    content_sha: str | None
    earlier: list[AcceptedDocument]
    earlier_lines: list[tuple[str, str]]
    options: ReadingOptions


def accepted_extraction(contract: dict[str, Any], changes: dict[str, Any] | None) -> Extraction:
    """A stored reading with the approver's corrections over it: what was accepted."""
    extraction = Extraction.model_validate(contract)
    if not changes:
        return extraction
    return extraction.model_copy(update=ProposalEdits.model_validate(changes).corrections())


def _inputs(ctx: LearningContext, session: Session, approval: approvals_store.ApprovalRecord
            ) -> _Inputs | None:
    edits = ProposalEdits.model_validate(approval.changes or {})
    evidence = approval.evidence
    contract = evidence.get("extraction")
    if not contract:
        return None
    read = accepted_extraction(contract, approval.changes)
    contact = session.get(Contact, approval.contact_id) if approval.contact_id else None
    abn = read.supplier.abn or (contact.abn if contact else None)
    if not abn:
        return None
    lines = approval.proposal.get("lines", [])
    line_accounts = tuple((lines[e.index]["description"], e.account_code) for e in edits.lines
                          if e.index < len(lines) and lines[e.index].get("source_line") is not None)
    corrections = Corrections(**{f: getattr(read, f) for f in HEADER_FIELDS}, line_accounts=line_accounts,
                              corrected=frozenset(edits.corrections()))
    raw_sha = session.scalar(select(InboxMessage.raw_sha256).where(InboxMessage.id == approval.inbox_message_id))
    settings = ctx.settings
    return _Inputs(
        abn, approval.decided_by or "approver", edits, corrections, layouts_store.latest(session, abn),
        raw_sha, (evidence.get("document") or {}).get("sha256"),
        layouts_store.accepted_documents(session, abn=abn, contact_id=approval.contact_id,
                                         exclude_message_id=approval.inbox_message_id),
        layouts_store.approved_line_accounts(session, approval.contact_id, exclude_approval_id=approval.id)
        if approval.contact_id else [],
        ReadingOptions(own_abn=own_abn(session), max_pdf_pages=settings.max_pdf_pages,
                       max_xml_bytes=settings.max_xml_bytes))


def _document(ctx: LearningContext, raw_sha: str | None, content_sha: str | None) -> bytes | None:
    if not raw_sha or not content_sha:
        return None
    raw = ctx.blobs.get(raw_sha)
    if identify(raw) is not Kind.EMAIL:
        return raw if hashlib.sha256(raw).hexdigest() == content_sha else None
    parsed = parse_message(raw, MessageLimits.from_settings(ctx.settings))
    return next((d.data for d in parsed.documents if hashlib.sha256(d.data).hexdigest() == content_sha), None)


def _text(ctx: LearningContext, raw_sha: str | None, content_sha: str | None,
          options: ReadingOptions) -> tuple[Text | None, str]:
    """The document's text layer and how it was had (pdf_text, ocr, none, or why not)."""
    try:
        data = _document(ctx, raw_sha, content_sha)
        text = text_layer(data, ocr=ctx.ocr, options=options) if data is not None else None
    except (InboxError, DocumentUnreadable) as exc:
        return None, f"unreadable:{exc.code}"
    return text, (getattr(text, "method", "pdf_text") if text is not None else "none")


def _lesson(inputs: _Inputs, ctx: LearningContext) -> tuple[str, SupplierLayout | None, dict[str, Any]]:
    text, how = _text(ctx, inputs.raw_sha, inputs.content_sha, inputs.options)
    candidate = learn(inputs.previous, text, inputs.corrections, supplier_abn=inputs.abn)
    earlier = []
    for doc in inputs.earlier:
        past, _ = _text(ctx, doc.raw_sha256, doc.content_sha256, inputs.options)
        if past is not None:
            earlier.append((past, accepted_extraction(doc.extraction, doc.changes),
                            f"document {doc.extracted_document_id}"))
    refusals = backtest(candidate, earlier, previous=inputs.previous, earlier_lines=inputs.earlier_lines)
    final = accept(inputs.previous, candidate, refusals)
    outcome = "learned" if final is not None else "refused" if refusals else "unchanged"
    corrected = inputs.edits.corrections()
    lesson = {"corrected": {k: str(v) for k, v in corrected.items()},
              "line_accounts": [list(p) for p in inputs.corrections.line_accounts],
              "text": how, "backtested_documents": len(earlier),
              "anchored": sorted(a.field for a in candidate.anchors),
              "not_located": sorted(f for f in corrected if candidate.anchor(f) is None),
              "refused": [{"rule": r.rule, "code": r.code, "message": r.message} for r in refusals],
              "previous_version": inputs.previous.version if inputs.previous else None}
    return outcome, final, lesson


def learn_from_approval(ctx: LearningContext, approval_id: int) -> LayoutLesson | None:
    """Learn from one edit decision (once); None when there is nothing to learn from (not an
    edit, no supplier ABN, no reading to correct)."""
    for _ in range(3):  # another lesson for the same supplier may take the next version first
        with read_only(ctx.sessions) as session:
            approval = approvals_store.get(session, approval_id)
            if approval.decision != "edit" or not approval.changes:
                return None
            done = layouts_store.lesson_for(session, approval_id)
            if done is not None:
                return done
            inputs = _inputs(ctx, session, approval)
        if inputs is None:
            return None
        outcome, layout, lesson = _lesson(inputs, ctx)
        try:
            with unit_of_work(ctx.sessions) as session:
                stored, _ = layouts_store.record(
                    session, ctx.clock, abn=inputs.abn, outcome=outcome, layout=layout,
                    approval_id=approval_id, taught_by=inputs.taught_by, lesson=lesson)
            return stored
        except LayoutConflict:
            continue
    raise LayoutConflict(f"could not store what approval {approval_id} taught: the supplier's "
                         "layout kept changing")
