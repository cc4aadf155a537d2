"""Ingestion of each format with `unstructured`, offline; bad input is a typed error."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from adapters.knowledge.errors import KnowledgeError
from adapters.knowledge.ingest import read_document
from memory.knowledge.kb import KnowledgeBase
from adapters.knowledge.offline_nlp import OfflineModelMissing, ensure_offline, load_spacy_model

from .conftest import FIXTURES
from .formats import make_docx, make_pdf

EXPECTED = {("4.2", "Delegations"), ("4.3", "Petty cash")}


def _sections(kb: KnowledgeBase, document_id: str) -> set[tuple[str, str]]:
    return {(m["clause"], m["heading"]) for m in kb._meta.values()
            if m["document_id"] == document_id}


@pytest.mark.parametrize("kind", ["docx", "pdf", "html"])
def test_each_format_is_chunked_by_clause(kind: str, kb: KnowledgeBase, tmp_path: Path) -> None:
    path = {"docx": lambda: make_docx(tmp_path / "delegations.docx"),
            "pdf": lambda: make_pdf(tmp_path / "delegations.pdf"),
            "html": lambda: FIXTURES / "delegations.html"}[kind]()
    result = kb.ingest_path(path, audience="managers", effective_from="2025-07-01")
    assert result.document_id == "delegations" and result.status == "added"
    assert EXPECTED <= _sections(kb, "delegations")
    assert result.title == "Delegations Schedule"
    hit = kb.search("how much may a store manager commit per order", k=1)[0]
    assert (hit.clause, hit.audience, str(hit.effective_from)) == ("4.2", "managers", "2025-07-01")
    assert "$2,000" in hit.text and hit.source_path == str(path.resolve())


def test_markdown_front_matter_gives_the_metadata(kb: KnowledgeBase) -> None:
    result = kb.ingest_path(FIXTURES / "travel-policy.md")
    doc = next(d for d in kb.documents() if d.document_id == result.document_id)
    assert (doc.document_id, doc.title, doc.audience) == ("travel-policy", "Travel Policy", "all")
    assert (str(doc.effective_from), str(doc.effective_to)) == ("2024-07-01", "2025-06-30")
    assert ("3", "Allowances") in _sections(kb, "travel-policy")


def test_arguments_override_front_matter(kb: KnowledgeBase) -> None:
    kb.ingest_path(FIXTURES / "travel-policy.md", document_id="trips", audience="managers")
    assert [(d.document_id, d.audience) for d in kb.documents()] == [("trips", "managers")]


def test_no_network_is_attempted_for_any_format(kb: KnowledgeBase, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    load_spacy_model.cache_clear()          # the spaCy model must be loaded from the package
    from unstructured.nlp import tokenize
    from unstructured.partition import text_type

    for module in (tokenize, text_type):     # so unstructured must run spaCy again
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()
    files = [make_docx(tmp_path / "a.docx"), make_pdf(tmp_path / "b.pdf"),
             FIXTURES / "delegations.html", FIXTURES / "award-extract.md"]
    for i, path in enumerate(files):
        kb.ingest_path(path, document_id=f"doc-{i}")
    assert len(kb.documents()) == 4 and not attempts
    assert tokenize._get_nlp is load_spacy_model
    assert load_spacy_model.cache_info().currsize == 1    # unstructured really used spaCy


def test_unstructured_cannot_install_a_model() -> None:
    ensure_offline()
    from unstructured.nlp import tokenize

    with pytest.raises(OfflineModelMissing) as err:
        tokenize._install_spacy_model()
    assert err.value.code == "offline_model_missing"


@pytest.mark.parametrize(("name", "content", "code"), [
    ("broken.docx", b"PK\x03\x04 this is not really a zip", "unreadable"),
    ("fake.docx", b"plain text pretending", "unreadable"),
    ("broken.pdf", b"%PDF-1.7\n garbage with no objects", "unreadable"),
    ("fake.pdf", b"<html>not a pdf</html>", "unreadable"),
    ("empty.md", b"", "empty"),
    ("blank.md", b"---\nid: blank\n---\n\n   \n", "no_text"),
    ("notes.txt", b"some text", "unsupported_type"),
    ("latin1.md", "caf\xe9".encode("latin-1"), "unreadable"),
    ("bad-date.md", b"---\neffective_from: next week\n---\n# T\n\n## 1. A\n\nText.\n", "bad_metadata"),
])
def test_bad_input_is_a_typed_error_and_nothing_is_ingested(
        kb: KnowledgeBase, tmp_path: Path, name: str, content: bytes, code: str) -> None:
    kb.ingest_path(FIXTURES / "award-extract.md")
    before = (kb.documents(), kb.store.count())
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(KnowledgeError) as err:
        kb.ingest_path(path)
    assert err.value.code == code and err.value.message
    assert (kb.documents(), kb.store.count()) == before


def test_too_large_and_missing_files_are_refused(tmp_path: Path, embedder: object) -> None:
    small = KnowledgeBase(tmp_path / "kb", embedder, max_bytes=100)  # type: ignore[arg-type]
    with pytest.raises(KnowledgeError) as err:
        small.ingest_path(FIXTURES / "records-long.md")
    assert err.value.code == "too_large"
    with pytest.raises(KnowledgeError) as err:
        small.ingest_path(tmp_path / "nope.md")
    assert err.value.code == "not_found"
    assert small.store.count() == 0


def test_a_bad_file_in_a_folder_stops_the_whole_folder(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "good.md").write_text((FIXTURES / "award-extract.md").read_text())
    (tmp_path / "docs" / "bad.docx").write_bytes(b"not a docx")
    with pytest.raises(KnowledgeError):
        kb.ingest_directory(tmp_path / "docs")
    assert kb.documents() == []


def test_read_document_reports_the_blocks_and_a_content_hash() -> None:
    a = read_document(FIXTURES / "award-extract.md")
    b = read_document(FIXTURES / "award-extract.md")
    assert a.kind == "md" and a.content_hash == b.content_hash and len(a.content_hash) == 64
    assert any(block.text.startswith("Clause 25.5") for block in a.blocks)
