"""The LLM extraction path: document text → redacted, delimited prompt → JSON → a checked `Extraction`.

Used when an LLM is configured and the offline result is weak (tools.documents.llm_merge.should_use_llm);
the result is combined with the offline one by `merge_extractions` there. Nothing the model says
is trusted as is:
* the document goes out redacted (tools.documents.redact) inside a block whose boundary is a fresh
  random nonce, so the text cannot close the block and speak as the user (ARCHITECTURE.md §7);
* the reply is parsed strictly (JSON, then `LlmInvoice`: types, ISO dates, decimal strings, digit
  formats; unknown keys are ignored because some servers cannot enforce the schema); one repair
  request quotes the error back, then `LlmBadOutput`;
* every value is cross-checked against the original text and arithmetic, and its confidence says
  how far it held up: a value the document does not contain scores low, and invented payee details
  or a failing ABN raise an Issue;
* instructions the model found inside the document become Issue("suspected_injection"), a hard
  hold in policy. The model is only asked to report them; nothing it says can approve anything.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from core.llm import ChatModel, LlmError
from prompts.loader import Prompt, load_prompt
from tools.documents.layout_columns import lines_multiply
from tools.documents.layout_values import find_dates
from tools.documents.model import DocumentType, Extraction, Issue, Line, Method, Payment, Supplier
from tools.documents.llm_merge import merge_extractions
from tools.documents.llm_schema import (
    BAD, GOOD, HIGH, SCHEMA, SCHEMA_NAME, WEAK, LlmInvoice, ReplyUnusable, overall_confidence, parse_reply,
)
from tools.documents.redact import redact
from tools.ledger.abn import abn_is_valid

__all__ = ["SCHEMA", "LlmBadOutput", "LlmInvoice", "ReplyUnusable", "llm_extract", "parse_reply"]

MAX_CHARS = 40_000           # document text sent; beyond it the tail is cut with an Issue


class LlmBadOutput(LlmError):
    """The model's reply was not usable JSON for the schema, even after one repair request."""


# ----------------------------------------------------------------------------- cross-checks
class _Evidence:
    """The original (unredacted) text in the forms the checks need."""

    def __init__(self, text: str) -> None:
        self.words = " ".join(text.split()).casefold()
        self.compact = re.sub(r"[\s\-]", "", text).casefold()
        self.amounts = text.replace(",", "")
        self.dates = {d for d, _, _ in find_dates(text)} | {d for d, _, _ in find_dates(text, month_first=True)}

    def has(self, value: str) -> bool:
        return " ".join(value.split()).casefold() in self.words or \
            re.sub(r"[\s\-]", "", value).casefold() in self.compact

    def has_amount(self, value: Decimal) -> bool:
        return any(re.search(rf"(?<![\d.]){re.escape(s)}(?!\d)", self.amounts)
                   for s in {f"{abs(value):.2f}", str(abs(value))})


def _to_extraction(inv: LlmInvoice, text: str) -> Extraction:
    ev = _Evidence(text)
    conf: dict[str, float] = {}
    issues: list[Issue] = []

    def grounded(key: str, value: str | None, yes: float = HIGH, no: float = WEAK, *, flag: bool = False) -> None:
        if value is None:
            return
        conf[key] = yes if ev.has(value) else no
        if flag and conf[key] == no:
            issues.append(Issue(code="not_in_document", field=key,
                                message=f"The model gave a {key.replace('_', ' ')} the document does not contain."))

    s = inv.supplier
    grounded("supplier.name", s.name, 0.85, 0.6)
    grounded("supplier.email", s.email)
    grounded("invoice_number", inv.invoice_number, flag=True)
    grounded("purchase_order", inv.purchase_order, flag=True)
    if s.abn:
        grounded("supplier.abn", s.abn, 0.95, BAD, flag=True)
        if not abn_is_valid(s.abn):
            conf["supplier.abn"] = BAD
            issues.append(Issue(code="abn_checksum", field="supplier.abn",
                                message="The supplier ABN the model read fails the ATO checksum."))
    for key, day in (("issue_date", inv.issue_date), ("due_date", inv.due_date)):
        if day is not None:
            conf[key] = HIGH if day in ev.dates else 0.6
    if inv.issue_date and inv.due_date and inv.due_date < inv.issue_date:
        conf["due_date"] = BAD
    if inv.currency:
        conf["currency"] = HIGH if inv.currency.casefold() in ev.words else 0.7

    amounts = {k: getattr(inv, k) for k in ("subtotal", "tax", "total") if getattr(inv, k) is not None}
    in_doc = all(ev.has_amount(v) for v in amounts.values())
    adds_up = inv.subtotal is not None and inv.tax is not None and inv.total is not None \
        and inv.subtotal + inv.tax == inv.total
    for key in amounts:
        conf[key] = (HIGH if in_doc else 0.6) if adds_up else (GOOD if in_doc and len(amounts) == 1 else WEAK)
    if len(amounts) == 3 and not adds_up:
        issues.append(Issue(code="totals_unconfirmed", field="total",
                            message="The subtotal, tax and total the model read do not add up."))
    line_sum = sum((ln.amount for ln in inv.lines if ln.amount is not None), Decimal(0))
    if inv.lines:
        # the same arithmetic as the layout reader: the lines sum, and each is qty x price
        conf["lines"] = HIGH if line_sum in {inv.subtotal, inv.total} and lines_multiply(inv.lines) else WEAK

    payment = None
    if inv.payment and any(v is not None for v in inv.payment.model_dump().values()):
        p = inv.payment
        payment = Payment(**p.model_dump())
        for key, value in (("bsb", p.bsb), ("account_number", p.account_number), ("iban", p.iban)):
            grounded(f"payment.{key}", value, HIGH, BAD, flag=True)
    if inv.instructions_found:
        quoted = "; ".join(f'"{s[:120]}"' for s in inv.instructions_found[:5])
        issues.append(Issue(code="suspected_injection",
                            message=f"The document contains instructions addressed to the reader: {quoted}"))
    for key in ("invoice_number", "issue_date", "total"):
        if getattr(inv, key) is None:
            issues.append(Issue(code="missing_field", field=key,
                                message=f"Could not find the {key.replace('_', ' ')}."))
    conf["overall"] = overall_confidence(conf)
    return Extraction(
        document_type=DocumentType(inv.document_type),
        supplier=Supplier(name=s.name, abn=s.abn, email=s.email),
        invoice_number=inv.invoice_number, issue_date=inv.issue_date, due_date=inv.due_date,
        currency=inv.currency, purchase_order=inv.purchase_order,
        subtotal=inv.subtotal, tax=inv.tax, total=inv.total,
        lines=tuple(Line(**ln.model_dump()) for ln in inv.lines), payment=payment,
        confidence=conf, issues=tuple(issues), method=Method.LLM)


# ----------------------------------------------------------------------------- the call
def _boundary(text: str) -> str:
    while True:
        nonce = secrets.token_hex(8)
        if nonce not in text:
            return nonce


def llm_extract(text: str, *, model: ChatModel, prompt: Prompt | None = None,
                offline: Extraction | None = None, max_chars: int = MAX_CHARS) -> Extraction:
    """Read `text` (a document's text layer) with the model. With `offline`, the result is merged
    into the offline extraction (`merge_extractions`). Raises LlmBadOutput, or the seam's
    LlmUnavailable/LlmRefused; the caller keeps the offline result in that case."""
    prompt = prompt or load_prompt("extract_invoice")
    extra: list[Issue] = []
    if not text.strip():
        result = Extraction(method=Method.LLM, confidence={"overall": 0.0}, issues=(
            Issue(code="no_text", message="No readable text was found in the document."),))
        return _merged(offline, result)
    if len(text) > max_chars:
        text = text[:max_chars]
        extra.append(Issue(code="llm_input_truncated",
                           message=f"Only the first {max_chars} characters were given to the model."))
    red = redact(text)
    nonce = _boundary(red.text)
    system = prompt.render("system")
    user = prompt.render("user", nonce=nonce, document=red.text)
    reply = model.complete_json(system=system, user=user, schema=SCHEMA, schema_name=SCHEMA_NAME)
    try:
        invoice = parse_reply(reply.content, red.replacements)
    except ReplyUnusable as first:
        if reply.finish_reason == "length":
            raise LlmBadOutput("truncated", "the model's reply was cut off at its length limit") from None
        repair = prompt.render("repair", nonce=_boundary(reply.content), error=str(first),
                               reply=reply.content[:4000])
        reply = model.complete_json(system=system, user=f"{user}\n\n{repair}", schema=SCHEMA,
                                    schema_name=SCHEMA_NAME)
        try:
            invoice = parse_reply(reply.content, red.replacements)
        except ReplyUnusable as second:
            raise LlmBadOutput("bad_output", f"the model's reply was unusable twice: {second}") from None
    result = _to_extraction(invoice, text).with_issues(*extra).model_copy(
        update={"provenance": {"model": reply.model, "prompt": prompt.ref}})
    return _merged(offline, result)


def _merged(offline: Extraction | None, result: Extraction) -> Extraction:

    return merge_extractions(offline, result) if offline is not None else result
