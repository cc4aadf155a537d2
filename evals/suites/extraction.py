"""The `extraction` suite: field-level exact match and line-item F1 of the invoice extractor.

System under test: services.extraction.extract_invoice (offline: no model; live: the configured
LLM may re-read weak documents). Cases (evals/data/extraction/cases.jsonl, built by make_cases.py):

* corpus documents, read by reference from the shared corpus (never copied into the project):
  PEPPOL BIS / A-NZ / PINT A-NZ / CEN / OASIS UBL (and the ZUGFeRD UBL conversions), ZUGFeRD CII
  XML and the Factur-X PDFs carrying it, the invoice2data sample PDFs (and up to four of their PNG
  scans, through OCR). Their expected values are frozen in cases.jsonl: header fields from the
  corpus manifests as evals.benchmarks.einvoice_bench reads them (with its documented corrections),
  line items and CII due dates from the small independent XPath readers below, invoice2data
  expectations mapped from its JSON (only the keys it states are scored);
* generated Australian invoices (evals.generators.invoices), committed as PDFs under
  evals/data/extraction/generated/{dev,heldout}/ with their truth in generated.jsonl. The held-out
  layouts are never used to tune the extractor; the split is reported separately.

Judging, per case: every header field the case states (None included: the document has no such
value, so the extractor must not invent one) must be exact (amounts compare by value, dates ISO,
text exactly); line items are matched on description (whitespace-normalised), quantity, unit price
(compared to 6 decimal places: a price per base quantity can be a repeating decimal) and amount;
precision, recall and F1 per document. A case passes when every stated field is exact and line F1
reaches the case's `min_line_f1` (1.0, except invoice2data: its truth is what one template author
chose to extract, so lines are matched on the keys it states, the description by containment, and
0.8 is enough).

Metrics: documents, case_pass_rate, header_exact (all stated fields exact) overall, per method
(header_exact.<ubl|cii|pdf_text|ocr>, by the method the case expects) and per split
(header_exact.split.<dev|heldout|corpus>), fields_exact, line_f1 (micro, overall and per method and
split), method_exact (read by the expected method) and field.<name> per header field. Without the
corpus only the generated splits' metrics are reported.

Calibration: a Judgement ("field:<name>", the extractor's confidence for that field, correct?) for
every stated field the extractor gave a value for or should have (confidence 0.0 when it gave none);
fields both absent in truth and reading are no decision and give no judgement.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from evals.harness.model import CORPUS_MISSING, DATA, Case, CaseResult, Judgement, Metric, RunConfig

DATA_DIR = DATA / "extraction"
CASES_FILE = DATA_DIR / "cases.jsonl"
GENERATED_FILE = DATA_DIR / "generated.jsonl"
TODAY = date(2026, 6, 30)  # fixed: validation must not read the clock
HEADER_FIELDS = (
    "document_type", "supplier.name", "supplier.abn", "invoice_number", "issue_date", "due_date",
    "currency", "purchase_order", "subtotal", "tax", "total", "payment.bsb",
    "payment.account_number", "payment.iban",
)
MONEY_FIELDS = frozenset({"subtotal", "tax", "total"})
METHODS = ("ubl", "cii", "pdf_text", "ocr")
SPLITS = ("dev", "heldout", "unseen_tune", "unseen_blind", "corpus")
PRICE_PLACES = Decimal("0.000001")
INVOICE2DATA_MIN_LINE_F1 = 0.8

Source = Literal["ubl", "cii", "facturx", "invoice2data", "generated"]


# -- the typed case schema ------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedLine(_Strict):
    """One expected line item; None = not stated by the truth (invoice2data), so not compared."""

    description: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None
    tax_code: str | None = None  # recorded for reference; not scored

    @field_validator("quantity", "unit_price", "amount")
    @classmethod
    def _decimal(cls, v: str | None) -> str | None:
        if v is not None:
            _dec(v)
        return v


class ExtractionCase(_Strict):
    id: str
    source: Source
    root: Literal["corpus", "data"]          # `path` is relative to the corpus or to DATA_DIR
    path: str
    split: Literal["dev", "heldout", "unseen_tune", "unseen_blind", "corpus"]
    method: Literal["ubl", "cii", "pdf_text", "ocr"]  # how the document should be read
    provenance: str
    licence: str
    sha256: str | None = None                # of the document, to notice a changed corpus file
    own_abn: str | None = None               # the receiving business (never the supplier)
    truth: Literal["inline", "generated.jsonl"] = "inline"
    truth_from: str = ""                     # how the expected values were derived
    expected: dict[str, str | None] = {}
    also_accept: dict[str, list[str]] = {}   # e.g. legal name as well as trading name
    lines: list[ExpectedLine] | None = None  # None: lines are not scored for this case
    line_match: Literal["exact", "stated"] = "exact"
    min_line_f1: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> ExtractionCase:
        unknown = (set(self.expected) | set(self.also_accept)) - set(HEADER_FIELDS)
        if unknown:
            raise ValueError(f"{self.id}: unknown fields {sorted(unknown)}")
        for name in MONEY_FIELDS & set(self.expected):
            if self.expected[name] is not None:
                _dec(self.expected[name])  # type: ignore[arg-type]
        for name in ("issue_date", "due_date"):
            if self.expected.get(name):
                date.fromisoformat(self.expected[name])  # type: ignore[arg-type]
        if (self.source == "generated") != (self.root == "data"):
            raise ValueError(f"{self.id}: generated cases live in the data dir, others in the corpus")
        if (self.split == "corpus") != (self.root == "corpus"):
            raise ValueError(f"{self.id}: split {self.split!r} does not fit root {self.root!r}")
        if self.truth == "inline" and not self.expected:
            raise ValueError(f"{self.id}: no expected values")
        if not 0 <= self.min_line_f1 <= 1:
            raise ValueError(f"{self.id}: min_line_f1 out of range")
        return self


def _dec(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite decimal: {text!r}")
    return value


# -- loading --------------------------------------------------------------------------------------

@functools.cache
def _generated_truth() -> dict[str, dict[str, Any]]:
    out = {}
    with GENERATED_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                out[rec["path"]] = rec
    return out


def load_cases(path: Path = CASES_FILE) -> list[ExtractionCase]:
    """Every case in the file, validated; generated cases get their truth from generated.jsonl."""
    cases: list[ExtractionCase] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            if raw.get("truth") == "generated.jsonl":
                rec = _generated_truth()[raw["path"]]
                raw = {**raw, "expected": rec["expected"], "lines": rec["lines"],
                       "own_abn": rec["own_abn"], "sha256": rec["sha256"]}
            case = ExtractionCase.model_validate(raw)
            if case.id in seen:
                raise ValueError(f"{path}:{n}: duplicate case id {case.id}")
            seen.add(case.id)
            cases.append(case)
    return cases


def _document_path(case: ExtractionCase, config: RunConfig) -> Path | None:
    if case.root == "data":
        return DATA_DIR / case.path
    return config.corpus / case.path if config.corpus is not None else None


# -- independent truth readers (used by make_cases.py; plain XPath, not the product's parsers) ----

_UBL = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
_CII = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
        "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"}


def _norm(text: str | None) -> str | None:
    return " ".join(text.split()) or None if text else None


def _describe(name: str | None, desc: str | None) -> str | None:
    """The contract's line description: the item name, with its description appended after " - "
    when both are given and differ (how the product reports UBL/CII lines)."""
    name, desc = _norm(name), _norm(desc)
    return f"{name} - {desc}" if name and desc and desc != name else (name or desc)


def _per_unit(price: str | None, base: str | None) -> str | None:
    if price is None:
        return None
    if base is None or Decimal(base) in (0, 1):
        return price
    return str(Decimal(price) / Decimal(base))


def ubl_lines(xml: bytes) -> list[ExpectedLine]:
    from defusedxml import ElementTree as ET

    root = ET.fromstring(xml)
    out = []
    for tag, qty in (("InvoiceLine", "InvoicedQuantity"), ("CreditNoteLine", "CreditedQuantity")):
        for el in root.findall(f"cac:{tag}", _UBL):
            def text(path: str, el: Any = el) -> str | None:
                found = el.find(path, _UBL)
                return found.text.strip() if found is not None and found.text else None
            out.append(ExpectedLine(
                description=_describe(text("cac:Item/cbc:Name"), text("cac:Item/cbc:Description")),
                quantity=text(f"cbc:{qty}"),
                unit_price=_per_unit(text("cac:Price/cbc:PriceAmount"),
                                     text("cac:Price/cbc:BaseQuantity")),
                amount=text("cbc:LineExtensionAmount")))
    return out


def cii_truth(xml: bytes) -> tuple[str | None, list[ExpectedLine]]:
    """(due date ISO, lines) of a CII invoice."""
    from defusedxml import ElementTree as ET

    root = ET.fromstring(xml)
    trade = "rsm:SupplyChainTradeTransaction"
    due = root.find(f"{trade}/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradePaymentTerms/"
                    "ram:DueDateDateTime/udt:DateTimeString", _CII)
    day = due.text.strip() if due is not None and due.text else None
    due_iso = f"{day[:4]}-{day[4:6]}-{day[6:8]}" if day and re.fullmatch(r"\d{8}", day) else None
    out = []
    for el in root.findall(f"{trade}/ram:IncludedSupplyChainTradeLineItem", _CII):
        def text(path: str, el: Any = el) -> str | None:
            found = el.find(path, _CII)
            return found.text.strip() if found is not None and found.text else None
        net = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
        out.append(ExpectedLine(
            description=_describe(text("ram:SpecifiedTradeProduct/ram:Name"),
                                  text("ram:SpecifiedTradeProduct/ram:Description")),
            quantity=text("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
            unit_price=_per_unit(text(f"{net}/ram:ChargeAmount"), text(f"{net}/ram:BasisQuantity")),
            amount=text("ram:SpecifiedLineTradeSettlement/"
                        "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")))
    return due_iso, out


# -- judging --------------------------------------------------------------------------------------

def _get(ex: Any, path: str) -> Any:
    obj = ex
    for part in path.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def _equal(name: str, want: str | None, got: Any) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if name in MONEY_FIELDS:
        return isinstance(got, Decimal) and got == Decimal(want)
    return _shown(got) == want


def _num(value: Any, price: bool = False) -> str | None:
    if value is None:
        return None
    d = Decimal(str(value))
    if price and d.is_finite():
        try:
            d = d.quantize(PRICE_PLACES)
        except InvalidOperation:  # too many digits to quantize: a misread, compared as it is
            pass
    return format(d.normalize(), "f")


def _line_key(desc: Any, qty: Any, price: Any, amount: Any) -> tuple[Any, ...]:
    return (_norm(desc), _num(qty), _num(price, price=True), _num(amount))


def _stated_match(want: ExpectedLine, got: tuple[Any, ...]) -> bool:
    """invoice2data: the keys the template states; its description (it keeps the text of one
    column, where the contract may join name and description) must be within the one read."""
    wkey = _line_key(want.description, want.quantity, want.unit_price, want.amount)
    for i, w in enumerate(wkey):
        if w is None:
            continue
        if i == 0:
            if got[0] is None or w.casefold() not in got[0].casefold():
                return False
        elif w != got[i]:
            return False
    return True


def match_lines(want: Sequence[ExpectedLine], got: Sequence[Any], mode: str,
                ) -> tuple[int, list[ExpectedLine], list[Any]]:
    """(matched, expected lines not found, read lines not expected)."""
    got_keys = [_line_key(g.description, g.quantity, g.unit_price, g.amount) for g in got]
    free = list(range(len(got)))
    missing: list[ExpectedLine] = []
    for w in want:
        if mode == "exact":
            wkey = _line_key(w.description, w.quantity, w.unit_price, w.amount)
            hit = next((i for i in free if got_keys[i] == wkey), None)
        else:
            hit = next((i for i in free if _stated_match(w, got_keys[i])), None)
        if hit is None:
            missing.append(w)
        else:
            free.remove(hit)
    return len(want) - len(missing), missing, [got[i] for i in free]


def f1(matched: float, read: float, expected: float) -> float:
    if expected == 0 and read == 0:
        return 1.0
    precision = matched / read if read else 0.0
    recall = matched / expected if expected else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _line_text(ln: Any) -> str:
    return (f"{_norm(ln.description)!r} qty {_shown(ln.quantity)} @ {_shown(ln.unit_price)} "
            f"= {_shown(ln.amount)}")


def judge(case: ExtractionCase, ex: Any) -> CaseResult:
    """Score one extraction against the case (pure; `ex` is an Extraction)."""
    diff: list[str] = []
    counts: dict[str, float] = {"documents": 1, "fields": 0, "fields_exact": 0}
    judgements: list[Judgement] = []
    got_fields: dict[str, str | None] = {}
    for name in HEADER_FIELDS:
        if name not in case.expected:
            continue
        want, got = case.expected[name], _get(ex, name)
        ok = _equal(name, want, got) or any(_equal(name, alt, got)
                                            for alt in case.also_accept.get(name, ()))
        got_fields[name] = None if got is None else _shown(got)
        counts["fields"] += 1
        counts["fields_exact"] += ok
        counts[f"stated:{name}"] = 1
        counts[f"exact:{name}"] = int(ok)
        if not ok:
            diff.append(f"{name}: want {_shown(want)}, got {_shown(got)}")
        if want is not None or got is not None:
            conf = ex.confidence.get(name, ex.confidence.get("overall", 0.0)) if got is not None else 0.0
            judgements.append(Judgement(f"field:{name}", float(conf), ok))
    header_ok = counts["fields_exact"] == counts["fields"]
    counts["header_exact"] = int(header_ok)
    line_f1 = 1.0
    got_lines: list[str] = []
    if case.lines is not None:
        matched, missing, extra = match_lines(case.lines, ex.lines, case.line_match)
        counts.update(line_cases=1, lines_expected=len(case.lines), lines_read=len(ex.lines),
                      lines_matched=matched)
        line_f1 = f1(matched, len(ex.lines), len(case.lines))
        got_lines = [_line_text(ln) for ln in ex.lines]
        if missing or extra:
            diff.append(f"lines: matched {matched} of {len(case.lines)} expected, "
                        f"{len(ex.lines)} read (F1 {line_f1:.3f})")
            diff += [f"  line missing: {_line_text(w)}" for w in missing[:5]]
            diff += [f"  line not expected: {_line_text(g)}" for g in extra[:5]]
    passed = header_ok and line_f1 >= case.min_line_f1
    counts["passed"] = int(passed)
    # The decision the AP agent's threshold is about: is everything read right, at this overall
    # confidence? (Calibration turns these into the auto-post threshold.)
    judgements.append(Judgement("invoice:overall", float(ex.confidence.get("overall", 0.0)), passed))
    counts["method_exact"] = int(ex.method.value == case.method)
    if ex.method.value != case.method:  # reported (and measured), but the values decide the case
        diff.append(f"method: want {case.method}, got {ex.method.value}")
    expected = {"fields": case.expected,
                "lines": None if case.lines is None else [_line_text(w) for w in case.lines]}
    return CaseResult(case.id, passed, expected=expected,
                      got={"fields": got_fields, "lines": got_lines, "method": ex.method.value},
                      diff=tuple(diff), counts=counts, judgements=tuple(judgements),
                      split=case.split, tags=_tags(case))


def _tags(case: ExtractionCase) -> tuple[str, ...]:
    return (f"method:{case.method}", f"source:{case.source}", f"split:{case.split}")


def _failed(case: ExtractionCase, error: str, seconds: float) -> CaseResult:
    counts: dict[str, float] = {"documents": 1, "fields": len(case.expected), "fields_exact": 0,
                                "header_exact": 0, "passed": 0}
    for name in case.expected:
        counts[f"stated:{name}"] = 1
        counts[f"exact:{name}"] = 0
    if case.lines is not None:
        counts.update(line_cases=1, lines_expected=len(case.lines), lines_read=0, lines_matched=0)
    return CaseResult(case.id, False, expected={"fields": case.expected}, error=error,
                      counts=counts, seconds=seconds, split=case.split, tags=_tags(case))


# -- the suite ------------------------------------------------------------------------------------

@functools.cache
def _ocr() -> Any:
    import shutil

    from adapters.ocr import TesseractOcr

    return TesseractOcr() if shutil.which("tesseract") else None


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


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


class ExtractionSuite:
    name = "extraction"
    description = ("Invoice extraction: header-field exact match and line-item F1 per method "
                   "(UBL, CII/Factur-X, text PDF, OCR) over the shared corpus and generated "
                   "Australian layouts (dev and held-out splits).")
    parallel = True  # cases are independent; the runner may spread them over processes

    @property
    def thresholds_in_use(self) -> dict[str, tuple[float, ...]]:
        from core.settings import Settings

        return {"invoice:overall": (float(Settings.model_fields["ap_min_confidence"].default),)}

    def _split(self, config: RunConfig) -> tuple[list[ExtractionCase], dict[str, int]]:
        run, skipped = [], Counter[str]()
        for case in load_cases():
            path = _document_path(case, config)
            if path is None or not path.is_file():
                skipped[CORPUS_MISSING if case.root == "corpus" else "fixture missing"] += 1
            elif case.method == "ocr" and _ocr() is None:
                skipped["tesseract not installed"] += 1
            else:
                run.append(case)
        return run, dict(skipped)

    def cases(self, config: RunConfig) -> Sequence[Case]:
        run, _ = self._split(config)
        return [Case(id=c.id, provenance=f"{c.provenance}; licence: {c.licence}", payload=c,
                     split=c.split, tags=_tags(c)) for c in run]

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return self._split(config)[1]

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        from dataclasses import replace

        from services.extraction import extract_invoice
        from tools.documents.pipeline import ReadingOptions
        from tools.documents.validation import ValidationContext

        c: ExtractionCase = case.payload
        started = time.perf_counter()
        try:
            path = _document_path(c, config)
            assert path is not None
            data = path.read_bytes()
            if c.sha256 and hashlib.sha256(data).hexdigest() != c.sha256:
                raise ValueError(f"{c.path} is not the document the expected values were taken "
                                 "from (sha256 differs): rebuild cases.jsonl")
            ctx = ValidationContext(suppliers=(), prior_invoices=(), today=TODAY,
                                    own_abn=c.own_abn, supplier_master=False)
            reading = extract_invoice(data, name=path.name, context=ctx,
                                      ocr=_ocr() if c.method == "ocr" else None,
                                      model=_model(config), options=ReadingOptions(own_abn=c.own_abn))
            result = judge(c, reading.extraction)
        except Exception as exc:  # noqa: BLE001 - an unreadable document fails its case only
            return _failed(c, f"{type(exc).__name__}: {exc}", time.perf_counter() - started)
        return replace(result, seconds=round(time.perf_counter() - started, 4))

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        """Without the corpus (no corpus case ran) only the generated splits' metrics are given:
        the aggregates would mean something else, and the baseline gate turns metrics missing for
        want of the corpus into warnings, not regressions."""
        total: Counter[str] = Counter()
        by: dict[str, Counter[str]] = defaultdict(Counter)
        for r in results:
            total.update(r.counts)
            total["documents_run"] += 1
            groups = [t for t in r.tags if t.startswith("method:")] + [f"split:{r.split}"]
            for g in groups:
                by[g].update(r.counts)
        out: list[Metric] = []
        for split in SPLITS:
            c = by.get(f"split:{split}")
            if c:
                out.append(Metric(f"header_exact.split.{split}",
                                  _rate(c["header_exact"], c["documents"])))
                if c["line_cases"]:
                    out.append(Metric(f"line_f1.split.{split}", _line_f1(c)))
        if not by.get("split:corpus"):
            return out
        docs = total["documents_run"]
        out += [
            Metric("documents", docs),
            Metric("case_pass_rate", _rate(total["passed"], docs)),
            Metric("header_exact", _rate(total["header_exact"], docs)),
            Metric("fields_exact", _rate(total["fields_exact"], total["fields"])),
            Metric("line_f1", _line_f1(total)),
            Metric("method_exact", _rate(total["method_exact"], docs)),
        ]
        for method in METHODS:
            c = by.get(f"method:{method}")
            if not c:
                continue
            slack = 0.25 if method == "ocr" else 0.0  # few scans; tesseract versions differ
            out.append(Metric(f"header_exact.{method}", _rate(c["header_exact"], c["documents"]),
                              tolerance=slack))
            if c["line_cases"]:
                out.append(Metric(f"line_f1.{method}", _line_f1(c), tolerance=slack))
        for name in HEADER_FIELDS:
            if total[f"stated:{name}"]:
                out.append(Metric(f"field.{name}",
                                  _rate(total[f"exact:{name}"], total[f"stated:{name}"])))
        return out


def _line_f1(c: Counter[str]) -> float:
    return round(f1(c["lines_matched"], c["lines_read"], c["lines_expected"]), 4)


SUITE = ExtractionSuite()
