"""Engines and sessions. SQLite: WAL, a busy timeout, foreign keys, and write-locking transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from tools.ledger.problems import LedgerError, Problem

# Database rules raise messages shaped "ledger:<code>:<message>" so they become typed errors here.
DB_RULE_PREFIX = "ledger:"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for a plain postgresql:// URL (SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, *, busy_timeout_ms: int = 10_000, echo: bool = False) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, echo=echo)

    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (savepoints work).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
        # Take the write lock up front: a deferred transaction that later writes can fail with
        # SQLITE_BUSY mid-way instead of waiting its turn, and the audit chain needs one writer.
        # Reads (`read_only`) take no lock: a WAL snapshot, so they never queue behind writers.
        read = connection.get_execution_options().get("read_only")
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def read_only(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One read-only transaction: on SQLite a deferred one (a consistent WAL snapshot that takes no
    write lock). Nothing may be written in it."""
    with factory() as session, session.begin():
        session.connection(execution_options={"read_only": True})
        yield session


def rule_violation(exc: BaseException) -> LedgerError | None:
    """The typed error behind a database rule's refusal, or None when it is some other failure."""
    if isinstance(exc, StatementError) and isinstance(exc.orig, LedgerError):
        return exc.orig  # refused while binding a value, e.g. a float given for an amount
    if not isinstance(exc, DBAPIError):
        return None
    text = str(exc.orig) if exc.orig is not None else str(exc)
    start = text.find(DB_RULE_PREFIX)
    if start < 0:
        return None
    body = text[start + len(DB_RULE_PREFIX):].splitlines()[0]
    code, _, message = body.partition(":")
    return LedgerError((Problem(code.strip(), message.strip() or code.strip()),))
