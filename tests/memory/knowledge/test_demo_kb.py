"""The demo knowledge base with the real all-MiniLM-L6-v2: built by the demo step, searchable,
and its policy figures agree with the policy code and the award data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from demo.knowledge_step import KNOWLEDGE_DIR, build_knowledge_base
from adapters.knowledge.embedder import MiniLmEmbedder
from adapters.knowledge.ingest import parse_front_matter
from memory.knowledge.kb import KnowledgeBase
from tools.payroll.awards import DATA_DIR, load_award

from .demo_kb import demo_home


@pytest.fixture(scope="session")
def demo_kb() -> KnowledgeBase:
    settings, _ = demo_home()
    return KnowledgeBase.open(settings)


def test_the_demo_step_ingests_every_knowledge_file() -> None:
    settings, summary = demo_home()
    files = sorted(KNOWLEDGE_DIR.glob("*.md"))
    assert summary.documents == len(files) >= 6
    assert summary.chunks > 4 * summary.documents
    assert summary.as_dict()["path"] == str((settings.home / "knowledge").resolve())
    again = build_knowledge_base(settings)          # unchanged documents are left alone
    assert (again.documents, again.chunks) == (summary.documents, summary.chunks)


def test_every_file_declares_its_metadata() -> None:
    for path in KNOWLEDGE_DIR.glob("*.md"):
        meta, _ = parse_front_matter(path.read_text(encoding="utf-8"))
        assert {"id", "title", "audience", "effective_from"} <= set(meta), path.name
        assert meta["id"] == path.stem


@pytest.mark.parametrize(("question", "document", "clause"), [
    ("Who has to approve a supplier bill of $15,000?", "purchasing-policy", "3.3"),
    ("A supplier emailed new bank account details. What do I do?", "purchasing-policy", "5.2"),
    ("What is a casual paid for working on Sunday in the shop?", "award-retail-ma000004", "22"),
    ("How long do we keep old tax records?", "privacy-records-policy", "4.1"),
])
def test_real_questions_find_their_clause(demo_kb: KnowledgeBase, question: str, document: str,
                                          clause: str) -> None:
    hits = demo_kb.search(question, k=5)
    assert (document, clause) in [(h.document_id, h.clause) for h in hits]


def test_award_passages_are_in_force_only_in_their_year(demo_kb: KnowledgeBase) -> None:
    current = demo_kb.search("Sunday penalty rate", k=5, as_at=date(2025, 12, 1))
    later = demo_kb.search("Sunday penalty rate", k=10, as_at=date(2026, 8, 1))
    assert any(h.document_id.startswith("award-") for h in current)
    assert not any(h.document_id.startswith("award-") for h in later)


def test_the_embedder_is_loaded_once_and_normalised() -> None:
    a, b = MiniLmEmbedder().embed(["Sunday rate", "Sunday rate"])
    assert len(a) == MiniLmEmbedder.dimensions and a == b
    assert abs(sum(x * x for x in a) - 1) < 1e-4


def _text(document: str) -> str:
    return (KNOWLEDGE_DIR / f"{document}.md").read_text(encoding="utf-8")


def test_the_purchasing_policy_agrees_with_the_policy_code() -> None:
    from core.settings import Settings
    from tools.policies.decide import DEFAULT_POLICY

    text, settings = _text("purchasing-policy"), Settings()
    assert f"${DEFAULT_POLICY.auto_approve_limit:,.0f} or less" in text
    assert f"${settings.auto_approve_limit:,.0f}" in text
    assert f"up to ${DEFAULT_POLICY.approver_limit:,.0f} including GST" in text
    assert f"at least {settings.ap_min_confidence:.2f}" in text
    assert f"within {settings.split_window_days} days" in text
    assert DEFAULT_POLICY.role_limits["clerk"] == Decimal(0) and "a clerk may not approve" in text


@pytest.mark.parametrize("award", ["MA000004", "MA000002"])
def test_award_summaries_quote_the_award_data(award: str) -> None:
    data = load_award(DATA_DIR / f"{award}-2025-07-01.toml")
    name = {"MA000004": "award-retail-ma000004", "MA000002": "award-clerks-ma000002"}[award]
    text = _text(name)
    for cls in data.classifications.values():
        assert f"{cls.name}: ${cls.weekly:,.2f} a week, ${cls.hourly:,.2f} an hour" in text
    for key, penalty in data.penalties.items():
        if key == "ordinary":
            continue
        for kind in ("full_time", "casual"):
            pct = f"{penalty.multipliers[kind] * 100:.0f}%"
            assert pct in text, (key, kind, pct)
    assert re.search(r"casual loading of 25%", text)
