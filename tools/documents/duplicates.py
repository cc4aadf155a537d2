"""Is this bill one we already have? Pure comparison against bills already stored.

Why: paying the same invoice twice is the commonest AP loss, and duplicates rarely arrive as the
same bytes: a reminder re-sends the invoice as a new PDF, a supplier re-keys it as "INV-00123"
instead of "inv 123", or re-issues it with a new number. Three rules, any one is enough:

1. the same file (content hash), whatever the supplier or type;
2. the same supplier and the same normalised invoice number;
3. the same supplier, the same total and issue dates less than DUPLICATE_WINDOW_DAYS apart
   (exclusive, so a weekly service billed every 7 days is not flagged).

"Same supplier" means the same master contact or the same ABN. Credit notes are compared only with
credit notes: a credit note usually carries the number of the invoice it credits. A receipt for an
invoice already stored is a duplicate (paying it again would pay twice). The caller must not include
the document being validated among the prior invoices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.documents.model import DocumentType, Issue

DUPLICATE_WINDOW_DAYS = 7
MAX_DUPLICATE_ISSUES = 5
_PREFIXES = frozenset({"tax", "invoice", "inv", "bill", "no", "nr", "num", "number", "ref",
                       "reference", "doc", "document"})
_TOKENS = re.compile(r"[^\W\d_]+|\d+")


@dataclass(frozen=True)
class PriorInvoice:
    """A bill already stored (ledger or an earlier extraction); `ref` names it, e.g. "bill 123"."""

    contact_id: int | None
    supplier_abn: str | None
    number: str | None
    total: Decimal | None
    issue_date: date | None
    content_hash: str | None
    ref: str
    document_type: DocumentType = DocumentType.INVOICE


@dataclass(frozen=True)
class DuplicateHit:
    ref: str
    reasons: tuple[str, ...]


def normalise_invoice_number(number: str | None) -> str:
    """Case, spaces, punctuation, leading zeros and prefixes (INV, Invoice No., Tax Invoice #) gone.

    "INV-00123", "inv 123" and "Invoice No. 123" all give "123"; "2024-0012" gives "202412".
    A number that is only a prefix word ("INV") is kept as it is."""
    text = unicodedata.normalize("NFKC", number or "").casefold()
    tokens = _TOKENS.findall(text)
    while len(tokens) > 1 and tokens[0] in _PREFIXES:
        tokens = tokens[1:]
    return "".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens)


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _is_credit(kind: DocumentType | str | None) -> bool:
    return str(kind) == DocumentType.CREDIT_NOTE.value


def find_duplicates(*, number: str | None, total: Decimal | None, issue_date: date | None,
                    document_type: DocumentType, contact_id: int | None, supplier_abn: str | None,
                    content_hash: str | None, prior: Iterable[PriorInvoice],
                    window_days: int = DUPLICATE_WINDOW_DAYS) -> tuple[DuplicateHit, ...]:
    """The stored bills this one duplicates, each with the rules it met, in the order given."""
    key = normalise_invoice_number(number) if number else ""
    abn = _digits(supplier_abn)
    credit = _is_credit(document_type)
    hits: list[DuplicateHit] = []
    for p in prior:
        reasons: list[str] = []
        if content_hash and p.content_hash and content_hash == p.content_hash:
            reasons.append("the identical file")
        same_supplier = ((contact_id is not None and p.contact_id == contact_id)
                         or (len(abn) == 11 and _digits(p.supplier_abn) == abn))
        if same_supplier and credit == _is_credit(p.document_type):
            if key and p.number and normalise_invoice_number(p.number) == key:
                shown = number if number == p.number else f"{number} / {p.number}"
                reasons.append(f"the same supplier and invoice number ({shown})")
            same_total = (total is not None and p.total is not None and total.is_finite()
                          and p.total.is_finite() and abs(total) == abs(p.total))
            if same_total and total is not None and issue_date is not None and p.issue_date:
                gap = abs((issue_date - p.issue_date).days)
                if gap < window_days:
                    apart = ("the same day" if gap == 0
                             else f"{gap} day{'s' if gap > 1 else ''} apart")
                    reasons.append(f"the same supplier and total {abs(total):,.2f}, dated {apart}")
        if reasons:
            hits.append(DuplicateHit(p.ref, tuple(reasons)))
    return tuple(hits)


def duplicate_issues(hits: tuple[DuplicateHit, ...]) -> list[Issue]:
    out = [Issue(code="duplicate_suspected", field="invoice_number",
                 message=f"This looks like a duplicate of {h.ref}: {' and '.join(h.reasons)}. "
                         "Check it has not already been paid before approving.")
           for h in hits[:MAX_DUPLICATE_ISSUES]]
    if len(hits) > MAX_DUPLICATE_ISSUES:
        more = ", ".join(h.ref for h in hits[MAX_DUPLICATE_ISSUES:MAX_DUPLICATE_ISSUES + 10])
        out.append(Issue(code="duplicate_suspected", field="invoice_number",
                         message=f"It also matches {len(hits) - MAX_DUPLICATE_ISSUES} more stored "
                                 f"bills: {more}."))
    return out
