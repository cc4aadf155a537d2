"""Redaction of TFNs, bank accounts, IBANs and card numbers before text goes to an LLM."""

from __future__ import annotations

import pytest

from tests.agent.openai_http import fixture_text
from tools.documents.redact import luhn_is_valid, redact, restore, tfn_is_valid


def test_tfn_checksum() -> None:
    assert tfn_is_valid("123456782")          # the ATO's published example
    assert not tfn_is_valid("123456789")
    assert tfn_is_valid("12345677") and not tfn_is_valid("12345678")  # older 8-digit TFNs
    assert not tfn_is_valid("000000000")
    assert not tfn_is_valid("12345")


def test_luhn() -> None:
    assert luhn_is_valid("4111111111111111")
    assert luhn_is_valid("378282246310005")
    assert not luhn_is_valid("4111111111111112")


@pytest.mark.parametrize("text", [
    "TFN: 123 456 782", "TFN 123456782", "Tax file number: 123 456 782",
    "employee 123 456 782 started", "ref 123456782.",
])
def test_tfns_are_replaced_with_or_without_spaces(text: str) -> None:
    out = redact(text)
    assert "123" not in out.text.replace("[TFN_1]", "")
    assert out.replacements == {"[TFN_1]": "123456782"} and out.counts == {"TFN": 1}


def test_labelled_tfn_is_hidden_even_when_mistyped() -> None:
    out = redact("TFN: 123 456 789")
    assert out.text == "TFN: [TFN_1]"


def test_unlabelled_numbers_failing_the_checksum_stay() -> None:
    assert redact("Order 123456789 shipped").text == "Order 123456789 shipped"


def test_unlabelled_eight_digit_tfn() -> None:
    assert redact("old number 12345677").text == "old number [TFN_1]"


def test_abns_acns_phones_amounts_and_dates_are_left_alone() -> None:
    text = ("ABN 51 824 753 556 | ABN 51824753556 | Phone 02 9876 5432 | 0412 345 678 | 1300 123 456 | "
            "Total $2,398.00 | 123456782.50 | Date 2025-03-03 | Postcode 2041")
    assert redact(text).text == text


@pytest.mark.parametrize("text, expected", [
    ("BSB 062-000 Account 1234 5678", "BSB 062-000 Account [ACCOUNT_1]"),
    ("BSB: 062000  Acc No: 12345678", "BSB: 062000  Acc No: [ACCOUNT_1]"),
    ("Direct credit 062-000 12345678", "Direct credit 062-000 [ACCOUNT_1]"),
    ("BSB 062 000 / 12345678", "BSB 062 000 / [ACCOUNT_1]"),
    ("A/C 1234-5678", "A/C [ACCOUNT_1]"),
    ("Acct #: 012345678", "Acct #: [ACCOUNT_1]"),
    ("Account number\n12345678", "Account number\n[ACCOUNT_1]"),
    ("Account: 062-000 12345678", "Account: 062-000 [ACCOUNT_1]"),
])
def test_account_numbers_become_tokens_and_bsbs_stay(text: str, expected: str) -> None:
    out = redact(text)
    assert out.text == expected
    assert out.replacements == {"[ACCOUNT_1]": "12345678" if "0123" not in text else "012345678"}


def test_account_name_and_amount_after_an_account_are_not_swallowed() -> None:
    out = redact("Account Name: Harbour Plumbing Pty Ltd\nAccount 12345678 100.00")
    assert out.text == "Account Name: Harbour Plumbing Pty Ltd\nAccount [ACCOUNT_1] 100.00"


def test_the_same_account_twice_gets_one_token() -> None:
    out = redact("Acc 12345678 ... please pay account 12345678; old account 87654321")
    assert out.text.count("[ACCOUNT_1]") == 2 and "[ACCOUNT_2]" in out.text
    assert out.counts == {"ACCOUNT": 2}


def test_iban_keeps_country_and_last_four_and_is_restorable() -> None:
    out = redact("IBAN: DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX")
    assert out.text == "IBAN: [IBAN_1:DE****3000] BIC COBADEFFXXX"
    assert out.replacements == {"[IBAN_1:DE****3000]": "DE89370400440532013000"}


def test_cards_are_hidden_and_never_restored() -> None:
    out = redact("Paid by card 4111 1111 1111 1111 and 378282246310005")
    assert out.text == "Paid by card [CARD_1] and [CARD_2]"
    assert out.replacements == {} and out.counts == {"CARD": 2}


def test_restore_walks_json_values() -> None:
    reply = {"payment": {"account_number": "[ACCOUNT_1]", "iban": "[IBAN_1:DE****3000]",
                         "reference": "card [CARD_1]"}, "lines": [{"description": "acct [ACCOUNT_1]"}], "n": 3}
    replacements = {"[ACCOUNT_1]": "12345678", "[IBAN_1:DE****3000]": "DE89370400440532013000"}
    assert restore(reply, replacements) == {
        "payment": {"account_number": "12345678", "iban": "DE89370400440532013000", "reference": "card [CARD_1]"},
        "lines": [{"description": "acct 12345678"}], "n": 3}


def test_the_fixture_invoice_loses_its_private_numbers_and_keeps_the_rest() -> None:
    text = fixture_text("invoice_text.txt")
    out = redact(text)
    for private in ("123 456 782", "1234 5678"):
        assert private in text and private not in out.text
    for kept in ("51 824 753 556", "062-000", "HP-2041", "2,398.00", "03/03/2025", "PO-7731"):
        assert kept in out.text
    assert out.counts == {"ACCOUNT": 1, "TFN": 1}
