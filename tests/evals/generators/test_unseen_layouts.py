"""The compositional unseen-layout generator: seeded, two splits that never mix (tune never draws a
blind-only wording), truths that add up and that the PDF really shows, multi-page documents, and
every kind of bad input."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from adapters.pdf_text import read_pdf
from demo import pdf_layouts as pl
from evals.generators.unseen_bad import BAD_KINDS, StatementTruth, generate_bad
from evals.generators.unseen_layouts import _DATES, generate, generate_with_parts
from evals.generators.unseen_vocab import VOCABS, Parts


@pytest.fixture(scope="module")
def tune60() -> list:
    return generate_with_parts("tune", 60, seed=5)


def _text(pdf: bytes) -> str:
    return " ".join(read_pdf(pdf, max_pages=50).text.split())


def test_same_seed_same_bytes() -> None:
    assert [g.pdf for g in generate("tune", 3, seed=1)] == [g.pdf for g in generate("tune", 3, seed=1)]
    assert [b.pdf for b in generate_bad(4, seed=1)] == [b.pdf for b in generate_bad(4, seed=1)]
    assert generate("tune", 2, seed=1)[0].pdf != generate("tune", 2, seed=2)[0].pdf
    with pytest.raises(ValueError):
        generate("dev", 1)


def test_vocabularies_hold_back_blind_only_entries() -> None:
    for name, vocab in VOCABS.items():
        assert vocab.blind, f"{name} holds nothing back for the blind split"
        assert not set(vocab.shared) & set(vocab.blind), name


def test_tune_and_blind_never_share_a_document_and_tune_never_draws_blind_only(tune60: list) -> None:
    blind = generate_with_parts("blind", 30, seed=5)
    key = lambda g: (g.invoice.supplier.name, g.invoice.invoice_number)
    assert not {key(g) for g, _ in tune60} & {key(g) for g, _ in blind}
    assert not {g.pdf for g, _ in tune60} & {g.pdf for g, _ in blind}
    for _, parts in tune60:
        assert parts.blind_only == ()
        assert all(getattr(parts, name) in vocab.shared for name, vocab in VOCABS.items())
    novel = [p for _, p in blind if p.blind_only]
    assert len(novel) >= 0.4 * len(blind)
    for parts in novel:
        assert all(getattr(parts, name) in VOCABS[name].blind for name in parts.blind_only)
    assert all(g.layout == p.name() and g.layout.count("/") == 2 for g, p in blind)


def test_truths_add_up(tune60: list) -> None:
    for g, _ in tune60:
        inv = g.invoice
        assert inv.subtotal == sum((ln.amount for ln in inv.lines), Decimal(0))
        taxable = sum((ln.amount for ln in inv.lines if ln.tax_code == "GST"), Decimal(0))
        assert inv.tax == (taxable / 10).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert inv.total == inv.subtotal + inv.tax


def test_the_pdf_shows_every_truth_value(tune60: list) -> None:
    for g, parts in tune60:
        inv, text = g.invoice, _text(g.pdf)
        flat = text.replace(" ", "").replace("-", "")
        d = _DATES[parts.date_format]
        assert pl.fmt_money(inv.total) in text and pl.fmt_money(inv.subtotal) in text and pl.fmt_money(inv.tax) in text
        assert inv.invoice_number in text and d(inv.issue_date) in text and inv.supplier.abn in flat
        assert inv.due_date is None or d(inv.due_date) in text
        assert inv.purchase_order is None or inv.purchase_order in text
        assert inv.payment is None or (inv.payment.bsb in flat and inv.payment.account_number in flat)


def test_long_documents_run_onto_more_pages(tune60: list) -> None:
    multi = [g for g, _ in tune60 if len(read_pdf(g.pdf, max_pages=50).pages) > 1]
    assert multi and all(len(g.invoice.lines) > 12 for g in multi)
    assert "Page 1 of 2" in _text(multi[0].pdf) or "Page 1 of 3" in _text(multi[0].pdf)
    assert any(len(g.invoice.lines) >= 25 for g in multi)


def test_every_bad_kind_produces_a_document() -> None:
    docs = generate_bad(8, seed=3)
    assert {b.kind for b in docs} == set(BAD_KINDS)
    for b in docs:
        text = _text(b.pdf)
        if b.kind == "statement":
            assert isinstance(b.truth, StatementTruth) and pl.fmt_money(b.truth.balance) in text
            continue
        inv = b.truth
        if b.kind == "mismatch":
            shown = {k: b.printed.get(k, v) for k, v in (("sub", inv.subtotal), ("tax", inv.tax), ("total", inv.total))}
            assert shown["sub"] + shown["tax"] != shown["total"]
            assert all(pl.fmt_money(v) in text for v in b.printed.values())
        elif b.kind == "conflict":
            assert b.printed["elsewhere"] != inv.total
            assert pl.fmt_money(b.printed["elsewhere"]) in text and pl.fmt_money(inv.total) in text
        else:
            assert inv.document_type == "credit_note" and pl.fmt_money(inv.total) in text
        assert isinstance(b.layout, str) and b.pdf.startswith(b"%PDF-")


def test_parts_describe_every_part() -> None:
    _, parts = generate_with_parts("blind", 1, seed=9)[0]
    assert isinstance(parts, Parts) and {"meta_form", "table", "totals"} <= set(parts.describe())
