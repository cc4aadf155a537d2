"""The invoice graph's wiring: pure routing functions, the compiled graph's shape, and the
langgraph.json entry LangGraph's own tooling loads."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from agent import routing
from agent.graphs.invoice import build_invoice_graph

ROOT = Path(__file__).resolve().parents[2]


def test_a_quarantined_message_goes_straight_to_notify() -> None:
    assert routing.after_admit({"outcome": "quarantined"}) == "notify"
    assert routing.after_admit({}) == "extract"
    assert routing.after_extract({"outcome": "quarantined"}) == "notify"
    assert routing.after_extract({}) == "validate"


@pytest.mark.parametrize(("outcome", "node"), [("auto_post", "post"), ("needs_approval", "request_approval"),
                                               ("hold", "request_approval")])
def test_only_an_auto_post_decision_goes_to_post(outcome: str, node: str) -> None:
    assert routing.after_decide({"decision": SimpleNamespace(outcome=outcome)}) == node  # type: ignore[typeddict-item]


@pytest.mark.parametrize(("verdict", "node"), [({"decision": "approve"}, "post"), ({"decision": "edit"}, "post"),
                                               ({"decision": "reject"}, "reject"), ({"decision": None}, "await_approval"),
                                               (None, "await_approval")])
def test_after_an_approval(verdict: dict | None, node: str) -> None:
    assert routing.after_approval({"verdict": verdict} if verdict is not None else {}) == node  # type: ignore[typeddict-item]


def test_the_graph_has_every_step_of_the_invoice_path() -> None:
    graph = build_invoice_graph().compile()
    nodes = set(graph.get_graph().nodes)
    assert nodes >= {"admit", "extract", "validate", "match", "propose", "decide", "request_approval",
                     "await_approval", "post", "reject", "notify"}
    edges = {(e.source, e.target) for e in graph.get_graph().edges}
    assert ("decide", "post") in edges and ("request_approval", "await_approval") in edges
    assert ("post", "notify") in edges and ("await_approval", "post") in edges


def test_langgraph_json_points_at_a_graph_that_loads() -> None:
    config = json.loads((ROOT / "langgraph.json").read_text())
    path, _, attr = config["graphs"]["invoice"].partition(":")
    module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
    graph = getattr(module, attr)()
    assert "post" in graph.get_graph().nodes
