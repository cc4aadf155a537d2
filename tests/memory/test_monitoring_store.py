"""Heartbeats and alert incidents on both engines: one heartbeat row per worker, one open
incident per code however many processes try at once, each resolved once, all in the audit chain."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select

from memory import audit, monitoring_store
from memory.db import session_factory, unit_of_work
from memory.monitoring_schema import AlertRow, WorkerHeartbeat
from memory.schema import AuditEntry
from memory.tables import metadata
from tests.conftest import TickingClock

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_the_migration_creates_exactly_the_monitoring_model(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    assert [d for d in flat if "alerts" in repr(d) or "worker_heartbeats" in repr(d)] == []


def test_a_worker_has_one_heartbeat_row_updated_in_place(engine: Engine) -> None:
    sessions = session_factory(engine)
    for i, error in enumerate(("ValueError: bad PDF", None)):
        with unit_of_work(sessions) as session:
            monitoring_store.beat(session, T0 + timedelta(seconds=i), name="host:1:2", host="host",
                                  pid=1, started_at=T0, runs_processed=3 + i, error=error)
    with unit_of_work(sessions) as session:
        monitoring_store.beat(session, T0, name="other:9:9", host="other", pid=9, started_at=T0,
                              runs_processed=0)
        beats = monitoring_store.heartbeats(session)
        rows = session.scalars(select(WorkerHeartbeat)).all()
    assert len(rows) == 2
    first = beats[0]  # the most recent first
    assert (first.name, first.runs_processed, first.last_tick_at) == ("host:1:2", 4, T0 + timedelta(seconds=1))
    assert first.last_error == "ValueError: bad PDF" and first.last_error_at == T0  # kept
    with unit_of_work(sessions) as session:
        assert monitoring_store.prune_heartbeats(session, before=T0 + timedelta(seconds=1)) == 1
        assert [b.name for b in monitoring_store.heartbeats(session)] == ["host:1:2"]


def test_an_incident_is_opened_once_and_resolved_once(engine: Engine, clock: TickingClock) -> None:
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        first = monitoring_store.open_alert(session, clock, code="queue_aged", summary="old mail",
                                            details={"waiting": 3}, by="api:a")
        second = monitoring_store.open_alert(session, clock, code="queue_aged", summary="again",
                                             details={}, by="worker:b")
    assert first is not None and second is None
    with unit_of_work(sessions) as session:
        monitoring_store.record_notice(session, first.id, resolved=False, notice="emailed ops@x")
        done = monitoring_store.resolve_alert(session, clock, first.id, by="worker:b")
        again = monitoring_store.resolve_alert(session, clock, first.id, by="api:a")
    assert done is not None and done.status == "resolved" and done.resolved_by == "worker:b"
    assert again is None
    with unit_of_work(sessions) as session:  # cleared: the next incident of the code may open
        assert monitoring_store.open_alert(session, clock, code="queue_aged", summary="old again",
                                           details={}, by="api:a") is not None
        alerts = monitoring_store.recent_alerts(session)
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "alert").order_by(AuditEntry.seq)).all()
        intact = audit.verify(session).intact
    assert [(a.status, a.open_notice) for a in alerts] == [("open", None), ("resolved", "emailed ops@x")]
    assert actions == ["alert.opened", "alert.resolved", "alert.opened"] and intact


def test_processes_racing_to_open_the_same_incident_open_it_once(engine: Engine) -> None:
    sessions = session_factory(engine)
    barrier = threading.Barrier(4)
    won: list[int] = []
    errors: list[BaseException] = []

    def race(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            with unit_of_work(sessions) as session:
                alert = monitoring_store.open_alert(session, TickingClock(T0), code="worker_stopped",
                                                    summary="no worker", details={}, by=f"p{n}")
            if alert is not None:
                won.append(n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(won) == 1
    with unit_of_work(sessions) as session:
        assert len(session.scalars(select(AlertRow)).all()) == 1


def test_the_numbers_of_an_empty_database_are_zeros_on_both_engines(engine: Engine,
                                                                     clock: TickingClock) -> None:
    from memory.monitoring_queries import last_errors, numbers, outcomes_since

    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        monitoring_store.open_alert(session, clock, code="queue_aged", summary="s", details={},
                                    by="t")
        monitoring_store.beat(session, T0, name="w", host="h", pid=1, started_at=T0,
                              runs_processed=0)
    with unit_of_work(sessions) as session:
        n = numbers(session, overdue_before=T0)
        assert outcomes_since(session, T0) == {} and last_errors(session) == []
    assert set(n.messages_by_status.values()) == {0} and set(n.runs_by_state.values()) == {0}
    assert (n.waiting, n.oldest_waiting_at, n.runs_retrying, n.approvals_pending,
            n.approvals_overdue, n.oldest_pending_approval_at, n.bank_lines_open) == (
        0, None, 0, 0, 0, None, 0)
    assert [h.name for h in n.heartbeats] == ["w"] and n.open_alert_codes == ("queue_aged",)
