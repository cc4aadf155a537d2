"""ABNs, BSBs, account numbers and money as a bookkeeper types them: normalised, or refused with a
typed error whose message names the bad value."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tools.ledger.abn import abn_is_valid, complete_abn, format_abn, normalise_abn
from tools.ledger.contacts import (
    BankDetails, SupplierRecord, email_domain, normalise_account_number, normalise_bsb,
)
from tools.ledger.money import to_money
from tools.ledger.problems import LedgerError

# Real, published ABNs (the ATO's own worked example is 51 824 753 556).
VALID_ABNS = ("53 004 085 616", "51 824 753 556", "33 051 775 556")


# -- ABN -------------------------------------------------------------------------------------

@pytest.mark.parametrize("abn", VALID_ABNS)
def test_real_abns_are_valid_with_or_without_spaces(abn: str) -> None:
    digits = abn.replace(" ", "")
    assert abn_is_valid(abn)
    assert abn_is_valid(digits)
    assert normalise_abn(abn) == digits
    assert normalise_abn(f"  {digits[:2]}  {digits[2:]}\t") == digits
    assert format_abn(digits) == abn


def test_non_breaking_spaces_from_a_pdf_are_accepted() -> None:
    assert normalise_abn("53\u00a0004\u00a0085\u00a0616") == "53004085616"


@pytest.mark.parametrize("abn", ["53 004 085 617", "51 824 753 565", "15 824 753 556", "99 999 999 999"])
def test_wrong_checksum_is_abn_checksum_and_the_message_shows_the_abn(abn: str) -> None:
    assert not abn_is_valid(abn)
    with pytest.raises(LedgerError) as info:
        normalise_abn(abn)
    assert info.value.codes == ("abn_checksum",)
    assert format_abn(abn.replace(" ", "")) in str(info.value)
    assert "checksum" in str(info.value)


@pytest.mark.parametrize("abn", ["5300408561", "530040856160", "53 004 085 61A", "53-004-085-616", ""])
def test_wrong_length_or_characters_is_abn_malformed_and_names_the_input(abn: str) -> None:
    assert not abn_is_valid(abn)
    with pytest.raises(LedgerError) as info:
        normalise_abn(abn)
    assert info.value.codes == ("abn_malformed",)
    assert repr(abn) in str(info.value)
    assert "11 digits" in str(info.value)


def test_an_abn_cannot_start_with_zero() -> None:
    # Its weighted sum passes modulus 89 once 1 is taken from the leading 0, but ABNs start at 1.
    assert not abn_is_valid("01000000191")
    with pytest.raises(LedgerError) as info:
        normalise_abn("01 000 000 191")
    assert info.value.codes == ("abn_checksum",)


@pytest.mark.parametrize("identifier", ["004085616", "824753556", "513246781", "000000001", "999999999"])
def test_complete_abn_makes_a_valid_abn_ending_in_the_identifier(identifier: str) -> None:
    abn = complete_abn(identifier)
    assert abn is not None
    assert len(abn) == 11 and abn.endswith(identifier)
    assert abn_is_valid(abn)
    assert normalise_abn(abn) == abn


def test_complete_abn_recovers_the_real_check_digits() -> None:
    assert complete_abn("004085616") == "53004085616"
    assert complete_abn("824753556") == "51824753556"


# -- money -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [12.5, 0.1, 1e3, True])
def test_to_money_refuses_floats(value: object) -> None:
    with pytest.raises(LedgerError) as info:
        to_money(value, field="unit price")
    assert info.value.codes == ("float_amount",)
    assert "unit price" in str(info.value)


@pytest.mark.parametrize("value", ["12.345", Decimal("0.001"), "1,234.505"])
def test_to_money_refuses_fractions_of_a_cent(value: object) -> None:
    with pytest.raises(LedgerError) as info:
        to_money(value)
    assert info.value.codes == ("sub_cent_amount",)


@pytest.mark.parametrize("value", ["twelve", "", "NaN", "Infinity", "$12.00", None])
def test_to_money_refuses_text_that_is_not_an_amount(value: object) -> None:
    with pytest.raises(LedgerError) as info:
        to_money(value)
    assert info.value.codes == ("bad_amount",)


@pytest.mark.parametrize(("value", "expected"), [
    ("1,234.50", "1234.50"), (" 1,234.5 ", "1234.50"), ("-80.47", "-80.47"), (12, "12.00"),
    (Decimal("0.10"), "0.10"), (Decimal("7.000"), "7.00"), ("1234567890.12", "1234567890.12"),
])
def test_to_money_accepts_exact_amounts_and_gives_whole_cents(value: object, expected: str) -> None:
    amount = to_money(value)
    assert isinstance(amount, Decimal)
    assert amount == Decimal(expected)
    assert amount.as_tuple().exponent == -2


# -- bank details ----------------------------------------------------------------------------

@pytest.mark.parametrize(("bsb", "expected"), [("062-000", "062000"), ("062000", "062000"),
                                                (" 082 080 ", "082080")])
def test_normalise_bsb(bsb: str, expected: str) -> None:
    assert normalise_bsb(bsb) == expected


@pytest.mark.parametrize("bsb", ["06-2000-1", "62000", "0620001", "06A-000", ""])
def test_bad_bsb_is_bsb_malformed(bsb: str) -> None:
    with pytest.raises(LedgerError) as info:
        normalise_bsb(bsb)
    assert info.value.codes == ("bsb_malformed",)
    assert repr(bsb) in str(info.value)


@pytest.mark.parametrize(("number", "expected"), [("1045 8832", "10458832"), ("10-458-832", "10458832"),
                                                  ("12345", "12345"), ("1234567890", "1234567890")])
def test_normalise_account_number(number: str, expected: str) -> None:
    assert normalise_account_number(number) == expected


@pytest.mark.parametrize("number", ["1234", "12345678901", "1234x678", ""])
def test_bad_account_number_is_account_number_malformed(number: str) -> None:
    with pytest.raises(LedgerError) as info:
        normalise_account_number(number)
    assert info.value.codes == ("account_number_malformed",)


@pytest.mark.parametrize("normalise", [normalise_bsb, normalise_account_number])
def test_bank_numbers_in_non_ascii_digits_are_never_stored_as_such(normalise: Callable[[str],
                                                                   str]) -> None:
    # Full-width digits (common in text copied from PDFs or East Asian input methods) must either be
    # folded to ASCII or refused; stored as typed they would never match the same account again.
    try:
        result = normalise("０６２０００")
    except LedgerError:
        return
    assert result == "062000"


def test_bank_details_parse_normalises_and_blanks_an_empty_name() -> None:
    assert BankDetails.parse("062-000", "1045 8832", "  ") == BankDetails("062000", "10458832", None)
    assert BankDetails.parse("062000", "10458832", " Coastal Ceramics ").account_name == "Coastal Ceramics"


def test_email_domain() -> None:
    assert email_domain("Accounts@CoastalCeramics.com.AU") == "coastalceramics.com.au"
    assert email_domain("no-at-sign") is None
    assert email_domain(None) is None


# -- supplier records ------------------------------------------------------------------------

GOOD = {"name": " Coastal Ceramics Wholesale Pty Ltd ", "abn": "53 004 085 616",
        "email": "accounts@coastalceramics.com.au", "bsb": "062-000", "account_number": "1045 8832"}


def test_supplier_record_normalises_its_fields() -> None:
    rec = SupplierRecord.model_validate(GOOD)
    assert rec.name == "Coastal Ceramics Wholesale Pty Ltd"
    assert rec.abn == "53004085616"
    assert rec.bank_details == BankDetails("062000", "10458832", None)
    assert rec.payment_terms_days == 30
    assert rec.default_account is None


def test_supplier_record_forbids_extra_fields() -> None:
    with pytest.raises(ValidationError) as info:
        SupplierRecord.model_validate({**GOOD, "tfn": "123456782"})
    assert [e["type"] for e in info.value.errors()] == ["extra_forbidden"]
    assert info.value.errors()[0]["loc"] == ("tfn",)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("abn", "53 004 085 617", "checksum"),
    ("abn", "1234", "11 digits"),
    ("bsb", "62-000", "6 digits"),
    ("account_number", "12", "5 to 10 digits"),
    ("payment_terms_days", 400, "0 to 365"),
    ("payment_terms_days", -1, "0 to 365"),
])
def test_supplier_record_refuses_bad_values_with_a_readable_reason(field: str, value: object,
                                                                   words: str) -> None:
    with pytest.raises(ValidationError) as info:
        SupplierRecord.model_validate({**GOOD, field: value})
    errors = info.value.errors()
    assert [e["loc"] for e in errors] == [(field,)]
    assert words in errors[0]["msg"]


@pytest.mark.parametrize("missing", ["name", "abn", "bsb", "account_number"])
def test_supplier_record_requires_its_identity_and_bank(missing: str) -> None:
    record = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ValidationError) as info:
        SupplierRecord.model_validate(record)
    assert info.value.errors()[0]["loc"] == (missing,)
