"""Self-monitoring for the entry points: what the numbers are now (`observe`, for /metrics and
`backoffice status`), and the watchdog (`watch`), which the worker and the API each run every
`alert_check_seconds`.

The watchdog evaluates tools.monitoring.alerts' rules over the numbers and changes only what
changed: an incident is opened (audit entry, then an email through the notify relay) when a
condition starts, and resolved (audit entry, "resolved" email) when it clears. The database keeps
the state, and refuses a second open incident of a code, so several processes running the
watchdog tell a person once. The email is sent after the incident is committed, so a slow relay
never holds a transaction open (SQLite has one writer); what was done is recorded on the incident.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from adapters.inbox.notify import send_alert
from core.clock import Clock
from memory import monitoring_queries, monitoring_store
from memory.db import read_only, unit_of_work
from memory.monitoring_queries import Numbers
from memory.monitoring_store import Alert
from tools.monitoring.alerts import Condition, Snapshot, Thresholds, evaluate, live_workers, plan

log = logging.getLogger("backoffice.watchdog")
HEARTBEATS_KEPT = timedelta(days=7)
OUTCOMES_WINDOW = timedelta(hours=24)


def thresholds(settings: Any) -> Thresholds:
    return Thresholds(worker_stale_seconds=float(settings.alert_worker_stale_seconds),
                      queue_age_seconds=float(settings.alert_queue_age_seconds),
                      approval_overdue_seconds=float(settings.approval_escalate_hours) * 3600)


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


@dataclass(frozen=True)
class Observed:
    at: datetime
    numbers: Numbers
    thresholds: Thresholds

    def heartbeat_ages(self) -> tuple[float, ...]:
        return tuple(_age(self.at, h.last_tick_at) or 0.0 for h in self.numbers.heartbeats)

    @property
    def workers_live(self) -> int:
        return live_workers(self.heartbeat_ages(), self.thresholds.worker_stale_seconds)

    @property
    def oldest_waiting_age(self) -> float | None:
        return _age(self.at, self.numbers.oldest_waiting_at)

    @property
    def oldest_pending_approval_age(self) -> float | None:
        return _age(self.at, self.numbers.oldest_pending_approval_at)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.heartbeat_ages(), self.numbers.waiting, self.oldest_waiting_age,
                        self.numbers.approvals_overdue, self.oldest_pending_approval_age)

    def conditions(self) -> list[Condition]:
        return evaluate(self.snapshot(), self.thresholds)


def observe(session: Session, now: datetime, settings: Any) -> Observed:
    limits = thresholds(settings)
    overdue_before = now - timedelta(seconds=limits.approval_overdue_seconds)
    return Observed(now, monitoring_queries.numbers(session, overdue_before=overdue_before),
                    limits)


# -- the watchdog --------------------------------------------------------------------------------

@dataclass
class WatchReport:
    conditions: list[Condition] = field(default_factory=list)
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)


def watch(settings: Any, sessions: sessionmaker[Session], clock: Clock, *, by: str) -> WatchReport:
    """One pass of the watchdog (see the module docstring); `by` names the process."""
    with read_only(sessions) as session:
        observed = observe(session, clock.now(), settings)
        open_now = monitoring_store.open_alerts(session)
    report = WatchReport(observed.conditions())
    changes = plan({a.code for a in open_now}, report.conditions)
    for condition in changes.to_open:
        with unit_of_work(sessions) as session:
            alert = monitoring_store.open_alert(session, clock, code=condition.code,
                                                summary=condition.summary,
                                                details=condition.details, by=by)
        if alert is None:  # another process opened it first: it tells the person
            continue
        notice = _notify(settings, sessions, alert, resolved=False)
        log.warning("alert %s opened: %s (%s)", alert.code, alert.summary, notice,
                    extra={"alert": alert.code, "alert_id": alert.id})
        report.opened.append(alert)
    for alert in (a for a in open_now if a.code in changes.to_resolve):
        with unit_of_work(sessions) as session:
            done = monitoring_store.resolve_alert(session, clock, alert.id, by=by)
        if done is not None:
            notice = _notify(settings, sessions, done, resolved=True)
            log.info("alert %s resolved (%s)", done.code, notice,
                     extra={"alert": done.code, "alert_id": done.id})
            report.resolved.append(done)
    if observed.workers_live:  # only forget dead workers while a live one stands for them
        with unit_of_work(sessions) as session:
            monitoring_store.prune_heartbeats(session, before=observed.at - HEARTBEATS_KEPT)
    return report


def _notify(settings: Any, sessions: sessionmaker[Session], alert: Alert, *, resolved: bool) -> str:
    subject, body = alert_email(alert, resolved=resolved)
    notice = send_alert(settings, subject, body)
    with unit_of_work(sessions) as session:
        monitoring_store.record_notice(session, alert.id, resolved=resolved, notice=notice)
    return notice


def alert_email(alert: Alert, *, resolved: bool) -> tuple[str, str]:
    opened = f"{alert.opened_at:%d/%m/%Y %H:%M} UTC"
    if resolved and alert.resolved_at is not None:
        lasted = _duration(alert.resolved_at - alert.opened_at)
        return (f"[Backoffice] Resolved: {alert.code} (open {lasted})",
                (f"The alert {alert.code} opened at {opened} has cleared after {lasted}.\n\n"
                 f"It was: {alert.summary}\n\nCheck with: backoffice status\n"))
    details = "".join(f"  {k}: {v}\n" for k, v in sorted(alert.details.items()))
    return (f"[Backoffice] Alert: {alert.code}: {alert.summary}"[:200],
            (f"{alert.summary}\n\nSince {opened}.\n{details}\n"
             "Check with: backoffice status (you will get one more email when it clears)\n"))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


# -- a person's status ---------------------------------------------------------------------------

def status(session: Session, now: datetime, settings: Any) -> dict[str, Any]:
    """What `backoffice status --json` and GET /v1/status show. `attention` is true when a
    condition holds now (whether or not the watchdog has recorded it yet)."""
    observed = observe(session, now, settings)
    n, stale = observed.numbers, observed.thresholds.worker_stale_seconds
    recorded = {a.code: a for a in monitoring_store.open_alerts(session)}
    conditions = observed.conditions()
    workers = []
    for beat, age in zip(n.heartbeats, observed.heartbeat_ages(), strict=True):
        workers.append({"name": beat.name, "host": beat.host, "pid": beat.pid,
                        "live": age <= stale, "last_tick_at": beat.last_tick_at.isoformat(),
                        "last_tick_age_seconds": round(age), "started_at": beat.started_at.isoformat(),
                        "runs_processed": beat.runs_processed, "last_error": beat.last_error,
                        "last_error_at": beat.last_error_at.isoformat() if beat.last_error_at else None})
    alerts = []
    for c in conditions:
        incident = recorded.get(c.code)
        alerts.append({"code": c.code, "summary": c.summary,
                       "since": incident.opened_at.isoformat() if incident else None,
                       "notified": incident.open_notice if incident else None})
    return {
        "at": now.isoformat(),
        "attention": bool(conditions),
        "workers": {"live": observed.workers_live, "stale_after_seconds": stale, "list": workers},
        "queue": {"waiting": n.waiting, "received": n.messages_by_status.get("received", 0),
                  "oldest_age_seconds": _round(observed.oldest_waiting_age),
                  "limit_seconds": observed.thresholds.queue_age_seconds},
        "outcomes_24h": monitoring_queries.outcomes_since(session, now - OUTCOMES_WINDOW),
        "approvals": {"pending": n.approvals_pending, "overdue": n.approvals_overdue,
                      "oldest_age_seconds": _round(observed.oldest_pending_approval_age)},
        "quarantined": n.messages_by_status.get("quarantined", 0),
        "runs": {"failed": n.runs_by_state.get("failed", 0), "retrying": n.runs_retrying},
        "alerts": alerts,
        "last_errors": [{"run_id": e.run_id, "message_id": e.message_id, "state": e.state,
                         "error": e.error, "at": e.at.isoformat()}
                        for e in monitoring_queries.last_errors(session)],
    }


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)
