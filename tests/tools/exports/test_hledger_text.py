"""The hledger journal text on its own: amounts, names, tags, and characters hledger gives meaning
(";" a comment, "word:" a tag, ":" a level, two spaces the end of a name) read back by the real
hledger as we meant them."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tools.exports.hledger import account_name, hledger_amount, hledger_journal, journal_balances
from tools.exports.model import Books, PostedJournal
from tools.ledger.model import Account, Journal, cr, dr

D = Decimal
HLEDGER = shutil.which("hledger")
needs_hledger = pytest.mark.skipif(HLEDGER is None, reason="hledger is not installed "
                                   "(Debian: apt-get install hledger)")
ACCOUNTS = (
    Account("1100", "Business Cheque Account", "asset"),
    Account("2100", "Trade Creditors", "liability"),
    Account("2210", "GST Paid", "liability"),
    Account("3100", "Owner's Capital", "equity"),
    Account("4000", "Sales - Retail", "revenue"),
    Account("6100", "Rent: Shop  #2; main\nfloor", "expense"),
)


def _books() -> Books:
    journals = (
        PostedJournal(2, Journal(date(2026, 4, 2), 'Rent; "April": shop #2\nsecond line', (
            dr("6100", D("12345.67"), "ref: RX-1; paid", tax_code="GST", contact_id=9),
            dr("2210", D("1234.57")), cr("2100", D("13580.24"), contact_id=9)),
            source_type="bill", source_ref="RX,1", idempotency_key="ap:k1,v2")),
        PostedJournal(1, Journal(date(2026, 4, 1), "Capital", (
            dr("1100", D("20000.00")), cr("3100", D("20000.00"))))),
        PostedJournal(3, Journal(date(2026, 4, 2), "Café sale", (
            dr("1100", D("0.05")), cr("4000", D("0.05"), tax_code="N-T")))),
    )
    return Books("Harbour & Vine", ACCOUNTS, journals)


def _run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert HLEDGER is not None
    return subprocess.run([HLEDGER, "-f", str(path), *args], capture_output=True, text=True,
                          check=False, timeout=60)


def test_amounts_are_exact_with_the_commodity_and_thousands() -> None:
    assert hledger_amount(D("1234.5")) == "AUD 1,234.50"
    assert hledger_amount(D("-1234567.89")) == "AUD -1,234,567.89"
    assert hledger_amount(D("0")) == "AUD 0.00"
    with pytest.raises(ValueError):
        hledger_amount(D("0.005"))


def test_accounts_are_named_by_type_code_and_name_on_one_level() -> None:
    assert account_name(ACCOUNTS[0]) == "assets:1100 Business Cheque Account"
    assert account_name(ACCOUNTS[4]) == "revenue:4000 Sales - Retail"
    assert account_name(ACCOUNTS[5]) == "expenses:6100 Rent- Shop #2, main floor"


def test_journals_come_in_date_then_id_order_and_balances_add_up() -> None:
    text = hledger_journal(_books())
    assert text.index("(1) Capital") < text.index("(2) Rent") < text.index("(3) Café sale")
    assert journal_balances(_books())["1100"] == D("20000.05")


@needs_hledger
def test_hledger_reads_it_as_meant(tmp_path: Path) -> None:
    path = tmp_path / "books.journal"
    path.write_text(hledger_journal(_books()), encoding="utf-8")
    done = _run(path, "check", "--strict", "ordereddates")
    assert done.returncode == 0, done.stderr
    balances = _run(path, "balance", "--flat", "--no-total", "-O", "csv")
    rows = dict(list(csv.reader(io.StringIO(balances.stdout)))[1:])
    assert rows == {
        "assets:1100 Business Cheque Account": "AUD 20000.05",
        "equity:3100 Owner's Capital": "AUD -20000.00",
        "expenses:6100 Rent- Shop #2, main floor": "AUD 12345.67",
        "liabilities:2100 Trade Creditors": "AUD -13580.24",
        "liabilities:2210 GST Paid": "AUD 1234.57",
        "revenue:4000 Sales - Retail": "AUD -0.05",
    }
    tags = _run(path, "tags").stdout.split()
    assert tags == ["contact", "journal", "key", "ref", "source", "tax", "type"]  # no stray tags
    assert _run(path, "tags", "key", "--values").stdout.split("\n")[0] == "ap:k1 v2"
    described = _run(path, "register", "tag:journal=2", "-O", "csv").stdout
    assert 'Rent, "April" - shop #2 second line' in described.replace('""', '"')
    assert _run(path, "register", "tag:tax=GST", "-O", "csv").stdout.count("6100") == 1
    typed = _run(path, "balancesheet", "--flat", "--no-total", "-O", "csv").stdout
    assert "assets:1100" in typed and "liabilities:2100" in typed and "expenses" not in typed
    assert _run(path, "print", "code:2").stdout.startswith("2026-04-02 * (2) ")
