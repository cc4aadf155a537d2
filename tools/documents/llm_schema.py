"""What the model must reply for invoice extraction: the JSON schema it is given, and the strict
parser its reply goes through (types, ISO dates, decimal strings, digit formats). Unknown keys are
ignored because some OpenAI-compatible servers cannot enforce a schema; everything else is checked.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from tools.documents.model import DocumentType
from tools.documents.redact import restore

SCHEMA_NAME = "invoice_extraction"

# How sure a field is, as the cross-checks against the document grade it.
HIGH, GOOD, WEAK, BAD = 0.9, 0.75, 0.5, 0.3
KEY_FIELDS = ("invoice_number", "issue_date", "total", "supplier.name")


def overall_confidence(conf: dict[str, float]) -> float:
    """Same rule as the layout extractor: the weakest key field counts half."""
    key = [conf.get(k, 0.0) for k in KEY_FIELDS]
    return round(min(key) * 0.5 + sum(key) / len(key) * 0.5, 3)



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
