"""The demo's bank feed: every ledger line on the cheque account once, statements that add up,
transfers on both accounts, noise with its ground truth, repeatable from a seed, and files that
read back as the same statements."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from adapters.clock import SteppingClock
from demo import history as h
from demo.bank_feed import (
    CHEQUE,
    SAVINGS,
    BankFeedSet,
    generate_bank_feed,
    write_statements,
    write_truth,
)
from demo.company import ORGANISATION
from memory.contacts_store import ContactsStore
from memory.db import create_db_engine, read_only, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.schema import AccountRow, AuditEntry, Journal, JournalLineRow, TaxCodeRow
from memory.trading_store import TradingStore
from tools.bank.model import Statement

FY = (date(2025, 7, 1), date(2026, 6, 30))
HALF = (date(2025, 7, 1), date(2025, 12, 31))


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A year of the demo's books without its documents, inbox or agents (a few seconds)."""
    eng = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('bank_feed') / 'books.db'}")
    upgrade(eng)
    clock = SteppingClock(datetime(2026, 6, 30, 7, 0, tzinfo=UTC))
    rng, record = random.Random(7), h.History()
    with unit_of_work(session_factory(eng)) as session:
        ledger = LedgerStore(session, clock, "test")
        ledger.create_organisation(ORGANISATION["name"], ORGANISATION["abn"], state="NSW")
        trading = TradingStore(session, clock, "test")
        h.set_up_contacts(ContactsStore(session, clock, "test"), record)
        h.opening_balances(ledger)
        h.post_sales(trading, rng, record)
        h.post_bills(trading, rng, record, frozenset())
        h.post_payroll(trading, rng, record)
        h.post_monthly_overheads(ledger, record)
        h.settle_quarters(ledger, record)
    yield eng
    eng.dispose()


def _feed(engine: Engine, seed: int, period: tuple[date, date] = FY) -> BankFeedSet:
    with read_only(session_factory(engine)) as session:
        return generate_bank_feed(session, random.Random(seed), start=period[0], end=period[1])


@pytest.fixture(scope="module")
def feed(engine: Engine) -> BankFeedSet:
    return _feed(engine, 1)


def _ledger_lines(session: Session, code: str, start: date, end: date) -> dict[int, tuple]:
    rows = session.execute(
        select(JournalLineRow.id, Journal.date, JournalLineRow.amount)
        .join(Journal, Journal.id == JournalLineRow.journal_id)
        .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
        .where(AccountRow.code == code, Journal.status == "posted", Journal.date >= start,
               Journal.date <= end, Journal.source_type != "opening"))
    return {r[0]: (r[1], r[2]) for r in rows}


def _lines(feed: BankFeedSet, code: str):  # type: ignore[no-untyped-def]
    return [(line, truth) for gs in feed.for_account(code)
            for line, truth in zip(gs.statement.lines, gs.truth, strict=True)]


@pytest.mark.parametrize("period", [FY, HALF, (date(2025, 8, 10), date(2025, 10, 20))])
def test_every_ledger_line_on_the_cheque_account_is_one_bank_line(engine: Engine,
                                                                    period: tuple[date, date]):
    feed = _feed(engine, 3, period)
    with read_only(session_factory(engine)) as session:
        ledger = _ledger_lines(session, CHEQUE, *period)
    entries = [(line, truth) for line, truth in _lines(feed, CHEQUE) if truth.kind == "entry"]
    ids = Counter(truth.journal_line_id for _, truth in entries)
    assert set(ids) == set(ledger) and set(ids.values()) == {1}
    for line, truth in entries:
        on, amount = ledger[truth.journal_line_id]
        assert line.amount == amount
        assert on <= line.posted <= min(on + timedelta(days=10), period[1])  # never before
    assert any(line.posted > ledger[truth.journal_line_id][0] for line, truth in entries)


def test_statements_add_up_and_follow_on(engine: Engine, feed: BankFeedSet):
    with read_only(session_factory(engine)) as session:
        before = session.scalar(
            select(func.sum(JournalLineRow.amount))
            .join(Journal, Journal.id == JournalLineRow.journal_id)
            .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
            .where(AccountRow.code == CHEQUE, Journal.date < FY[0]))
    assert before == Decimal("85000.00")
    cheque, savings = feed.for_account(CHEQUE), feed.for_account(SAVINGS)
    assert len(cheque) == 12 and len(savings) == 4
    assert cheque[0].statement.opening_balance == before
    assert savings[0].statement.opening_balance == Decimal("0.00")
    for statements in (cheque, savings):
        for gs in statements:
            st = gs.statement
            assert len(gs.truth) == len(st.lines)
            assert st.opening_balance + sum(line.amount for line in st.lines) == st.closing_balance
            running = st.opening_balance
            for line in st.lines:
                running += line.amount
                assert line.balance == running
                assert st.period_start <= line.posted <= st.period_end
            assert [line.posted for line in st.lines] == sorted(line.posted for line in st.lines)
        for a, b in pairwise(statements):
            assert a.statement.closing_balance == b.statement.opening_balance
            assert a.statement.period_end + timedelta(days=1) == b.statement.period_start
    assert cheque[0].identifier != savings[0].identifier


def test_transfers_appear_on_both_accounts(feed: BankFeedSet):
    out = [(line.posted, -line.amount) for line, truth in _lines(feed, CHEQUE)
           if truth.kind == "transfer"]
    into = [(line.posted, line.amount) for line, truth in _lines(feed, SAVINGS)
            if truth.kind == "transfer"]
    assert len(out) >= 10 and sorted(out) == sorted(into)
    assert all(amount > 0 and amount % 1000 == 0 for _, amount in out)
    assert {t.account_code for _, t in _lines(feed, CHEQUE) if t.kind == "transfer"} == {SAVINGS}
    assert {t.account_code for _, t in _lines(feed, SAVINGS) if t.kind == "transfer"} == {CHEQUE}
    assert all("XX5678" in line.description for line, t in _lines(feed, CHEQUE)
               if t.kind == "transfer")


def test_noise_has_its_category(engine: Engine, feed: BankFeedSet):
    with read_only(session_factory(engine)) as session:
        accounts = set(session.scalars(select(AccountRow.code)))
        tax_codes = set(session.scalars(select(TaxCodeRow.code)))
    lines = _lines(feed, CHEQUE) + _lines(feed, SAVINGS)
    kinds = Counter(truth.kind for _, truth in lines)
    assert kinds["category"] > 200 and kinds["unknown"] >= 1
    for line, truth in lines:
        if truth.kind == "category":
            assert truth.account_code in accounts and truth.tax_code in tax_codes
            assert truth.journal_line_id is None
        elif truth.kind == "unknown":
            assert truth.account_code is None and truth.tax_code is None
        elif truth.kind == "entry":
            assert truth.journal_line_id is not None
    by_text = {(truth.account_code, truth.tax_code) for line, truth in lines
               if line.description.split()[0] in ("BUNNINGS", "VISA", "EFTPOS")
               and "BUNNINGS" in line.description}
    assert by_text == {("6110", "GST")}
    interest = [(line, t) for line, t in _lines(feed, SAVINGS) if t.kind == "category"]
    assert len(interest) == 12 and {(t.account_code, t.tax_code) for _, t in interest} == {
        ("4200", "INP")}
    fx = [line for line, _ in _lines(feed, CHEQUE) if " USD " in line.description]
    fees = [line for line, _ in _lines(feed, CHEQUE) if "INTNL TRANSACTION FEE" in line.description]
    assert fx and len(fees) == len(fx)


def test_bank_text_reads_like_a_feed(feed: BankFeedSet):
    texts = [line.description for line, t in _lines(feed, CHEQUE) if t.kind == "entry"]
    assert any(s.startswith("PAYMENT TO COASTAL CERAMICS") for s in texts)
    assert any("CER-" in s for s in texts) and any(
        s.startswith("PAYMENT TO COASTAL") and "CER-" not in s for s in texts)
    assert any(s.startswith(("DIRECT CREDIT", "FAST TRANSFER FROM")) for s in texts)
    assert any("SETTLEMENT" in s for s in texts) and any("QUICKSUPER" in s for s in texts)
    assert any("ATO" in s or "TAX OFFICE" in s for s in texts)
    assert any("LOAN REPAYMENT" in s or "LN REPAY" in s for s in texts)
    assert all(len(s) <= 90 and s == " ".join(s.split()) for s in texts)


def test_same_seed_same_feed_another_seed_another(engine: Engine, feed: BankFeedSet):
    assert _feed(engine, 1) == feed
    other = _feed(engine, 2)
    assert other != feed
    assert [gs.statement.opening_balance for gs in other.statements[:1]] == [
        gs.statement.opening_balance for gs in feed.statements[:1]]


def test_the_books_are_only_read(engine: Engine):
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        counts = (session.scalar(select(func.count()).select_from(Journal)),
                  session.scalar(select(func.count()).select_from(AuditEntry)))
        generate_bank_feed(session, random.Random(5), start=HALF[0], end=HALF[1])
        assert not session.new and not session.dirty and not session.deleted
    with read_only(factory) as session:
        assert counts == (session.scalar(select(func.count()).select_from(Journal)),
                          session.scalar(select(func.count()).select_from(AuditEntry)))


def _same(read: Statement, made: Statement, *, balances: bool) -> None:
    assert [(x.posted, x.amount, x.description) for x in read.lines] == [
        (x.posted, x.amount, x.description) for x in made.lines]
    if balances:
        assert [x.balance for x in read.lines] == [x.balance for x in made.lines]
    assert (read.opening_balance, read.closing_balance) == (made.opening_balance,
                                                            made.closing_balance)


def test_written_files_read_back_as_the_same_statements(feed: BankFeedSet, tmp_path: Path):
    reader = pytest.importorskip("tools.bank.read")
    paths = write_statements(feed, tmp_path / "bank")
    assert [p.name for p in paths] == [gs.filename for gs in feed.statements]
    for path, gs in zip(paths, feed.statements, strict=True):
        (read,) = reader.read_statements(path.read_bytes(), path.name)
        if gs.account_code == CHEQUE:
            assert path.suffix == ".csv" and read.format == "csv:cba" and read.account is None
            assert path.read_text().splitlines()[-1].startswith(
                f'"{gs.statement.lines[0].posted:%d/%m/%Y}","')  # CommBank writes newest first
            _same(read, gs.statement, balances=True)
        else:
            assert path.suffix == ".ofx" and read.format == "ofx"
            assert read.account.replace(" ", "") == gs.identifier.replace("-", "").replace(" ", "")
            assert [x.bank_id for x in read.lines] == [x.bank_id for x in gs.statement.lines]
            assert (read.period_start, read.period_end) == (gs.statement.period_start,
                                                            gs.statement.period_end)
            _same(read, gs.statement, balances=False)
    manifest = json.loads(write_truth(feed, tmp_path / "truth.json").read_text())
    files = manifest["statements"]
    assert [f["file"] for f in files] == [p.name for p in paths]
    first = files[0]["lines"][0]
    line, truth = feed.statements[0].statement.lines[0], feed.statements[0].truth[0]
    assert first["date"] == line.posted.isoformat() and first["amount"] == str(line.amount)
    assert first["text"] == line.description and first["truth"]["kind"] == truth.kind
    assert sum(len(f["lines"]) for f in files) == sum(len(gs.truth) for gs in feed.statements)
