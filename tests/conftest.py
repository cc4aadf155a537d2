"""Database fixtures for both supported engines.

PostgreSQL comes from BACKOFFICE_TEST_POSTGRES_URL (default: the local server CI provides). Each test
session gets its own throwaway database. Where PostgreSQL is unreachable the PostgreSQL tests skip,
except under CI=true, where they fail: CI must prove both engines.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from memory.db import create_db_engine
from memory.migrate import upgrade

POSTGRES_URL = os.environ.get("BACKOFFICE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


class TickingClock:
    """Test double for core.clock.Clock: starts at a fixed instant, one second per reading."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


def _admin_dsn() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped at the end of the session."""
    name = f"backoffice_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(_admin_dsn(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {POSTGRES_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_postgres(server_url: str) -> Iterator[Engine]:
    """A migrated schema of its own inside the session's PostgreSQL database."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    base = make_url(server_url)
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_db_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """A freshly migrated database, once on SQLite (a file, WAL) and once on PostgreSQL."""
    if request.param == "sqlite":
        eng = create_db_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
    else:
        yield from _fresh_postgres(request.getfixturevalue("postgres_server_url"))
