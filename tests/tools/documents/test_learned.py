"""Learning a supplier's layout from one corrected invoice: anchors found in real generated PDFs and
read back on the supplier's next invoice, the backtest refusing a rule that would change an earlier
accepted reading, line-account rules, and versions as data."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.pdf_text import read_pdf
from demo.documents import DocInvoice
from evals.benchmarks.learning_bench import unfamiliar_pdf
from evals.generators import heldout_layouts, styles
from evals.generators.invoices import expected_fields, random_invoice
from tools.documents.layout import extract_fields
from tools.documents.learned import (
    HEADER_FIELDS,
    LEARNED_CONFIDENCE,
    Anchor,
    Corrections,
    SupplierLayout,
    accept,
    apply,
    backtest,
    learn,
    line_key,
)

D = Decimal


def _same_supplier(seed: int, n: int = 2, po: bool = True) -> list[DocInvoice]:
    """`n` invoices from one supplier to one customer, 14-day terms, with or without a PO."""
    rng = random.Random(seed)
    first = random_invoice(rng)
    out = []
    for i in range(n):
        inv = first if i == 0 else random_invoice(rng)
        out.append(dataclasses.replace(
            inv, supplier=first.supplier, customer=first.customer,
            due_date=inv.issue_date + timedelta(days=14),
            purchase_order=(inv.purchase_order or f"PO-{4100 + i}") if po else None))
    return out


def _truth(inv: DocInvoice) -> dict[str, object]:
    exp = expected_fields(inv)
    return {f: exp[f] for f in HEADER_FIELDS}


def _read(pdf: bytes, inv: DocInvoice):  # type: ignore[no-untyped-def]
    text = read_pdf(pdf, max_pages=50)
    return text, extract_fields(text, own_abn=inv.customer.abn)


def test_one_corrected_invoice_teaches_the_next_one_from_an_unfamiliar_layout() -> None:
    first, second = _same_supplier(11)
    text1, read1 = _read(unfamiliar_pdf(first, variant=7), first)
    wrong = {f for f, v in _truth(first).items() if getattr(read1, f) != v}
    assert {"invoice_number", "purchase_order"} <= wrong  # "Docket", "Job Authority": no label known
    layout = learn(None, text1, Corrections(**_truth(first), corrected=frozenset(wrong)),
                   supplier_abn=first.supplier.abn)
    assert layout.version == 1 and layout.supplier_abn == first.supplier.abn
    assert layout.anchor("invoice_number").label == "docket"  # type: ignore[union-attr]
    assert layout.anchor("purchase_order").label == "job authority"  # type: ignore[union-attr]
    text2, read2 = _read(unfamiliar_pdf(second, variant=7), second)
    assert read2.invoice_number != second.invoice_number
    learned = apply(layout, text2, read2)
    assert {f: getattr(learned, f) for f in HEADER_FIELDS} == _truth(second)
    assert learned.confidence["invoice_number"] == LEARNED_CONFIDENCE
    assert learned.provenance["learned_layout"] == f"{first.supplier.abn} v1"
    assert "invoice_number" in learned.provenance["learned_fields"].split(",")
    assert not any(i.code == "missing_field" and i.field == "invoice_number" for i in learned.issues)


@pytest.mark.parametrize("style, render", [("classic", styles.render), ("flex", styles.render),
                                           ("ledger", heldout_layouts.render),
                                           ("docket", heldout_layouts.render)])
def test_a_simulated_miss_is_learned_and_read_on_the_next_invoice(style: str, render) -> None:  # type: ignore[no-untyped-def]
    first, second = _same_supplier(23)
    text1, read1 = _read(render(first, style, 5), first)
    assert read1.purchase_order == first.purchase_order
    missed = read1.model_copy(update={"purchase_order": None})  # as if the extractor had missed it
    accepted = {f: getattr(missed, f) for f in HEADER_FIELDS} | {"purchase_order": first.purchase_order}
    layout = learn(None, text1, Corrections(**accepted, corrected=frozenset({"purchase_order"})),
                   supplier_abn=first.supplier.abn)
    assert layout.anchor("purchase_order") is not None
    text2, read2 = _read(render(second, style, 5), second)
    blanked = read2.model_copy(update={"purchase_order": None})
    learned = apply(layout, text2, blanked)
    assert {f: getattr(learned, f) for f in HEADER_FIELDS} == _truth(second)


def test_a_field_whose_label_is_not_on_the_document_is_left_as_read() -> None:
    first, second = _same_supplier(11)
    text1, _ = _read(unfamiliar_pdf(first, variant=7), first)
    layout = learn(None, text1, Corrections(purchase_order=first.purchase_order),
                   supplier_abn=first.supplier.abn)
    no_po = dataclasses.replace(second, purchase_order=None)
    text2, read2 = _read(unfamiliar_pdf(no_po, variant=7), no_po)
    assert apply(layout, text2, read2) == read2
    unparsable = SupplierLayout("1", 1, (Anchor("issue_date", "docket", "right"),))  # not a date
    assert apply(unparsable, text2, read2).issue_date == read2.issue_date


def test_a_value_not_printed_anywhere_teaches_no_anchor() -> None:
    first, = _same_supplier(11, 1)
    text1, _ = _read(unfamiliar_pdf(first, variant=7), first)
    layout = learn(None, text1, Corrections(purchase_order="NOT-ON-IT-99"), supplier_abn="1")
    assert layout.anchor("purchase_order") is None


def test_the_backtest_refuses_a_rule_that_would_change_an_earlier_accepted_reading() -> None:
    first, second = _same_supplier(11)
    text1, read1 = _read(unfamiliar_pdf(first, variant=7), first)
    text2, _ = _read(unfamiliar_pdf(second, variant=7), second)
    # Invoice 1 was accepted without a purchase order (whatever it printed): a rule reading one
    # from under "Job Authority" would have changed that result.
    earlier = [(text1, read1.model_copy(update={"purchase_order": None}), "document 1")]
    candidate = learn(None, text2, Corrections(purchase_order=second.purchase_order), supplier_abn="1")
    refusals = backtest(candidate, earlier)
    assert [r.rule for r in refusals] == ["field:purchase_order"]
    assert refusals[0].code == "rule_changes_earlier_result" and "document 1" in refusals[0].message
    assert accept(None, candidate, refusals) is None  # nothing left: no version
    # Accepted as printed, the same rule passes.
    fine = [(text1, read1.model_copy(update={"purchase_order": first.purchase_order}))]
    assert backtest(candidate, fine) == ()
    assert accept(None, candidate, ()) == candidate


def test_a_refused_rule_keeps_the_previous_versions_rule() -> None:
    first, second = _same_supplier(11)
    text1, read1 = _read(unfamiliar_pdf(first, variant=7), first)
    text2, _ = _read(unfamiliar_pdf(second, variant=7), second)
    v1 = learn(None, text1, Corrections(**_truth(first)), supplier_abn="1")
    # A wrong correction: the issue date typed as the due date.
    wrong = Corrections(**{**_truth(second), "due_date": second.issue_date}, corrected=frozenset({"due_date"}))
    candidate = learn(v1, text2, wrong, supplier_abn="1")
    assert candidate.version == 2 and candidate.anchor("due_date") != v1.anchor("due_date")
    refusals = backtest(candidate, [(text1, read1.model_copy(update=_truth(first)))], previous=v1)
    assert [r.rule for r in refusals] == ["field:due_date"]
    assert accept(v1, candidate, refusals) is None  # only the refused rule was new


def test_line_account_rules_are_learned_and_backtested_against_accepted_lines() -> None:
    layout = learn(None, None, Corrections(line_accounts=(("Freight - 3 cartons", "6040"),)), supplier_abn="1")
    assert layout.line_accounts == (("carton freight", "6040"),)
    assert layout.account_for("freight 12 cartons") == ("carton freight", "6040")
    assert layout.account_for("Packaging tape") is None
    assert line_key("Freight - 3 cartons") == line_key("FREIGHT (12 carton)") == "carton freight"
    refusals = backtest(layout, [], earlier_lines=[("Freight 5 cartons", "6010"), ("Tape", "6040")])
    assert [r.rule for r in refusals] == ["line:carton freight"]
    assert backtest(layout, [], earlier_lines=[("Freight 5 cartons", "6040")]) == ()
    v2 = learn(layout, None, Corrections(line_accounts=(("Pallet hire", "6050"),)))
    assert v2.version == 2 and dict(v2.line_accounts) == {"carton freight": "6040", "hire pallet": "6050"}


def test_a_layout_round_trips_as_data() -> None:
    first, = _same_supplier(11, 1)
    text1, _ = _read(unfamiliar_pdf(first, variant=7), first)
    layout = learn(None, text1, Corrections(**_truth(first), line_accounts=(("Freight", "6040"),)),
                   supplier_abn=first.supplier.abn)
    assert len(layout.anchors) >= 5
    assert SupplierLayout.from_dict(layout.to_dict()) == layout
    with pytest.raises(dataclasses.FrozenInstanceError):
        layout.version = 3  # type: ignore[misc]


def test_learning_needs_the_supplier() -> None:
    with pytest.raises(ValueError, match="ABN"):
        learn(None, None, Corrections(total=D("1.00")))
