"""An InboxStore on a migrated SQLite file (the channels' tests; the store itself is tested on
both engines in tests/memory/test_inbox_store.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from memory.db import create_db_engine, session_factory
from memory.inbox_store import InboxStore
from memory.migrate import upgrade
from tests.conftest import TickingClock
from tools.inbox.blobs import BlobStore
from tools.inbox.parsing import MessageLimits

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def inbox_store(tmp_path: Path) -> Iterator[InboxStore]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    upgrade(engine)
    yield InboxStore(session_factory(engine), TickingClock(), BlobStore(tmp_path / "blobs"),
                     MessageLimits())
    engine.dispose()
