"""The retrieval eval's data and judging: enough questions, each pointing at a clause that exists."""

from __future__ import annotations

from types import SimpleNamespace

from evals.suites.retrieval import Question, judge, load_questions

from .demo_kb import demo_home


def test_every_expected_clause_exists_in_the_demo_knowledge_base() -> None:
    from memory.knowledge.kb import KnowledgeBase

    settings, _ = demo_home()
    kb = KnowledgeBase.open(settings)
    sections = {(m["document_id"], m["clause"]) for m in kb._meta.values()}
    questions = load_questions()
    assert len(questions) >= 80 and len({q.id for q in questions}) == len(questions)
    assert {q.phrasing for q in questions} == {"staff", "owner"}
    missing = [q.id for q in questions if (q.document, q.clause) not in sections]
    assert missing == []


def test_judging_counts_the_rank_of_the_first_right_hit() -> None:
    q = Question(id="t", question="?", document="d", clause="1.2", phrasing="staff")
    hit = lambda doc, clause: SimpleNamespace(document_id=doc, clause=clause)
    second = judge(q, [hit("d", "1"), hit("d", "1.2")])
    assert second.passed and second.counts["rr"] == 0.5 and second.counts["found_at_1"] == 0
    missed = judge(q, [hit("e", "1.2")])
    assert not missed.passed and missed.counts["rr"] == 0 and missed.diff
