"""QIF: csv2ofx's QIF conversions checked against its OFX conversions of the same CSV, the date
order decided per file, and Australian fixtures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.tools.bank.corpus import CORPUS, fixture, needs_corpus, ofx_transactions
from tools.bank.model import BankFileError
from tools.bank.read_qif import read_qif

CONVERTED = CORPUS / "csv2ofx" / "converted"
# The same CSV converted by csv2ofx to both QIF and OFX.
SAME_SOURCE = ["default", "stripe-default", "stripe-all"]


@needs_corpus
@pytest.mark.parametrize("name", SAME_SOURCE)
def test_qif_and_ofx_conversions_of_one_csv_agree(name: str) -> None:
    statements = read_qif((CONVERTED / f"{name}.qif").read_bytes())
    ours = sorted((ln.posted, ln.amount) for st in statements for ln in st.lines)
    assert ours == ofx_transactions(CONVERTED / f"{name}.ofx")


@needs_corpus
def test_accounts_in_one_file_are_separate_statements() -> None:
    cash, checking = read_qif((CONVERTED / "default.qif").read_bytes())
    assert (cash.account, len(cash.lines)) == ("Cash", 2)
    assert (checking.account, len(checking.lines)) == ("Checking", 6)
    first = checking.lines[0]
    assert (first.payee, first.reference, first.amount) == ("Ằdøłƥh Noƴa", "INV-1", Decimal("50000.00"))


@needs_corpus
def test_a_us_file_is_read_month_first_from_its_own_dates() -> None:
    (st,) = read_qif((CONVERTED / "creditunion.qif").read_bytes())
    # 02/08/2015 alone is ambiguous; 02/24/2015 in the same file settles it.
    assert st.lines[0].posted == date(2015, 2, 8) and st.lines[2].posted == date(2015, 2, 24)
    assert st.warnings == ()


@needs_corpus
def test_memo_payee_and_iso_dates() -> None:
    (st,) = read_qif((CONVERTED / "ubs-ch-fr.qif").read_bytes())
    assert st.account == "0123 45678901.23A"
    assert [ln.posted for ln in st.lines] == [date(2019, 3, 31), date(2019, 2, 28), date(2019, 4, 27)]
    assert st.lines[1].payee == "ASSOCIATION FOO-BAR" and st.lines[1].amount == Decimal("240.00")
    assert st.lines[0].reference == "A01234BC01234567"


@needs_corpus
def test_an_investment_file_is_not_a_bank_statement() -> None:
    with pytest.raises(BankFileError) as caught:
        read_qif((CORPUS / "csv2ofx/example/investment_example.qif").read_bytes())
    assert caught.value.code == "qif_no_transactions" and "investment" in caught.value.message


def test_an_australian_file_is_read_day_first() -> None:
    (st,) = read_qif(fixture("au_day_first.qif"))
    assert [ln.posted for ln in st.lines] == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 15)]
    assert st.warnings == ()
    credit = st.lines[0]
    assert (credit.amount, credit.payee, credit.description, credit.reference) == (
        Decimal("1200.00"), "Direct Credit 123456 ACME PTY LTD", "INV 1001", "123456")
    assert (st.period_start, st.period_end) == (date(2024, 1, 2), date(2024, 1, 15))


def test_undecidable_dates_default_to_day_first_with_a_warning() -> None:
    (st,) = read_qif(fixture("ambiguous.qif"))
    assert [ln.posted for ln in st.lines] == [date(2024, 3, 2), date(2024, 3, 5)]
    assert [w.code for w in st.warnings] == ["qif_date_order_assumed"]


def test_quickens_opening_balance_line_is_the_opening_balance() -> None:
    (st,) = read_qif(fixture("ambiguous.qif"))
    assert st.account == "Business Cheque" and st.opening_balance == Decimal("4200.00")
    assert "Opening Balance" not in [ln.payee for ln in st.lines]


def test_dates_written_both_ways_are_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_qif(fixture("inconsistent.qif"))
    assert caught.value.code == "qif_inconsistent_dates" and caught.value.row == 6


def test_quicken_apostrophe_years() -> None:
    (st,) = read_qif(b"!Type:Bank\nD 1/25'24\nT-4.50\nPCAFE\n^\n")
    assert st.lines[0].posted == date(2024, 1, 25)


def test_a_bad_date_names_its_line() -> None:
    raw = fixture("au_day_first.qif").replace(b"D15/01/2024", b"D31/02/2024")
    with pytest.raises(BankFileError) as caught:
        read_qif(raw)
    assert caught.value.code == "qif_bad_date" and caught.value.row == 13


def test_a_missing_amount_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_qif(b"!Type:Bank\nD02/01/2024\nPACME\n^\n")
    assert caught.value.code == "qif_bad_amount"


def test_a_cut_off_file_is_refused() -> None:
    raw = fixture("au_day_first.qif")
    with pytest.raises(BankFileError) as caught:
        read_qif(raw[: raw.rindex(b"^")])
    assert caught.value.code == "qif_truncated"
