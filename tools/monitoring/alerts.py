"""The watchdog's rules: a snapshot of the numbers in, the conditions that need a person out.

Pure: the snapshot is gathered by services.monitoring (from the database), the alerts are opened,
emailed and resolved there. Each condition has a stable `code`; an incident is one stretch of time
during which a code's condition holds, so a person is told once when it starts and once when it
clears (`plan`), however often the rules are evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WORKER_STOPPED = "worker_stopped"
QUEUE_AGED = "queue_aged"
APPROVAL_OVERDUE = "approval_overdue"
CODES = (WORKER_STOPPED, QUEUE_AGED, APPROVAL_OVERDUE)


@dataclass(frozen=True)
class Thresholds:
    worker_stale_seconds: float      # a worker with no tick for longer is not live
    queue_age_seconds: float         # the oldest message waiting for the machine may be this old
    approval_overdue_seconds: float  # an approval pending longer is overdue (approval_escalate_hours)


@dataclass(frozen=True)
class Snapshot:
    heartbeat_ages: tuple[float, ...]   # seconds since each recorded worker's last tick
    waiting: int                        # messages waiting for the machine (not for a person)
    oldest_waiting_age: float | None
    approvals_overdue: int
    oldest_pending_approval_age: float | None


@dataclass(frozen=True)
class Condition:
    code: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    to_open: tuple[Condition, ...]
    to_resolve: tuple[str, ...]


def live_workers(ages: tuple[float, ...], stale_seconds: float) -> int:
    return sum(1 for age in ages if age <= stale_seconds)


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def evaluate(snapshot: Snapshot, thresholds: Thresholds) -> list[Condition]:
    """The conditions that hold now, in CODES order."""
    out: list[Condition] = []
    live = live_workers(snapshot.heartbeat_ages, thresholds.worker_stale_seconds)
    # No worker has ever run here and nothing waits: a fresh install, not a stopped worker.
    if live == 0 and (snapshot.heartbeat_ages or snapshot.waiting):
        newest = min(snapshot.heartbeat_ages) if snapshot.heartbeat_ages else None
        summary = ("No AP worker has ever run" if newest is None
                   else f"No AP worker has ticked for {duration(newest)}")
        out.append(Condition(WORKER_STOPPED, f"{summary}; {snapshot.waiting} message(s) waiting.",
                             {"last_tick_age_seconds": None if newest is None else round(newest),
                              "waiting": snapshot.waiting,
                              "stale_after_seconds": thresholds.worker_stale_seconds}))
    age = snapshot.oldest_waiting_age
    if age is not None and age > thresholds.queue_age_seconds:
        out.append(Condition(QUEUE_AGED, f"The oldest of {snapshot.waiting} message(s) waiting "
                             f"has waited {duration(age)} (limit {duration(thresholds.queue_age_seconds)}).",
                             {"oldest_age_seconds": round(age), "waiting": snapshot.waiting,
                              "limit_seconds": thresholds.queue_age_seconds}))
    pending_age = snapshot.oldest_pending_approval_age
    if snapshot.approvals_overdue > 0 or (
            pending_age is not None and pending_age > thresholds.approval_overdue_seconds):
        overdue = max(snapshot.approvals_overdue, 1)
        out.append(Condition(APPROVAL_OVERDUE, f"{overdue} approval(s) pending longer than "
                             f"{duration(thresholds.approval_overdue_seconds)}; the oldest for "
                             f"{duration(pending_age or 0)}.",
                             {"overdue": overdue,
                              "oldest_age_seconds": None if pending_age is None else round(pending_age),
                              "limit_seconds": thresholds.approval_overdue_seconds}))
    return out


def plan(open_codes: frozenset[str] | set[str], conditions: list[Condition]) -> Plan:
    """What changes: conditions without an open incident start one; open incidents whose
    condition no longer holds are resolved. A condition that still holds changes nothing."""
    holding = {c.code for c in conditions}
    return Plan(tuple(c for c in conditions if c.code not in open_codes),
                tuple(code for code in sorted(open_codes) if code not in holding))
