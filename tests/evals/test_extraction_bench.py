"""The extraction benchmark scores what it claims: exact fields, line matches, CII ground truth."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from evals.benchmarks.extraction_bench import FIELDS, _cii_truth, evaluate, score_invoice
from evals.generators.invoices import generate
from tools.documents.model import Extraction, Line, Method, Payment, Supplier


def _perfect(inv) -> Extraction:  # type: ignore[no-untyped-def]
    return Extraction(
        supplier=Supplier(name=inv.supplier.name, abn=inv.supplier.abn), invoice_number=inv.invoice_number,
        issue_date=inv.issue_date, due_date=inv.due_date, purchase_order=inv.purchase_order,
        subtotal=inv.subtotal, tax=inv.tax, total=inv.total,
        payment=Payment(bsb=inv.payment.bsb, account_number=inv.payment.account_number) if inv.payment else None,
        lines=tuple(Line(description=" ".join(ln.description.split()) + " ", quantity=ln.quantity,
                         unit_price=ln.unit_price, amount=ln.amount) for ln in inv.lines),
        method=Method.PDF_TEXT)


def test_scoring_counts_exact_fields_and_lines() -> None:
    inv = generate("dev", 1, seed=8)[0].invoice
    fields, matched, got, want = score_invoice(inv, _perfect(inv))
    assert set(fields) == set(FIELDS) and all(fields.values())
    assert matched == got == want == len(inv.lines)
    wrong = _perfect(inv).model_copy(update={"total": inv.total + Decimal("0.01"),
                                             "lines": _perfect(inv).lines[1:]})
    fields, matched, got, want = score_invoice(inv, wrong)
    assert not fields["total"] and sum(fields.values()) == len(FIELDS) - 1
    assert (matched, got, want) == (len(inv.lines) - 1, len(inv.lines) - 1, len(inv.lines))


def test_evaluate_reports_rates() -> None:
    result = evaluate("heldout", 2, seed=1)
    assert result["invoices"] == 2 and 0 <= result["header_exact"] <= 1
    assert set(result["per_field"]) == set(FIELDS) and 0 <= result["lines"]["f1"] <= 1


@pytest.mark.skipif(not Path("/work/shared/corpus/zugferd-xml-rechnung").exists(), reason="no corpus")
def test_cii_ground_truth() -> None:
    xml = Path("/work/shared/corpus/zugferd-xml-rechnung/CII/EN16931_Einfach.cii.xml").read_bytes()
    truth = _cii_truth(xml)
    assert truth["invoice_number"] == "471102" and str(truth["issue_date"]) == "2018-03-05"
    assert truth["total"] == Decimal("529.87") and truth["tax"] == Decimal("56.87")
