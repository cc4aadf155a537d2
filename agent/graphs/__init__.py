"""LangGraph graphs: wiring only (nodes in agent.nodes, routing in agent.routing)."""
