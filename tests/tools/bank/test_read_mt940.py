"""MT940/MT942 against the mt-940 project's corpus and its expected outputs (derived JSON)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.tools.bank.corpus import CORPUS, corpus_files, fixture, ids, needs_corpus
from tools.bank.balances import check_balances
from tools.bank.model import BankFileError
from tools.bank.read_mt940 import read_mt940

MT940 = CORPUS / "mt940"
NOT_STATEMENTS = {"invalid_statement.sta", "empty_non_swift.sta"}  # nothing in them to read
WITH_EXPECTED = [p for p in corpus_files("mt940", "*/*.sta") if p.name not in NOT_STATEMENTS]


def _expected(path: Path) -> dict:
    derived = MT940 / "_derived_expected_json" / path.parent.name / f"{path.stem}.expected.json"
    return json.loads(derived.read_text())


def _signed(record: dict) -> Decimal:
    """The expected amount, signed from the business's side. The upstream outputs come from the
    library's 5.0.0 behaviour, which left a reversal of a credit (RC) positive; it is money out."""
    amount = Decimal(record["amount"]["amount"])
    return -amount if record["status"].upper() == "RC" else amount


@needs_corpus
@pytest.mark.parametrize("path", WITH_EXPECTED, ids=ids(WITH_EXPECTED))
def test_lines_match_the_expected_output(path: Path) -> None:
    expected = [t for t in _expected(path)["transactions"] if t.get("amount")]
    lines = [line for st in read_mt940(path.read_bytes()) for line in st.lines]
    assert [line.amount for line in lines] == [_signed(t) for t in expected]
    # Posted is the booking (entry) date when the :61: line has one, else the value date.
    assert [line.posted.isoformat() for line in lines] == [
        t.get("entry_date") or t["date"] for t in expected]
    # The bank reference (after "//") is the line id unless it repeats or is a placeholder.
    references = [t.get("bank_reference") for t in expected]
    for line, reference in zip(lines, references):
        if reference and reference != "NONREF" and references.count(reference) == 1:
            assert line.bank_id == reference
        elif reference:
            assert line.bank_id is None


@needs_corpus
@pytest.mark.parametrize("path", WITH_EXPECTED, ids=ids(WITH_EXPECTED))
def test_balances_and_account_match_the_expected_output(path: Path) -> None:
    """The upstream output merges all blocks of a file (the last block's value wins); each of
    our statements keeps its own, so every expected figure must be among ours."""
    info = _expected(path)["statement"]
    statements = read_mt940(path.read_bytes())
    for key, ours in (("opening_balance", [s.opening_balance for s in statements]),
                      ("closing_balance", [s.closing_balance for s in statements])):
        for kind in ("final", "intermediate"):
            balance = info.get(f"{kind}_{key}")
            if balance and balance.get("amount"):
                assert Decimal(balance["amount"]["amount"]) in ours
    if info.get("account_identification"):
        assert " ".join(info["account_identification"].split()) in [s.account for s in statements]


@needs_corpus
def test_each_block_is_its_own_statement_with_its_own_balances() -> None:
    first, second = read_mt940((MT940 / "jejik/abnamro.sta").read_bytes())
    assert (first.opening_balance, first.closing_balance) == (Decimal("3236.28"), Decimal("876.84"))
    assert (second.opening_balance, second.closing_balance) == (
        Decimal("2876.84"), Decimal("1849.75"))  # :60M: / :62M:
    assert (len(first.lines), len(second.lines)) == (8, 2)
    assert first.account == "517852257" and first.currency == "EUR"
    assert first.lines[0].description.startswith("GIRO 428428 KPN - DIGITENNE")
    assert (first.period_start, first.period_end) == (date(2011, 5, 22), date(2011, 5, 23))


# Complete statements (many corpus files are trimmed to a few lines and cannot add up).
# sepa_mt9401 holds reversals of credits (RC): it adds up only if they count as money out.
COMPLETE = ["betterplace/sepa_mt9401.sta", "cmxl/mt940.sta", "jejik/generic.sta",
            "jejik/rabobank-iban.sta", "jejik/sns.sta", "mBank/mt940.sta",
            "sberbank/171011_01234945.sta"]


@needs_corpus
@pytest.mark.parametrize("name", COMPLETE)
def test_complete_statements_add_up(name: str) -> None:
    statements = read_mt940((MT940 / name).read_bytes())
    assert statements and all(st.closing_balance is not None for st in statements)
    for st in statements:
        assert check_balances(st) == ()


@needs_corpus
def test_structured_sepa_details_give_payee_and_reference() -> None:
    st = read_mt940((MT940 / "betterplace/sepa_snippet.sta").read_bytes())[0]
    line = st.lines[0]
    assert line.payee == "KARL KAUFMANN"
    assert line.reference == "EndToEndId TFNR 22 004 00001"
    assert line.bank_id == "0724710333343453" and line.kind == "NTRF"


@needs_corpus
def test_asn_bank_lines_need_the_variant_tag() -> None:
    statements = read_mt940((MT940 / "ASNB/0708271685_09022020_164516.940.txt").read_bytes())
    first = statements[0]
    assert first.account == "NL81ASNB9999999999"
    assert (first.opening_balance, first.closing_balance) == (Decimal("444.29"), Decimal("379.29"))
    assert [line.amount for line in first.lines] == [Decimal("-65.00")]
    assert "Betaling sieraden" in first.lines[0].description
    assert all(check_balances(st) == () for st in statements)


@needs_corpus
def test_mt942_interim_report() -> None:
    (st,) = read_mt940((MT940 / "mBank/mt942.sta").read_bytes())
    assert st.format == "mt942" and st.opening_balance is None and len(st.lines) == 3


@needs_corpus
@pytest.mark.parametrize("name", sorted(NOT_STATEMENTS))
def test_files_that_are_not_statements_are_refused(name: str) -> None:
    with pytest.raises(BankFileError) as caught:
        read_mt940((MT940 / "self-provided" / name).read_bytes())
    assert caught.value.code == "mt940_malformed"


AUSTRALIAN = fixture("au_statement.sta").decode()


def test_an_australian_statement() -> None:
    (st,) = read_mt940(AUSTRALIAN.encode())
    assert (st.format, st.account, st.currency) == ("mt940", "062000 12345678", "AUD")
    assert (st.opening_balance, st.closing_balance) == (Decimal("5000.00"), Decimal("6154.10"))
    debit, credit = st.lines
    assert (debit.amount, debit.bank_id, debit.reference, debit.description) == (
        Decimal("-45.90"), "BNK0001", "", "BUNNINGS 1234 MELBOURNE")
    assert (credit.amount, credit.reference) == (Decimal("1200.00"), "INV1001")
    assert check_balances(st) == ()


def test_a_damaged_statement_line_is_refused_with_its_text() -> None:
    broken = AUSTRALIAN.replace(":61:2401310131D45,90", ":61:24XX310131D45,90")
    with pytest.raises(BankFileError) as caught:
        read_mt940(broken.encode())
    assert caught.value.code == "mt940_malformed" and "24XX310131" in caught.value.message


def test_text_without_tags_is_refused() -> None:
    with pytest.raises(BankFileError) as caught:
        read_mt940(b"hello\nworld\n")
    assert caught.value.code == "mt940_malformed"
