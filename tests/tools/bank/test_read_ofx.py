"""OFX/QFX: the ofxparse corpus (incl. Suncorp and ANZ, both AUD), the csv2ofx conversions, a
CommBank-style fixture with two accounts, and damaged files."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ofxtools.Parser import OFXTree

from tests.tools.bank.corpus import CORPUS, corpus_files, fixture, ids, needs_corpus
from tools.bank.model import BankFileError
from tools.bank.read_ofx import read_ofx

OFXPARSE = CORPUS / "ofxparse"
# Files holding at least one bank or card statement (the rest are sign-on replies, investments).
STATEMENT_FILES = [p for p in corpus_files("ofxparse", "*.ofx") + corpus_files("csv2ofx", "*/*.ofx")
                   if re.search(rb"<(CC)?STMTRS>", p.read_bytes())]
NO_STATEMENT_FILES = [p for p in corpus_files("ofxparse", "*.ofx")
                      if not re.search(rb"<(CC)?STMTRS>", p.read_bytes())]
# What ofxtools' own strict parser accepts: our reading must agree with it there.
OFXTOOLS_READABLE = ["anzcc.ofx", "bank_medium.ofx", "multiple_accounts.ofx", "suncorp.ofx"]


def _read(name: str) -> tuple:
    return read_ofx((OFXPARSE / name).read_bytes())


@needs_corpus
def test_suncorp_australian_cheque_account() -> None:
    (st,) = _read("suncorp.ofx")
    assert (st.format, st.account, st.currency) == ("ofx", "123456789", "AUD")
    (line,) = st.lines
    # ofxparse's own test expects these (its CDATA payee keeps trailing spaces; we trim them).
    assert line.payee == "EFTPOS WDL HANDYWAY ALDI STORE"
    assert line.description == "EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU"
    assert line.amount == Decimal("-16.85") and line.posted == date(2013, 12, 15)
    assert line.bank_id == "1" and line.kind == "DEBIT" and line.reference == ""  # CHECKNUM 0
    assert st.closing_balance == Decimal("1234.12")
    # The ledger balance is as at DTEND, so the opening balance follows: 1234.12 + 16.85.
    assert st.opening_balance == Decimal("1250.97")
    assert (st.period_start, st.period_end) == (date(2013, 6, 18), date(2013, 12, 15))


@needs_corpus
def test_anz_credit_card_sgml_with_unclosed_tags() -> None:
    (st,) = _read("anzcc.ofx")
    assert (st.account, st.currency) == ("1234123412341234", "AUD")
    (line,) = st.lines
    assert (line.amount, line.posted, line.bank_id, line.description) == (
        Decimal("-5.50"), date(2017, 5, 8), "201705080001", "SOME MEMO")
    assert st.closing_balance == Decimal("-123.45")  # LEDGERBAL, not AVAILBAL (+123.45)
    # The balance is as at 10 May, after the list's end (9 May): no honest opening balance.
    assert st.opening_balance is None


@needs_corpus
def test_bank_medium_account_and_balance_as_ofxparse_expects() -> None:
    (st,) = _read("bank_medium.ofx")
    assert st.account == "12300 000012345678"
    assert st.closing_balance == Decimal("382.34")
    assert len(st.lines) == 3


@needs_corpus
def test_several_accounts_in_one_file_are_several_statements() -> None:
    statements = _read("multiple_accounts.ofx")
    assert [(s.account, s.closing_balance, s.lines) for s in statements] == [
        ("9100", Decimal(111), ()), ("9200", Decimal(222), ())]


@needs_corpus
@pytest.mark.parametrize("path", STATEMENT_FILES, ids=ids(STATEMENT_FILES))
def test_every_transaction_in_the_file_is_read(path: Path) -> None:
    """Count and total of the lines equal the file's own STMTTRN elements and TRNAMT values."""
    raw = path.read_bytes()
    expected = [Decimal(a.decode()) for a in re.findall(rb"<TRNAMT>\s*([-+0-9.]+)", raw)]
    lines = [line for st in read_ofx(raw) for line in st.lines]
    assert len(lines) == raw.count(b"<STMTTRN>")
    assert sorted(line.amount for line in lines) == sorted(expected)


@needs_corpus
@pytest.mark.filterwarnings("ignore:Encountered private extension tag")
@pytest.mark.parametrize("name", OFXTOOLS_READABLE)
def test_agrees_with_ofxtools_where_ofxtools_reads_the_file(name: str) -> None:
    tree = OFXTree()
    tree.parse(io.BytesIO((OFXPARSE / name).read_bytes()))
    theirs = tree.convert().statements
    ours = _read(name)
    assert len(ours) == len(theirs)
    for st, their in zip(ours, theirs):
        assert st.account.endswith(their.account.acctid)
        assert st.currency == their.curdef
        assert st.closing_balance == their.ledgerbal.balamt
        their_lines = list(their.banktranlist or [])
        assert [(ln.amount, ln.bank_id) for ln in st.lines] == [
            (t.trnamt, t.fitid) for t in their_lines]
        # ofxtools converts to UTC; these files carry no zone, so the dates agree.
        assert [ln.posted for ln in st.lines] == [t.dtposted.date() for t in their_lines]


@needs_corpus
def test_a_transaction_without_a_date_is_refused_not_skipped() -> None:
    with pytest.raises(BankFileError) as caught:
        _read("fail_nice/date_missing.ofx")
    assert caught.value.code == "ofx_missing_date" and "184997056" in caught.value.message


@needs_corpus
def test_an_impossible_date_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        _read("fail_nice/decimal_error.ofx")
    assert caught.value.code == "ofx_bad_date" and "201120000000" in caught.value.message


@needs_corpus
def test_empty_balances_read_as_unknown() -> None:
    (st,) = _read("fail_nice/empty_balance.ofx")
    assert st.closing_balance is None and st.opening_balance is None
    assert [ln.amount for ln in st.lines] == [Decimal(120)]


@needs_corpus
def test_australian_file_with_empty_tags_and_twelve_blank_lines_before_the_header() -> None:
    (st,) = _read("ofx-v102-empty-tags.ofx")
    (line,) = st.lines
    assert (st.account, line.amount, line.description, line.bank_id) == (
        "12345678", Decimal("12.34"), "CBA:Transfer", None)
    assert st.currency is None and st.closing_balance is None


@needs_corpus
@pytest.mark.parametrize("path", NO_STATEMENT_FILES, ids=ids(NO_STATEMENT_FILES))
def test_files_without_a_bank_statement_say_so(path: Path) -> None:
    with pytest.raises(BankFileError) as caught:
        read_ofx(path.read_bytes())
    assert caught.value.code == "ofx_no_statements"


@needs_corpus
def test_the_banks_error_message_is_passed_on() -> None:
    with pytest.raises(BankFileError) as caught:
        _read("error_message.ofx")
    assert "2000" in caught.value.message and "General Server Error" in caught.value.message


def test_commbank_style_file_with_a_cheque_account_and_a_card() -> None:
    cheque, card = read_ofx(fixture("commbank.ofx"))
    assert cheque.account == "062000 12345678"  # the BSB in BANKID goes in front
    assert card.account == "5523123412341234" and card.currency == "AUD"
    # Midnight in Australia is the day before in UTC; the date stays as the bank wrote it.
    assert [ln.posted for ln in cheque.lines] == [
        date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 12), date(2024, 1, 31)]
    credit, bunnings, smith, fee = cheque.lines
    assert (credit.payee, credit.description) == ("Direct Credit 123456 ACME PTY LTD", "INV 1001")
    # An empty SGML <NAME> does not swallow the MEMO after it.
    assert (bunnings.payee, bunnings.description) == ("", "BUNNINGS 1234 MELBOURNE AU Card xx1234")
    assert smith.payee == "SMITH & SONS" and smith.amount == Decimal("540.00")  # decimal comma
    assert fee.kind == "FEE" and fee.amount == Decimal("-10.00")
    assert cheque.closing_balance == Decimal("5884.10")
    assert cheque.opening_balance == Decimal("4200.00")
    assert card.closing_balance == Decimal("-820.35") and card.opening_balance is None
    assert [ln.amount for ln in card.lines] == [Decimal("-19.99"), Decimal("500.00")]


def test_lower_case_tags_read_the_same_through_the_general_tree() -> None:
    raw = fixture("commbank.ofx").decode()
    lowered = re.sub(r"</?[A-Z.]+>", lambda m: m.group(0).lower(), raw)
    assert lowered != raw
    assert read_ofx(lowered.encode()) == read_ofx(raw.encode())


def test_repeated_fitids_are_not_used_as_ids() -> None:
    raw = fixture("commbank.ofx").replace(b"<FITID>202401030001", b"<FITID>202401020001")
    cheque = read_ofx(raw)[0]
    assert [ln.bank_id for ln in cheque.lines] == [None, None, "202401120001", "202401310001"]
    assert len(cheque.lines) == 4


def test_malformed_sgml_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_ofx(fixture("malformed_sgml.ofx"))
    assert caught.value.code == "ofx_malformed" and "</STMTRN>" in caught.value.message


def test_malformed_xml_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_ofx(fixture("malformed_xml.ofx"))
    assert caught.value.code == "ofx_malformed" and "STMTTRN" in caught.value.message


def test_an_aggregate_left_open_is_refused_not_merged() -> None:
    raw = fixture("commbank.ofx").replace(b"INV 1001\n</STMTTRN>", b"INV 1001\n", 1)
    with pytest.raises(BankFileError) as caught:
        read_ofx(raw)
    assert caught.value.code == "ofx_malformed" and "<STMTTRN>" in caught.value.message


def test_a_cut_off_file_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_ofx(fixture("truncated.ofx"))
    assert caught.value.code == "ofx_truncated"


def test_an_amount_that_is_not_a_number_names_the_transaction() -> None:
    raw = fixture("commbank.ofx").replace(b"<TRNAMT>-45.90", b"<TRNAMT>$45.90-ish")
    with pytest.raises(BankFileError) as caught:
        read_ofx(raw)
    assert caught.value.code == "ofx_bad_amount" and caught.value.row == 2
    assert "202401030001" in caught.value.message


def test_text_without_an_ofx_element_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_ofx(b"OFXHEADER:100\nDATA:OFXSGML\n\nnothing here")
    assert caught.value.code == "ofx_malformed"
