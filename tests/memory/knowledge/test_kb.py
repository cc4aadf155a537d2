"""Search filters, idempotent re-ingest, persistence, and what BM25 adds to the dense search."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from memory.knowledge.bm25 import Bm25Index, tokenize
from adapters.knowledge.errors import KnowledgeError
from memory.knowledge.fusion import fuse
from memory.knowledge.kb import KnowledgeBase

from .conftest import FIXTURES, HashingEmbedder


def test_document_filter(loaded_kb: KnowledgeBase) -> None:
    hits = loaded_kb.search("hotels flights booking", k=10, document="travel-policy-2025")
    assert hits and {h.document_id for h in hits} == {"travel-policy-2025"}


def test_clause_filter_includes_sub_clauses(loaded_kb: KnowledgeBase) -> None:
    hits = loaded_kb.search("booking", k=10, document="travel-policy", clause="2")
    assert {h.clause for h in hits} == {"2.1", "2.2"}


def test_as_at_sees_only_what_was_in_force(loaded_kb: KnowledgeBase) -> None:
    old = loaded_kb.search("hotel nightly limit", k=10, as_at=date(2025, 3, 1))
    new = loaded_kb.search("hotel nightly limit", k=10, as_at=date(2025, 9, 1))
    in_force = {h.document_id for h in old}
    assert "travel-policy" in in_force and "travel-policy-2025" not in in_force
    assert "travel-policy-2025" in {h.document_id for h in new}
    assert "travel-policy" not in {h.document_id for h in new}
    for hit in old:
        assert (hit.effective_from or date.min) <= date(2025, 3, 1) <= (hit.effective_to or date.max)


def test_audience_filter(loaded_kb: KnowledgeBase) -> None:
    everyone = loaded_kb.search("roster performance review pay run", k=20, audiences=["all"])
    managers = loaded_kb.search("roster performance review pay run", k=20,
                                audiences=["all", "managers"])
    assert everyone and {h.audience for h in everyone} == {"all"}
    assert "managers" in {h.audience for h in managers}
    assert "payroll" not in {h.audience for h in managers}


def test_hits_carry_where_they_came_from(loaded_kb: KnowledgeBase) -> None:
    hit = loaded_kb.search("petty cash counted each Friday", k=1)[0]
    assert (hit.document_id, hit.document_title, hit.clause, hit.heading) == (
        "delegations", "Delegations Schedule", "4.3", "Petty cash")
    assert hit.source_path.endswith("delegations.html") and 0 < hit.score <= 1


def test_reingesting_the_same_document_changes_nothing(kb: KnowledgeBase,
                                                       embedder: HashingEmbedder) -> None:
    first = kb.ingest_path(FIXTURES / "award-extract.md")
    calls, count = embedder.calls, kb.store.count()
    again = kb.ingest_path(FIXTURES / "award-extract.md")
    assert (first.status, again.status) == ("added", "unchanged")
    assert embedder.calls == calls and kb.store.count() == count


def test_a_changed_document_replaces_its_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "award-extract.md"
    shutil.copy(FIXTURES / "award-extract.md", path)
    kb.ingest_path(path)
    before = kb.store.count()
    path.write_text(path.read_text().split("## Clause 25.6")[0])   # drop two sections
    assert kb.ingest_path(path).status == "replaced"
    assert kb.store.count() == before - 2
    assert {h.clause for h in kb.search("public holiday span of hours", k=10)} == {"25.5"}
    # the same content under new metadata is a change too
    assert kb.ingest_path(path, audience="managers").status == "replaced"
    assert {d.audience for d in kb.documents()} == {"managers"}


def test_the_store_survives_reopening(tmp_path: Path) -> None:
    first = KnowledgeBase(tmp_path / "kb", HashingEmbedder())
    first.ingest_directory(FIXTURES)
    want = [(h.chunk_id, h.score) for h in first.search("Sunday work paid at 150%", k=3)]
    reopened = KnowledgeBase(tmp_path / "kb", HashingEmbedder())
    assert reopened.documents() == first.documents()
    assert [(h.chunk_id, h.score) for h in reopened.search("Sunday work paid at 150%", k=3)] == want


def test_another_embedder_may_not_open_the_store(tmp_path: Path) -> None:
    KnowledgeBase(tmp_path / "kb", HashingEmbedder()).ingest_path(FIXTURES / "award-extract.md")

    class Other(HashingEmbedder):
        name = "other-model"

    with pytest.raises(KnowledgeError) as err:
        KnowledgeBase(tmp_path / "kb", Other())
    assert err.value.code == "embedder_mismatch"


def test_bm25_puts_an_exact_clause_number_first(loaded_kb: KnowledgeBase) -> None:
    for clause in ("25.5", "25.6", "15.1", "4.3"):
        hybrid = loaded_kb.search(f"clause {clause}", k=5)
        assert hybrid[0].clause == clause


def test_fusion_lets_a_strong_lexical_match_win() -> None:
    dense = {"a": 0.62, "c": 0.60, **{f"x{i}": 0.30 + i / 50 for i in range(10)}}
    lexical = {"c": 9.0}
    for method in ("weighted", "rrf"):
        fused = fuse(dense, lexical, method=method)  # type: ignore[arg-type]
        assert max(fused, key=fused.__getitem__) == "c"
        assert set(fused) == set(dense)
    # the weighted fusion keeps how far ahead the lexical match is
    weighted = fuse(dense, {"c": 9.0, "a": 1.0}, method="weighted")
    assert max(weighted, key=weighted.__getitem__) == "c"
    no_lexical = fuse(dense, {})
    assert max(no_lexical, key=no_lexical.__getitem__) == "a"


def test_bm25_keeps_clause_numbers_and_amounts_whole() -> None:
    assert {"25.5", "5000", "ma000004"} <= set(tokenize("Clause 25.5: $5,000.00 under MA000004"))
    index = Bm25Index()
    index.add("x", "Clause 25.5 Sunday work")
    index.add("y", "Clause 25.6 Public holidays")
    scores = index.scores("25.5")
    assert set(scores) == {"x"}
    index.remove("x")
    assert index.scores("25.5") == {} and len(index) == 1


def test_empty_queries_and_bad_k_are_refused(loaded_kb: KnowledgeBase) -> None:
    for query, k in (("   ", 5), ("hotels", 0), ("hotels", 51)):
        with pytest.raises(KnowledgeError) as err:
            loaded_kb.search(query, k)
        assert err.value.code == "bad_query"
