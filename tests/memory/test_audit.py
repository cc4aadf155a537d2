"""The audit log is append-only in the database and its hash chain exposes any tampering."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from memory import audit
from tests.conftest import TickingClock
from tests.memory.test_ledger_invariants import refused_by_database, rolled_back_session


@pytest.fixture
def log(engine: Engine) -> Iterator[Session]:
    """Five audit rows, in a transaction that is rolled back afterwards."""
    with rolled_back_session(engine) as session:
        clock = TickingClock()
        for n in range(1, 6):
            audit.append(session, clock, actor="alice", action="journal.posted", entity_type="journal",
                         entity_id=n, payload={"n": n, "amount": f"{n}00.00"})
        yield session


def without_append_only_guard(session: Session) -> None:
    """What an attacker with database access would do first."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("DROP TRIGGER audit_log_no_delete"))
    else:
        session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))


def test_an_untouched_chain_verifies(log: Session) -> None:
    report = audit.verify(log)
    assert report.intact and report.rows_checked == 5 and len(report.head_hash) == 64


def test_the_database_refuses_updates_and_deletes(log: Session) -> None:
    assert refused_by_database(log, text("UPDATE audit_log SET actor = 'mallory'")) == "append_only"
    assert refused_by_database(log, text("DELETE FROM audit_log WHERE seq = 5")) == "append_only"


def test_an_edited_row_is_named(log: Session) -> None:
    without_append_only_guard(log)
    log.execute(text("UPDATE audit_log SET payload = :p WHERE seq = 3"),
                {"p": '{"amount":"900.00","n":3}'})
    report = audit.verify(log)
    assert (report.first_bad_seq, report.rows_checked) == (3, 2)
    assert "edited" in (report.reason or "")


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(log: Session) -> None:
    without_append_only_guard(log)
    row = log.execute(text("SELECT * FROM audit_log WHERE seq = 3")).mappings().one()
    forged = audit.entry_hash(row["prev_hash"], 3, row["at"], "mallory", row["action"],
                              row["entity_type"], row["entity_id"], row["payload"])
    log.execute(text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 3"), {"h": forged})
    report = audit.verify(log)
    assert report.first_bad_seq == 4


def test_a_deleted_row_is_named(log: Session) -> None:
    without_append_only_guard(log)
    log.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    report = audit.verify(log)
    assert report.first_bad_seq == 3 and "missing" in (report.reason or "")


def test_reordered_rows_are_caught(log: Session) -> None:
    without_append_only_guard(log)
    log.execute(text("UPDATE audit_log SET seq = 100 WHERE seq = 2"))
    log.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 3"))
    log.execute(text("UPDATE audit_log SET seq = 3 WHERE seq = 100"))
    assert audit.verify(log).first_bad_seq == 2


def test_cut_off_newest_rows_are_caught_with_a_recorded_head(log: Session) -> None:
    recorded = audit.verify(log).head_hash
    without_append_only_guard(log)
    log.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    assert audit.verify(log).intact  # the chain alone cannot see a missing tail
    report = audit.verify(log, expected_head=recorded)
    assert not report.intact and "not on the chain" in (report.reason or "")


def test_an_earlier_recorded_head_still_verifies_as_the_log_grows(log: Session) -> None:
    recorded = audit.verify(log).head_hash
    audit.append(log, TickingClock(), actor="bob", action="x", entity_type="y", entity_id=1, payload={})
    assert audit.verify(log, expected_head=recorded).intact
