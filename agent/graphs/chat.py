"""The advisor assistant's graph, one turn per invocation on a persistent thread. Wiring only.

    receive → llm_turn ⇄ run_tools → check_answer → respond          (a model is configured)
    receive → plan_offline → run_tools → compose_offline → check_answer → respond   (offline)

A model that is unavailable, loops, or twice writes figures no tool returned hands the turn to the
offline path. No node posts, pays or approves: the tools only read, or queue a proposal for a
person.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from agent.chat.context import ChatContext
from agent.chat.routing import after_check, after_llm_turn, after_plan, after_receive, after_tools
from agent.chat.state import ChatState
from agent.nodes.chat_check_answer import check_answer
from agent.nodes.chat_compose_offline import compose_offline
from agent.nodes.chat_llm_turn import llm_turn
from agent.nodes.chat_plan_offline import plan_offline
from agent.nodes.chat_receive import receive
from agent.nodes.chat_respond import respond
from agent.nodes.chat_run_tools import run_tools


def build_chat_graph() -> StateGraph:
    """The uncompiled graph; compile it with a checkpointer (tests use an in-memory one)."""
    graph = StateGraph(ChatState, context_schema=ChatContext)
    for name, node in (("receive", receive), ("llm_turn", llm_turn), ("plan_offline", plan_offline),
                       ("run_tools", run_tools), ("compose_offline", compose_offline),
                       ("check_answer", check_answer), ("respond", respond)):
        graph.add_node(name, node)
    graph.add_edge(START, "receive")
    graph.add_conditional_edges("receive", after_receive, ["llm_turn", "plan_offline"])
    graph.add_conditional_edges("llm_turn", after_llm_turn,
                                ["run_tools", "plan_offline", "check_answer"])
    graph.add_conditional_edges("plan_offline", after_plan, ["run_tools", "compose_offline"])
    graph.add_conditional_edges("run_tools", after_tools, ["llm_turn", "compose_offline"])
    graph.add_edge("compose_offline", "check_answer")
    graph.add_conditional_edges("check_answer", after_check,
                                ["llm_turn", "plan_offline", "respond"])
    graph.add_edge("respond", END)
    return graph
