"""The reader applies what corrections taught about a supplier's layout (ReadingOptions.learned,
looked up by the ABN as read), and gives back a document's text layer for learning from it."""

from __future__ import annotations

import dataclasses
import random

from demo.documents import render_ubl_invoice
from evals.benchmarks.learning_bench import unfamiliar_pdf
from evals.generators.invoices import random_invoice
from services.extraction import read_document, text_layer
from tools.documents.learned import Corrections, SupplierLayout, learn
from tools.documents.model import SourceDocument
from tools.documents.pipeline import ReadingOptions


class _Layouts:
    def __init__(self, layout: SupplierLayout) -> None:
        self.layout, self.asked = layout, []  # type: ignore[var-annotated]

    def latest(self, abn: str) -> SupplierLayout | None:
        self.asked.append(abn)
        return self.layout if abn == self.layout.supplier_abn else None


def _two() -> tuple:  # type: ignore[type-arg]
    rng = random.Random(5)
    first, second = random_invoice(rng), random_invoice(rng)
    second = dataclasses.replace(second, supplier=first.supplier, customer=first.customer)
    return first, second


def test_a_learned_layout_is_applied_to_the_suppliers_next_document() -> None:
    first, second = _two()
    text = text_layer(unfamiliar_pdf(first, variant=2), ocr=None)
    assert text is not None and text.has_text
    layout = learn(None, text, Corrections(invoice_number=first.invoice_number),
                   supplier_abn=first.supplier.abn)
    doc = SourceDocument(name="second.pdf", data=unfamiliar_pdf(second, variant=2))
    plain = read_document(doc, ocr=None, options=ReadingOptions(own_abn=first.customer.abn))
    assert plain.extraction.invoice_number != second.invoice_number
    lookup = _Layouts(layout)
    learned = read_document(doc, ocr=None, options=ReadingOptions(own_abn=first.customer.abn, learned=lookup))
    assert lookup.asked == [first.supplier.abn]
    assert learned.extraction.invoice_number == second.invoice_number
    assert learned.extraction.provenance["learned_layout"] == f"{first.supplier.abn} v1"
    other = _Layouts(dataclasses.replace(layout, supplier_abn="51824753556"))  # another supplier's
    assert read_document(doc, ocr=None, options=ReadingOptions(
        own_abn=first.customer.abn, learned=other)).extraction == plain.extraction


def test_an_einvoice_has_no_layout_to_learn() -> None:
    first, _ = _two()
    assert text_layer(render_ubl_invoice(first), ocr=None) is None
    assert text_layer(b"not a document", ocr=None) is None
