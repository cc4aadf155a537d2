"""What one supplier's corrected invoices taught: where each header field sits on that supplier's
documents, and which account each kind of line goes to (pure; versioned data).

When an approver corrects a bill (a field the extractor got wrong or missed, a line re-coded), the
correction is a lesson about that supplier's layout. `learn` finds in the positioned text where
each corrected value is printed and records the label anchoring it: the text before it in its own
cell ("Docket: INV-1"), the nearest cell to its left on the same line ("Docket" | "INV-1"), or the
cell directly above it. Each anchor is checked by reading it back before it is kept. `apply`
re-reads every anchored field of a later document from that supplier and replaces the field
(confidence LEARNED_CONFIDENCE, provenance "learned_layout"); where the label is not found or the
value does not parse, the extractor's reading stands. `backtest` refuses any new rule that would
change an earlier accepted result; `accept` keeps the previous version's rule in its place.

A `SupplierLayout` never changes: each lesson makes a new version (memory.layouts_store keeps
every one). Line-account rules map a normalised description (`line_key`) to an account code; the
proposal (tools.ap.propose) prefers them to the supplier's default account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from core.text_layer import PdfText
from tools.documents.layout_fields import Doc
from tools.documents.learned_read import (
    DATE_FIELDS,
    HEADER_FIELDS,
    ID_FIELDS,
    MONEY_FIELDS,
    Anchor,
    Value,
    locate,
    read,
)
from tools.documents.model import Extraction, Method
from tools.matching.similarity import description_tokens

if TYPE_CHECKING:
    from core.ocr import OcrText

__all__ = [
    "DATE_FIELDS", "HEADER_FIELDS", "ID_FIELDS", "LEARNED_CONFIDENCE", "MONEY_FIELDS", "Anchor",
    "Corrections", "LearnedLayouts", "Refusal", "SupplierLayout", "accept", "apply", "backtest",
    "learn", "line_key", "locate",
]

LEARNED_CONFIDENCE = 0.95
_KEY_FIELDS = ("invoice_number", "issue_date", "total", "supplier.name")


@dataclass(frozen=True)
class SupplierLayout:
    supplier_abn: str
    version: int
    anchors: tuple[Anchor, ...] = ()                     # at most one per field, by field
    line_accounts: tuple[tuple[str, str], ...] = ()      # (line_key, account code), by key

    def anchor(self, name: str) -> Anchor | None:
        return next((a for a in self.anchors if a.field == name), None)

    def account_for(self, description: str | None) -> tuple[str, str] | None:
        """(key, account) of the rule for this line description, if there is one."""
        key = line_key(description)
        return next(((k, acct) for k, acct in self.line_accounts if k == key), None) if key else None

    @property
    def label(self) -> str:
        return f"{self.supplier_abn} v{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {"supplier_abn": self.supplier_abn, "version": self.version,
                "anchors": [{"field": a.field, "label": a.label, "position": a.position, "nth": a.nth,
                             "tokens": a.tokens, "month_first": a.month_first,
                             "decimal_comma": a.decimal_comma} for a in self.anchors],
                "line_accounts": [{"key": k, "account": acct} for k, acct in self.line_accounts]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SupplierLayout:
        return _layout(str(data["supplier_abn"]), int(data["version"]),
                       (Anchor(**a) for a in data.get("anchors", ())),
                       ((r["key"], r["account"]) for r in data.get("line_accounts", ())))


class LearnedLayouts(Protocol):
    """The lookup the reader is given (memory.layouts_store.StoredLayouts is the real one)."""

    def latest(self, abn: str) -> SupplierLayout | None: ...


@dataclass(frozen=True)
class Corrections:
    """What a person accepted on one document: header fields (None: not known) and line accounts
    as (the line's description, the account it goes to). `corrected` names the fields they changed
    (the rest they accepted as read); None: every field given was corrected."""

    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    purchase_order: str | None = None
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None
    line_accounts: tuple[tuple[str, str], ...] = field(default=())
    corrected: frozenset[str] | None = None

    def header(self) -> dict[str, Value]:
        return {f: getattr(self, f) for f in HEADER_FIELDS if getattr(self, f) is not None}

    @property
    def changed(self) -> frozenset[str]:
        return frozenset(self.header()) if self.corrected is None else self.corrected


@dataclass(frozen=True)
class Refusal:
    """A learned rule refused: `rule` is "field:<name>" or "line:<key>"."""

    rule: str
    code: str
    message: str


def _layout(abn: str, version: int, anchors: Iterable[Anchor],
            lines: Iterable[tuple[str, str]]) -> SupplierLayout:
    by_field = {a.field: a for a in anchors}
    return SupplierLayout(abn, version, tuple(by_field[f] for f in sorted(by_field)),
                          tuple(sorted(dict(lines).items())))


# -- text -----------------------------------------------------------------------------------------

def line_key(description: str | None) -> str:
    """A line description's rule key: its normalised words (tools.matching.similarity), numbers
    dropped, in order ("Freight - 3 cartons" and "freight 12 cartons" share "carton freight")."""
    return " ".join(sorted(t for t in description_tokens(description) if not t.isdigit()))


# The total first: it is the last amount of a totals block, and a subtotal equal to it (no GST)
# then takes the label above it.
_LEARN_ORDER = ("invoice_number", "purchase_order", "issue_date", "due_date", "total", "tax", "subtotal")


def learn(previous: SupplierLayout | None, text: PdfText | OcrText | None, corrected: Corrections,
          *, supplier_abn: str | None = None) -> SupplierLayout:
    """The next version: an anchor for each corrected field found in `text` (a previous anchor that
    misread this document is dropped), and a rule for each re-coded line."""
    abn = previous.supplier_abn if previous else supplier_abn
    if not abn:
        raise ValueError("learning needs the supplier's ABN")
    anchors = {a.field: a for a in (previous.anchors if previous else ())}
    if text is not None and text.has_text:
        doc = Doc(text.pages)
        header = corrected.header()
        for name in sorted(header, key=_LEARN_ORDER.index):
            value = header[name]
            old = anchors.pop(name, None)
            new = locate(text, name, value, corrected=name in corrected.changed, taken=anchors.values())
            if new is not None:
                anchors[name] = new
            elif old is not None and read(doc, old) in (None, value):
                anchors[name] = old  # it did not misread this document: keep it
    rules = dict(previous.line_accounts if previous else ())
    for description, account in corrected.line_accounts:
        if key := line_key(description):
            rules[key] = account
    return _layout(abn, (previous.version if previous else 0) + 1, anchors.values(), rules.items())


# -- using it -------------------------------------------------------------------------------------

def apply(layout: SupplierLayout, text: PdfText | OcrText, extraction: Extraction) -> Extraction:
    """`extraction` with every field the layout anchors re-read from `text` (where it reads)."""
    if not layout.anchors or not text.has_text:
        return extraction
    doc = Doc(text.pages)
    values = {a.field: v for a in layout.anchors if (v := read(doc, a)) is not None}
    if not values:
        return extraction
    level = LEARNED_CONFIDENCE * (0.95 if extraction.method is Method.OCR else 1.0)
    conf = dict(extraction.confidence)
    for name in values:
        conf[name] = round(max(conf.get(name, 0.0), level), 3)
    key_conf = [conf.get(k, 0.0) for k in _KEY_FIELDS]
    conf["overall"] = round(min(key_conf) * 0.5 + sum(key_conf) / len(key_conf) * 0.5, 3)
    merged = {**{f: getattr(extraction, f) for f in MONEY_FIELDS}, **values}
    adds_up = None not in merged.values() and merged["subtotal"] + merged["tax"] == merged["total"]  # type: ignore[operator]
    issues = tuple(i for i in extraction.issues
                   if not (i.code == "missing_field" and i.field in values)
                   and not (i.code == "totals_unconfirmed" and adds_up))
    provenance = {**extraction.provenance, "learned_layout": layout.label,
                  "learned_fields": ",".join(sorted(values))}
    return extraction.model_copy(update={**values, "confidence": conf, "issues": issues,
                                         "provenance": provenance})


# -- backtesting ----------------------------------------------------------------------------------

def _new_rules(candidate: SupplierLayout, previous: SupplierLayout | None
               ) -> tuple[list[Anchor], list[tuple[str, str]]]:
    old_anchors = set(previous.anchors if previous else ())
    old_lines = set(previous.line_accounts if previous else ())
    return ([a for a in candidate.anchors if a not in old_anchors],
            [r for r in candidate.line_accounts if r not in old_lines])


def backtest(candidate: SupplierLayout, earlier: Sequence[Sequence[Any]], *,
             previous: SupplierLayout | None = None,
             earlier_lines: Iterable[tuple[str, str]] = ()) -> tuple[Refusal, ...]:
    """Refuse each rule new in `candidate` (against `previous`) that would change an earlier
    accepted result, and the dropping of a previous anchor that read every earlier document it
    could as accepted: `earlier` holds (text, accepted Extraction[, label]) per document, and
    `earlier_lines` (description, account) per bill line of this supplier a person accepted."""
    anchors, lines = _new_rules(candidate, previous)
    refused: list[Refusal] = []
    for anchor in anchors:
        for n, item in enumerate(earlier, start=1):
            text, accepted = item[0], item[1]
            where = item[2] if len(item) > 2 else f"earlier document {n}"
            if text is None or not text.has_text:
                continue
            got, want = read(Doc(text.pages), anchor), getattr(accepted, anchor.field)
            if got is not None and got != want:
                refused.append(Refusal(f"field:{anchor.field}", "rule_changes_earlier_result", (
                    f"Reading {anchor.field.replace('_', ' ')} {anchor.position.replace('_', ' ')} "
                    f"'{anchor.label}' gives {got} on {where}, which was accepted as {want}.")))
                break
    for anchor in previous.anchors if previous else ():
        if candidate.anchor(anchor.field) is not None:
            continue
        reads = [(read(Doc(item[0].pages), anchor), getattr(item[1], anchor.field))
                 for item in earlier if item[0] is not None and item[0].has_text]
        reads = [(got, want) for got, want in reads if got is not None]
        if reads and all(got == want for got, want in reads):
            refused.append(Refusal(f"field:{anchor.field}", "rule_contradicts_earlier_results", (
                f"Reading {anchor.field.replace('_', ' ')} {anchor.position.replace('_', ' ')} "
                f"'{anchor.label}' gave the accepted value on all {len(reads)} earlier documents "
                "it read; this correction disagrees with it, so the rule is kept.")))
    past = list(earlier_lines)
    for key, account in lines:
        clash = next(((d, a) for d, a in past if line_key(d) == key and a != account), None)
        if clash is not None:
            refused.append(Refusal(f"line:{key}", "rule_changes_earlier_result", (
                f"Lines like '{clash[0]}' were accepted on account {clash[1]}, not {account}.")))
    return tuple(refused)


def accept(previous: SupplierLayout | None, candidate: SupplierLayout,
           refusals: Iterable[Refusal]) -> SupplierLayout | None:
    """`candidate` without its refused rules (the previous version's stand in their place); None
    when nothing new is left to store."""
    refused = {r.rule for r in refusals}
    anchors = {a.field: a for a in candidate.anchors if f"field:{a.field}" not in refused}
    for a in previous.anchors if previous else ():
        if f"field:{a.field}" in refused:
            anchors[a.field] = a
    lines = {k: acct for k, acct in candidate.line_accounts if f"line:{k}" not in refused}
    for k, acct in previous.line_accounts if previous else ():
        if f"line:{k}" in refused:
            lines[k] = acct
    result = _layout(candidate.supplier_abn, candidate.version, anchors.values(), lines.items())
    if previous is not None and (result.anchors, result.line_accounts) == \
            (previous.anchors, previous.line_accounts):
        return None
    if previous is None and not result.anchors and not result.line_accounts:
        return None
    return result
