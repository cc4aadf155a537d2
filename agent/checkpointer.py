"""LangGraph checkpoints in the application database: SQLite by default, PostgreSQL when that is the
database. The savers create their own tables (idempotently) on first use.

Why the same database: a run's checkpoint and the books it changes then live and are backed up
together. Money paths run with durability "sync", so a checkpoint is on disk before the next step.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import make_url

from agent.serde import checkpoint_serde


_SETUP_LOCK = 0x6C67_7365_7475  # "lgsetu": the advisory lock around the savers' table setup


@contextmanager
def open_checkpointer(database_url: str, *, busy_timeout_ms: int = 10_000) -> Iterator[BaseCheckpointSaver]:
    """A checkpointer for `database_url` (a SQLAlchemy URL), closed on exit."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = url.database or ":memory:"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout_ms / 1000)
        try:
            if path != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            # A checkpoint lost to a power cut only means re-running idempotent steps, so the
            # checkpoints need not wait for the disk at every commit (WAL + NORMAL).
            conn.execute("PRAGMA synchronous=NORMAL")
            saver = SqliteSaver(conn, serde=checkpoint_serde())
            saver.setup()
            yield saver
        finally:
            conn.close()
        return
    if url.get_backend_name() == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with Connection.connect(conninfo, autocommit=True, prepare_threshold=0,
                                row_factory=dict_row) as conn:  # type: ignore[arg-type]
            saver = PostgresSaver(conn, serde=checkpoint_serde())  # type: ignore[arg-type]
            _setup_postgres(saver, conn)
            yield saver
        return
    raise ValueError(f"No LangGraph checkpointer for {url.get_backend_name()} databases")


def _setup_postgres(saver: BaseCheckpointSaver, conn: object) -> None:
    """Create the saver's tables once, whoever starts first. Its setup builds indexes
    CONCURRENTLY, which waits for every open transaction; a worker blocked inside pg_advisory_lock
    would be one, so the others poll pg_try_advisory_lock instead of waiting on it."""
    from langgraph.checkpoint.postgres import PostgresSaver

    def ready() -> bool:
        row = conn.execute("SELECT to_regclass('checkpoint_migrations') IS NOT NULL AS ok").fetchone()  # type: ignore[attr-defined]
        if not row["ok"]:
            return False
        done = conn.execute("SELECT max(v) AS v FROM checkpoint_migrations").fetchone()  # type: ignore[attr-defined]
        return done["v"] is not None and done["v"] >= len(PostgresSaver.MIGRATIONS) - 1

    if ready():
        return
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_SETUP_LOCK,)).fetchone()["ok"]:  # type: ignore[attr-defined]
        time.sleep(0.05)
    try:
        if not ready():
            saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))  # type: ignore[attr-defined]
