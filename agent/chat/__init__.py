"""The advisor assistant: the chat graph's pieces (offline router, LLM tool loop, answers)."""
