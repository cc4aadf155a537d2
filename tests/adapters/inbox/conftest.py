"""The intake (an InboxStore) on a migrated SQLite file, for the channels' tests (the intake itself
is tested on both engines in tests/services/test_intake.py); the messages are the parser's fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory.blobs import BlobStore
from memory.db import create_db_engine, session_factory
from memory.inbox_store import InboxStore
from memory.migrate import upgrade
from services.intake import MessageIntake
from tests.conftest import TickingClock
from tools.inbox.parsing import MessageLimits

FIXTURES = Path(__file__).parents[2] / "tools" / "inbox" / "fixtures"


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[MessageIntake]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    upgrade(engine)
    yield MessageIntake(InboxStore(session_factory(engine), TickingClock(), BlobStore(tmp_path / "blobs")),
                        MessageLimits())
    engine.dispose()
