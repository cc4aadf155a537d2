"""Combining the offline and LLM readings of one document, and when to ask the model at all.

Decided per unit (a unit is read as a whole: the three totals together, the payee details together),
so a merged extraction never mixes one reader's subtotal with the other's total.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.documents.llm_schema import HIGH, overall_confidence
from tools.documents.model import DocumentType, Extraction, Issue, Method, Supplier

_UNITS: dict[str, tuple[str, ...]] = {
    "supplier.name": ("supplier.name",), "supplier.abn": ("supplier.abn",),
    "supplier.email": ("supplier.email",), "invoice_number": ("invoice_number",),
    "issue_date": ("issue_date",), "due_date": ("due_date",), "currency": ("currency",),
    "purchase_order": ("purchase_order",), "totals": ("subtotal", "tax", "total"), "lines": ("lines",),
    "payment": ("payment.bsb", "payment.account_number", "payment.iban"),
}
# What the offline reader found about the document itself, not about how it read a field: kept
# whichever reader's value wins (a model's total does not make two printed totals agree).
DOCUMENT_PROBLEMS = frozenset({"totals_conflict", "not_an_invoice"})
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
            keep = (chosen[unit] is e if unit and i.code not in DOCUMENT_PROBLEMS
                    else i.field is None or e is offline)
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
        payment=payment, confidence=conf, field_methods=field_methods, issues=tuple(issues), method=method,
        provenance=llm.provenance if Method.LLM in (method, *field_methods.values()) else {})


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
