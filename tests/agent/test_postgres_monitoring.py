"""Self-monitoring on PostgreSQL: two workers sharing the demo mailbox each record a heartbeat,
and the status and metrics numbers are the database's."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.clock import SystemClock
from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from agent.worker import Worker
from core.settings import load_settings
from memory.ap_schema import Approval, ApRun
from memory.db import create_db_engine, read_only, session_factory, unit_of_work
from services import monitoring
from tests.agent.test_postgres_workers import pg_home  # noqa: F401 — the fixture

pytestmark = pytest.mark.postgres


def test_heartbeats_and_status_on_postgresql(pg_home: tuple[Path, str]) -> None:  # noqa: F811
    home, url = pg_home
    settings = load_settings(home=home, database_url=url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    clock = SystemClock()
    try:
        ctx = RunContext.build(settings, sessions, clock)
        with open_checkpointer(url) as saver:
            graph = build_invoice_graph().compile(checkpointer=saver)
            first = Worker(ctx, name="pg-1", scan_maildir=False).tick(graph, max_runs=5)
            second = Worker(ctx, name="pg-2", scan_maildir=False).tick(graph)
        with read_only(sessions) as session:
            status = monitoring.status(session, clock.now(), settings)
        with unit_of_work(sessions) as session:
            runs = dict(session.execute(select(ApRun.state, func.count()).group_by(ApRun.state)).all())
            pending = session.scalar(select(func.count()).select_from(Approval)
                                     .where(Approval.status == "pending"))
    finally:
        engine.dispose()
    assert len(first.results) == 5 and len(second.results) == 10
    workers = {w["name"]: w for w in status["workers"]["list"]}
    assert set(workers) == {"pg-1", "pg-2"} and status["workers"]["live"] == 2
    assert (workers["pg-1"]["runs_processed"], workers["pg-2"]["runs_processed"]) == (5, 10)
    assert status["outcomes_24h"] == runs
    assert status["approvals"]["pending"] == pending and status["approvals"]["overdue"] == 0
    assert status["queue"]["waiting"] == 0 and status["attention"] is False
