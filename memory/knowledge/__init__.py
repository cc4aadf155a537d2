"""The knowledge base: policies and award summaries, chunked, embedded and searched."""
