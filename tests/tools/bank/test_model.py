"""What a bank line says, once: a QIF payee that is its memo cut short is not read twice, while
the re-import key still hashes every field as given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tools.bank.model import BankLine, line_key

MEMO = "AUSPOST MYPOST BUSINESS AUS Card xx4821 Value Date: 15/03/2026"


def test_a_payee_cut_from_the_memo_is_said_once() -> None:
    qif = BankLine(date(2026, 3, 16), Decimal("-122.92"), MEMO, payee=MEMO[:32].rstrip())
    assert qif.text == MEMO
    named = BankLine(date(2026, 3, 16), Decimal("-122.92"), "INV 4471", payee="ACME TILES",
                     reference="PO-19")
    assert named.text == "ACME TILES INV 4471 PO-19"


def test_the_reimport_key_is_unchanged_by_how_the_text_reads() -> None:
    qif = BankLine(date(2026, 3, 16), Decimal("-122.92"), MEMO, payee=MEMO[:32].rstrip())
    assert qif.stored_text == f"{MEMO[:32].rstrip()} {MEMO}"
    assert line_key("1100", qif) != line_key("1100", BankLine(qif.posted, qif.amount, MEMO))


def test_the_reimport_key_is_the_same_as_earlier_versions_wrote() -> None:
    """Lines stored before keep their keys: the hash of date, amount, folded text, balance and
    occurrence, or of the bank's own id."""
    import hashlib

    coffee = BankLine(date(2026, 3, 2), Decimal("-4.50"), "Coffee  cart", balance=Decimal("95.50"))
    basis = "h|1100|2026-03-02|-4.50|COFFEE CART|95.50|1"
    assert line_key("1100", coffee, 1) == hashlib.sha256(basis.encode()).hexdigest()[:32]
    ofx = BankLine(date(2026, 3, 2), Decimal("-4.50"), "Coffee", bank_id="FIT-9")
    assert line_key("1100", ofx, 3) == hashlib.sha256(b"id|1100|FIT-9").hexdigest()[:32]
