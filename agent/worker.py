"""The AP worker: picks up every received message with no human involved.

Each tick: record new Maildir deliveries (the SMTP receiver writes there), admit received messages
(one run each, before any graph work), then claim and advance runs until none is runnable, and
escalate approvals pending too long, and record the worker's heartbeat (one upsert: the watchdog
tells from the heartbeats' ages whether any worker is live). Between ticks, every
`alert_check_seconds`, the long-running loop also runs the watchdog (services.monitoring). Each
run's log records carry its run_id and message_id (adapters.logs). Runs whose worker died are claimed again once their lease
passes (the recovery sweep is just the claim query). Several workers, in threads or processes or on
several machines against one PostgreSQL database, share the work through the claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from adapters.logs import log_context
from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from agent.runner import RunResult, process
from memory import ap_store, monitoring_store
from memory.db import unit_of_work

log = logging.getLogger(__name__)
IDLE_BEAT_SECONDS = 15.0


@dataclass
class TickReport:
    recorded: int = 0
    admitted: int = 0
    results: list[RunResult] = field(default_factory=list)
    escalated: int = 0


class Worker:
    def __init__(self, ctx: RunContext, *, name: str | None = None, scan_maildir: bool = True) -> None:
        self.ctx = ctx
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.scan_maildir = scan_maildir
        self.lease = timedelta(seconds=ctx.settings.worker_lease_seconds)
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.started_at: datetime | None = None
        self.runs_processed = 0
        self._beat_at, self._watched_at = float("-inf"), float("-inf")  # the last ones

    def _record_maildir(self) -> int:
        from adapters.inbox.maildir import import_maildir
        from memory.inbox_store import InboxStore
        from services.intake import MessageIntake
        from tools.inbox.parsing import MessageLimits

        maildir = self.ctx.settings.maildir_path
        if not self.scan_maildir or not (maildir / "new").is_dir() or not any((maildir / "new").iterdir()):
            return 0
        store = MessageIntake(InboxStore(self.ctx.sessions, self.ctx.clock, self.ctx.blobs, actor="worker"),
                              MessageLimits.from_settings(self.ctx.settings))
        return len(import_maildir(maildir, store))

    def tick(self, graph: Any, *, max_runs: int | None = None) -> TickReport:
        report = TickReport(recorded=self._record_maildir())
        with unit_of_work(self.ctx.sessions) as session:
            report.admitted = len(ap_store.admit_received(session, self.ctx.clock))
        keepalive = self.ctx.settings.alert_worker_stale_seconds / 4
        while max_runs is None or len(report.results) < max_runs:
            with unit_of_work(self.ctx.sessions) as session:
                run = ap_store.claim(session, self.ctx.clock, self.name, lease=self.lease)
            if run is None:
                break
            with log_context(run_id=run.id, message_id=run.inbox_message_id):
                result = process(run, graph, self.ctx)
                log.info("%s", describe(result), extra={"state": result.state})
            report.results.append(result)
            self.runs_processed += 1
            if time.monotonic() - self._beat_at > keepalive:  # a long tick must not look dead
                self.beat()
        report.escalated = escalate_overdue(self.ctx)
        if report.escalated:
            log.info("%d approval(s) escalated", report.escalated)
        errors = [r.error for r in report.results if r.error]
        # An idle worker beats every IDLE_BEAT_SECONDS at most, not every poll: on SQLite each
        # beat is a write, and the watchdog only needs one well inside its stale limit.
        idle_beat = min(IDLE_BEAT_SECONDS, keepalive)
        if report.results or errors or time.monotonic() - self._beat_at >= idle_beat:
            self.beat(error=errors[-1] if errors else None)
        return report

    def beat(self, *, error: str | None = None) -> None:
        """Record this worker's heartbeat (memory.monitoring_store)."""
        now = self.ctx.clock.now()
        self.started_at = self.started_at or now
        with unit_of_work(self.ctx.sessions) as session:
            monitoring_store.beat(session, now, name=self.name, host=self.host, pid=self.pid,
                                  started_at=self.started_at, runs_processed=self.runs_processed,
                                  error=error)
        self._beat_at = time.monotonic()

    def watch_if_due(self) -> Any:
        """The watchdog, at most every `alert_check_seconds` (None when not due)."""
        from services.monitoring import watch

        if time.monotonic() - self._watched_at < self.ctx.settings.alert_check_seconds:
            return None
        self._watched_at = time.monotonic()
        return watch(self.ctx.settings, self.ctx.sessions, self.ctx.clock, by=self.name)

    def run(self, stop: threading.Event, *, on_tick: Any = None) -> None:
        """Tick every `worker_poll_seconds` until `stop` is set."""
        with open_checkpointer(self.ctx.settings.resolved_database_url,
                               busy_timeout_ms=self.ctx.settings.sqlite_busy_timeout_ms) as saver:
            graph = build_invoice_graph().compile(checkpointer=saver)
            while not stop.is_set():
                try:
                    report = self.tick(graph)
                    if on_tick is not None:
                        on_tick(report)
                except Exception as exc:
                    log.exception("worker tick failed")
                    self._beat_quietly(f"tick failed: {type(exc).__name__}: {exc}")
                try:
                    self.watch_if_due()
                except Exception:
                    log.exception("watchdog failed")
                stop.wait(self.ctx.settings.worker_poll_seconds)


    def _beat_quietly(self, error: str) -> None:
        try:
            self.beat(error=error)
        except Exception:
            log.debug("heartbeat not recorded", exc_info=True)


def describe(r: RunResult) -> str:
    """One line per run result, for logs and the CLI."""
    parts = [f"run {r.run_id}: {r.state}"]
    if r.bill_id is not None:
        parts.append(f"bill {r.bill_id}")
    if r.approval_id is not None:
        parts.append(f"approval {r.approval_id}")
    if r.error:
        parts.append(f"error: {r.error[:200]}")
    return ", ".join(parts)


def escalate_overdue(ctx: RunContext) -> int:
    """Approvals pending longer than `approval_escalate_hours`: record the escalation and, when a
    relay is configured, email the approvers (adapters.inbox.notify)."""
    from adapters.inbox.notify import send_escalation
    from memory import approvals_store

    before = ctx.clock.now() - timedelta(hours=ctx.settings.approval_escalate_hours)
    with unit_of_work(ctx.sessions) as session:
        overdue = approvals_store.overdue(session, before=before)
    for approval in overdue:
        notified = send_escalation(ctx.settings, approval)
        with unit_of_work(ctx.sessions) as session:
            approvals_store.mark_escalated(session, ctx.clock, approval.id, notified=notified)
    return len(overdue)
