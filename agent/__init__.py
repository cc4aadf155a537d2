"""LangGraph graphs, the LLM client and the one settings object."""
