"""Checking what was read: a reading (services.extraction) → a validated `Extraction`.

Read offline first (services.extraction); validate against what the business knows
(tools.documents.validation, with a context the caller builds from its books); ask the LLM only when
one is configured and the offline reading is weak or failed validation, then validate the merged
reading again. A model failure never loses the offline result: it becomes an Issue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.llm import ChatModel, LlmError
from tools.documents.model import Extraction, Issue
from tools.documents.pipeline import DocumentReading, MessageReading
from tools.documents.texts import LabelledText
from tools.documents.validation import ValidationContext, ValidationResult, validate_invoice


@dataclass(frozen=True)
class InvoiceReading:
    """The extraction with every issue found (reading, validation, message), and how it was got."""

    extraction: Extraction
    validation: ValidationResult
    document: DocumentReading
    message: MessageReading | None = None
    llm_error: str | None = None

    @property
    def texts(self) -> tuple[LabelledText, ...]:
        return (*(self.message.texts if self.message else ()), *self.document.texts)


class NoInvoice(Exception):
    """An email that carries no readable invoice. `issues` say what was there instead."""

    def __init__(self, issues: tuple[Issue, ...]) -> None:
        super().__init__("; ".join(i.message for i in issues) or "no invoice found")
        self.issues = issues


def _validated(ex: Extraction, ctx: ValidationContext, texts: tuple[LabelledText, ...],
               extra: tuple[Issue, ...]) -> tuple[Extraction, ValidationResult]:
    result = validate_invoice(ex, ctx, texts)
    seen = set(ex.issues)
    new = [i for i in (*extra, *result.issues) if i not in seen and not seen.add(i)]  # type: ignore[func-returns-value]
    return ex.with_issues(*new), result


def _with_llm(reading: DocumentReading, validated: Extraction, ctx: ValidationContext,
              texts: tuple[LabelledText, ...], extra: tuple[Issue, ...], model: ChatModel,
              ) -> tuple[Extraction, ValidationResult, str | None]:
    from tools.documents.llm_extract import llm_extract

    text = next((t.text for t in reading.texts if t.source in ("pdf.text", "ocr.text")), "")
    try:
        merged = llm_extract(text, model=model, offline=reading.extraction)
    except LlmError as exc:
        note = Issue(code="llm_unavailable", message=f"The language model could not help: {exc.message}")
        ex, result = _validated(reading.extraction, ctx, texts, (*extra, note))
        return ex, result, exc.code
    ex, result = _validated(merged, ctx, texts, extra)
    return ex, result, None


@dataclass(frozen=True)
class RawReading:
    """What was read, before any checks: the invoice document, and the email it came in (if any)."""

    document: DocumentReading
    message: MessageReading | None = None


def check_invoice(raw: RawReading, *, context: ValidationContext,
                  model: ChatModel | None = None) -> InvoiceReading:
    """Validate a reading against the books; when a model is configured and the offline reading is
    weak or fails validation, re-read it with the model and validate the merged reading."""
    from tools.documents.llm_merge import should_use_llm

    reading, message = raw.document, raw.message
    extra = message.issues if message else ()
    if message is not None:
        context = replace(context, sender_email=context.sender_email or message.sender)
    context = replace(context, content_hash=reading.sha256)
    texts = (*(message.texts if message else ()), *reading.texts)
    ex, result = _validated(reading.extraction, context, texts, extra)
    llm_error = None
    if model is not None and should_use_llm(reading.extraction, ex.issues):
        ex, result, llm_error = _with_llm(reading, ex, context, texts, extra, model)
    return InvoiceReading(ex, result, reading, message, llm_error)
