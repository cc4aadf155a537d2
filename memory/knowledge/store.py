"""The chromadb side of the knowledge base: a persistent collection of chunks with our vectors.

Why a thin wrapper: chromadb is an IO seam. Telemetry is off (env and client settings), we pass
our own embeddings (chromadb's default embedding function would download a model), and the space
is cosine. Dates are stored as YYYYMMDD integers so chromadb can filter "in force on" with
$lte/$gte; an open-ended chunk has effective_to 99991231. The collection records the embedder's
name and dimensions so a store is never searched with another model's vectors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from adapters.knowledge.errors import KnowledgeError

COLLECTION = "knowledge"
OPEN_END = 99991231


def date_key(value: date | None, *, open_end: bool = False) -> int:
    if value is None:
        return OPEN_END if open_end else 0
    return value.year * 10000 + value.month * 100 + value.day


def key_date(value: int) -> date | None:
    if value in (0, OPEN_END):
        return None
    return date(value // 10000, value // 100 % 100, value % 100)


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: Mapping[str, Any]


def _client(path: Path) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path),
                                     settings=ChromaSettings(anonymized_telemetry=False))


class ChunkStore:
    """One chromadb collection at `path`."""

    def __init__(self, path: Path, embedder_name: str, dimensions: int) -> None:
        self.path = path
        self._client = _client(path)
        self._collection = self._client.get_or_create_collection(
            COLLECTION, embedding_function=None,
            metadata={"hnsw:space": "cosine", "embedder": embedder_name, "dimensions": dimensions})
        meta = self._collection.metadata or {}
        if meta.get("embedder") != embedder_name or int(meta.get("dimensions", 0)) != dimensions:
            raise KnowledgeError("embedder_mismatch",
                                 f"The knowledge base at {path} was built with "
                                 f"{meta.get('embedder')!r}, not {embedder_name!r}; rebuild it.")

    def count(self) -> int:
        return int(self._collection.count())

    def all_chunks(self) -> list[StoredChunk]:
        got = self._collection.get(include=["documents", "metadatas"])
        return [StoredChunk(i, d or "", m or {})
                for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

    def replace_document(self, document_id: str, ids: Sequence[str], texts: Sequence[str],
                         embeddings: Sequence[Sequence[float]],
                         metadatas: Sequence[Mapping[str, Any]]) -> None:
        """Drop the document's chunks and add the new ones; on a failed add, drop the partial
        add too, so a document is never half in the store."""
        self.delete_document(document_id)
        try:
            if ids:
                self._collection.add(ids=list(ids), documents=list(texts),
                                     embeddings=[list(e) for e in embeddings],
                                     metadatas=[dict(m) for m in metadatas])
        except Exception:
            self.delete_document(document_id)
            raise

    def delete_document(self, document_id: str) -> None:
        self._collection.delete(where={"document_id": document_id})

    def query(self, embedding: Sequence[float], n: int,
              where: Mapping[str, Any] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the n nearest chunks that pass `where`."""
        if n <= 0:
            return []
        got = self._collection.query(query_embeddings=[list(embedding)], n_results=n,
                                     where=dict(where) if where else None, include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0], strict=True)]
