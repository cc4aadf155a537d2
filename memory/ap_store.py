"""AP runs: admission, the work claim (a lease) and each run's one outcome.

Admission inserts one `ap_runs` row per received inbox message (unique per message), so a message
is known to the AP agent before its graph writes a first checkpoint. Workers claim runnable rows
with a lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several workers share the work and
never take the same row; on SQLite every write transaction is IMMEDIATE, which serialises claims.
A run whose worker died is claimable again once its lease has passed (the recovery sweep).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from memory import audit
from memory.ap_schema import FINAL_RUN_STATES, ApRun
from memory.inbox_schema import InboxMessage
from core.clock import Clock

RUNNABLE = ("admitted", "running", "resuming")


@dataclass(frozen=True)
class RunRecord:
    id: int
    inbox_message_id: int
    thread_id: str
    state: str
    attempts: int
    bill_id: int | None
    approval_id: int | None
    reasons: tuple[dict[str, Any], ...]
    last_error: str | None

    @classmethod
    def of(cls, row: ApRun) -> RunRecord:
        return cls(row.id, row.inbox_message_id, row.thread_id, row.state, row.attempts, row.bill_id,
                   row.approval_id, tuple(json.loads(row.reasons or "[]")), row.last_error)


def thread_id_for(message_id: int) -> str:
    return f"ap-invoice-{message_id}"


def admit_received(session: Session, clock: Clock, *, limit: int = 100) -> list[int]:
    """Admit received messages that have no run yet; returns the new run ids."""
    query = (select(InboxMessage.id).where(InboxMessage.status == "received")
             .where(~select(ApRun.id).where(ApRun.inbox_message_id == InboxMessage.id).exists())
             .order_by(InboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":  # another worker admitting them: skip those
        query = query.with_for_update(of=InboxMessage, skip_locked=True)
    pending = session.scalars(query).all()
    now = clock.now()
    out = []
    for message_id in pending:
        row = ApRun(inbox_message_id=message_id, thread_id=thread_id_for(message_id), state="admitted",
                    attempts=0, reasons="[]", admitted_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # admitted by someone else meanwhile: theirs stands
            continue
        session.execute(InboxMessage.__table__.update().where(InboxMessage.id == message_id)
                        .values(status="processing"))
        audit.append(session, clock, actor="ap-agent", action="ap.admitted", entity_type="inbox_message",
                     entity_id=message_id, payload={"run": row.id})
        out.append(row.id)
    return out


class NotAdmissible(Exception):
    """The message cannot be admitted: it does not exist or was quarantined at intake."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def admit_requested(session: Session, clock: Clock, message_id: int, *, actor: str,
                    note: str = "") -> tuple[RunRecord, bool]:
    """Admit one received message at a person's request (the assistant's `propose_posting`): its
    run carries who asked and why, so the decide step always asks a person to approve it. Returns
    (the run, created): a message that already has a run keeps it and nothing is created, so
    asking twice, or the worker admitting it first, leaves one run."""
    message = session.get(InboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotAdmissible("unknown_message", f"There is no inbox message {message_id}.")
    existing = for_message(session, message_id)
    if existing is not None:
        return existing, False
    if message.status != "received":
        raise NotAdmissible("not_admissible", f"Inbox message {message_id} is {message.status}"
                            + (f": {message.quarantine_reason}" if message.quarantine_reason else "")
                            + "; it cannot be proposed as a bill.")
    now = clock.now()
    row = ApRun(inbox_message_id=message_id, thread_id=thread_id_for(message_id), state="admitted",
                attempts=0, reasons="[]", admitted_at=now, updated_at=now,
                requested_by=actor[:100], request_note=note.strip()[:1000] or None)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the worker admitted it meanwhile: its run stands
        raced = for_message(session, message_id)
        assert raced is not None
        return raced, False
    message.status = "processing"
    session.flush()
    audit.append(session, clock, actor=actor, action="ap.admitted", entity_type="inbox_message",
                 entity_id=message_id, payload={"run": row.id, "requested_by": row.requested_by,
                                                "note": row.request_note})
    return RunRecord.of(row), True


def requested_by(session: Session, run_id: int) -> tuple[str, str | None] | None:
    """Who asked for this run to go to a person's approval, and their note (None: nobody)."""
    row = session.execute(select(ApRun.requested_by, ApRun.request_note)
                          .where(ApRun.id == run_id)).first()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def claim(session: Session, clock: Clock, worker: str, *, lease: timedelta,
          run_id: int | None = None) -> RunRecord | None:
    """Take one runnable run (or the given one) whose lease is free or expired."""
    now = clock.now()
    query = (select(ApRun).where(ApRun.state.in_(RUNNABLE))
             .where(or_(ApRun.lease_until.is_(None), ApRun.lease_until < now)).order_by(ApRun.id).limit(1))
    if run_id is not None:
        query = query.where(ApRun.id == run_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalars(query).first()
    if row is None:
        return None
    row.claimed_by, row.lease_until = worker, now + lease
    row.attempts += 1
    row.state = "running" if row.state == "admitted" else row.state
    row.updated_at = now
    session.flush()
    return RunRecord.of(row)


def finish(session: Session, clock: Clock, run_id: int, state: str, *, bill_id: int | None = None,
           approval_id: int | None = None, reasons: list[dict[str, Any]] | None = None,
           error: str | None = None) -> RunRecord:
    """Record where a run got to and release its claim. A final state never changes again."""
    row = session.get(ApRun, run_id, with_for_update=True)
    if row is None:
        raise LookupError(f"There is no AP run {run_id}")
    if row.state in FINAL_RUN_STATES and row.state != state:
        raise RuntimeError(f"AP run {run_id} is already {row.state}; it cannot become {state}")
    row.state, row.claimed_by, row.lease_until = state, None, None
    row.bill_id = bill_id if bill_id is not None else row.bill_id
    row.approval_id = approval_id if approval_id is not None else row.approval_id
    if reasons is not None:
        row.reasons = json.dumps(reasons, sort_keys=True)
    row.last_error = error[:1000] if error else None
    row.updated_at = clock.now()
    session.flush()
    return RunRecord.of(row)


def for_message(session: Session, message_id: int) -> RunRecord | None:
    row = session.scalar(select(ApRun).where(ApRun.inbox_message_id == message_id))
    return RunRecord.of(row) if row else None


def get(session: Session, run_id: int) -> RunRecord | None:
    row = session.get(ApRun, run_id)
    return RunRecord.of(row) if row else None


def release(session: Session, clock: Clock, run_id: int, *, error: str | None = None,
            retry_after: timedelta | None = None) -> None:
    """Give a claimed run back; with `retry_after` nobody may claim it again before then."""
    row = session.get(ApRun, run_id, with_for_update=True)
    if row is None or row.state in FINAL_RUN_STATES:
        return
    now = clock.now()
    row.claimed_by = None
    row.lease_until = now + retry_after if retry_after else None
    row.last_error = error[:1000] if error else row.last_error
    row.updated_at = now
    session.flush()


def mark_resuming(session: Session, clock: Clock, run_id: int) -> None:
    """An approver decided: the run may continue (the worker, or the API at once, resumes it)."""
    row = session.get(ApRun, run_id, with_for_update=True)
    if row is None or row.state != "awaiting_approval":
        return
    row.state, row.lease_until, row.updated_at = "resuming", None, clock.now()
    session.flush()


def park(session: Session, clock: Clock, run_id: int, *, approval_id: int,
         reasons: list[dict[str, Any]]) -> str:
    """The graph is paused at its approval step: wait for the approver, or, if they already decided
    while the graph was getting there, make the run resumable at once. Returns the new state."""
    from memory.ap_schema import Approval

    decided = session.scalar(select(Approval.status).where(Approval.id == approval_id)) != "pending"
    state = "resuming" if decided else "awaiting_approval"
    finish(session, clock, run_id, state, approval_id=approval_id, reasons=reasons)
    return state
