"""camt.052/053/054 against the genkgo/camt corpus and its expected object dumps (JSON).

The dumps give amounts in minor units ("885" is 8.85 EUR) and each entry's record (statement)
with its balances; records are otherwise written as "__RECURSIVITY__", so the statements we can
check are the ones reached from an entry, plus any record dumped in full."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.tools.bank.corpus import CORPUS, corpus_files, fixture, ids, needs_corpus
from tools.bank.model import BankFileError, Statement
from tools.bank.read_camt import read_camt

CAMT = CORPUS / "camt-genkgo"
WITH_EXPECTED = [p for p in corpus_files("camt-genkgo", "*.xml")
                 if p.with_suffix(".json").exists()]
MINOR_UNITS = {"JPY": 0}  # every other currency in the corpus has cents


def _money(dumped: dict) -> Decimal:
    exponent = MINOR_UNITS.get(dumped["getCurrency"]["getCode"], 2)
    return Decimal(dumped["getAmount"]).scaleb(-exponent)


def _records(expected: dict) -> list[dict]:
    found = [r for r in expected["getRecords"] if isinstance(r, dict)]
    found += [e["getRecord"] for e in expected["getEntries"] if isinstance(e.get("getRecord"), dict)]
    return found


def _statement_for(record: dict, statements: tuple[Statement, ...]) -> Statement:
    account = (record.get("getAccount") or {}).get("getIdentification")
    balances: dict[str, Decimal] = {}
    for balance in record.get("getBalances", []):  # OPBD and PRCD are both "opening": first wins
        balances.setdefault(balance["getType"], _money(balance["getAmount"]))
    matches = [s for s in statements if s.account == account
               and s.opening_balance == balances.get("opening")
               and s.closing_balance == balances.get("closing")]
    assert matches, f"no statement with account {account} and balances {balances}"
    return matches[0]


@needs_corpus
@pytest.mark.parametrize("path", WITH_EXPECTED, ids=ids(WITH_EXPECTED))
def test_entries_match_the_expected_output(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text())
    statements = read_camt(path.read_bytes())
    assert statements[0].format == path.name.split(".")[0].replace("camt53", "camt053")
    for entry in expected["getEntries"]:
        st = _statement_for(entry["getRecord"], statements)
        if entry["getStatus"] in ("PDNG", "INFO"):
            # Not booked yet: left out of the statement, and the statement says so.
            assert "camt_pending_skipped" in [w.code for w in st.warnings]
            assert st.lines == ()
            continue
        line = st.lines[entry["getIndex"]]
        assert line.amount == _money(entry["getAmount"])
        assert (line.amount < 0) == (entry["getCreditDebitIndicator"] == "DBIT")
        booked = (entry.get("getBookingDate") or entry.get("getValueDate") or {}).get("0")
        if booked:
            assert line.posted.isoformat() == booked[:10]
        assert line.bank_id == entry["getAccountServicerReference"]


@needs_corpus
@pytest.mark.parametrize("path", WITH_EXPECTED, ids=ids(WITH_EXPECTED))
def test_statements_match_the_expected_records(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text())
    statements = read_camt(path.read_bytes())
    assert len(statements) == len(expected["getRecords"])
    for record in _records(expected):
        st = _statement_for(record, statements)  # account, opening and closing balance
        assert len(st.lines) <= len(record.get("getEntries", []))


@needs_corpus
def test_the_invalid_file_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_camt((CAMT / "camt053.v2.wrong.xml").read_bytes())
    assert caught.value.code == "camt_no_statements"


@needs_corpus
def test_two_statements_in_one_message() -> None:
    first, second = read_camt((CAMT / "camt053.v2.multi.statement.xml").read_bytes())
    assert (first.opening_balance, first.closing_balance) == (Decimal("18.15"), Decimal("27.00"))
    assert (second.opening_balance, second.closing_balance) == (Decimal("27.00"), Decimal("20.00"))
    assert [ln.amount for ln in first.lines + second.lines] == [Decimal("8.85"), Decimal("-7.00")]
    assert second.lines[0].payee == "Company Name 2"  # the creditor of a payment out


@needs_corpus
def test_counterparty_and_reference() -> None:
    (st,) = read_camt((CAMT / "camt053.v8.xml").read_bytes())
    (line,) = st.lines
    assert line.payee == "NAME NAME"  # the debtor of a payment in
    assert line.reference == "4654654654654654"  # the creditor reference (RmtInf/Strd)
    assert line.bank_id == "AAAASESS-FP-CN_98765/01"
    assert line.kind == "PMNT/RCDT/BOOK" and line.posted == date(2014, 12, 31)


@needs_corpus
def test_a_batch_entry_is_one_line_of_its_total() -> None:
    (st,) = read_camt((CAMT / "camt054.v8.xml").read_bytes())
    (line,) = st.lines
    assert st.format == "camt054" and line.amount == Decimal(-200000)
    assert "Unstructured Remittance Information V1" in line.description
    assert line.payee == ""  # three transactions, three creditors: none is "the" payee


@needs_corpus
def test_an_entry_without_dates_takes_the_message_date_and_says_so() -> None:
    (st,) = read_camt((CAMT / "camt054.v2.with-account-name.xml").read_bytes())
    assert st.lines[0].posted == date(2007, 10, 18)
    assert "camt_date_assumed" in [w.code for w in st.warnings]


@needs_corpus
def test_version_1_message_and_proprietary_account() -> None:
    (st,) = read_camt((CAMT / "camt052.v1.xml").read_bytes())
    assert st.format == "camt052" and st.account == "CH2801234000123456789"


@needs_corpus
def test_a_cut_off_file_is_refused() -> None:
    data = (CAMT / "camt053.v8.xml").read_bytes()
    with pytest.raises(BankFileError) as caught:
        read_camt(data[: len(data) // 2])
    assert caught.value.code == "camt_malformed"


def test_a_dtd_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>'
            b"<BkToCstmrStmt><Stmt>&a;</Stmt></BkToCstmrStmt></Document>")
    with pytest.raises(BankFileError) as caught:
        read_camt(bomb)
    assert caught.value.code == "xml_dtd_forbidden"


AUSTRALIAN = fixture("nab_camt053.xml")  # a NAB-style statement with a pending entry


def test_an_australian_statement_with_a_pending_entry() -> None:
    (st,) = read_camt(AUSTRALIAN)
    assert (st.format, st.account, st.currency) == ("camt053", "083004123456789", "AUD")
    assert (st.opening_balance, st.closing_balance) == (Decimal("4200.00"), Decimal("5354.10"))
    credit, debit = st.lines
    assert (credit.payee, credit.description, credit.bank_id) == ("ACME PTY LTD", "INV 1001",
                                                                   "NAB0001")
    assert (debit.amount, debit.payee) == (Decimal("-45.90"), "BUNNINGS 1234 MELBOURNE")
    assert [w.code for w in st.warnings] == ["camt_pending_skipped"]
    assert (st.period_start, st.period_end) == (date(2023, 12, 31), date(2024, 1, 31))


def test_an_entry_without_a_credit_or_debit_mark_is_refused() -> None:
    broken = AUSTRALIAN.replace(b"<CdtDbtInd>DBIT</CdtDbtInd><RvslInd>", b"<RvslInd>")
    with pytest.raises(BankFileError) as caught:
        read_camt(broken)
    assert caught.value.code == "camt_bad_amount" and caught.value.row == 2


def test_other_xml_is_not_a_camt_message() -> None:
    with pytest.raises(BankFileError) as caught:
        read_camt(b"<Invoice><ID>1</ID></Invoice>")
    assert caught.value.code == "camt_unknown_message"
