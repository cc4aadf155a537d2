"""Payment terms on an invoice: the days allowed ("Terms: 14 days", "Net 30", "Payment Terms"
over "30 days from invoice date") or a due date stated inside the terms ("7 Days - due 19
September 2025"). Used by tools.documents.layout to derive the due date."""

from __future__ import annotations

import re

from tools.documents.layout_fields import HOW_CONFIDENCE, Doc, label_values

_TERMS = re.compile(r"(?:\bterms\b|\bnet\s*(\d{1,3})\b(?![.,]\d)|\bwithin\s+(\d{1,3})\s+days|\bzahlbar\s+innerhalb)", re.IGNORECASE)


def _terms_days_inline(doc: Doc) -> int | None:
    for row in doc.lines:
        text = row.text
        if re.search(r"\b(?:due\s+on\s+receipt|c\.?o\.?d\.?|cash\s+on\s+delivery|payable\s+on\s+receipt)\b", text, re.IGNORECASE) \
                and re.search(r"\b(?:terms|due|payable|payment)\b", text, re.IGNORECASE):
            return 0
        m = _TERMS.search(text)
        if m:
            days = re.search(r"(\d{1,3})\s*(?:days?|tage[n]?)\b|\bnet\s*(\d{1,3})\b(?![.,]\d)", text[m.start():],
                             re.IGNORECASE)
            if days:
                return int(days.group(1) or days.group(2))
    return None


_TERMS_LABEL = re.compile(r"^(?:payment\s+|credit\s+)?terms\b", re.IGNORECASE)


def due_in_terms(doc: Doc, parse_d) -> tuple[object, float, str] | None:  # type: ignore[no-untyped-def]
    """A terms label whose value says when ("7 Days - due 19 September 2025")."""
    for how, text, _ in label_values(doc, _TERMS_LABEL):
        m = re.search(r"\bdue\s*(?:on|by|date)?\s*[:\-]?\s*(.{6,30})", text, re.IGNORECASE)
        d = parse_d(m.group(1)) if m else None
        if d is not None:
            return d, HOW_CONFIDENCE[how] * 0.95, how
    return None


def terms_days(doc: Doc) -> int | None:
    """The payment terms in days: on a terms line ("Terms: 14 days"), or in the value printed
    under or beside a terms label ("Payment Terms" over "30 days from invoice date")."""
    for how, text, _ in label_values(doc, _TERMS_LABEL):
        m = re.fullmatch(r"(?:net\s*)?(\d{1,3})\s*days?\b.{0,30}", text.strip(), re.IGNORECASE)
        if m and how in ("below", "right", "same_cell"):
            return int(m.group(1))
    return _terms_days_inline(doc)
