"""A demo company (books, suppliers, open POs and the AP mailbox recorded in the inbox) built once
per session and copied for each test, plus the run context the invoice graph needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from agent.context import RunContext
from core.settings import Settings, load_settings
from demo.homes import copy_home
from memory.db import create_db_engine, session_factory
from tests.conftest import TickingClock


@dataclass
class Books:
    home: Path
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    ctx: RunContext


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from demo.build import build_demo

    home = tmp_path_factory.mktemp("ap-demo") / "home"
    build_demo(load_settings(home=home, database_url=None), run_ap_agent=False, with_assistant=False,
               with_bank=False)
    return home


def books_at(home: Path, **overrides: object) -> Books:
    settings = load_settings(home=home, database_url=None, **overrides)
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    clock = TickingClock(datetime(2026, 7, 1, tzinfo=UTC))  # the demo's "today": just after June
    return Books(home, settings, engine, sessions, RunContext.build(settings, sessions, clock))


@pytest.fixture
def books(demo_template: Path, tmp_path: Path) -> Iterator[Books]:
    b = books_at(copy_home(demo_template, tmp_path / "home"))
    yield b
    b.engine.dispose()
