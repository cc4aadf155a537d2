"""The AP agent on PostgreSQL: checkpoints in the application database, and several workers sharing
one database through `FOR UPDATE SKIP LOCKED` claims, each run processed once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from core.settings import load_settings
from agent.worker import Worker
from memory import audit
from memory.ap_schema import ApRun
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry
from adapters.clock import SystemClock

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_home(postgres_server_url: str, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The demo company (mailbox recorded, not yet processed) in a schema of its own."""
    from demo.build import build_demo

    schema = f"ap_{uuid.uuid4().hex[:10]}"
    base = make_url(postgres_server_url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    home = tmp_path / "home"
    build_demo(load_settings(home=home, database_url=url), run_ap_agent=False,
               with_assistant=False, with_bank=False)
    yield home, url


def test_two_workers_share_the_mailbox_and_process_each_message_once(pg_home: tuple[Path, str]) -> None:
    home, url = pg_home
    settings = load_settings(home=home, database_url=url)
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            ctx = RunContext.build(settings, sessions, SystemClock())
            with open_checkpointer(url) as saver:
                graph = build_invoice_graph().compile(checkpointer=saver)
                report = Worker(ctx, name=name, scan_maildir=False).tick(graph)
            outcomes.extend(r.state for r in report.results)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"worker-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with unit_of_work(sessions) as session:
        runs = session.scalars(select(ApRun)).all()
        finished = Counter(e.entity_id for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("ap.posted", "ap.rejected", "ap.quarantined")))))
        tb = LedgerStore(session, SystemClock(), "test").trial_balance()
        intact = audit.verify(session).intact
    engine.dispose()
    assert len(runs) == 15 and len(outcomes) == 15  # every run claimed exactly once between them
    assert Counter(r.state for r in runs) == Counter(outcomes)
    assert all(n == 1 for n in finished.values())
    assert {r.state for r in runs} == {"posted", "awaiting_approval"}
    assert tb.total_debit == tb.total_credit and intact
