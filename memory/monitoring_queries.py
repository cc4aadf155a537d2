"""The numbers self-monitoring reads: a handful of aggregate queries, cheap enough for every
Prometheus scrape (each is one indexed GROUP BY or MIN over one table or a join on a key).

"Waiting" means waiting for the machine: a message received, or being processed whose run is not
paused for a person's approval (those are counted, and aged, as pending approvals instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from memory.ap_schema import RUN_STATES, Approval, ApRun
from memory.bank_schema import BankLineRow
from memory.inbox_schema import STATUSES, InboxMessage
from memory.monitoring_schema import AlertRow
from memory.monitoring_store import Heartbeat, heartbeats, utc

RUNNABLE = ("admitted", "running", "resuming")


@dataclass(frozen=True)
class Numbers:
    messages_by_status: dict[str, int]
    waiting: int
    oldest_waiting_at: datetime | None
    runs_by_state: dict[str, int]
    runs_retrying: int                   # runnable again after a failed attempt
    approvals_pending: int
    approvals_overdue: int
    oldest_pending_approval_at: datetime | None
    bank_lines_open: int
    heartbeats: tuple[Heartbeat, ...]
    open_alert_codes: tuple[str, ...]


def numbers(session: Session, *, overdue_before: datetime) -> Numbers:
    by_status = {s: 0 for s in STATUSES}
    for status, count in session.execute(select(InboxMessage.status, func.count())
                                         .group_by(InboxMessage.status)):
        by_status[status] = int(count)
    machine = or_(InboxMessage.status == "received",
                  and_(InboxMessage.status == "processing",
                       or_(ApRun.state.is_(None), ApRun.state != "awaiting_approval")))
    waiting, oldest = session.execute(
        select(func.count(InboxMessage.id), func.min(InboxMessage.received_at))
        .select_from(InboxMessage).outerjoin(ApRun, ApRun.inbox_message_id == InboxMessage.id)
        .where(InboxMessage.status.in_(("received", "processing"))).where(machine)).one()
    by_state = {s: 0 for s in RUN_STATES}
    for state, count in session.execute(select(ApRun.state, func.count()).group_by(ApRun.state)):
        by_state[state] = int(count)  # index-only: the history costs no row reads
    retrying = session.scalar(select(func.count(ApRun.id)).where(ApRun.state.in_(RUNNABLE))
                              .where(ApRun.last_error.is_not(None)))
    pending, overdue, oldest_pending = session.execute(
        select(func.count(Approval.id),
               func.sum(case((Approval.created_at < overdue_before, 1), else_=0)),
               func.min(Approval.created_at))
        .where(Approval.status == "pending")).one()
    bank_open = session.scalar(select(func.count(BankLineRow.id))
                               .where(BankLineRow.status == "open"))
    codes = session.scalars(select(AlertRow.code).where(AlertRow.status == "open")
                            .order_by(AlertRow.code)).all()
    return Numbers(by_status, int(waiting or 0), _when(oldest), by_state, int(retrying or 0),
                   int(pending or 0), int(overdue or 0), _when(oldest_pending), int(bank_open or 0),
                   tuple(heartbeats(session)), tuple(codes))


def _when(value: Any) -> datetime | None:
    return utc(value) if isinstance(value, datetime) else None


def outcomes_since(session: Session, since: datetime) -> dict[str, int]:
    """Runs by state among those that changed since `since` (for a person's status page)."""
    rows = session.execute(select(ApRun.state, func.count()).where(ApRun.updated_at >= since)
                           .group_by(ApRun.state))
    return {state: int(count) for state, count in rows}


@dataclass(frozen=True)
class RunError:
    run_id: int
    message_id: int
    state: str
    error: str
    at: datetime


def last_errors(session: Session, *, limit: int = 5) -> list[RunError]:
    """The runs that most recently recorded an error (a failed attempt or a quarantine)."""
    rows = session.execute(select(ApRun.id, ApRun.inbox_message_id, ApRun.state, ApRun.last_error,
                                  ApRun.updated_at).where(ApRun.last_error.is_not(None))
                           .order_by(ApRun.updated_at.desc(), ApRun.id.desc()).limit(limit))
    return [RunError(r[0], r[1], r[2], r[3], utc(r[4])) for r in rows]
