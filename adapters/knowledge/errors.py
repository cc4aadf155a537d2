"""The knowledge base's one typed failure: a stable `code` for programs and a plain `message`."""

from __future__ import annotations


class KnowledgeError(Exception):
    """A document we will not ingest, a search we cannot serve, or an offline model that is missing.

    Codes: not_found, unsupported_type, empty, too_large, unreadable, no_text, bad_metadata,
    offline_model_missing, embedder_mismatch, bad_query.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message
