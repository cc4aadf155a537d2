"""The extraction suite: its case files load and validate, it can fail (with a readable diff), a few
cases pass end to end, and its metrics add up on hand-made results."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from evals.harness.metadata import find_corpus
from evals.harness.model import CaseResult, RunConfig
from evals.suites import extraction as ext
from tools.documents.model import Extraction, Line, Method, Payment, Supplier

FOUND = find_corpus()
CORPUS = FOUND or Path("corpus-not-found")
needs_corpus = pytest.mark.skipif(FOUND is None, reason="shared corpus not present")


@pytest.fixture(scope="module")
def cases() -> dict[str, ext.ExtractionCase]:
    return {c.id: c for c in ext.load_cases()}


def test_case_file_loads_and_counts(cases: dict[str, ext.ExtractionCase]) -> None:
    by = Counter((c.source, c.split, c.method) for c in cases.values())
    assert len(cases) >= 300
    assert sum(1 for c in cases.values() if c.source == "generated") >= 140  # ≥150 needs corpus too
    assert by[("generated", "dev", "pdf_text")] == 60
    assert by[("generated", "heldout", "pdf_text")] == 80
    assert by[("ubl", "corpus", "ubl")] >= 100 and by[("facturx", "corpus", "cii")] >= 20
    assert sum(n for (s, _, m), n in by.items() if m == "ocr") <= 4
    for c in cases.values():
        assert c.provenance and c.licence
        assert c.expected, c.id
        if c.source != "invoice2data":  # complete truth: every header field is stated
            assert set(c.expected) >= set(ext.HEADER_FIELDS) - {"payment.bsb"}, c.id


def test_generated_fixtures_are_committed_and_reproducible() -> None:
    from evals.generators.invoices import generate

    records = [json.loads(line) for line in ext.GENERATED_FILE.read_text().splitlines()]
    for rec in records:
        data = (ext.DATA_DIR / rec["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == rec["sha256"], rec["path"]
    for split in ("dev", "heldout"):
        first = next(r for r in records if r["split"] == split and r["index"] == 0)
        g = generate(split, 1, first["seed"])[0]
        assert hashlib.sha256(g.pdf).hexdigest() == first["sha256"]
        assert first["expected"]["total"] == str(g.invoice.total)


def test_without_the_corpus_only_generated_cases_run() -> None:
    config = RunConfig(corpus=None)
    run = ext.SUITE.cases(config)
    assert {c.payload.source for c in run} == {"generated"} and len(run) == 240
    assert ext.SUITE.skipped(config) == {"corpus not found": len(ext.load_cases()) - 240}


def test_schema_rejects_bad_cases(cases: dict[str, ext.ExtractionCase]) -> None:
    good = cases["generated:dev-0000-classic"].model_dump()
    for change in ({"expected": {**good["expected"], "totl": "1"}},
                   {"expected": {**good["expected"], "total": "ten"}},
                   {"split": "corpus"}, {"method": "pdf"}, {"min_line_f1": 2}):
        with pytest.raises(ValueError):
            ext.ExtractionCase.model_validate({**good, **change})


@needs_corpus
def test_frozen_truth_is_what_make_cases_derives_from_the_corpus(
        cases: dict[str, ext.ExtractionCase]) -> None:
    from evals.data.extraction import make_cases as mk

    built = [*mk.ubl_cases(), *mk.cii_cases(), *mk.invoice2data_cases(), *mk.generated_cases()]
    on_file = [json.loads(line) for line in ext.CASES_FILE.read_text().splitlines()]
    assert json.loads(json.dumps(built)) == on_file
    for c in cases.values():
        if c.root == "corpus":
            data = (CORPUS / c.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == c.sha256, c.id


def _run(case: ext.ExtractionCase, corpus: Path | None = None) -> CaseResult:
    from evals.harness.model import Case

    return ext.SUITE.run_case(Case(case.id, case.provenance, case, case.split), RunConfig(corpus=corpus))


def test_generated_cases_pass_end_to_end(cases: dict[str, ext.ExtractionCase]) -> None:
    for cid in ("generated:dev-0000-classic", "generated:heldout-0001-docket"):
        result = _run(cases[cid])
        assert result.passed, result.diff
        assert result.counts["header_exact"] == 1 and result.counts["lines_matched"] > 0
        assert {j.decision for j in result.judgements} >= {"field:total", "field:invoice_number"}
        assert all(0 <= j.confidence <= 1 and j.correct for j in result.judgements)


@needs_corpus
def test_corpus_cases_pass_end_to_end(cases: dict[str, ext.ExtractionCase]) -> None:
    ids = [next(c.id for c in cases.values() if c.source == src) for src in ("ubl", "cii", "facturx")]
    ids.append(next(c.id for c in cases.values() if c.path.startswith("pint-a-nz/")))
    for cid in ids:
        result = _run(cases[cid], CORPUS)
        assert result.passed, (cid, result.diff)


def test_a_corrupted_expectation_fails_with_a_readable_diff(
        cases: dict[str, ext.ExtractionCase]) -> None:
    case = cases["generated:dev-0000-classic"]
    total = Decimal(str(case.expected["total"]))
    wrong = case.model_copy(update={"expected": {**case.expected, "total": str(total + 1)}})
    result = _run(wrong)
    assert not result.passed and result.counts["header_exact"] == 0
    assert f"total: want {total + 1}, got {total}" in result.diff
    assert any(j.decision == "field:total" and not j.correct for j in result.judgements)


def _extraction(**kw: object) -> Extraction:
    base: dict[str, object] = {
        "supplier": Supplier(name="Acme Pty Ltd", abn="53004085616"), "invoice_number": "INV-1",
        "total": Decimal("110.00"), "subtotal": Decimal("100.00"), "tax": Decimal("10.00"),
        "payment": Payment(bsb="062000", account_number="12345678"), "method": Method.PDF_TEXT,
        "lines": (Line(description="Widget  large", quantity=Decimal(2), unit_price=Decimal(25),
                       amount=Decimal("50.00")),
                  Line(description="Labour", quantity=Decimal(1), unit_price=Decimal(50),
                       amount=Decimal(50))),
        "confidence": {"total": 0.9, "overall": 0.8}}
    base.update(kw)
    return Extraction(**base)  # type: ignore[arg-type]


def _case(**kw: object) -> ext.ExtractionCase:
    base: dict[str, object] = {
        "id": "t", "source": "generated", "root": "data", "path": "x.pdf", "split": "dev",
        "method": "pdf_text", "provenance": "test", "licence": "test",
        "expected": {"total": "110", "invoice_number": "INV-1", "supplier.abn": "53004085616",
                     "purchase_order": None, "payment.bsb": "062000"},
        "lines": [{"description": "Widget large", "quantity": "2.0", "unit_price": "25.00",
                   "amount": "50"},
                  {"description": "Labour", "quantity": "1", "unit_price": "50", "amount": "50"}]}
    base.update(kw)
    return ext.ExtractionCase.model_validate(base)


def test_judge_matches_values_not_spellings() -> None:
    result = ext.judge(_case(), _extraction())
    assert result.passed and result.diff == ()
    assert result.counts["fields"] == result.counts["fields_exact"] == 5
    assert result.counts["lines_matched"] == 2
    # purchase_order absent in both: no decision, no judgement; total uses its own confidence
    decisions = {j.decision: j.confidence for j in result.judgements}
    assert "field:purchase_order" not in decisions and decisions["field:total"] == 0.9
    assert decisions["field:invoice_number"] == 0.8  # no field confidence: the overall one


def test_judge_reports_missing_and_invented_values_and_lines() -> None:
    ex = _extraction(purchase_order="PO-9", invoice_number=None,
                     lines=(_extraction().lines[0], Line(description="Freight", amount=Decimal(5))))
    result = ext.judge(_case(), ex)
    assert not result.passed
    assert "invoice_number: want INV-1, got null" in result.diff
    assert "purchase_order: want null, got PO-9" in result.diff
    assert any(d.startswith("lines: matched 1 of 2 expected, 2 read") for d in result.diff)
    assert any("line missing: 'Labour'" in d for d in result.diff)
    assert any("line not expected: 'Freight'" in d for d in result.diff)
    wrong = {j.decision: j for j in result.judgements if not j.correct}
    assert wrong["field:invoice_number"].confidence == 0.0
    assert wrong["field:purchase_order"].confidence == 0.8


def test_stated_line_matching_for_template_truth() -> None:
    case = _case(source="invoice2data", root="corpus", split="corpus", line_match="stated",
                 min_line_f1=0.5, lines=[{"description": "Widget", "unit_price": "25"},
                                         {"description": "Gadget", "amount": "9"}])
    result = ext.judge(case, _extraction())
    assert result.counts["lines_matched"] == 1 and result.passed  # F1 = 0.5 reaches 0.5


def _result(cid: str, method: str, split: str, *, fields: dict[str, bool],
            lines: tuple[int, int, int] | None, passed: bool) -> CaseResult:
    counts: dict[str, float] = {"documents": 1, "fields": len(fields),
                                "fields_exact": sum(fields.values()),
                                "header_exact": int(all(fields.values())), "passed": int(passed)}
    for name, ok in fields.items():
        counts[f"stated:{name}"] = 1
        counts[f"exact:{name}"] = int(ok)
    if lines:
        counts.update(line_cases=1, lines_expected=lines[0], lines_read=lines[1],
                      lines_matched=lines[2])
    return CaseResult(cid, passed, counts=counts, split=split,
                      tags=(f"method:{method}", f"split:{split}"))


def test_metrics_on_hand_made_results() -> None:
    results = [
        _result("a", "ubl", "corpus", fields={"total": True, "tax": True}, lines=(2, 2, 2),
                passed=True),
        _result("b", "pdf_text", "dev", fields={"total": False, "tax": True}, lines=(4, 2, 2),
                passed=False),
        _result("c", "pdf_text", "heldout", fields={"total": True}, lines=None, passed=True),
        _result("d", "ocr", "corpus", fields={"total": True, "tax": False}, lines=(2, 0, 0),
                passed=False),
    ]
    m = {x.name: x.value for x in ext.SUITE.metrics(results)}
    assert m["documents"] == 4 and m["case_pass_rate"] == 0.5
    assert m["header_exact"] == 0.5 and m["fields_exact"] == round(5 / 7, 4)
    # lines: matched 4 of 8 expected, 4 read → P 1.0, R 0.5, F1 2/3
    assert m["line_f1"] == round(2 / 3, 4)
    assert m["header_exact.ubl"] == 1.0 and m["header_exact.pdf_text"] == 0.5
    assert m["header_exact.ocr"] == 0.0 and m["line_f1.ocr"] == 0.0 and m["line_f1.ubl"] == 1.0
    assert m["line_f1.pdf_text"] == round(2 / 3, 4)  # 2 of 4 expected, 2 read
    assert m["header_exact.split.dev"] == 0.0 and m["header_exact.split.heldout"] == 1.0
    assert m["header_exact.split.corpus"] == 0.5 and m["line_f1.split.dev"] == round(2 / 3, 4)
    assert m["field.total"] == 0.75 and m["field.tax"] == round(2 / 3, 4)
    assert "field.supplier.name" not in m and "header_exact.cii" not in m
    # without the corpus only the generated splits are measured (the rest would mean otherwise)
    alone = {x.name: x.value for x in ext.SUITE.metrics(results[1:3])}
    assert alone == {"header_exact.split.dev": 0.0, "line_f1.split.dev": round(2 / 3, 4),
                     "header_exact.split.heldout": 1.0}


def test_f1_edges() -> None:
    assert ext.f1(0, 0, 0) == 1.0 and ext.f1(0, 3, 0) == 0.0 and ext.f1(0, 0, 3) == 0.0
    assert ext.f1(2, 2, 2) == 1.0


def test_live_mode_uses_the_configured_model() -> None:
    from adapters.llm import OpenAIChatModel
    from core.settings import Settings
    from evals.suites import validation

    settings = Settings(_env_file=None, OPENAI_API_KEY="test-key",  # type: ignore[call-arg]
                        OPENAI_BASE_URL="http://127.0.0.1:9/v1", llm_model="test-model")
    for module in (ext, validation):
        assert module._model(RunConfig(mode="offline", settings=settings)) is None
        assert isinstance(module._model(RunConfig(mode="live", settings=settings)), OpenAIChatModel)
        assert module._model(RunConfig(mode="live", settings=None)) is None
