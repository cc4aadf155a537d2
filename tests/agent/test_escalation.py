"""Approvals pending past BACKOFFICE_APPROVAL_ESCALATE_HOURS are escalated once: recorded in the
audit log and, when a relay is configured, emailed through a real SMTP server (our own receiver,
on loopback, delivering into a Maildir the test reads)."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from agent.graphs.invoice import build_invoice_graph
from agent.serde import checkpoint_serde
from agent.worker import Worker, escalate_overdue
from langgraph.checkpoint.memory import InMemorySaver
from memory.ap_schema import Approval
from memory.db import unit_of_work
from memory.schema import AuditEntry
from tests.agent.conftest import Books
from adapters.inbox.smtp import smtp_controller


def _pending(books: Books) -> int:
    Worker(books.ctx, scan_maildir=False).tick(build_invoice_graph().compile(
        checkpointer=InMemorySaver(serde=checkpoint_serde())))
    with unit_of_work(books.sessions) as session:
        return len(session.scalars(select(Approval).where(Approval.status == "pending")).all())


def test_overdue_approvals_are_emailed_once_through_the_relay(books: Books, tmp_path: Path) -> None:
    pending = _pending(books)
    assert pending >= 5
    relay_box = tmp_path / "relay"
    relay = smtp_controller(books.settings, maildir=relay_box, host="127.0.0.1", port=0)
    relay.start()
    try:
        books.settings.notify_smtp_host = "127.0.0.1"
        books.settings.notify_smtp_port = relay.port
        books.settings.notify_to = "approvers@harbourandvine.com.au"
        assert escalate_overdue(books.ctx) == 0  # nothing is overdue yet
        books.ctx.clock.current += timedelta(hours=books.settings.approval_escalate_hours + 1)  # type: ignore[attr-defined]
        assert escalate_overdue(books.ctx) == pending
        assert escalate_overdue(books.ctx) == 0  # escalated once, not at every tick
    finally:
        relay.stop()
    mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in (relay_box / "new").iterdir()]
    assert len(mails) == pending
    assert all(m["To"] == "approvers@harbourandvine.com.au" for m in mails)
    assert all("backoffice approvals show" in m.get_body().get_content() for m in mails)
    with unit_of_work(books.sessions) as session:
        escalated = session.scalars(select(Approval).where(Approval.escalated_at.is_not(None))).all()
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "approval.escalated")).all()
    assert len(escalated) == len(entries) == pending
    assert all("emailed approvers@" in e.payload for e in entries)


def test_without_a_relay_the_escalation_is_still_recorded(books: Books) -> None:
    pending = _pending(books)
    books.ctx.clock.current += timedelta(hours=books.settings.approval_escalate_hours + 1)  # type: ignore[attr-defined]
    assert escalate_overdue(books.ctx) == pending
    with unit_of_work(books.sessions) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "approval.escalated")).all()
    assert len(entries) == pending and all("no BACKOFFICE_NOTIFY_SMTP_HOST" in e.payload for e in entries)
