"""The schema check: an unmigrated database is refused with the command that fixes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from memory.db import create_db_engine
from memory.migrate import (
    DatabaseNotMigrated, current_revision, head_revision, require_migrated, upgrade,
)


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'books' / 'fresh.db'}")
    yield engine
    engine.dispose()


def test_an_empty_database_is_refused_with_the_fix(empty_sqlite: Engine) -> None:
    assert current_revision(empty_sqlite) is None
    with pytest.raises(DatabaseNotMigrated) as info:
        require_migrated(empty_sqlite)
    message = str(info.value)
    assert "Run `backoffice db upgrade`" in message
    assert "has no Backoffice tables" in message
    assert "fresh.db" in message


def test_after_upgrade_the_database_is_at_head_and_accepted(empty_sqlite: Engine) -> None:
    upgrade(empty_sqlite)
    assert current_revision(empty_sqlite) == head_revision()
    require_migrated(empty_sqlite)
    tables = set(inspect(empty_sqlite).get_table_names())
    assert {"organisation", "accounts", "journals", "journal_lines", "contacts",
            "contact_bank_details", "invoices", "payments", "audit_log"} <= tables


def test_upgrading_twice_is_harmless(empty_sqlite: Engine) -> None:
    upgrade(empty_sqlite)
    upgrade(empty_sqlite)
    assert current_revision(empty_sqlite) == head_revision()
    require_migrated(empty_sqlite)


def test_a_database_behind_head_is_refused_naming_both_revisions(empty_sqlite: Engine) -> None:
    upgrade(empty_sqlite, "0001")
    assert current_revision(empty_sqlite) == "0001" != head_revision()
    with pytest.raises(DatabaseNotMigrated) as info:
        require_migrated(empty_sqlite)
    assert f"is at schema 0001, not {head_revision()}" in str(info.value)
    assert "backoffice db upgrade" in str(info.value)
    upgrade(empty_sqlite)
    require_migrated(empty_sqlite)


@pytest.mark.postgres
def test_an_unmigrated_postgresql_schema_is_refused_without_showing_the_password(
        postgres_server_url: str) -> None:
    schema = f"empty_{uuid.uuid4().hex[:8]}"
    base = make_url(postgres_server_url)
    with psycopg.connect(base.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = base.set(password="s3cret-pw").update_query_dict({"options": f"-csearch_path={schema}"})
    engine = create_db_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(DatabaseNotMigrated) as info:
            require_migrated(engine)
        assert "backoffice db upgrade" in str(info.value)
        assert "s3cret-pw" not in str(info.value)
        upgrade(engine)
        require_migrated(engine)
    finally:
        engine.dispose()
