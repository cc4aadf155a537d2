"""What an entry point (a command, the API, a benchmark) holds for the life of the process: the
settings, the clock and the database, built on demand. The graphs' own typed contexts (RunContext,
ChatContext) are built from it at the entry points."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from memory.db import create_db_engine, session_factory
from memory.migrate import require_migrated
from adapters.clock import SystemClock
from core.clock import Clock


@dataclass
class Runtime:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.settings.resolved_database_url,
                                busy_timeout_ms=self.settings.sqlite_busy_timeout_ms)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def require_migrated(self) -> None:
        require_migrated(self.engine)
