"""The ledger's invariants hold on SQLite and PostgreSQL, through the code and against raw SQL.

Property: any sequence of postings (balanced or not), reversals and lock-date changes leaves every
posted journal balanced, the trial balance balanced, and refused changes leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from memory.db import rule_violation
from memory.ledger_store import LedgerStore
from memory.schema import Journal as JournalRow, JournalLineRow, Organisation
from tests.conftest import TickingClock
from tools.ledger.model import Journal, JournalLine, cr, dr
from tools.ledger.problems import LedgerError

START = date(2025, 7, 1)
ACCOUNTS = ("1100", "1200", "2100", "3100", "4000", "5000", "6100", "6200")


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is undone afterwards, so examples do not see each other."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


def new_ledger(session: Session) -> LedgerStore:
    ledger = LedgerStore(session, TickingClock(), "test")
    ledger.create_organisation("Invariant Testing Pty Ltd", "53004085616")
    return ledger


amounts = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def journals(draw: st.DrawFn) -> tuple[Journal, bool]:
    """A journal of 2-6 lines; most balance, some deliberately miss by a cent or more."""
    n = draw(st.integers(2, 6))
    signed = [draw(amounts) * draw(st.sampled_from((1, -1))) for _ in range(n - 1)]
    last = -sum(signed, Decimal("0.00"))
    balanced = draw(st.integers(0, 4)) > 0
    if not balanced:
        last += draw(amounts)
    if last == 0:
        last = Decimal("0.01")
        balanced = False
    lines = tuple(JournalLine(draw(st.sampled_from(ACCOUNTS)), a) for a in [*signed, last])
    day = START + timedelta(days=draw(st.integers(0, 364)))
    return Journal(day, "generated", lines), balanced


operations = st.lists(
    st.one_of(
        st.tuples(st.just("post"), journals()),
        st.tuples(st.just("reverse"), st.integers(0, 50), st.integers(0, 364)),
        st.tuples(st.just("lock"), st.one_of(st.none(), st.integers(0, 364))),
    ),
    min_size=1, max_size=25,
)


def posted_counts(session: Session) -> tuple[int, int]:
    journals_n = session.scalar(select(func.count()).select_from(JournalRow)
                                .where(JournalRow.status == "posted"))
    lines_n = session.scalar(select(func.count()).select_from(JournalLineRow))
    return journals_n or 0, lines_n or 0


def unbalanced_posted_journals(session: Session) -> list[int]:
    return list(session.scalars(
        select(JournalLineRow.journal_id).join(JournalRow, JournalRow.id == JournalLineRow.journal_id)
        .where(JournalRow.status == "posted").group_by(JournalLineRow.journal_id)
        .having(func.sum(JournalLineRow.amount) != 0)))


def test_any_sequence_of_postings_reversals_and_locks_keeps_the_books_balanced(engine: Engine) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=operations)
    def run(ops: list[tuple]) -> None:  # type: ignore[type-arg]
        with rolled_back_session(engine) as session:
            ledger = new_ledger(session)
            lock: date | None = None
            posted: list[tuple[int, date]] = []
            reversed_ids: set[int] = set()
            for op in ops:
                before = posted_counts(session)
                if op[0] == "post":
                    journal, balanced = op[1]
                    should_post = balanced and (lock is None or journal.date > lock)
                    try:
                        posted.append((ledger.post(journal), journal.date))
                        assert should_post, "an unbalanced or locked journal was posted"
                    except LedgerError as exc:
                        assert not should_post, exc
                        assert ("unbalanced" in exc.codes) == (not balanced)
                        assert posted_counts(session) == before, "a refused journal left rows behind"
                elif op[0] == "reverse" and posted:
                    target, original_date = posted[op[1] % len(posted)]
                    on = START + timedelta(days=op[2])
                    ok = target not in reversed_ids and (lock is None or on > lock)
                    try:
                        posted.append((ledger.reverse(target, on), on))
                        reversed_ids.add(target)
                        assert ok
                    except LedgerError as exc:
                        assert not ok, exc
                        assert posted_counts(session) == before
                elif op[0] == "lock":
                    lock = None if op[1] is None else START + timedelta(days=op[1])
                    ledger.set_lock_date(lock)
                assert unbalanced_posted_journals(session) == []
                assert ledger.trial_balance().balanced
            assert posted_counts(session)[0] == len(posted)

    run()


@pytest.fixture
def books(engine: Engine) -> Iterator[tuple[Session, LedgerStore, int]]:
    """A ledger with one posted journal (id returned), inside a transaction that is rolled back."""
    with rolled_back_session(engine) as session:
        ledger = new_ledger(session)
        journal_id = ledger.post(Journal(date(2025, 8, 1), "Capital",
                                         (dr("1100", Decimal("1000.00")), cr("3100", Decimal("1000.00")))))
        yield session, ledger, journal_id


def refused_by_database(session: Session, statement, params: dict | None = None) -> str:  # type: ignore[no-untyped-def]
    """Run raw SQL that the database must refuse; return the refusal's code."""
    with pytest.raises(DBAPIError) as caught:
        with session.begin_nested():
            session.execute(statement, params or {})
    typed = rule_violation(caught.value)
    assert typed is not None, f"refused, but not by a ledger rule: {caught.value}"
    return typed.codes[0]


def test_raw_update_or_delete_of_a_posted_line_is_refused(books) -> None:  # type: ignore[no-untyped-def]
    session, ledger, jid = books
    assert refused_by_database(session, text("UPDATE journal_lines SET amount = amount + 1 "
                                             "WHERE journal_id = :j"), {"j": jid}) == "posted_immutable"
    assert refused_by_database(session, text("UPDATE journal_lines SET description = 'x' "
                                             "WHERE journal_id = :j"), {"j": jid}) == "posted_immutable"
    assert refused_by_database(session, text("DELETE FROM journal_lines WHERE journal_id = :j"),
                               {"j": jid}) == "posted_immutable"
    assert ledger.trial_balance().total_debit == Decimal("1000.00")


def test_raw_update_or_delete_of_a_posted_journal_is_refused(books) -> None:  # type: ignore[no-untyped-def]
    session, _, jid = books
    assert refused_by_database(session, text("UPDATE journals SET date = '2025-08-02' WHERE id = :j"),
                               {"j": jid}) == "posted_immutable"
    assert refused_by_database(session, text("UPDATE journals SET status = 'draft' WHERE id = :j"),
                               {"j": jid}) == "posted_immutable"
    assert refused_by_database(session, text("DELETE FROM journals WHERE id = :j"),
                               {"j": jid}) == "posted_immutable"


def test_a_line_cannot_be_added_to_a_posted_journal(books) -> None:  # type: ignore[no-untyped-def]
    session, ledger, jid = books
    stmt = insert(JournalLineRow).values(journal_id=jid, line_no=3, account_id=ledger.account_id("1100"),
                                         amount=Decimal("5.00"), description="sneaky")
    assert refused_by_database(session, stmt) == "posted_immutable"


def _raw_draft(session: Session, ledger: LedgerStore, day: date, amounts: list[str]) -> int:
    jid = session.execute(insert(JournalRow).values(
        date=day, narration="raw", source_type="manual", status="draft", created_by="sql",
        created_at=TickingClock().now()).returning(JournalRow.id)).scalar_one()
    for n, amount in enumerate(amounts, start=1):
        session.execute(insert(JournalLineRow).values(
            journal_id=jid, line_no=n, account_id=ledger.account_id("1100" if n == 1 else "3100"),
            amount=Decimal(amount), description=""))
    return jid


def test_the_database_refuses_to_post_an_unbalanced_or_locked_journal(books) -> None:  # type: ignore[no-untyped-def]
    session, ledger, _ = books
    unbalanced = _raw_draft(session, ledger, date(2025, 9, 1), ["100.00", "-99.99"])
    post = update(JournalRow).values(status="posted")
    assert refused_by_database(session, post.where(JournalRow.id == unbalanced)) == "unbalanced"
    lonely = _raw_draft(session, ledger, date(2025, 9, 1), ["100.00"])
    assert refused_by_database(session, post.where(JournalRow.id == lonely)) == "too_few_lines"
    session.execute(update(Organisation).values(lock_date=date(2025, 9, 30)))
    locked = _raw_draft(session, ledger, date(2025, 9, 30), ["100.00", "-100.00"])
    assert refused_by_database(session, post.where(JournalRow.id == locked)) == "period_locked"
    fine = _raw_draft(session, ledger, date(2025, 10, 1), ["100.00", "-100.00"])
    session.execute(post.where(JournalRow.id == fine))
    assert ledger.trial_balance().total_debit == Decimal("1100.00")


def test_a_journal_cannot_be_inserted_already_posted(books) -> None:  # type: ignore[no-untyped-def]
    session, _, _ = books
    stmt = insert(JournalRow).values(date=date(2025, 9, 1), narration="raw", source_type="manual",
                                     status="posted", created_by="sql", created_at=TickingClock().now())
    assert refused_by_database(session, stmt) == "too_few_lines"


def test_sqlite_refuses_a_binary_float_amount_written_by_raw_sql(books) -> None:  # type: ignore[no-untyped-def]
    session, ledger, _ = books
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL stores NUMERIC exactly whatever the client sends")
    jid = _raw_draft(session, ledger, date(2025, 9, 1), ["1.00", "-1.00"])
    assert refused_by_database(session, text("INSERT INTO journal_lines (journal_id, line_no, account_id,"
                                             " amount, description) VALUES (:j, 9, 1, 12.34, '')"),
                               {"j": jid}) == "inexact_amount"


def test_postgres_refuses_truncate(books) -> None:  # type: ignore[no-untyped-def]
    session, _, _ = books
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE is covered above")
    assert refused_by_database(session, text("TRUNCATE journal_lines CASCADE")) == "append_only"


def test_bad_input_through_the_code_is_typed_and_writes_nothing(books) -> None:  # type: ignore[no-untyped-def]
    session, ledger, _ = books
    before = posted_counts(session)
    cases = {
        "float_amount": Journal(date(2025, 9, 1), "f", (JournalLine("1100", 10.0),  # type: ignore[arg-type]
                                                        JournalLine("3100", Decimal("-10.00")))),
        "unknown_account": Journal(date(2025, 9, 1), "u", (dr("1999", Decimal("1.00")),
                                                           cr("3100", Decimal("1.00")))),
        "unbalanced": Journal(date(2025, 9, 1), "b", (dr("1100", Decimal("1.00")),
                                                      cr("3100", Decimal("2.00")))),
        "unknown_contact": Journal(date(2025, 9, 1), "c", (dr("1100", Decimal("1.00"), contact_id=999),
                                                           cr("3100", Decimal("1.00")))),
    }
    for code, journal in cases.items():
        with pytest.raises(LedgerError) as caught:
            ledger.post(journal)
        assert code in caught.value.codes
    assert posted_counts(session) == before


def test_idempotency_key_posts_once_and_refuses_different_content(books) -> None:  # type: ignore[no-untyped-def]
    _, ledger, _ = books
    journal = Journal(date(2025, 9, 1), "once", (dr("6100", Decimal("5.00")), cr("1100", Decimal("5.00"))),
                      idempotency_key="bill:42")
    first = ledger.post(journal)
    assert ledger.post(journal) == first
    rent = {r.code: r for r in ledger.trial_balance().rows}["6100"]
    assert rent.debit == Decimal("5.00")
    with pytest.raises(LedgerError) as caught:
        ledger.post(Journal(journal.date, "once", (dr("6100", Decimal("6.00")), cr("1100", Decimal("6.00"))),
                            idempotency_key="bill:42"))
    assert caught.value.codes == ("idempotency_conflict",)


def test_a_journal_is_reversed_at_most_once(books) -> None:  # type: ignore[no-untyped-def]
    _, ledger, jid = books
    reversal = ledger.reverse(jid, date(2025, 9, 1))
    assert ledger.journal(reversal).reverses_journal_id == jid
    with pytest.raises(LedgerError) as caught:
        ledger.reverse(jid, date(2025, 9, 2))
    assert caught.value.codes == ("already_reversed",)
    assert ledger.trial_balance().total_debit == Decimal("0.00")
