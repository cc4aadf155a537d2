"""The ABA writer's output read back by an independent parser (tests/tools/payments/aba_parser.py)
field by field: 120-character CRLF records, BSB nnn-nnn, right-justified accounts, cents, totals,
the record count and the self-balancing debit; bad input refused naming the payee."""

from __future__ import annotations

from datetime import date

import pytest

from tests.tools.payments.aba_parser import AbaInvalid, parse
from tools.ledger.problems import LedgerError
from tools.payments.aba import Credit, Remitter, aba_file

REMITTER = Remitter(bank="CBA", user_name="Harbour & Vine Homewares", apca_id="301500",
                    bsb="062000", account_number="12345678", remitter_name="HARBOUR AND VINE")
CREDITS = [
    Credit("082-001", "123456", "Acme Tiles Pty Ltd", 55_000, "AT-101 AT-102", "Acme Tiles"),
    Credit("633000", "987654321", "Bright Café Supplies — a very long trading name indeed", 123_456,
           "BC-9 BC-10 BC-11 BC-12 BC-13", "Bright"),
]


def test_every_field_is_where_the_format_puts_it() -> None:
    data = aba_file(REMITTER, CREDITS, date(2026, 4, 30), balance_reference="PAYRUN 100001")
    f = parse(data)
    assert (f.header.bank, f.header.user_name, f.header.apca_id, f.header.description,
            f.header.process_on) == ("CBA", "Harbour & Vine Homewares", "301500", "CREDITORS",
                                     date(2026, 4, 30))
    acme, bright, balance = f.details
    assert (acme.bsb, acme.account, acme.code, acme.cents, acme.title, acme.reference) == (
        "082-001", "123456", "50", 55_000, "Acme Tiles Pty Ltd", "AT-101 AT-102")
    assert (acme.trace_bsb, acme.trace_account, acme.remitter, acme.withholding_cents) == (
        "062-000", "12345678", "HARBOUR AND VINE", 0)
    assert bright.bsb == "633-000" and bright.account == "987654321"
    assert bright.title == "Bright Cafe Supplies a very long"[:32]       # ASCII, cut at 32
    assert bright.reference == "BC-9 BC-10 BC-11 B"                       # cut at 18
    assert (balance.code, balance.bsb, balance.account, balance.cents, balance.reference) == (
        "13", "062-000", "12345678", 178_456, "PAYRUN 100001")
    assert (f.totals.net, f.totals.credit, f.totals.debit, f.totals.count) == (0, 178_456, 178_456, 3)
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) == 120 for line in lines[:-1])
    assert lines[1][8:17] == b"   123456"           # positions 9-17, right justified, blank filled
    assert lines[1][20:30] == b"0000055000"         # positions 21-30, cents, zero filled


def test_without_self_balancing_the_net_is_the_credits() -> None:
    f = parse(aba_file(REMITTER, CREDITS, date(2026, 5, 1), self_balance=False))
    assert [d.code for d in f.details] == ["50", "50"]
    assert (f.totals.net, f.totals.credit, f.totals.debit, f.totals.count) == (178_456, 178_456, 0, 2)


def test_the_parser_catches_a_broken_file() -> None:
    good = aba_file(REMITTER, CREDITS, date(2026, 4, 30))
    with pytest.raises(AbaInvalid):
        parse(good.replace(b"\r\n", b"\n"))
    with pytest.raises(AbaInvalid):           # the credit total no longer matches the details
        parse(good.replace(b"0000055000", b"0000055001", 1))
    with pytest.raises(AbaInvalid):           # a BSB without its hyphen
        parse(good.replace(b"1082-001", b"10820010", 1))


@pytest.mark.parametrize(("credit", "code"), [
    (Credit("08200", "123456", "Acme", 100, "X", "Acme Tiles"), "bsb_malformed"),
    (Credit("082001", "1234567890", "Acme", 100, "X", "Acme Tiles"), "account_number_malformed"),
    (Credit("082001", "123456", "Acme", 0, "X", "Acme Tiles"), "aba_amount"),
    (Credit("082001", "123456", "  ", 100, "X", "Acme Tiles"), "aba_blank"),
])
def test_bad_payee_details_are_refused_naming_the_payee(credit: Credit, code: str) -> None:
    with pytest.raises(LedgerError) as err:
        aba_file(REMITTER, [credit], date(2026, 4, 30))
    assert err.value.codes == (code,) and "Acme Tiles" in str(err.value)


def test_a_bad_remitter_is_refused() -> None:
    bad = Remitter(bank="cba", user_name="", apca_id="1234567", bsb="062000",
                   account_number="12345678", remitter_name="X")
    with pytest.raises(LedgerError) as err:
        aba_file(bad, CREDITS, date(2026, 4, 30))
    assert set(err.value.codes) == {"aba_bank", "aba_apca_id", "aba_blank"}
