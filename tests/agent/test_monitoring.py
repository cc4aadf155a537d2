"""The worker's heartbeat and the watchdog: a tick records the worker's heartbeat (one row,
updated); when the heartbeat goes stale the watchdog opens one incident, emails it once through
a real SMTP relay on loopback (our own receiver, delivering into a Maildir the test reads),
however many processes watch, and emails "resolved" once when a worker ticks again."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import select

import agent.worker
from adapters.inbox.smtp import smtp_controller
from agent.graphs.invoice import build_invoice_graph
from agent.serde import checkpoint_serde
from agent.worker import Worker
from memory import monitoring_store
from memory.ap_schema import ApRun
from memory.db import unit_of_work
from memory.monitoring_schema import WorkerHeartbeat
from memory.schema import AuditEntry
from services.monitoring import watch
from tests.agent.conftest import Books


def _graph():  # type: ignore[no-untyped-def]
    return build_invoice_graph().compile(checkpointer=InMemorySaver(serde=checkpoint_serde()))


def _mails(box: Path) -> list[EmailMessage]:
    new = box / "new"
    paths = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime_ns) if new.is_dir() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in paths]


def test_a_tick_records_the_workers_heartbeat(books: Books,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    worker = Worker(books.ctx, name="w-1", scan_maildir=False)
    graph = _graph()
    report = worker.tick(graph)
    assert len(report.results) >= 10
    with unit_of_work(books.sessions) as session:
        [row] = session.scalars(select(WorkerHeartbeat)).all()
        first_tick = row.last_tick_at
    assert (row.name, row.host, row.pid) == ("w-1", socket.gethostname(), worker.pid)
    assert row.runs_processed == len(report.results)
    worker.tick(graph)  # idle at once: no write (an idle worker beats every IDLE_BEAT_SECONDS)
    with unit_of_work(books.sessions) as session:
        assert session.scalars(select(WorkerHeartbeat)).one().last_tick_at == first_tick
    monkeypatch.setattr(agent.worker, "IDLE_BEAT_SECONDS", 0.0)
    worker.tick(graph)  # idle, but due: the same row, a later tick, the same count
    with unit_of_work(books.sessions) as session:
        [again] = session.scalars(select(WorkerHeartbeat)).all()
        runs = session.scalars(select(ApRun)).all()
    assert again.last_tick_at > first_tick and again.started_at == row.started_at
    assert again.runs_processed == len(report.results) == len(runs)


def test_a_stopped_worker_is_emailed_once_and_its_return_once(books: Books, tmp_path: Path) -> None:
    settings, clock = books.settings, books.ctx.clock
    settings.approval_escalate_hours = 10_000  # only the worker's condition in this test
    settings.alert_worker_stale_seconds = 300
    worker = Worker(books.ctx, name="w-1", scan_maildir=False)
    worker.tick(_graph())
    box = tmp_path / "relay"
    relay = smtp_controller(settings, maildir=box, host="127.0.0.1", port=0)
    relay.start()
    try:
        settings.notify_smtp_host, settings.notify_smtp_port = "127.0.0.1", relay.port
        settings.notify_to = "ops@harbourandvine.com.au"
        assert watch(settings, books.sessions, clock, by="api:a").conditions == []
        clock.current += timedelta(seconds=301)  # type: ignore[attr-defined]
        opened = watch(settings, books.sessions, clock, by="api:a")
        # the other process (a worker's watchdog) sees the same condition: it sends nothing
        other = watch(settings, books.sessions, clock, by="worker:b")
        later = watch(settings, books.sessions, clock, by="api:a")
        assert [a.code for a in opened.opened] == ["worker_stopped"]
        assert [c.code for c in other.conditions] == ["worker_stopped"]
        assert other.opened == later.opened == [] and other.resolved == later.resolved == []
        assert len(_mails(box)) == 1
        worker.beat()  # a worker ticks again
        resolved = watch(settings, books.sessions, clock, by="worker:b")
        assert [a.code for a in resolved.resolved] == ["worker_stopped"]
        assert watch(settings, books.sessions, clock, by="api:a").resolved == []
        clock.current += timedelta(seconds=400)  # type: ignore[attr-defined]
        assert [a.code for a in watch(settings, books.sessions, clock, by="api:a").opened] == [
            "worker_stopped"]  # a new incident
    finally:
        relay.stop()
    mails = _mails(box)
    assert [m["Subject"].split(":")[0] for m in mails] == [
        "[Backoffice] Alert", "[Backoffice] Resolved", "[Backoffice] Alert"]
    assert all(m["To"] == "ops@harbourandvine.com.au" for m in mails)
    assert "worker_stopped" in mails[0]["Subject"] and "backoffice status" in mails[0].get_body().get_content()
    assert "has cleared" in mails[1].get_body().get_content()
    with unit_of_work(books.sessions) as session:
        alerts = monitoring_store.recent_alerts(session)
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "alert")
                                  .order_by(AuditEntry.seq)).all()
    assert [(a.status, a.opened_by) for a in alerts] == [("open", "api:a"), ("resolved", "api:a")]
    assert alerts[1].resolved_by == "worker:b"
    assert alerts[1].open_notice == alerts[1].resolve_notice == "emailed ops@harbourandvine.com.au"
    assert [e.action for e in entries] == ["alert.opened", "alert.resolved", "alert.opened"]
    assert '"code":"worker_stopped"' in entries[0].payload


def test_without_a_relay_the_alert_is_still_recorded(books: Books) -> None:
    settings, clock = books.settings, books.ctx.clock
    Worker(books.ctx, name="w-1", scan_maildir=False).tick(_graph())
    clock.current += timedelta(hours=settings.approval_escalate_hours + 1)  # type: ignore[attr-defined]
    report = watch(settings, books.sessions, clock, by="api:a")
    assert sorted(a.code for a in report.opened) == ["approval_overdue", "worker_stopped"]
    with unit_of_work(books.sessions) as session:
        alerts = monitoring_store.open_alerts(session)
    assert all(a.open_notice and a.open_notice.startswith("recorded (no BACKOFFICE_NOTIFY_SMTP_HOST")
               for a in alerts)
    overdue = next(a for a in alerts if a.code == "approval_overdue")
    assert overdue.details["overdue"] >= 5


def test_the_worker_loop_runs_the_watchdog(books: Books) -> None:
    import threading
    import time

    settings, clock = books.settings, books.ctx.clock
    settings.alert_check_seconds, settings.worker_poll_seconds = 0.1, 0.05
    worker = Worker(books.ctx, name="looping", scan_maildir=False)
    stop = threading.Event()
    jumped = threading.Event()

    def two_days_later(report: object) -> None:  # after the first tick: approvals now overdue
        if not jumped.is_set():
            clock.current += timedelta(hours=settings.approval_escalate_hours + 1)  # type: ignore[attr-defined]
            jumped.set()

    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"on_tick": two_days_later})
    thread.start()
    try:
        deadline = time.monotonic() + 120
        overdue = None
        while overdue is None and time.monotonic() < deadline:
            with unit_of_work(books.sessions) as session:
                overdue = next((a for a in monitoring_store.open_alerts(session)
                                if a.code == "approval_overdue"), None)
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert overdue is not None and overdue.opened_by == "looping"
