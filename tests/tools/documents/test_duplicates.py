"""Duplicate detection: normalised numbers, the amount/date window, content hashes, credit notes."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tools.documents.duplicates import (
    DUPLICATE_WINDOW_DAYS,
    MAX_DUPLICATE_ISSUES,
    PriorInvoice,
    duplicate_issues,
    find_duplicates,
    normalise_invoice_number,
)
from tools.documents.model import DocumentType
from tools.ledger.abn import complete_abn

ABN = complete_abn("824753556") or ""
OTHER_ABN = complete_abn("123456789") or ""
ISSUED = date(2026, 5, 1)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("INV-00123", "inv 123"),
        ("INV00123", "123"),
        ("Invoice No. 123", "#0123"),
        ("Tax Invoice 55", "inv-55"),
        ("A-0012", "a12"),
        ("2024-0012", "2024/12"),
        ("ＩＮＶ－１２３", "INV-123"),
        ("Bill #7", "0007"),
    ],
)
def test_numbers_that_are_the_same(a: str, b: str) -> None:
    assert normalise_invoice_number(a) == normalise_invoice_number(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("INV-123", "INV-124"),
        ("CN-123", "INV-123"),
        ("A-12", "B-12"),
        ("20240012", "2024-12"),
    ],
)
def test_numbers_that_differ(a: str, b: str) -> None:
    assert normalise_invoice_number(a) != normalise_invoice_number(b)


def test_number_edge_cases() -> None:
    assert normalise_invoice_number("INV") == "inv"
    assert normalise_invoice_number("000") == "0"
    assert normalise_invoice_number(None) == "" and normalise_invoice_number("  -- ") == ""


BILL_1 = PriorInvoice(
    contact_id=7,
    supplier_abn=ABN,
    number="INV-00123",
    total=Decimal("1100.00"),
    issue_date=ISSUED,
    content_hash="abc",
    ref="bill 1",
)


def prior(**changes: Any) -> PriorInvoice:
    return dataclasses.replace(BILL_1, **changes)


def find(*priors: PriorInvoice, **changes: Any) -> tuple[str, ...]:
    args: dict[str, Any] = {
        "number": "inv 123",
        "total": Decimal("1100.00"),
        "issue_date": ISSUED,
        "document_type": DocumentType.INVOICE,
        "contact_id": 7,
        "supplier_abn": ABN,
        "content_hash": "zzz",
    }
    return tuple(h.ref for h in find_duplicates(prior=priors, **{**args, **changes}))


def test_same_supplier_same_number() -> None:
    assert find(prior(total=Decimal(5), issue_date=date(2025, 1, 1))) == ("bill 1",)
    assert find(prior(number="INV-00124", total=Decimal(5))) == ()


def test_other_supplier_same_number_is_not_a_duplicate() -> None:
    assert find(prior(contact_id=8, supplier_abn=OTHER_ABN)) == ()


def test_supplier_known_by_abn_alone() -> None:
    assert find(prior(contact_id=None), contact_id=None) == ("bill 1",)
    assert find(prior(contact_id=None, supplier_abn=None), contact_id=None) == ()


def test_amount_and_date_window() -> None:
    renumbered = prior(number="INV-999")
    assert find(renumbered) == ("bill 1",)
    near = ISSUED + timedelta(days=DUPLICATE_WINDOW_DAYS - 1)
    assert find(renumbered, issue_date=near) == ("bill 1",)
    weekly = ISSUED + timedelta(days=DUPLICATE_WINDOW_DAYS)
    assert find(renumbered, issue_date=weekly) == ()  # a weekly service billed every 7 days
    assert find(renumbered, total=Decimal("1100.01")) == ()
    assert find(renumbered, issue_date=None) == ()


def test_content_hash_matches_whatever_the_supplier() -> None:
    other = prior(
        contact_id=99, supplier_abn=OTHER_ABN, number="X", total=Decimal(1), content_hash="same"
    )
    assert find(other, content_hash="same") == ("bill 1",)
    assert find(other, content_hash=None) == ()


def test_credit_notes_are_not_duplicates_of_invoices() -> None:
    invoice = prior()
    credit_args = {"document_type": DocumentType.CREDIT_NOTE}
    assert find(invoice, **credit_args) == ()
    assert find(prior(document_type=DocumentType.CREDIT_NOTE), **credit_args) == ("bill 1",)
    assert find(prior(document_type=DocumentType.CREDIT_NOTE)) == ()
    # A receipt for an invoice already stored would pay it twice: it is a duplicate.
    assert find(invoice, document_type=DocumentType.RECEIPT) == ("bill 1",)


def test_reasons_and_issues() -> None:
    hits = find_duplicates(
        number="inv 123",
        total=Decimal("1100.00"),
        issue_date=ISSUED + timedelta(days=2),
        document_type=DocumentType.INVOICE,
        contact_id=7,
        supplier_abn=ABN,
        content_hash="abc",
        prior=[prior()],
    )
    assert len(hits) == 1 and len(hits[0].reasons) == 3
    message = duplicate_issues(hits)[0].message
    assert "bill 1" in message and "identical file" in message and "inv 123 / INV-00123" in message
    assert "2 days apart" in message


def test_many_duplicates_are_summarised() -> None:
    priors = [prior(ref=f"bill {i}") for i in range(MAX_DUPLICATE_ISSUES + 3)]
    hits = find_duplicates(
        number="inv 123",
        total=None,
        issue_date=None,
        document_type=DocumentType.INVOICE,
        contact_id=7,
        supplier_abn=None,
        content_hash=None,
        prior=priors,
    )
    issues = duplicate_issues(hits)
    assert len(hits) == MAX_DUPLICATE_ISSUES + 3 and len(issues) == MAX_DUPLICATE_ISSUES + 1
    assert "3 more" in issues[-1].message
