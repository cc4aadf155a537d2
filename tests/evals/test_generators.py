"""The invoice generator behind the extraction benchmark: seeded, varied, consistent, and with a
held-out split that shares no layout with the dev split."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evals.generators import heldout_layouts, styles
from evals.generators.invoices import expected_fields, generate
from tools.ledger.abn import abn_is_valid


def test_same_seed_same_bytes_and_different_seed_different_documents() -> None:
    a, b = generate("dev", 6, seed=1), generate("dev", 6, seed=1)
    assert [x.pdf for x in a] == [x.pdf for x in b]
    c = generate("dev", 6, seed=2)
    assert [x.invoice.invoice_number for x in a] != [x.invoice.invoice_number for x in c]


def test_held_out_layouts_are_not_dev_layouts() -> None:
    assert not set(heldout_layouts.HELDOUT_STYLES) & set(styles.DEV_STYLES)
    assert {g.layout for g in generate("heldout", 4, seed=1)} == set(heldout_layouts.HELDOUT_STYLES)
    assert {g.layout for g in generate("dev", 12, seed=1)} == set(styles.DEV_STYLES)
    with pytest.raises(ValueError):
        generate("test", 1)


def test_invoices_add_up_and_vary() -> None:
    docs = generate("dev", 60, seed=3)
    for g in docs:
        inv = g.invoice
        assert abn_is_valid(inv.supplier.abn or "")
        assert inv.subtotal == sum((ln.amount for ln in inv.lines), Decimal(0))
        assert inv.total == inv.subtotal + inv.tax
        assert g.pdf.startswith(b"%PDF-")
        assert set(expected_fields(inv)) >= {"supplier.name", "total", "payment.bsb"}
    counts = [len(g.invoice.lines) for g in docs]
    assert min(counts) == 1 and max(counts) > 12
    assert any(ln.tax_code == "FRE" for g in docs for ln in g.invoice.lines)
    assert any(g.invoice.payment is None for g in docs) and any(g.invoice.due_date is None for g in docs)
    assert len({g.invoice.supplier.name for g in docs}) > 40
