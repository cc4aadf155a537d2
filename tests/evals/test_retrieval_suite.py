"""The retrieval suite's held-out questions: written blind, loaded as their own split, each pointing
at a clause that exists, and reported apart so the tuned metrics keep their meaning."""

from __future__ import annotations

from pathlib import Path

from evals.harness.model import CaseResult, RunConfig
from evals.suites import retrieval as ret


def test_the_heldout_questions_load_as_their_own_split() -> None:
    tuned, heldout = ret.load_questions(), ret.load_heldout()
    assert len(heldout) == 40
    assert not {q.id for q in tuned} & {q.id for q in heldout}
    cases = ret.SUITE.cases(RunConfig())
    assert len(cases) == len(tuned) + len(heldout)
    assert {c.id for c in cases if c.split == ret.HELDOUT} == {q.id for q in heldout}
    assert {c.split for c in cases if c.split != ret.HELDOUT} == {"staff", "owner"}


def test_every_heldout_clause_exists(tmp_path: Path) -> None:
    kb = ret.knowledge_base(tmp_path)
    sections = {(m["document_id"], m["clause"]) for m in kb._meta.values()}
    assert [q.id for q in ret.load_heldout() if (q.document, q.clause) not in sections] == []


def test_heldout_results_are_reported_apart() -> None:
    def result(split: str, rank: int) -> CaseResult:
        return CaseResult("x", bool(rank), split=split, counts={
            "questions": 1, "found_at_5": int(bool(rank)), "found_at_1": int(rank == 1),
            "rr": 1 / rank if rank else 0.0})

    metrics = {m.name: m.value for m in ret.SUITE.metrics(
        [result("staff", 1), result("owner", 1), result(ret.HELDOUT, 2), result(ret.HELDOUT, 0)])}
    assert metrics["cases"] == 2 and metrics["recall_at_1"] == 1.0 and metrics["mrr"] == 1.0
    assert metrics["cases.split.heldout"] == 2
    assert metrics["recall_at_5.split.heldout"] == 0.5
    assert metrics["recall_at_1.split.heldout"] == 0.0
    assert metrics["mrr.split.heldout"] == 0.25
    assert "cases.split.heldout" not in {m.name for m in ret.SUITE.metrics([result("staff", 1)])}
