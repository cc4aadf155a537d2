"""The AP worker: picks up every received message with no human involved.

Each tick: record new Maildir deliveries (the SMTP receiver writes there), admit received messages
(one run each, before any graph work), then claim and advance runs until none is runnable, and
escalate approvals pending too long. Runs whose worker died are claimed again once their lease
passes (the recovery sweep is just the claim query). Several workers, in threads or processes or on
several machines against one PostgreSQL database, share the work through the claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from agent.runner import RunResult, process
from memory import ap_store
from memory.db import unit_of_work

log = logging.getLogger(__name__)


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

    def _record_maildir(self) -> int:
        from memory.inbox_store import InboxStore
        from services.intake import MessageIntake
        from adapters.inbox.maildir import import_maildir
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
        while max_runs is None or len(report.results) < max_runs:
            with unit_of_work(self.ctx.sessions) as session:
                run = ap_store.claim(session, self.ctx.clock, self.name, lease=self.lease)
            if run is None:
                break
            report.results.append(process(run, graph, self.ctx))
        report.escalated = escalate_overdue(self.ctx)
        return report

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
                except Exception:  # noqa: BLE001 — the worker keeps running; the run is retried
                    log.exception("worker tick failed")
                stop.wait(self.ctx.settings.worker_poll_seconds)


def escalate_overdue(ctx: RunContext) -> int:
    """Approvals pending longer than `approval_escalate_hours`: record the escalation and, when a
    relay is configured, email the approvers (adapters.inbox.notify)."""
    from memory import approvals_store
    from adapters.inbox.notify import send_escalation

    before = ctx.clock.now() - timedelta(hours=ctx.settings.approval_escalate_hours)
    with unit_of_work(ctx.sessions) as session:
        overdue = approvals_store.overdue(session, before=before)
    for approval in overdue:
        notified = send_escalation(ctx.settings, approval)
        with unit_of_work(ctx.sessions) as session:
            approvals_store.mark_escalated(session, ctx.clock, approval.id, notified=notified)
    return len(overdue)
