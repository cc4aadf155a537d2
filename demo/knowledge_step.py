"""The demo's knowledge step: the company's policies and award summaries (demo/knowledge/)
ingested into the knowledge base at HOME/knowledge, offline, for the advisor assistant.

Re-running it is cheap: unchanged documents are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

from core.settings import Settings
from core.embedder import Embedder
from memory.knowledge.kb import KnowledgeBase

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"


@dataclass
class KnowledgeSummary:
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    path: Path | None = None
    titles: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"documents": self.documents, "chunks": self.chunks,
                "seconds": round(self.seconds, 2), "path": str(self.path) if self.path else None,
                "titles": list(self.titles)}

    def as_text(self) -> str:
        return (f"  knowledge    {self.documents} policies and award summaries, {self.chunks} "
                f"searchable sections ({self.seconds:.1f} s)")


def build_knowledge_base(settings: Settings, embedder: Embedder | None = None,
                         source: Path = KNOWLEDGE_DIR) -> KnowledgeSummary:
    """Ingest the demo's knowledge folder into HOME/knowledge and say what is there."""
    started = perf_counter()
    kb = KnowledgeBase.open(settings, embedder)
    kb.ingest_directory(source)
    docs = kb.documents()
    return KnowledgeSummary(documents=len(docs), chunks=sum(d.chunks for d in docs),
                            seconds=perf_counter() - started, path=kb.store.path.resolve(),
                            titles=[d.title for d in docs])
