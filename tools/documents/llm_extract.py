"""The LLM extraction path: document text → redacted, delimited prompt → JSON → a checked `Extraction`.

Used when an LLM is configured and the offline result is weak (`should_use_llm`); the result is
combined with the offline one by `merge_extractions`. What the model says is never trusted as is:
* the document goes out redacted (tools.documents.redact) inside a block whose boundary is a fresh
  random nonce, so the text cannot close the block and speak as the user (DESIGN.md §7);
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

import json
import re
import secrets
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from agent.llm import ChatModel, LlmError
from prompts.loader import Prompt, load_prompt
from tools.documents.layout_values import find_dates
from tools.documents.model import DocumentType, Extraction, Issue, Line, Method, Payment, Supplier
from tools.documents.redact import redact, restore
from tools.ledger.abn import abn_is_valid

__all__ = ["SCHEMA", "LlmBadOutput", "LlmInvoice", "ReplyUnusable", "llm_extract", "merge_extractions",
           "parse_reply", "should_use_llm"]

SCHEMA_NAME = "invoice_extraction"
MAX_CHARS = 40_000           # document text sent; beyond it the tail is cut with an Issue
KEY_FIELDS = ("invoice_number", "issue_date", "total", "supplier.name")
HIGH, GOOD, WEAK, BAD = 0.9, 0.75, 0.5, 0.3


class LlmBadOutput(LlmError):
    """The model's reply was not usable JSON for the schema, even after one repair request."""


# ----------------------------------------------------------------------------- reply schema
def _null(kind: str = "string", description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": [kind, "null"]}
    return out | ({"description": description} if description else {})


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


_AMOUNT = "decimal string, e.g. \"1234.50\""
SCHEMA: dict[str, Any] = _obj({   # OpenAI strict-mode rules: all keys required, nulls explicit
    "document_type": {"type": "string", "enum": [t.value for t in DocumentType]},
    "supplier": _obj({"name": _null(), "abn": _null(description="11 digits"), "email": _null()}),
    "invoice_number": _null(), "issue_date": _null(description="YYYY-MM-DD"),
    "due_date": _null(description="YYYY-MM-DD"), "currency": _null(description="ISO 4217"),
    "purchase_order": _null(),
    "subtotal": _null(description=_AMOUNT), "tax": _null(description=_AMOUNT),
    "total": _null(description=_AMOUNT),
    "lines": {"type": "array", "items": _obj({
        "description": _null(), "quantity": _null(description=_AMOUNT),
        "unit_price": _null(description=_AMOUNT), "amount": _null(description=_AMOUNT),
        "tax_code": _null()})},
    "payment": _obj({"bsb": _null(description="6 digits"), "account_number": _null(),
                     "account_name": _null(), "iban": _null(), "reference": _null()}),
    "instructions_found": {"type": "array", "items": {"type": "string"}},
})


def _text(v: Any) -> Any:
    if isinstance(v, str):
        v = " ".join(v.split())
        return v or None
    return v


def _decimal(v: Any) -> Any:
    """Decimal strings, or JSON numbers (already Decimal: the JSON is read with parse_float=Decimal).
    Bounded so that an absurd value fails here rather than in the ledger."""
    v = _text(v)
    if v is None:
        return None
    exact_int = isinstance(v, int) and not isinstance(v, bool)
    if exact_int or (isinstance(v, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", v)):
        v = Decimal(v)
    if not isinstance(v, Decimal) or not v.is_finite():
        raise ValueError('must be a decimal string like "1234.50" (no symbols or separators)')
    if abs(v) >= Decimal("1e12") or v.as_tuple().exponent < -6:  # type: ignore[operator]
        raise ValueError("is out of range for an invoice amount")
    return v


def _iso_date(v: Any) -> Any:
    v = _text(v)
    if v is None:
        return None
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return date.fromisoformat(v)
    raise ValueError("must be an ISO date YYYY-MM-DD")


def _digits(n_min: int, n_max: int, what: str) -> Any:
    def check(v: Any) -> Any:
        v = _text(v)
        if v is None:
            return None
        s = re.sub(r"[\s\-]", "", str(v))
        if not (s.isdigit() and n_min <= len(s) <= n_max):
            raise ValueError(f"must be {what}")
        return s
    return BeforeValidator(check)


def _upper(pattern: str, what: str) -> Any:
    def check(v: Any) -> Any:
        v = _text(v)
        if v is None:
            return None
        s = str(v).replace(" ", "").upper()
        if not re.fullmatch(pattern, s):
            raise ValueError(f"must be {what}")
        return s
    return BeforeValidator(check)


Str = Annotated[str | None, BeforeValidator(_text)]
Dec = Annotated[Decimal | None, BeforeValidator(_decimal)]
Day = Annotated[date | None, BeforeValidator(_iso_date)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)


class LlmSupplier(_Lenient):
    name: Str = None
    abn: Annotated[str | None, _digits(11, 11, "11 digits")] = None
    email: Str = None


class LlmLine(_Lenient):
    description: Str = None
    quantity: Dec = None
    unit_price: Dec = None
    amount: Dec = None
    tax_code: Str = None


class LlmPayment(_Lenient):
    bsb: Annotated[str | None, _digits(6, 6, "6 digits")] = None
    account_number: Annotated[str | None, _digits(4, 16, "the account's digits")] = None
    account_name: Str = None
    iban: Annotated[str | None, _upper(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", "an IBAN")] = None
    reference: Str = None


class LlmInvoice(_Lenient):
    document_type: Literal["invoice", "credit_note", "receipt", "other"] = "invoice"
    supplier: LlmSupplier = Field(default_factory=LlmSupplier)
    invoice_number: Str = None
    issue_date: Day = None
    due_date: Day = None
    currency: Annotated[str | None, _upper(r"[A-Z]{3}", "a 3-letter ISO 4217 code")] = None
    purchase_order: Str = None
    subtotal: Dec = None
    tax: Dec = None
    total: Dec = None
    lines: list[LlmLine] = Field(default_factory=list)
    payment: LlmPayment | None = None
    instructions_found: list[str] = Field(default_factory=list)


class ReplyUnusable(ValueError):
    """A reply that is not one JSON object valid for `LlmInvoice`; the text is fed back to the model."""


def parse_reply(content: str, replacements: dict[str, str]) -> LlmInvoice:
    """The reply as an `LlmInvoice`, redaction tokens restored. Tolerates ```json fences and prose
    around one object; anything else raises `ReplyUnusable` with a message the model can act on."""
    body = content.strip()
    fenced = re.fullmatch(r"```[a-zA-Z]*\s*\n?(.*?)\n?```", body, re.DOTALL)
    if fenced:
        body = fenced[1].strip()
    if not body.startswith("{") and "{" in body and "}" in body:
        body = body[body.index("{"):body.rindex("}") + 1]
    try:
        data = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise ReplyUnusable(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReplyUnusable("the reply must be one JSON object")
    try:
        return LlmInvoice.model_validate(restore(data, replacements))
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10]]
        raise ReplyUnusable("; ".join(problems)) from None


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
        conf["lines"] = HIGH if line_sum in {inv.subtotal, inv.total} else WEAK

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


def overall_confidence(conf: dict[str, float]) -> float:
    """Same rule as the layout extractor: the weakest key field counts half."""
    key = [conf.get(k, 0.0) for k in KEY_FIELDS]
    return round(min(key) * 0.5 + sum(key) / len(key) * 0.5, 3)


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
        return merge_extractions(offline, result) if offline is not None else result
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
    result = _to_extraction(invoice, text).with_issues(*extra)
    return merge_extractions(offline, result) if offline is not None else result


# ----------------------------------------------------------------------------- merge and gate
# Units are taken whole from one source: mixing one reader's subtotal with the other's total, or
# one's BSB with the other's account number, would make a value neither document reader saw.
_UNITS: dict[str, tuple[str, ...]] = {
    "supplier.name": ("supplier.name",), "supplier.abn": ("supplier.abn",),
    "supplier.email": ("supplier.email",), "invoice_number": ("invoice_number",),
    "issue_date": ("issue_date",), "due_date": ("due_date",), "currency": ("currency",),
    "purchase_order": ("purchase_order",), "totals": ("subtotal", "tax", "total"), "lines": ("lines",),
    "payment": ("payment.bsb", "payment.account_number", "payment.iban"),
}
_KEY_UNITS = {"invoice_number", "issue_date", "totals", "supplier.name"}
_DISAGREE_WARN = {"invoice_number", "totals", "supplier.abn", "payment"}


def _unit_value(e: Extraction, unit: str) -> Any:
    """A unit's value for comparison; None when the reader found nothing for it."""
    if unit == "totals":
        return (e.subtotal, e.tax, e.total) if e.total is not None or e.subtotal is not None else None
    if unit == "payment":
        p = e.payment
        return (p.bsb, p.account_number, p.iban) if p and (p.bsb or p.account_number or p.iban) else None
    head, _, tail = unit.partition(".")
    value = getattr(getattr(e, head), tail) if tail else getattr(e, head)
    return value or None


def _unit_conf(e: Extraction, unit: str) -> float:
    found = [e.confidence[p] for p in _UNITS[unit] if p in e.confidence]
    return min(found) if found else 0.0


_UNIT_OF = {p: u for u, ps in _UNITS.items() for p in ps} | {"payment": "payment"}


def merge_extractions(offline: Extraction, llm: Extraction) -> Extraction:
    """Combine the offline and LLM readings unit by unit (see _UNITS):
    1. both readers agree → the offline value, confidence 1-(1-a)(1-b), capped at 0.99;
    2. the offline value cross-validated (confidence >= 0.9) → offline;
    3. the LLM has a value and offline has none or a less confident one → LLM;
    4. otherwise offline. `document_type` stays offline (a wrong flip to credit note is costly).
    `method` is LLM only if the LLM supplied a key unit (number, issue date, totals, supplier
    name); `field_methods` records every field whose method differs from `method`. Issues follow
    the source chosen for their field; field-less ones (injection, hidden text) are kept from both.
    Where both readers found different values for a key unit, Issue("extractors_disagree")."""
    chosen: dict[str, Extraction] = {}
    conf: dict[str, float] = {}
    issues: list[Issue] = []
    for unit, paths in _UNITS.items():
        off, new = _unit_value(offline, unit), _unit_value(llm, unit)
        c_off, c_new = _unit_conf(offline, unit), _unit_conf(llm, unit)
        if off is not None and off == new:
            chosen[unit] = offline
            for p in paths:
                if p in offline.confidence or p in llm.confidence:
                    a, b = offline.confidence.get(p, 0.0), llm.confidence.get(p, 0.0)
                    conf[p] = round(min(0.99, 1 - (1 - a) * (1 - b)), 3)
            continue
        take_llm = new is not None and (off is None or (c_off < HIGH and c_new > c_off))
        chosen[unit] = src = llm if take_llm else offline
        conf.update({p: src.confidence[p] for p in paths if p in src.confidence})
        if off is not None and new is not None and unit in _DISAGREE_WARN:
            issues.append(Issue(code="extractors_disagree", field=paths[-1] if unit == "totals" else unit, message=(
                f"The layout reader and the language model read different {unit.replace('_', ' ')} "
                f"values; using the {'model' if take_llm else 'layout reader'}'s.")))
    conf.update({p: c for p, c in offline.confidence.items() if p not in _UNIT_OF and p != "overall"})
    method = Method.LLM if any(chosen[u] is llm for u in _KEY_UNITS) else offline.method
    field_methods = {p: m for u, src in chosen.items() if _unit_value(src, u) is not None
                     for p in _UNITS[u] if (m := src.field_methods.get(p, src.method)) != method}

    payment = chosen["payment"].payment
    other = llm.payment if chosen["payment"] is offline else offline.payment
    if payment is not None and other is not None:  # soft fields the chosen reader lacked
        payment = payment.model_copy(update={k: getattr(other, k) for k in ("account_name", "reference")
                                             if getattr(payment, k) is None})
    for e in (offline, llm):
        for i in e.issues:
            unit = _UNIT_OF.get(i.field or "")
            keep = chosen[unit] is e if unit else (i.field is None or e is offline)
            if keep and i not in issues:
                issues.append(i)
    if llm.document_type != offline.document_type and llm.document_type is not DocumentType.INVOICE:
        issues.append(Issue(code="extractors_disagree", field="document_type", message=(
            f"The language model read the document as {llm.document_type.value!r}, "
            f"the layout reader as {offline.document_type.value!r}; keeping the layout reader's.")))
    conf["overall"] = overall_confidence(conf)
    totals = chosen["totals"]
    return Extraction(
        document_type=offline.document_type,
        supplier=Supplier(name=chosen["supplier.name"].supplier.name, abn=chosen["supplier.abn"].supplier.abn,
                          email=chosen["supplier.email"].supplier.email),
        invoice_number=chosen["invoice_number"].invoice_number, issue_date=chosen["issue_date"].issue_date,
        due_date=chosen["due_date"].due_date, currency=chosen["currency"].currency,
        purchase_order=chosen["purchase_order"].purchase_order,
        subtotal=totals.subtotal, tax=totals.tax, total=totals.total, lines=chosen["lines"].lines,
        payment=payment, confidence=conf, field_methods=field_methods, issues=tuple(issues), method=method)


# Codes (from the readers and from tools.documents.validation) that say the offline reader may have
# misread, as opposed to the invoice itself being doubtful (duplicates, unknown supplier, stale date).
READING_PROBLEMS = frozenset({
    "missing_field", "totals_unconfirmed", "totals_mismatch", "gst_mismatch", "lines_subtotal_mismatch",
    "abn_invalid", "abn_missing", "abn_checksum", "abn_is_own", "date_missing", "date_future",
    "due_before_issue"})


def should_use_llm(offline: Extraction, issues: Iterable[Issue] = ()) -> bool:
    """Ask the model only when it can help: the offline reading lacks a key field (number, issue
    date, total, supplier), an issue says it may have misread (READING_PROBLEMS, from the reader or
    from validation), or its overall confidence is under 0.8. Never for UBL/CII (read exactly; a
    model re-reading their text cannot improve on it) or when there was no text to read."""
    if offline.method in (Method.UBL, Method.CII):
        return False
    every = (*offline.issues, *issues)
    if any(i.code == "no_text" for i in every):
        return False
    if any(v is None for v in (offline.invoice_number, offline.issue_date, offline.total, offline.supplier.name)):
        return True
    if any(i.code in READING_PROBLEMS for i in every):
        return True
    return offline.confidence.get("overall", 0.0) < 0.8
