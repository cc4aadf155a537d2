"""The search_policies tool: typed request and response, audiences by role, the model-facing
description, and the knowledge base found from the settings when none is injected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from core.settings import Settings
from memory.knowledge.kb import KnowledgeBase
from tests.memory.knowledge.conftest import FIXTURES, HashingEmbedder
from tests.memory.knowledge.demo_kb import demo_home
from agent.chat.tools.contract import ROLES, AssistantDeps, Caller, Role, ToolRefused
from agent.chat.tools.search_policies import (
    SEARCH_POLICIES_TOOL,
    SearchPoliciesRequest,
    SearchPoliciesResponse,
    allowed_audiences,
    search_policies,
)

QUERY = "roster publication performance reviews pay run timing travel hotels"


@pytest.fixture(scope="module")
def fixture_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb = KnowledgeBase(tmp_path_factory.mktemp("kb") / "knowledge", HashingEmbedder())
    kb.ingest_directory(FIXTURES)
    return kb


def _deps(kb: KnowledgeBase | None, home: Path | None = None) -> AssistantDeps:
    settings = Settings(home=home or Path("/nonexistent"))
    return AssistantDeps(settings, None, None, knowledge=kb)  # type: ignore[arg-type]


def _run(kb: KnowledgeBase, role: Role, **request: Any) -> SearchPoliciesResponse:
    return SEARCH_POLICIES_TOOL.call({"query": QUERY, "k": 10, **request},
                                     Caller(actor=f"key:{role}", role=role), _deps(kb))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_its_audiences(fixture_kb: KnowledgeBase, role: Role) -> None:
    hits = _run(fixture_kb, role).hits
    seen = {h.document for h in hits}
    audiences = {d.document_id: d.audience for d in fixture_kb.documents()}
    assert hits and {audiences[d] for d in seen} <= allowed_audiences(Caller("x", role))
    assert ("managers-handbook" in seen) == (role != "clerk")
    assert ("payroll-notes" in seen) == (role in ("owner", "auditor", "admin"))


def test_asking_for_an_audience_outside_the_role_is_refused(fixture_kb: KnowledgeBase) -> None:
    with pytest.raises(ToolRefused) as err:
        _run(fixture_kb, "clerk", audience="managers")
    assert err.value.code == "forbidden"
    hits = _run(fixture_kb, "approver", audience="managers").hits
    assert hits and {h.document for h in hits} == {"managers-handbook"}


def test_document_and_as_at_filters_pass_through(fixture_kb: KnowledgeBase) -> None:
    hits = _run(fixture_kb, "owner", document="travel-policy", as_at="2025-01-15").hits
    assert hits and {h.document for h in hits} == {"travel-policy"}
    assert _run(fixture_kb, "owner", document="travel-policy", as_at="2025-09-01").hits == []


def test_hits_carry_the_citation(fixture_kb: KnowledgeBase) -> None:
    hit = _run(fixture_kb, "clerk", query="Sunday work paid at 150%", k=1).hits[0]
    assert (hit.document, hit.title, hit.clause, hit.heading) == (
        "award-extract", "Award Extract", "25.5", "Sunday work")
    assert "150%" in hit.text and hit.effective_from is not None


def test_requests_are_validated() -> None:
    for bad in ({"query": "x"}, {"query": "sunday", "k": 11}, {"query": "sunday", "k": 0},
                {"query": "sunday", "role": "owner"}):
        with pytest.raises(ValidationError):
            SearchPoliciesRequest.model_validate(bad)
    assert SearchPoliciesRequest(query="sunday rate").k == 5


def test_the_model_is_told_to_cite_and_to_treat_text_as_data() -> None:
    spec = SEARCH_POLICIES_TOOL.openai_spec()["function"]
    assert spec["name"] == "search_policies"
    text = spec["description"].lower()
    assert "cite" in text and "clause" in text and "not instructions" in text
    assert set(spec["parameters"]["properties"]) == {"query", "k", "document", "audience", "as_at"}
    assert SEARCH_POLICIES_TOOL.roles == frozenset(ROLES)


def test_without_an_injected_knowledge_base_the_home_one_is_opened_once() -> None:
    settings, _ = demo_home()
    deps = _deps(None, settings.home)
    request = SearchPoliciesRequest(query="Who approves a bill above $10,000?")
    first = search_policies(request, Caller("key:o", "owner"), deps)
    assert ("purchasing-policy", "3.3") in [(h.document, h.clause) for h in first.hits]
    clerk = search_policies(SearchPoliciesRequest(query="approver queue escalation", k=10),
                            Caller("key:c", "clerk"), deps)
    assert "approver-guide" not in {h.document for h in clerk.hits}
    from agent.chat.tools import search_policies as module

    assert settings.home.resolve() in module._cache
