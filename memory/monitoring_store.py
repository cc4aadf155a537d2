"""Worker heartbeats and alert incidents (memory.monitoring_schema).

A heartbeat is one upsert per tick. Opening an alert is refused by the database when one with
that code is already open (`open_code` is unique), and resolving it is a conditional update, so
when two processes run the watchdog at once exactly one opens (or resolves) an incident, and
only that one emails about it. Both are written to the audit chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.clock import Clock
from memory import audit
from memory.monitoring_schema import AlertRow, WorkerHeartbeat


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every instant we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Heartbeat:
    name: str
    host: str
    pid: int
    started_at: datetime
    last_tick_at: datetime
    runs_processed: int
    last_error: str | None
    last_error_at: datetime | None

    @classmethod
    def of(cls, row: WorkerHeartbeat) -> Heartbeat:
        return cls(row.name, row.host, row.pid, utc(row.started_at), utc(row.last_tick_at),
                   row.runs_processed, row.last_error,
                   utc(row.last_error_at) if row.last_error_at else None)


@dataclass(frozen=True)
class Alert:
    id: int
    code: str
    status: str
    summary: str
    details: dict[str, Any]
    opened_at: datetime
    opened_by: str
    open_notice: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolve_notice: str | None

    @classmethod
    def of(cls, row: AlertRow) -> Alert:
        return cls(row.id, row.code, row.status, row.summary, json.loads(row.details or "{}"),
                   utc(row.opened_at), row.opened_by, row.open_notice,
                   utc(row.resolved_at) if row.resolved_at else None, row.resolved_by,
                   row.resolve_notice)


# -- heartbeats ----------------------------------------------------------------------------------

def beat(session: Session, now: datetime, *, name: str, host: str, pid: int, started_at: datetime,
         runs_processed: int, error: str | None = None) -> None:
    """Record that worker `name` ticked at `now` (one row per worker, updated in place)."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        row = WorkerHeartbeat(name=name[:200], host=host[:255], pid=pid, started_at=started_at,
                              runs_processed=0)
        session.add(row)
    row.last_tick_at, row.runs_processed = now, runs_processed
    if error:
        row.last_error, row.last_error_at = error[:1000], now
    session.flush()


def heartbeats(session: Session) -> list[Heartbeat]:
    """Every worker recorded (dead ones are pruned after a while), the most recent first."""
    rows = session.scalars(select(WorkerHeartbeat)
                           .order_by(WorkerHeartbeat.last_tick_at.desc(), WorkerHeartbeat.name))
    return [Heartbeat.of(r) for r in rows]


def prune_heartbeats(session: Session, *, before: datetime) -> int:
    """Forget workers gone since before `before` (each restart is a new name)."""
    result = session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_tick_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# -- alerts --------------------------------------------------------------------------------------

def open_alerts(session: Session) -> list[Alert]:
    rows = session.scalars(select(AlertRow).where(AlertRow.status == "open").order_by(AlertRow.id))
    return [Alert.of(r) for r in rows]


def recent_alerts(session: Session, *, limit: int = 20) -> list[Alert]:
    rows = session.scalars(select(AlertRow).order_by(AlertRow.id.desc()).limit(limit))
    return [Alert.of(r) for r in rows]


def get_alert(session: Session, alert_id: int) -> Alert | None:
    row = session.get(AlertRow, alert_id)
    return Alert.of(row) if row else None


def open_alert(session: Session, clock: Clock, *, code: str, summary: str,
               details: dict[str, Any], by: str) -> Alert | None:
    """Open an incident of `code`; None when one is already open (someone else's stands)."""
    row = AlertRow(code=code, open_code=code, status="open", summary=summary[:500],
                   details=json.dumps(details, sort_keys=True, default=str),
                   opened_at=clock.now(), opened_by=by[:200])
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    audit.append(session, clock, actor=f"watchdog:{by}"[:100], action="alert.opened",
                 entity_type="alert", entity_id=row.id,
                 payload={"code": code, "summary": row.summary, "details": details})
    return Alert.of(row)


def resolve_alert(session: Session, clock: Clock, alert_id: int, *, by: str) -> Alert | None:
    """Resolve an open incident; None when it was no longer open (someone else resolved it)."""
    now = clock.now()
    result = session.execute(update(AlertRow).where(AlertRow.id == alert_id)
                             .where(AlertRow.status == "open")
                             .values(status="resolved", open_code=None, resolved_at=now,
                                     resolved_by=by[:200]))
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    row = session.get(AlertRow, alert_id, populate_existing=True)
    assert row is not None
    audit.append(session, clock, actor=f"watchdog:{by}"[:100], action="alert.resolved",
                 entity_type="alert", entity_id=alert_id,
                 payload={"code": row.code, "opened_at": utc(row.opened_at).isoformat()})
    return Alert.of(row)


def record_notice(session: Session, alert_id: int, *, resolved: bool, notice: str) -> None:
    """What was done to tell a person (emailed, or why not)."""
    column = "resolve_notice" if resolved else "open_notice"
    session.execute(update(AlertRow).where(AlertRow.id == alert_id)
                    .values({column: notice[:300]}))
