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
