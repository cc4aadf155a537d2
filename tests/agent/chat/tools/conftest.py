"""The assistant tools' test company: the demo books built once per session, with its AP mailbox
run through the worker once (posted bills, pending approvals, quarantined mail), and copies of it
per test; plus the same books before the worker ran (for propose_posting)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from agent.context import RunContext
from core.settings import Settings, load_settings
from demo.homes import copy_home
from memory.db import create_db_engine, read_only, session_factory
from memory.schema import Journal
from tests.conftest import TickingClock
from adapters.ocr import TesseractOcr
from agent.chat.tools.contract import AssistantDeps, Caller, Role

TODAY = datetime(2026, 7, 1, tzinfo=UTC)  # the demo's "today": just after June


@dataclass
class Books:
    home: Path
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: TickingClock
    deps: AssistantDeps

    def caller(self, role: Role, employee_id: str | None = None) -> Caller:
        return Caller(actor=f"key:1:{role}", role=role, employee_id=employee_id)

    def journals(self) -> int:
        with read_only(self.sessions) as session:
            return int(session.scalar(select(func.count()).select_from(Journal)) or 0)

    def read(self, fn: Callable[[Session], Any]) -> Any:
        with read_only(self.sessions) as session:
            return fn(session)

    def tick(self) -> Any:
        """One pass of the AP worker over these books."""
        from agent.checkpointer import open_checkpointer
        from agent.graphs.invoice import build_invoice_graph
        from agent.worker import Worker

        ctx = RunContext.build(self.settings, self.sessions, self.clock)
        with open_checkpointer(self.settings.resolved_database_url) as saver:
            return Worker(ctx, name="test").tick(build_invoice_graph().compile(checkpointer=saver))


def books_at(home: Path) -> Books:
    settings = load_settings(home=home, database_url=None)
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    clock = TickingClock(TODAY)
    deps = AssistantDeps(settings, sessions, clock, ocr=TesseractOcr())
    return Books(home, settings, engine, sessions, clock, deps)


NO_INVOICE = (b"From: Someone <someone@example.com>\r\nTo: ap@demo.example\r\n"
              b"Subject: Lunch on Friday?\r\nMessage-ID: <lunch-1@example.com>\r\n"
              b"Date: Tue, 30 Jun 2026 09:00:00 +1000\r\n\r\nAre you free for lunch?\r\n")


def record_mail(books: Books, raw: bytes) -> int:
    """Record an email in the inbox (as the API would); returns its inbox id."""
    from memory.inbox_store import InboxStore
    from services.intake import MessageIntake
    from memory.blobs import BlobStore
    from tools.inbox.parsing import MessageLimits

    store = MessageIntake(InboxStore(books.sessions, books.clock, BlobStore(books.settings.blob_path),
                                     actor="test"), MessageLimits.from_settings(books.settings))
    return store.record(raw, channel="api").message.id


@pytest.fixture(scope="session")
def fresh_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo books with the mailbox recorded but not yet processed."""
    from demo.build import build_demo

    home = tmp_path_factory.mktemp("assistant-fresh") / "home"
    build_demo(load_settings(home=home, database_url=None), run_ap_agent=False)
    return home


@pytest.fixture(scope="session")
def processed_template(fresh_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same books after one pass of the AP worker."""
    home = copy_home(fresh_template, tmp_path_factory.mktemp("assistant-processed") / "home")
    books = books_at(home)
    try:
        record_mail(books, NO_INVOICE)  # an email without an invoice: quarantined by the agent
        books.tick()
    finally:
        books.engine.dispose()
    return home


@pytest.fixture(scope="module")
def shared(processed_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    """A copy per module, for tests that only read."""
    books = books_at(copy_home(processed_template, tmp_path_factory.mktemp("assistant") / "home"))
    yield books
    books.engine.dispose()


@pytest.fixture
def books(processed_template: Path, tmp_path: Path) -> Iterator[Books]:
    """A copy per test, for tests that change things."""
    b = books_at(copy_home(processed_template, tmp_path / "home"))
    yield b
    b.engine.dispose()


@pytest.fixture
def fresh_books(fresh_template: Path, tmp_path: Path) -> Iterator[Books]:
    b = books_at(copy_home(fresh_template, tmp_path / "home"))
    yield b
    b.engine.dispose()
