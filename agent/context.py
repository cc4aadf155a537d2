"""What every node of a run may use, injected per run (never visible to a model)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.llm import ChatModel
from core.settings import Settings
from core.clock import Clock
from core.ocr import Ocr
from memory.blobs import BlobStore
from tools.matching.po_match import MatchTolerances
from tools.policies.decide import PolicyConfig


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    blobs: BlobStore
    ocr: Ocr | None
    model: ChatModel | None
    policy: PolicyConfig
    tolerances: MatchTolerances
    actor: str = "ap-agent"

    @classmethod
    def build(cls, settings: Settings, sessions: sessionmaker[Session], clock: Clock, *,
              ocr: Ocr | None = None, model: ChatModel | None = None) -> RunContext:
        from adapters.ocr import TesseractOcr
        from tools.matching.po_match import match_tolerances_from
        from tools.policies.decide import policy_config_from

        return cls(settings, sessions, clock, BlobStore(settings.blob_path), ocr or TesseractOcr(),
                   model, policy_config_from(settings), match_tolerances_from(settings))


@cache
def _default_context() -> RunContext:
    """For hosts that do not pass a context (LangGraph's own dev tooling via langgraph.json): one
    built from the environment's settings, on the application database."""
    from core.settings import load_settings
    from memory.db import create_db_engine, session_factory
    from memory.migrate import require_migrated
    from adapters.clock import SystemClock

    settings = load_settings()
    engine = create_db_engine(settings.resolved_database_url,
                              busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    require_migrated(engine)
    return RunContext.build(settings, session_factory(engine), SystemClock())


def context_of(runtime: Any) -> RunContext:
    context = getattr(runtime, "context", None)
    return context if isinstance(context, RunContext) else _default_context()
