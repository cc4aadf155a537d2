"""`backoffice status`: is the back office being worked, for a person (or a script: `--json`).

Workers (live or stale, last tick), the queue (waiting, the oldest's age), the last 24 hours'
outcomes, approvals pending and overdue, the alerts that hold now (with when the watchdog opened
them and whether it emailed), the last errors. Exit 1 when an alert holds, 0 otherwise (3: the
database is not migrated), so it can be a cron job or a health check of its own.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click

from api.cli_support import handles_errors
from memory.db import read_only
from services import monitoring
from services.runtime import Runtime
from tools.monitoring.alerts import duration


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON (as GET /v1/status).")
@click.pass_context
@handles_errors
def status(ctx: click.Context, as_json: bool) -> None:
    """Workers, the queue, the last 24 h, approvals, alerts and the last errors; exit 1 when
    something needs attention."""
    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    with read_only(runtime.sessions) as session:
        data = monitoring.status(session, runtime.clock.now(), runtime.settings)
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(as_text(data))
    if data["attention"]:
        sys.exit(1)


def _ago(seconds: int | None) -> str:
    return "none" if seconds is None else duration(seconds)


def _when(iso: str | None) -> str:
    return "" if iso is None else f"{datetime.fromisoformat(iso).astimezone(UTC):%d/%m/%Y %H:%M} UTC"


def as_text(data: dict[str, Any]) -> str:
    w, q, a = data["workers"], data["queue"], data["approvals"]
    verdict = "NEEDS ATTENTION" if data["attention"] else "all well"
    lines = [f"Backoffice at {_when(data['at'])}: {verdict}",
             (f"Workers: {w['live']} live of {len(w['list'])} recorded "
              f"(stale after {duration(w['stale_after_seconds'])} without a tick)")]
    for worker in w["list"]:
        error = f"; last error: {worker['last_error'][:100]}" if worker["last_error"] else ""
        lines.append(f"  {'live ' if worker['live'] else 'STALE'} {worker['name']}: last tick "
                     f"{_ago(worker['last_tick_age_seconds'])} ago, {worker['runs_processed']} "
                     f"run(s) since {_when(worker['started_at'])}{error}")
    lines.append(f"Queue: {q['waiting']} waiting, the oldest for {_ago(q['oldest_age_seconds'])}"
                 f" (alert after {duration(q['limit_seconds'])})")
    outcomes = ", ".join(f"{n} {state}" for state, n in sorted(data["outcomes_24h"].items()))
    lines.append(f"Last 24 h: {outcomes or 'no runs'}")
    lines.append(f"Approvals: {a['pending']} pending, {a['overdue']} overdue"
                 + (f", the oldest for {_ago(a['oldest_age_seconds'])}" if a["pending"] else ""))
    lines.append(f"Quarantined: {data['quarantined']} message(s); runs failed "
                 f"{data['runs']['failed']}, retrying {data['runs']['retrying']}")
    if data["alerts"]:
        lines.append("Alerts:")
        for alert in data["alerts"]:
            since = (f" (open since {_when(alert['since'])}: {alert['notified'] or 'not told yet'})"
                     if alert["since"] else " (not recorded by the watchdog yet)")
            lines.append(f"  ! {alert['code']}: {alert['summary']}{since}")
    else:
        lines.append("Alerts: none")
    if data["last_errors"]:
        lines.append("Last errors:")
        for e in data["last_errors"]:
            lines.append(f"  run {e['run_id']} (message {e['message_id']}, {e['state']}) "
                         f"{_when(e['at'])}: {e['error'][:160]}")
    return "\n".join(lines)
