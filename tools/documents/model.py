"""The extraction contract (ARCHITECTURE.md §5): one document in, one `Extraction` out.

Amounts are Decimal (serialised as decimal strings), dates are ISO 8601, an ABN is 11 digits without
spaces, a BSB 6 digits without the dash, absent values are None. Every field that was read carries a
confidence in [0, 1] and the method that read it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Method(StrEnum):
    UBL = "ubl"
    CII = "cii"
    PDF_TEXT = "pdf_text"
    OCR = "ocr"
    LLM = "llm"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    RECEIPT = "receipt"
    OTHER = "other"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Supplier(_Model):
    name: str | None = None
    abn: str | None = None
    email: str | None = None


class Line(_Model):
    description: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    tax_code: str | None = None  # "GST" (10%), "FRE" (GST-free) or the document's own category


class Payment(_Model):
    bsb: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    iban: str | None = None
    reference: str | None = None


class Issue(_Model):
    code: str      # e.g. "gst_mismatch", "abn_checksum", "bank_details_changed", "suspected_injection"
    message: str   # for a bookkeeper
    field: str | None = None


class Extraction(_Model):
    document_type: DocumentType = DocumentType.INVOICE
    supplier: Supplier = Field(default_factory=Supplier)
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    purchase_order: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    lines: tuple[Line, ...] = ()
    payment: Payment | None = None
    # Field path ("invoice_number", "supplier.abn", "lines", ...) → confidence; plus "overall".
    confidence: dict[str, float] = Field(default_factory=dict)
    # Field path → the method that produced it, where it differs from `method`.
    field_methods: dict[str, Method] = Field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    method: Method
    # Which model and prompt version produced LLM-read fields (evidence for every decision).
    provenance: dict[str, str] = Field(default_factory=dict)

    def contract(self) -> dict[str, Any]:
        """The ARCHITECTURE.md §5 JSON object (decimal strings, ISO dates, nulls for absent values)."""
        data = self.model_dump(mode="json")
        data["lines"] = list(data["lines"])
        data["issues"] = list(data["issues"])
        return data

    def with_issues(self, *issues: Issue) -> "Extraction":
        return self.model_copy(update={"issues": (*self.issues, *issues)})


class SourceDocument(_Model):
    """Bytes to extract from, with what is known of them. `name` is a label, never a path."""

    name: str
    content_type: str | None = None
    data: bytes
