"""The invoice graph (ARCHITECTURE.md §4): admit → extract → validate → match → propose → decide →
(post | request_approval → await_approval → post | reject) → notify. Wiring only."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.context import RunContext
from agent.nodes.admit import admit
from agent.nodes.await_approval import await_approval
from agent.nodes.decide import decide
from agent.nodes.extract import extract
from agent.nodes.notify import notify
from agent.nodes.match import match
from agent.nodes.post import post
from agent.nodes.propose import propose
from agent.nodes.reject import reject
from agent.nodes.request_approval import request_approval
from agent.nodes.validate import validate
from agent.routing import after_admit, after_approval, after_decide, after_extract
from agent.state import InvoiceState


def build_invoice_graph() -> StateGraph:
    """The uncompiled graph; compile it with a checkpointer (tests use an in-memory one)."""
    graph = StateGraph(InvoiceState, context_schema=RunContext)
    for name, node in (("admit", admit), ("extract", extract), ("validate", validate), ("match", match),
                       ("propose", propose), ("decide", decide), ("request_approval", request_approval),
                       ("await_approval", await_approval), ("post", post), ("reject", reject),
                       ("notify", notify)):
        graph.add_node(name, node)
    graph.add_edge(START, "admit")
    graph.add_conditional_edges("admit", after_admit, ["extract", "notify"])
    graph.add_conditional_edges("extract", after_extract, ["validate", "notify"])
    graph.add_edge("validate", "match")
    graph.add_edge("match", "propose")
    graph.add_edge("propose", "decide")
    graph.add_conditional_edges("decide", after_decide, ["post", "request_approval"])
    graph.add_edge("request_approval", "await_approval")
    graph.add_conditional_edges("await_approval", after_approval, ["post", "reject", "await_approval"])
    graph.add_edge("post", "notify")
    graph.add_edge("reject", "notify")
    graph.add_edge("notify", END)
    return graph


def make_graph():  # type: ignore[no-untyped-def]
    """For LangGraph's own tooling (langgraph.json): the graph compiled without a checkpointer
    (the platform supplies persistence). A run needs its RunContext passed as `context`, as every
    entry point of ours does; nothing is built from the environment inside the graph."""
    return build_invoice_graph().compile()
