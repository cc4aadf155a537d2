"""The `validation` suite: every defect found, no false alarm on its clean twin.

System under test: services.extraction.extract_invoice end to end (read the rendered document,
then validate it against a supplier master and stored bills), offline (live: the configured LLM may
re-read weak documents). Cases (evals/data/validation/cases.jsonl, built by make_cases.py) come in
pairs: a defect variant and its clean twin - the same base invoice (generated Australian invoice,
evals.generators.invoices.random_invoice) without the defect, in the same context; where the defect
lives in the context (duplicates, bank details, supplier master) the twin's context is the clean one.

Documents are rendered at run time, deterministically, from the invoice data in the case:
* PDF: a demo house style (demo.documents.LAYOUTS). A twin goes through render_invoice_pdf,
  which refuses an invoice that does not add up (so a twin is provably clean); a defect variant goes
  through the same layouts' unchecked renderer (demo.pdf_layouts.render): its figures are
  wrong on purpose, as a supplier's would be.
* UBL: PEPPOL A-NZ via render_ubl_invoice. A defect variant is the twin's rendering with the
  variant's values written into it (dates, ABN, tax, totals, lines), as a buggy supplier system
  would produce them.
Mixed supplies (GST-free lines beside taxable ones) are only drawn in layouts that mark each line's
GST status (and UBL): the ATO requires a tax invoice to show which items are taxable, and the
validator documents that unmarked lines count as taxable.

Judging: a defect case passes when every expected code is raised and nothing else is, apart from
the codes the case allows as consequences of the same defect (e.g. `supplier_abn_differs` beside
`abn_invalid`: the invalid ABN is not the one on file) and INFORMATIONAL codes; a twin passes when it
raises no code beyond INFORMATIONAL (none today: a clean invoice in a clean context must be silent).

Metrics: cases, defects, twins, case_pass_rate, defects_found_rate (recall: every expected code
raised) overall, per defect (found_rate.<defect>) and per format (found_rate.format.<pdf|ubl>),
false_alarm_rate (twins raising anything; lower is better, also per format), extra_code_rate
(defect cases raising a code neither expected nor allowed) and precision (of the holding codes
raised, the share expected or allowed).

Calibration: Judgement("hold:<code>", 1.0, correct?) for every code that would hold the bill (the
checks are rules, not scores), and Judgement("auto_post", decision_confidence, correct?) when nothing
holds it - correct only on a clean twin. Precision of "auto_post" by threshold is what the AP policy
needs: a missed defect is an auto-post that should not have happened.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import model_validator

from evals.harness.model import DATA, Case, CaseResult, Judgement, Metric, RunConfig
from evals.suites.specs import PartySpec, PaymentSpec, Strict

DATA_DIR = DATA / "validation"
CASES_FILE = DATA_DIR / "cases.jsonl"
SAME_DOCUMENT = "@document"  # a prior invoice's content_hash: the sha256 of this case's document

DEFECTS: dict[str, tuple[str, ...]] = {
    # defect → the codes that must be raised (for a PDF; UBL differences are set per case)
    "gst_wrong": ("gst_mismatch",),
    "totals_off": ("totals_mismatch",),
    "lines_off": ("lines_subtotal_mismatch",),
    "abn_invalid": ("abn_invalid",),
    "duplicate": ("duplicate_suspected",),
    "bank_details_changed": ("bank_details_changed",),
    "bank_details_new": ("bank_details_new",),
    "due_before_issue": ("due_before_issue",),
    "date_future": ("date_future",),
    "supplier_unknown": ("supplier_unknown",),
    "supplier_abn_differs": ("supplier_abn_differs",),
}
# Codes that never count as an alarm. Deliberately empty: a clean invoice from a known supplier in
# a clean context raises nothing at all. (Add a code here only with the reason beside it.)
INFORMATIONAL: frozenset[str] = frozenset()
FORMATS = ("pdf", "ubl")


# -- the typed case schema ------------------------------------------------------------------------

class LineSpec(Strict):
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_code: Literal["GST", "FRE"]


class InvoiceSpec(Strict):
    supplier: PartySpec
    customer: PartySpec
    invoice_number: str
    issue_date: date
    due_date: date | None
    purchase_order: str | None
    lines: tuple[LineSpec, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    payment: PaymentSpec | None
    notes: str | None = None

    def doc(self) -> Any:
        """The demo.documents.DocInvoice to render."""
        from demo.documents import DocInvoice, DocLine, DocParty, DocPayment

        return DocInvoice(
            supplier=DocParty(**self.supplier.model_dump()),
            customer=DocParty(**self.customer.model_dump()),
            invoice_number=self.invoice_number, issue_date=self.issue_date,
            due_date=self.due_date, purchase_order=self.purchase_order,
            lines=tuple(DocLine(**ln.model_dump()) for ln in self.lines),
            subtotal=self.subtotal, tax=self.tax, total=self.total,
            payment=DocPayment(**self.payment.model_dump()) if self.payment else None,
            notes=self.notes)


class SupplierSpec(Strict):
    contact_id: int
    name: str
    abn: str | None = None
    email: str | None = None
    domain: str | None = None
    bsb: str | None = None
    account_number: str | None = None
    account_name: str | None = None


class PriorSpec(Strict):
    ref: str
    contact_id: int | None
    supplier_abn: str | None
    number: str | None
    total: Decimal | None
    issue_date: date | None
    content_hash: str | None = None  # SAME_DOCUMENT: the bytes of this case's document
    note: str = ""                   # why it is there (a near miss, the duplicate, history)


class ContextSpec(Strict):
    today: date
    own_abn: str
    suppliers: tuple[SupplierSpec, ...]
    prior_invoices: tuple[PriorSpec, ...] = ()


class ValidationCase(Strict):
    id: str
    pair: str                        # the defect case and its twin share it
    role: Literal["defect", "twin"]
    defect: str                      # the defect of the pair (also on the twin, for grouping)
    variant: str                     # how the defect was made, e.g. "rate_15"
    format: Literal["pdf", "ubl"]
    layout: str | None               # PDF house style
    invoice: InvoiceSpec             # what the document says
    base: InvoiceSpec | None = None  # UBL defect: the twin's invoice, rendered then altered
    context: ContextSpec
    expected_codes: tuple[str, ...]
    allowed_codes: tuple[str, ...] = ()
    provenance: str

    @model_validator(mode="after")
    def _check(self) -> ValidationCase:
        if self.defect not in DEFECTS:
            raise ValueError(f"{self.id}: unknown defect {self.defect!r}")
        if self.role == "twin" and (self.expected_codes or self.allowed_codes):
            raise ValueError(f"{self.id}: a twin expects no codes")
        if self.role == "defect" and not self.expected_codes:
            raise ValueError(f"{self.id}: a defect case must expect a code")
        if (self.format == "pdf") != (self.layout is not None):
            raise ValueError(f"{self.id}: a PDF needs a layout, UBL none")
        if self.format == "ubl" and self.role == "defect" and self.base is None:
            raise ValueError(f"{self.id}: a UBL defect is rendered from its twin's invoice")
        return self


def load_cases(path: Path = CASES_FILE) -> list[ValidationCase]:
    cases = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            case = ValidationCase.model_validate_json(line)
            if case.id in seen:
                raise ValueError(f"{path}:{n}: duplicate case id {case.id}")
            seen.add(case.id)
            cases.append(case)
    return cases


# -- rendering ------------------------------------------------------------------------------------

_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"


def _set(el: Any, value: str | None) -> None:
    if el is not None and value is not None:
        el.text = value


def _found(el: Any) -> Any:
    if el is None:
        raise ValueError("render_ubl_invoice no longer writes an element the suite alters")
    return el


def _ubl_altered(base: InvoiceSpec, inv: InvoiceSpec) -> bytes:
    """The twin's UBL with the variant's dates, supplier ABN, tax, totals and lines written in."""
    import xml.etree.ElementTree as ET

    from demo.documents import render_ubl_invoice

    xml = render_ubl_invoice(base.doc())
    ET.register_namespace("", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    ET.register_namespace("cac", _CAC[1:-1])
    ET.register_namespace("cbc", _CBC[1:-1])
    root = ET.fromstring(xml)
    _set(root.find(f"{_CBC}IssueDate"), inv.issue_date.isoformat())
    if inv.due_date is not None:
        _set(root.find(f"{_CBC}DueDate"), inv.due_date.isoformat())
    seller = _found(root.find(f"{_CAC}AccountingSupplierParty/{_CAC}Party"))
    for path in (f"{_CBC}EndpointID", f"{_CAC}PartyTaxScheme/{_CBC}CompanyID",
                 f"{_CAC}PartyLegalEntity/{_CBC}CompanyID"):
        _set(seller.find(path), inv.supplier.abn)

    def money(value: Decimal) -> str:
        return str(value.quantize(Decimal("0.01")))

    tax_total = _found(root.find(f"{_CAC}TaxTotal"))
    _set(tax_total.find(f"{_CBC}TaxAmount"), money(inv.tax))
    for sub in tax_total.findall(f"{_CAC}TaxSubtotal"):
        if sub.findtext(f"{_CAC}TaxCategory/{_CBC}ID") == "S":
            _set(sub.find(f"{_CBC}TaxAmount"), money(inv.tax))
    totals = _found(root.find(f"{_CAC}LegalMonetaryTotal"))
    for tag, value in (("LineExtensionAmount", inv.subtotal), ("TaxExclusiveAmount", inv.subtotal),
                       ("TaxInclusiveAmount", inv.total), ("PayableAmount", inv.total)):
        _set(totals.find(f"{_CBC}{tag}"), money(value))
    elements = root.findall(f"{_CAC}InvoiceLine")
    for i, el in enumerate(elements):
        if i >= len(inv.lines):
            root.remove(el)
            continue
        ln = inv.lines[i]
        _set(el.find(f"{_CBC}InvoicedQuantity"), format(ln.quantity.normalize(), "f"))
        _set(el.find(f"{_CBC}LineExtensionAmount"), money(ln.amount))
        _set(el.find(f"{_CAC}Item/{_CBC}Name"), ln.description)
        price = ln.unit_price  # written as render_ubl_invoice writes prices
        _set(el.find(f"{_CAC}Price/{_CBC}PriceAmount"),
             money(price) if price == price.quantize(Decimal("0.01"))
             else format(price.normalize(), "f"))
        category = f"{_CAC}Item/{_CAC}ClassifiedTaxCategory"
        _set(el.find(f"{category}/{_CBC}ID"), "S" if ln.tax_code == "GST" else "Z")
        _set(el.find(f"{category}/{_CBC}Percent"), "10" if ln.tax_code == "GST" else "0")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8",
                                                                     xml_declaration=False)


def render(case: ValidationCase) -> bytes:
    """The document of the case, the same bytes every time."""
    from demo import pdf_layouts
    from demo.documents import render_invoice_pdf, render_ubl_invoice

    if case.format == "ubl":
        if case.role == "twin":
            return render_ubl_invoice(case.invoice.doc())
        assert case.base is not None
        return _ubl_altered(case.base, case.invoice)
    assert case.layout is not None
    if case.role == "twin":
        return render_invoice_pdf(case.invoice.doc(), case.layout)  # refuses what does not add up
    return pdf_layouts.render(case.invoice.doc(), case.layout)


def build_context(spec: ContextSpec, document: bytes) -> Any:
    from tools.documents.validation import KnownSupplier, PriorInvoice, ValidationContext

    sha = hashlib.sha256(document).hexdigest()
    prior = tuple(PriorInvoice(p.contact_id, p.supplier_abn, p.number, p.total, p.issue_date,
                               sha if p.content_hash == SAME_DOCUMENT else p.content_hash, p.ref)
                  for p in spec.prior_invoices)
    suppliers = tuple(KnownSupplier(**s.model_dump()) for s in spec.suppliers)
    return ValidationContext(suppliers=suppliers, prior_invoices=prior, today=spec.today,
                             own_abn=spec.own_abn)


# -- judging --------------------------------------------------------------------------------------

def judge(case: ValidationCase, issues: Sequence[Any], confidence: float) -> CaseResult:
    """Score the issues raised on a case (pure). `issues` carry .code and .message."""
    raised: dict[str, str] = {}
    for issue in issues:
        raised.setdefault(issue.code, issue.message)
    alarms = {c for c in raised if c not in INFORMATIONAL}
    expected = set(case.expected_codes)
    tolerated = expected | set(case.allowed_codes)
    missing = sorted(expected - alarms)
    unexpected = sorted(alarms - tolerated)
    diff = [f"{code}: want raised, got not raised (defect not found)" for code in missing]
    diff += [f"{code}: want not raised, got {raised[code]!r}" for code in unexpected]
    defect = case.role == "defect"
    found = defect and not missing
    passed = not missing and not unexpected
    judgements = [Judgement(f"hold:{code}", 1.0, code in tolerated) for code in sorted(alarms)]
    if not alarms:
        judgements.append(Judgement("auto_post", float(confidence), not defect))
    counts: dict[str, float] = {
        "defect": int(defect), "twin": int(not defect), "found": int(found),
        "false_alarm": int(not defect and bool(unexpected)),
        "extra_codes": int(defect and bool(unexpected)), "flagged": int(bool(alarms)),
        "holds": len(alarms), "holds_correct": len(alarms & tolerated), "passed": int(passed),
    }
    return CaseResult(case.id, passed,
                      expected={"codes": sorted(expected), "allowed": sorted(case.allowed_codes)},
                      got={"codes": sorted(raised), "confidence": confidence},
                      diff=tuple(diff), counts=counts, judgements=tuple(judgements),
                      split=case.format, tags=_tags(case))


def _tags(case: ValidationCase) -> tuple[str, ...]:
    tags = [f"defect:{case.defect}", f"role:{case.role}", f"format:{case.format}",
            f"variant:{case.variant}"]
    if case.layout:
        tags.append(f"layout:{case.layout}")
    return tuple(tags)


# -- the suite ------------------------------------------------------------------------------------

_MODELS: dict[int, tuple[Any, Any]] = {}  # id(settings) → (settings, model); one per process


def _model(config: RunConfig) -> Any:
    """Live mode: the configured LLM (None when none is configured); offline: None."""
    if config.mode != "live" or config.settings is None:
        return None
    key = id(config.settings)
    if key not in _MODELS:
        from adapters.llm import OpenAIChatModel

        _MODELS[key] = (config.settings, OpenAIChatModel.from_settings(config.settings))
    return _MODELS[key][1]


@functools.cache
def _cases() -> tuple[ValidationCase, ...]:
    return tuple(load_cases())


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


class ValidationSuite:
    name = "validation"
    description = ("Invoice validation: documents with known defects (GST, totals, lines, ABN, "
                   "duplicates, bank details, dates, supplier) must be held with the right code; "
                   "their clean twins must pass silently.")
    parallel = True

    def cases(self, config: RunConfig) -> Sequence[Case]:
        return [Case(id=c.id, provenance=c.provenance, payload=c, split=c.format, tags=_tags(c))
                for c in _cases()]

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return {}

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        from services.extraction import extract_invoice
        from tools.documents.pipeline import ReadingOptions
        from tools.documents.validation import decision_confidence

        c: ValidationCase = case.payload
        started = time.perf_counter()
        document = render(c)
        ctx = build_context(c.context, document)
        name = f"{c.id}.{'xml' if c.format == 'ubl' else 'pdf'}"
        reading = extract_invoice(document, name=name, context=ctx, ocr=None, model=_model(config),
                                  options=ReadingOptions(own_abn=c.context.own_abn))
        confidence = decision_confidence(reading.extraction, reading.validation)
        result = judge(c, reading.extraction.issues, confidence)
        return dataclasses.replace(result, seconds=round(time.perf_counter() - started, 4))

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        total: Counter[str] = Counter()
        by: dict[str, Counter[str]] = defaultdict(Counter)
        for r in results:
            total.update(r.counts)
            for tag in r.tags:
                if tag.startswith(("defect:", "format:")):
                    by[tag].update(r.counts)
        out = [
            Metric("cases", len(results)),
            Metric("defects", total["defect"]),
            Metric("twins", total["twin"]),
            Metric("case_pass_rate", _rate(total["passed"], len(results))),
            Metric("defects_found_rate", _rate(total["found"], total["defect"])),
            Metric("false_alarm_rate", _rate(total["false_alarm"], total["twin"]),
                   higher_is_better=False),
            Metric("extra_code_rate", _rate(total["extra_codes"], total["defect"]),
                   higher_is_better=False),
            Metric("precision", _rate(total["holds_correct"], total["holds"]) if total["holds"]
                   else 1.0),
        ]
        for defect in DEFECTS:
            c = by.get(f"defect:{defect}")
            if c and c["defect"]:
                out.append(Metric(f"found_rate.{defect}", _rate(c["found"], c["defect"])))
        for fmt in FORMATS:
            c = by.get(f"format:{fmt}")
            if not c:
                continue
            if c["defect"]:
                out.append(Metric(f"found_rate.format.{fmt}", _rate(c["found"], c["defect"])))
            if c["twin"]:
                out.append(Metric(f"false_alarm_rate.format.{fmt}",
                                  _rate(c["false_alarm"], c["twin"]), higher_is_better=False))
        return out


SUITE = ValidationSuite()


def case_summary(cases: Sequence[ValidationCase]) -> dict[str, Any]:
    """Counts by role, defect and format (for the data README and the tests)."""
    return {
        "cases": len(cases),
        "roles": dict(Counter(c.role for c in cases)),
        "defects": dict(Counter(c.defect for c in cases if c.role == "defect")),
        "formats": dict(Counter(c.layout or c.format for c in cases)),
    }
