"""What every node of a run may use, injected per run (never visible to a model)."""

from __future__ import annotations

from dataclasses import dataclass
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


class MissingContext(RuntimeError):
    """The invoice graph was run without its RunContext."""


def context_of(runtime: Any) -> RunContext:
    """The run's context, as its entry point (the worker, the API, the CLI, the demo, an eval)
    built it. There is no fallback: a node never builds clients from the environment."""
    context = getattr(runtime, "context", None)
    if not isinstance(context, RunContext):
        raise MissingContext("The invoice graph runs with a RunContext: invoke it with "
                             "context=RunContext.build(...) (agent.worker does).")
    return context
