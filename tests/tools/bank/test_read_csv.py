"""CSV: the big four Australian layouts (fixtures written from their real column layouts), column
mappings checked against csv2ofx's expected conversions, and files that must be refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.tools.bank.corpus import CORPUS, FIXTURES, fixture, needs_corpus, ofx_transactions
from tools.bank.balances import check_balances
from tools.bank.csv_mapping import (
    ColumnMapping,
    load_mapping,
    mapping_from_dict,
    parse_mapping,
)
from tools.bank.model import BankFileError
from tools.bank.read_csv import read_csv

CSV2OFX = CORPUS / "csv2ofx"
OPENING, CLOSING = Decimal("4200.00"), Decimal("6472.66")  # of the four bank fixtures


@pytest.mark.parametrize(("name", "layout"), [("cba.csv", "csv:cba"), ("nab.csv", "csv:nab"),
                                              ("westpac.csv", "csv:westpac"),
                                              ("anz.csv", "csv:anz")])
def test_each_banks_export_is_recognised_and_read(name: str, layout: str) -> None:
    st = read_csv(fixture(name))[0]
    assert st.format == layout and st.currency == "AUD"
    assert len(st.lines) == 15
    # Oldest first whatever order the bank wrote (CommBank, Westpac and ANZ write newest first).
    assert [ln.posted for ln in st.lines] == sorted(ln.posted for ln in st.lines)
    assert (st.period_start, st.period_end) == (date(2024, 1, 2), date(2024, 1, 14))
    first, last = st.lines[0], st.lines[-1]
    assert (first.amount, last.amount) == (Decimal("1200.00"), Decimal("-312.80"))
    assert first.description.startswith("Direct Credit 123456 ACME PTY LTD INV 1001")
    assert sum(ln.amount for ln in st.lines) == CLOSING - OPENING
    assert check_balances(st) == ()


@pytest.mark.parametrize("name", ["cba.csv", "nab.csv", "westpac.csv"])
def test_running_balances_give_the_opening_and_closing_balance(name: str) -> None:
    st = read_csv(fixture(name))[0]
    assert (st.opening_balance, st.closing_balance) == (OPENING, CLOSING)
    assert st.lines[-1].balance == CLOSING


def test_anz_has_no_balances_and_keeps_two_identical_coffees() -> None:
    (st,) = read_csv(fixture("anz.csv"))
    assert st.opening_balance is None and st.closing_balance is None
    coffees = [ln for ln in st.lines if "PATRICIAS CAFE" in ln.description]
    assert len(coffees) == 2 and coffees[0] == coffees[1]
    assert coffees[0].description == "VISA DEBIT PURCHASE CARD 1234 SQ *PATRICIAS CAFE MELBOURNE"


def test_commbank_amounts_with_signs_and_thousands() -> None:
    (st,) = read_csv(fixture("cba.csv"))
    payg = next(ln for ln in st.lines if "PAYG" in ln.description)
    assert payg.amount == Decimal("-1834.00") and payg.balance == Decimal("6338.75")
    card = next(ln for ln in st.lines if ln.description.startswith("BUNNINGS"))
    assert card.description == "BUNNINGS 1234 MELBOURNE AU Card xx1234 Value Date: 02/01/2024"


def test_nab_columns() -> None:
    (st,) = read_csv(fixture("nab.csv"))
    assert st.account == "083-004 12-345-6789"
    bunnings = st.lines[1]
    assert (bunnings.posted, bunnings.kind, bunnings.payee) == (
        date(2024, 1, 3), "EFTPOS DEBIT", "Bunnings Warehouse")


def test_westpac_file_with_two_accounts_is_two_statements() -> None:
    business, saver = read_csv(fixture("westpac.csv"))
    assert (business.account, saver.account) == ("032000123456", "032000654321")
    assert [ln.amount for ln in saver.lines] == [Decimal("10000.00"), Decimal("3.15")]
    assert (saver.opening_balance, saver.closing_balance) == (Decimal("0.00"), Decimal("10003.15"))
    fee = next(ln for ln in business.lines if ln.description == "ACCOUNT FEE")
    assert fee.amount == Decimal("-10.00") and fee.kind == "FEE"  # a positive debit is money out


def test_rows_without_their_empty_trailing_cells_read_the_same() -> None:
    trimmed = fixture("westpac.csv").replace(b",\r\n", b"\r\n")
    assert trimmed != fixture("westpac.csv")
    assert read_csv(trimmed) == read_csv(fixture("westpac.csv"))


def test_windows_1252_text_is_read() -> None:
    (st,) = read_csv(fixture("nab_cp1252.csv"))
    assert st.lines[0].description == "CAFÉ BRÛLÉE – SURRY HILLS"
    assert st.lines[0].payee == "Café Brûlée"


def test_a_utf8_bom_does_not_hide_the_header() -> None:
    (st,) = read_csv(b"\xef\xbb\xbf" + fixture("nab.csv"))
    assert st.format == "csv:nab" and len(st.lines) == 15


def test_a_row_with_a_bad_date_is_refused_with_its_row_number() -> None:
    with pytest.raises(BankFileError) as caught:
        read_csv(fixture("cba_bad_date.csv"))
    assert caught.value.code == "csv_bad_date" and caught.value.row == 3
    assert "31/02/2024" in caught.value.message


def test_a_row_with_a_bad_amount_is_refused() -> None:
    raw = fixture("cba.csv").replace(b'"-45.90"', b'"-45.9O"')
    with pytest.raises(BankFileError) as caught:
        read_csv(raw)
    assert caught.value.code == "csv_bad_amount" and caught.value.row == 14


def test_a_cut_off_file_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_csv(fixture("cba_truncated.csv"))
    assert caught.value.code == "csv_truncated"


def test_a_short_last_row_is_refused() -> None:
    raw = fixture("westpac.csv") + b"032000123456,15/01/2024,BUNN"
    with pytest.raises(BankFileError) as caught:
        read_csv(raw)
    assert caught.value.code == "csv_short_row" and caught.value.row == 19


def test_footer_and_blank_rows_are_skipped_with_warnings() -> None:
    (st,) = read_csv(fixture("westpac_with_footer.csv"))
    assert len(st.lines) == 2 and st.closing_balance == Decimal("1154.10")
    codes = {w.code: w.message for w in st.warnings}
    assert set(codes) == {"csv_rows_skipped", "csv_blank_rows"}
    assert "Closing Balance" in codes["csv_rows_skipped"] and "row 6" in codes["csv_rows_skipped"]


def test_an_unknown_layout_asks_for_a_mapping() -> None:
    with pytest.raises(BankFileError) as caught:
        read_csv(fixture("ing.csv"))
    assert caught.value.code == "csv_unknown_layout" and "Date, Description" in caught.value.message


def test_a_runaway_field_is_refused() -> None:
    raw = fixture("cba.csv") + b'01/02/2024,"-1.00","' + b"x" * 200_000 + b'","+1.00"\r\n'
    with pytest.raises(BankFileError) as caught:
        read_csv(raw)
    assert caught.value.code == "csv_malformed"


def test_binary_is_not_text() -> None:
    with pytest.raises(BankFileError) as caught:
        read_csv(fixture("junk.bin"))
    assert caught.value.code == "not_text"


def test_a_mapping_from_json() -> None:
    (st,) = read_csv(fixture("ing.csv"), load_mapping(FIXTURES / "ing_mapping.json"))
    assert st.format == "csv:ing" and st.currency == "AUD"
    assert [ln.amount for ln in st.lines] == [Decimal("-19.99"), Decimal("540.00"),
                                               Decimal("-312.80")]
    assert (st.opening_balance, st.closing_balance) == (Decimal("6265.45"), Decimal("6472.66"))


def test_a_mapping_from_toml_with_title_rows() -> None:
    (st,) = read_csv(fixture("macquarie.csv"), load_mapping(FIXTURES / "macquarie_mapping.toml"))
    assert (st.format, st.account) == ("csv:macquarie", "963852741")
    deposit, bunnings = st.lines
    assert (deposit.amount, deposit.payee, deposit.reference) == (
        Decimal("1200.00"), "ACME PTY LTD", "INV 1001")
    assert bunnings.amount == Decimal("-45.90") and bunnings.balance == Decimal("5354.10")
    assert (st.opening_balance, st.closing_balance) == (Decimal("4200.00"), Decimal("5354.10"))


def test_a_mapping_with_a_column_the_file_lacks() -> None:
    mapping = ColumnMapping(date="Date", amount="Amount", description=("Memo",))
    with pytest.raises(BankFileError) as caught:
        read_csv(fixture("ing.csv"), mapping)
    assert caught.value.code == "csv_missing_column" and "'Amount'" in caught.value.message


@pytest.mark.parametrize("settings", [
    {"date": "Date"},                                                  # no amount at all
    {"date": "Date", "amount": "Amount", "debit": "Debit"},            # both kinds of amount
    {"date": "Date", "amount": "Amount", "sign": "backwards"},
    {"date": "Date", "amount": "Amount", "date_format": "%Q"},
    {"date": 0, "amount": "Amount", "header": False},                  # names without a header
    {"date": "Date", "amount": "Amount", "colour": "red"},             # a typo'd setting
])
def test_unusable_mappings_are_refused(settings: dict) -> None:
    with pytest.raises(BankFileError) as caught:
        mapping_from_dict(settings)
    assert caught.value.code == "mapping_invalid"


def test_a_mapping_that_is_not_json() -> None:
    with pytest.raises(BankFileError) as caught:
        parse_mapping("{date: Date")
    assert caught.value.code == "mapping_invalid"


def _mapped(**settings: object) -> ColumnMapping:
    return mapping_from_dict(settings)


SCHWAB = ColumnMapping(date="Date", debit="Withdrawal", credit="Deposit",
                       description=("Description",), balance="RunningBalance", kind="Type",
                       reference="CheckNumber", date_format="%m/%d/%Y")
# csv2ofx test inputs, the mapping that reads them, and its expected OFX conversion.
CSV2OFX_CASES = {
    "schwab-checking": (SCHWAB, "schwab-checking.ofx"),
    **{f"schwab-checking-baltest-case{n}": (SCHWAB, f"schwab-checking-baltest-case{n}.ofx")
       for n in range(1, 8)},
    "payoneer": (ColumnMapping(date="Transaction Date", credit="Credit Amount",
                               debit="Debit Amount", description=("Description",),
                               bank_id="Transaction ID", date_format="%m/%d/%Y"), "payoneer.ofx"),
    "pcmastercard": (ColumnMapping(date="Date", amount="Amount", payee="Merchant Name",
                                   date_format="%m/%d/%Y", sign="out_positive"),
                     "pcmastercard.ofx"),
    "gls": (ColumnMapping(date="Buchungstag", amount="Betrag", balance="Kontostand",
                          delimiter=";", decimal=",", thousands=".",
                          description=("Auftraggeber/Empfänger", "VWZ1"),
                          date_format="%d.%m.%Y"), "gls.ofx"),
    "n26-fr": (ColumnMapping(date="Booking Date", amount="Amount (EUR)", payee="Partner Name",
                             date_format="%Y-%m-%d"), "n26.ofx"),
    "default": (ColumnMapping(date="Date", amount="Amount", description=("Description",),
                              account="Account", reference="Num", date_format="%Y-%m-%d"),
                "default.ofx"),
    "stripe-default": (ColumnMapping(date="created", amount="amount",
                                     description=("description",), bank_id="id",
                                     date_format="%Y-%m-%d"), "stripe-default.ofx"),
    "outbank": (ColumnMapping(date="Date", amount="Amount", payee="Name", description=("Reason",),
                              delimiter=";", decimal=",", thousands=".", date_format="%m/%d/%y"),
                "outbank.ofx"),
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(CSV2OFX_CASES))
def test_mapped_csv_matches_the_expected_conversion(name: str) -> None:
    mapping, expected = CSV2OFX_CASES[name]
    statements = read_csv((CSV2OFX / "test" / f"{name}.csv").read_bytes(), mapping)
    ours = sorted((ln.posted, ln.amount) for st in statements for ln in st.lines)
    assert ours == ofx_transactions(CSV2OFX / "converted" / expected)


@needs_corpus
def test_a_day_first_file_stays_day_first() -> None:
    mapping = _mapped(date="date", amount="amount", description=["desc"], balance="balance")
    (st,) = read_csv((CSV2OFX / "test" / "ingesp.csv").read_bytes(), mapping)
    expected = ofx_transactions(CSV2OFX / "converted" / "ingesp.ofx")
    assert sorted(ln.amount for ln in st.lines) == sorted(amount for _, amount in expected)
    # csv2ofx guessed each date on its own and wrote "08/04/2022" (next to "24/03/2022") as
    # 4 August; the file is day first throughout, so it is 8 April.
    assert (date(2022, 8, 4), Decimal("2.69")) in expected
    assert (date(2022, 4, 8), Decimal("2.69")) in [(ln.posted, ln.amount) for ln in st.lines]


@needs_corpus
@pytest.mark.parametrize("case", ["schwab-checking", *(f"schwab-checking-baltest-case{n}"
                                                       for n in (1, 3, 4, 5, 6))])
def test_closing_balance_matches_the_expected_ledger_balance(case: str) -> None:
    (st,) = read_csv((CSV2OFX / "test" / f"{case}.csv").read_bytes(), SCHWAB)
    assert st.closing_balance == Decimal("878.47")  # the expected OFX's LEDGERBAL
    assert st.opening_balance == Decimal("1093.74")


@needs_corpus
@pytest.mark.parametrize("case", ["schwab-checking-baltest-case2",
                                  "schwab-checking-baltest-case7"])
def test_no_closing_balance_when_the_running_balances_do_not_settle_it(case: str) -> None:
    # csv2ofx writes no LEDGERBAL for these either: lines out of order, or one day both ways.
    (st,) = read_csv((CSV2OFX / "test" / f"{case}.csv").read_bytes(), SCHWAB)
    assert st.closing_balance is None and st.opening_balance is None


@needs_corpus
def test_a_debit_credit_word_column_signs_the_amount() -> None:
    mapping = _mapped(date="Date", amount="Amount", direction="Transaction Type",
                      description=["Description"], account="Account Name",
                      date_format="%m/%d/%y", delimiter=",")
    statements = read_csv((CSV2OFX / "test" / "mint.csv").read_bytes(), mapping)
    amounts = {st.account: [ln.amount for ln in st.lines] for st in statements}
    assert amounts == {"Savings": [Decimal("-1000.00")],
                       "Checking": [Decimal("-1500.00"), Decimal("2000.00"), Decimal("-2500.00")]}


@needs_corpus
def test_a_headerless_file_by_column_positions() -> None:
    mapping = _mapped(date=0, amount=3, direction=4, description=[1], account=6, header=False,
                      date_format="%m/%d/%y")
    statements = read_csv((CSV2OFX / "test" / "mint_headerless.csv").read_bytes(), mapping)
    assert sum(len(st.lines) for st in statements) == 4


@needs_corpus
def test_a_repeated_header_row_is_skipped_with_a_warning() -> None:
    mapping = _mapped(date="Date", amount="Amount", direction="Transaction Type",
                      description=["Description"], date_format="%m/%d/%y")
    (st,) = read_csv((CSV2OFX / "test" / "mint_extra.csv").read_bytes(), mapping)
    assert len(st.lines) == 4
    assert "csv_rows_skipped" in [w.code for w in st.warnings]


@needs_corpus
def test_swiss_apostrophe_thousands_and_debit_credit_columns() -> None:
    mapping = _mapped(date="Date de valeur", debit="Débit", credit="Crédit", balance="Solde",
                      description=["Description 1", "Description 2"], bank_id="N° de transaction",
                      thousands="'", date_format="%d.%m.%Y", delimiter=";")
    (st,) = read_csv((CSV2OFX / "test" / "ubs-ch-fr_trimmed.csv").read_bytes(), mapping)
    # Listed in the bank's order (not by date), in which the running balance chains.
    assert [(ln.posted, ln.amount, ln.balance) for ln in st.lines] == [
        (date(2019, 3, 31), Decimal("-10.00"), Decimal("11373.94")),
        (date(2019, 2, 28), Decimal("240.00"), Decimal("11613.94")),
        (date(2019, 4, 27), Decimal("-200.00"), Decimal("11413.94"))]
    assert (st.opening_balance, st.closing_balance) == (Decimal("11383.94"), Decimal("11413.94"))
    assert check_balances(st) == ()
    assert st.lines[0].bank_id == "A01234BC01234567"
