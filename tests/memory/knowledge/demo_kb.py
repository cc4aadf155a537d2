"""The demo company's knowledge base built once per test process with the real MiniLM embedder
(the tool tests share it), through the demo's own step."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from core.settings import Settings
from demo.knowledge_step import KnowledgeSummary, build_knowledge_base


@cache
def demo_home() -> tuple[Settings, KnowledgeSummary]:
    home = Path(tempfile.mkdtemp(prefix="kb-demo-"))
    settings = Settings(home=home)
    return settings, build_knowledge_base(settings)
