"""Payee names and quoted references out of Australian bank-feed text."""

from __future__ import annotations

import pytest

from tools.bank.payee import (
    find_references,
    normalise_payee,
    payee_similarity,
    payee_tokens,
    reference_keys,
)


@pytest.mark.parametrize(("feed", "payee"), [
    ("VISA PURCHASE 12/03 BUNNINGS WAREHOUSE 3 Card xx1234 Value Date: 12/03/2025",
     "BUNNINGS WAREHOUSE"),
    ("OFFICEWORKS 0312 RI", "OFFICEWORKS"),
    ("EFTPOS PURCHASE 7-ELEVEN 2134 SYDNEY NSW", "7 ELEVEN"),
    ("DEBIT CARD PURCHASE WOOLWORTHS 1234 MELBOURNE AU", "WOOLWORTHS"),
    ("Visa Purchase McDonald's Richmond AUS", "MCDONALDS"),
    ("POS 4567XXXXXXXX1234 JB HI FI SOUTH YARRA VIC", "JB HI FI"),
    ("DIRECT DEBIT 123456 TELSTRA CORP LTD", "TELSTRA"),
    ("DIRECT CREDIT 301500 SMITH J INV 10234", "SMITH J"),
    ("SQ *BLUE BEAN CAFE SYDNEY", "BLUE BEAN CAFE"),
    ("SQUARE AUSTRALIA SQ260322", "SQUARE"),                # a settlement batch code goes
    ("ACME Plumbing Pty Ltd", "ACME PLUMBING"),
    ("Harbour Signs P/L", "HARBOUR SIGNS"),
    ("Café Nandú Pty. Ltd.", "CAFE NANDU"),
    ("The Trustee for Smith Family Trust T/A Smith's Bakery", "SMITHS BAKERY"),
    ("", ""),
])
def test_normalise_payee_keeps_the_name_and_drops_the_feed_noise(feed: str, payee: str) -> None:
    assert normalise_payee(feed) == payee


def test_payee_tokens_are_the_words_in_order() -> None:
    assert payee_tokens("EFTPOS PURCHASE BLUE BEAN CAFE 0042 FITZROY") == ("BLUE", "BEAN", "CAFE")


@pytest.mark.parametrize(("feed", "contact", "at_least"), [
    ("BUNNINGS WAREHOUS", "Bunnings Warehouse", 0.9),         # cut at 17 characters
    ("BUNNINGS WAREHOUSE 3", "Bunnings Group Limited", 0.8),
    ("OFFICEWORKS 0312 RI", "Officeworks Ltd", 1.0),
    ("OFFICE WORKS", "Officeworks", 1.0),
    ("DIRECT CREDIT SMITH J", "John Smith", 0.6),
    ("TELSTRA CORP DD 4455", "Telstra Corporation Limited", 1.0),
])
def test_names_cut_short_or_spaced_differently_still_match(feed: str, contact: str,
                                                          at_least: float) -> None:
    assert payee_similarity(feed, contact) >= at_least


@pytest.mark.parametrize(("feed", "contact"), [
    ("TELSTRA CORP", "Optus Networks"),
    ("DIRECT DEBIT 55512", "Bunnings Group"),
    ("ACME PLUMBING", "Harbour Plumbing"),
])
def test_different_businesses_do_not_match(feed: str, contact: str) -> None:
    assert payee_similarity(feed, contact) < 0.5


def test_two_businesses_sharing_a_brand_word_match_less_than_the_same_business() -> None:
    assert payee_similarity("ACME PLUMBING", "Acme Electrical") < payee_similarity(
        "ACME PLUMBING", "Acme Plumbing Pty Ltd")


@pytest.mark.parametrize(("text", "references"), [
    ("Payment INV-10234 thanks", ("INV10234",)),
    ("INV 10234", ("INV10234",)),
    ("Inv#10234", ("INV10234",)),
    ("invoice no. 552", ("INV552",)),
    ("REF 4471", ("4471",)),
    ("PAYMENT 10234", ("10234",)),
    ("PO 4500012345", ("PO4500012345",)),
    ("DIRECT CREDIT SMITH 1234567", ("1234567",)),
    ("BPAY TAX OFFICE PAYMENTS 551004123456789", ("551004123456789",)),
    ("INV-1 and INV-2", ("INV1", "INV2")),
])
def test_find_references(text: str, references: tuple[str, ...]) -> None:
    assert find_references(text) == references


@pytest.mark.parametrize("text", [
    "VISA PURCHASE BUNNINGS Card xx1234 Value Date: 12/03/2025",   # a card and a date
    "EFTPOS 4567XXXXXXXX1234 COFFEE 12:45",                         # a masked card, a time
    "STORE 0312",                                                   # four digits: a store
    "TRANSFER 12345678901234",                                      # too long without BPAY/CRN
])
def test_dates_cards_store_numbers_and_long_runs_are_not_references(text: str) -> None:
    assert find_references(text) == ()


def test_a_quoted_reference_and_the_document_number_share_a_key() -> None:
    item_keys = reference_keys("INV-010234")
    for quoted in ("INV 10234", "Inv#010234", "PAYMENT 10234"):
        found = frozenset().union(*(reference_keys(r) for r in find_references(quoted)))
        assert found & item_keys, quoted


def test_short_numbers_only_match_with_their_label() -> None:
    assert reference_keys("INV-77") == frozenset({"INV77"})
    assert not reference_keys("77") & reference_keys("INV-77")
