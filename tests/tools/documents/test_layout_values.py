"""Value parsers: Australian and European dates and money, ABN/BSB/IBAN recognition."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tools.documents.layout_values import (
    decimal_comma_hint,
    find_abns,
    find_bsb,
    find_iban,
    iban_is_valid,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("03/03/2026", date(2026, 3, 3)), ("3/3/26", date(2026, 3, 3)), ("13/02/2026", date(2026, 2, 13)),
    ("3 March 2026", date(2026, 3, 3)), ("03-Mar-2026", date(2026, 3, 3)), ("2026-03-03", date(2026, 3, 3)),
    ("3 Mar 2026", date(2026, 3, 3)), ("March 3, 2026", date(2026, 3, 3)), ("3rd March 2026", date(2026, 3, 3)),
    ("31.12.2024", date(2024, 12, 31)), ("5. Juni 2018", date(2018, 6, 5)), ("Due: 1 MAR 2026", date(2026, 3, 1)),
    ("Date 02/13/2026", date(2026, 2, 13)),  # only makes sense month-first
])
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_not_dates() -> None:
    assert parse_date("Invoice 1234/56") is None
    assert parse_date("45/13/2026") is None


@pytest.mark.parametrize(("text", "expected", "comma"), [
    ("$1,234.50", "1234.50", False), ("1234.50", "1234.50", False), ("AUD 1,234.50", "1234.50", False),
    ("1.234,50 €", "1234.50", True), ("1.234,50", "1234.50", True), ("€ 56,02", "56.02", True),
    ("(12.00)", "-12.00", False), ("12.00-", "-12.00", False), ("-$5.00", "-5.00", False),
    ("0.3968", "0.3968", False), ("9,9000", "9.9000", True), ("1,000", "1000", False), ("2.5", "2.5", False),
])
def test_amounts(text: str, expected: str, comma: bool) -> None:
    assert parse_amount(text, decimal_comma=comma) == Decimal(expected)


def test_decimal_comma_hint() -> None:
    assert decimal_comma_hint("Summe 1.234,50 EUR\nMwSt 234,56")
    assert not decimal_comma_hint("Total $1,234.50\nGST 112.23")


def test_abns_need_the_checksum() -> None:
    assert [a for a, _, _ in find_abns("ABN 51 824 753 556, bad 51 824 753 557")] == ["51824753556"]
    assert [a for a, _, _ in find_abns("ABN: 51824753556")] == ["51824753556"]


@pytest.mark.parametrize("text", ["BSB 062-000", "BSB: 062000", "BSB 062 000"])
def test_bsb_formats(text: str) -> None:
    assert find_bsb(text) == "062000"


def test_iban() -> None:
    assert iban_is_valid("DE02120300000000202051")
    assert not iban_is_valid("DE02120300000000202052")
    assert find_iban("IBAN: DE02 1203 0000 0000 2020 51 BIC: BYLADEM1001") == "DE02120300000000202051"
