"""The knowledge base: ingest policies and award summaries, and search them (dense + BM25).

`KnowledgeBase.open(settings)` opens (or creates) the chromadb store at HOME/knowledge and
rebuilds the BM25 index and the in-memory metadata from it. Ingesting a document parses and
embeds everything first and only then replaces the document's chunks, so a bad file leaves the
store as it was; the same document with the same content and metadata is left untouched.
Search filters (document, clause, "as at" date, audiences) apply to both halves of the search.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from memory.knowledge import fusion
from memory.knowledge.bm25 import Bm25Index
from adapters.knowledge.chunking import MAX_CHUNK_CHARS, Chunk, chunk_blocks
from adapters.knowledge.embedder import MiniLmEmbedder
from core.embedder import Embedder
from adapters.knowledge.errors import KnowledgeError
from adapters.knowledge.ingest import MAX_DOCUMENT_BYTES, SUFFIXES, read_document
from memory.knowledge.store import ChunkStore, date_key, key_date

if TYPE_CHECKING:
    from core.settings import Settings

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_AUDIENCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_K = 50


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hit(_Frozen):
    chunk_id: str
    document_id: str
    document_title: str
    clause: str
    heading: str
    text: str
    score: float
    effective_from: date | None
    effective_to: date | None
    audience: str
    source_path: str


class DocumentInfo(_Frozen):
    document_id: str
    title: str
    audience: str
    effective_from: date | None
    effective_to: date | None
    chunks: int
    source_path: str
    content_hash: str


class IngestResult(_Frozen):
    document_id: str
    title: str
    chunks: int
    status: Literal["added", "replaced", "unchanged"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")[:80] or "document"


def _date(value: date | str | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise KnowledgeError("bad_metadata", f"{what} is not a date (YYYY-MM-DD): {value!r}") from exc


def _context(meta: dict[str, Any], text: str) -> str:
    """What is embedded and indexed: the chunk's place in the document, then its words."""
    head = " ".join(p for p in (meta["clause"], meta["heading"]) if p)
    return ". ".join(p for p in (meta["title"], meta["parent"], head, text) if p)


class KnowledgeBase:
    def __init__(self, path: Path, embedder: Embedder | None = None, *,
                 max_bytes: int = MAX_DOCUMENT_BYTES, max_chars: int = MAX_CHUNK_CHARS) -> None:
        self.embedder: Embedder = embedder if embedder is not None else MiniLmEmbedder()
        self.store = ChunkStore(path, self.embedder.name, self.embedder.dimensions)
        self.max_bytes, self.max_chars = max_bytes, max_chars
        self._lock = threading.RLock()
        self._meta: dict[str, dict[str, Any]] = {}
        self._text: dict[str, str] = {}
        self._bm25 = Bm25Index()
        for chunk in self.store.all_chunks():
            self._remember(chunk.id, chunk.text, dict(chunk.metadata))

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> KnowledgeBase:
        return cls(Path(settings.home) / "knowledge", embedder)

    def _remember(self, chunk_id: str, text: str, meta: dict[str, Any]) -> None:
        self._meta[chunk_id], self._text[chunk_id] = meta, text
        self._bm25.add(chunk_id, _context(meta, text))

    def _forget(self, document_id: str) -> None:
        for chunk_id in [i for i, m in self._meta.items() if m["document_id"] == document_id]:
            del self._meta[chunk_id], self._text[chunk_id]
            self._bm25.remove(chunk_id)

    # -- ingestion ---------------------------------------------------------------------------
    def ingest_path(self, path: Path | str, *, document_id: str | None = None,
                    title: str | None = None, audience: str | None = None,
                    effective_from: date | str | None = None,
                    effective_to: date | str | None = None) -> IngestResult:
        """Ingest one file; arguments override the file's front matter."""
        prepared = self._prepare(Path(path), document_id, title, audience, effective_from,
                                 effective_to)
        return self._write([prepared])[0]

    def ingest_directory(self, path: Path | str, *, audience: str | None = None,
                         effective_from: date | str | None = None) -> list[IngestResult]:
        """Every supported file in the folder (not recursive), all or nothing: each file is
        parsed before any is written."""
        folder = Path(path)
        if not folder.is_dir():
            raise KnowledgeError("not_found", f"No such folder: {folder}")
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        prepared = [self._prepare(p, None, None, audience, effective_from, None) for p in files]
        ids = [p["document_id"] for p in prepared]
        if len(set(ids)) != len(ids):
            raise KnowledgeError("bad_metadata", f"Two files in {folder} share a document id.")
        return self._write(prepared)

    def _prepare(self, path: Path, document_id: str | None, title: str | None,
                 audience: str | None, effective_from: date | str | None,
                 effective_to: date | str | None) -> dict[str, Any]:
        raw = read_document(path, max_bytes=self.max_bytes)
        front = raw.front_matter
        doc_id = (document_id or front.get("id") or front.get("document_id") or slug(path.stem))
        doc_id = doc_id.strip().lower()
        aud = (audience or front.get("audience") or "all").strip().lower()
        if not _ID.match(doc_id):
            raise KnowledgeError("bad_metadata", f"Bad document id {doc_id!r} (a-z, 0-9, . _ -).")
        if not _AUDIENCE.match(aud):
            raise KnowledgeError("bad_metadata", f"Bad audience {aud!r}.")
        start = _date(effective_from or front.get("effective_from"), "effective_from")
        end = _date(effective_to or front.get("effective_to"), "effective_to")
        if start and end and end < start:
            raise KnowledgeError("bad_metadata", "effective_to is before effective_from.")
        first_title = next((b.text.strip() for b in raw.blocks if b.is_title), "")
        doc_title = (title or front.get("title") or first_title or path.stem.replace("-", " ")).strip()
        chunks = chunk_blocks(raw.blocks, max_chars=self.max_chars, skip_title=doc_title)
        if not chunks:
            raise KnowledgeError("no_text", f"{path.name} has headings but no text to index.")
        meta = {"document_id": doc_id, "title": doc_title, "audience": aud,
                "effective_from": date_key(start), "effective_to": date_key(end, open_end=True),
                "source_path": str(path.resolve())}
        meta["content_hash"] = hashlib.sha256(json.dumps(
            [raw.content_hash, self.max_chars, {k: v for k, v in meta.items() if k != "source_path"}],
            sort_keys=True).encode()).hexdigest()
        return {**meta, "chunks": chunks}

    def _write(self, prepared: Sequence[dict[str, Any]]) -> list[IngestResult]:
        with self._lock:
            plans = []
            for doc in prepared:
                existing = [m for m in self._meta.values() if m["document_id"] == doc["document_id"]]
                same = bool(existing) and all(m["content_hash"] == doc["content_hash"] for m in existing)
                rows = [] if same else [self._row(doc, c) for c in doc["chunks"]]
                plans.append((doc, existing, same, rows))
            texts = [_context(meta, text) for *_, rows in plans for _, text, meta in rows]
            vectors = iter(self.embedder.embed(texts) if texts else [])
            results = []
            for doc, existing, same, rows in plans:
                status = "unchanged" if same else ("replaced" if existing else "added")
                if not same:
                    embeddings = [next(vectors) for _ in rows]
                    self.store.replace_document(doc["document_id"], [r[0] for r in rows],
                                                [r[1] for r in rows], embeddings,
                                                [r[2] for r in rows])
                    self._forget(doc["document_id"])
                    for chunk_id, text, meta in rows:
                        self._remember(chunk_id, text, meta)
                results.append(IngestResult(document_id=doc["document_id"], title=doc["title"],
                                            chunks=len(doc["chunks"]), status=status))
            return results

    @staticmethod
    def _row(doc: dict[str, Any], chunk: Chunk) -> tuple[str, str, dict[str, Any]]:
        meta = {k: v for k, v in doc.items() if k != "chunks"}
        meta.update(clause=chunk.clause, heading=chunk.heading, parent=chunk.parent,
                    chunk_index=chunk.index)
        return f"{doc['document_id']}:{chunk.index:04d}", chunk.text, meta

    def delete(self, document_id: str) -> bool:
        with self._lock:
            found = any(m["document_id"] == document_id for m in self._meta.values())
            self.store.delete_document(document_id)
            self._forget(document_id)
            return found

    # -- reading -----------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        docs: dict[str, DocumentInfo] = {}
        for m in self._meta.values():
            info = docs.get(m["document_id"])
            docs[m["document_id"]] = DocumentInfo(
                document_id=m["document_id"], title=m["title"], audience=m["audience"],
                effective_from=key_date(m["effective_from"]), effective_to=key_date(m["effective_to"]),
                chunks=(info.chunks if info else 0) + 1, source_path=m["source_path"],
                content_hash=m["content_hash"])
        return sorted(docs.values(), key=lambda d: d.document_id)

    def chunk_count(self) -> int:
        return len(self._meta)

    def search(self, query: str, k: int = 5, *, document: str | Iterable[str] | None = None,
               clause: str | None = None, as_at: date | None = None,
               audiences: Iterable[str] | None = None,
               method: fusion.Method = fusion.DEFAULT_METHOD) -> list[Hit]:
        """The k best chunks for `query` among those passing every filter. `clause` matches the
        clause and its sub-clauses ("15" finds 15, 15.1, 15.2); `as_at` keeps chunks in force on
        that date; `audiences` keeps chunks written for one of them."""
        query = " ".join((query or "").split())
        if not query:
            raise KnowledgeError("bad_query", "The query is empty.")
        if not 1 <= k <= MAX_K:
            raise KnowledgeError("bad_query", f"k must be between 1 and {MAX_K}.")
        docs = {document} if isinstance(document, str) else set(document) if document else None
        auds = set(audiences) if audiences is not None else None
        with self._lock:
            allowed = [i for i, m in self._meta.items() if _passes(m, docs, clause, as_at, auds)]
            if not allowed:
                return []
            lexical = self._bm25.scores(query, allowed)
            where = _where(docs, as_at, auds)
            n = min(len(allowed), max(4 * k, 40))
            vector = self.embedder.embed([query])[0]
            allowed_set = set(allowed)
            dense = {i: s for i, s in self.store.query(vector, n, where) if i in allowed_set}
            fused = fusion.fuse(dense, lexical, method=method)
            return [self._hit(i, s) for i, s in fusion.top_k(fused, k)]

    def _hit(self, chunk_id: str, score: float) -> Hit:
        m = self._meta[chunk_id]
        return Hit(chunk_id=chunk_id, document_id=m["document_id"], document_title=m["title"],
                   clause=m["clause"], heading=m["heading"], text=self._text[chunk_id],
                   score=round(score, 6), effective_from=key_date(m["effective_from"]),
                   effective_to=key_date(m["effective_to"]), audience=m["audience"],
                   source_path=m["source_path"])


def _passes(m: dict[str, Any], docs: set[str] | None, clause: str | None, as_at: date | None,
            auds: set[str] | None) -> bool:
    if docs is not None and m["document_id"] not in docs:
        return False
    if auds is not None and m["audience"] not in auds:
        return False
    if clause and not (m["clause"] == clause or m["clause"].startswith(clause.rstrip(".") + ".")):
        return False
    if as_at is not None:
        key = date_key(as_at)
        return bool(m["effective_from"] <= key <= m["effective_to"])
    return True


def _where(docs: set[str] | None, as_at: date | None, auds: set[str] | None) -> dict[str, Any] | None:
    terms: list[dict[str, Any]] = []
    if docs is not None:
        terms.append({"document_id": {"$in": sorted(docs)}})
    if auds is not None:
        terms.append({"audience": {"$in": sorted(auds)}})
    if as_at is not None:
        terms += [{"effective_from": {"$lte": date_key(as_at)}},
                  {"effective_to": {"$gte": date_key(as_at)}}]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}
