"""Which policy and award passages an answer relies on: the `search_policies` hits of the turn.

The offline composer cites what it quotes. For a model's answer, a hit is cited when the answer
names its clause number or its document's title; when the answer names none, the best hit of each
search is cited (the model answered from them, even if it forgot to say so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

SEARCH_TOOL = "search_policies"
QUOTE_CHARS = 400


def citation(hit: dict[str, Any]) -> dict[str, Any]:
    text = " ".join(str(hit.get("text", "")).split())
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rsplit(" ", 1)[0] + " …"
    return {"document": hit.get("title") or hit.get("document"), "document_id": hit.get("document"),
            "clause": hit.get("clause"), "text": text}


def search_hits(results: Iterable[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The hits of each successful search, best first."""
    return [list(r["result"].get("hits", [])) for r in results
            if r.get("name") == SEARCH_TOOL and r.get("ok")]


def _named(answer: str, hit: dict[str, Any]) -> bool:
    clause = str(hit.get("clause") or "").strip()
    if clause and re.search(rf"(?<![\d.]){re.escape(clause)}(?![\d])", answer):
        return True
    title = str(hit.get("title") or "").strip()
    return bool(title) and title.lower() in answer.lower()


def cited_by(answer: str, results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    searches = search_hits(results)
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any]] = set()

    def add(hit: dict[str, Any]) -> None:
        key = (hit.get("document"), hit.get("clause"))
        if key not in seen:
            seen.add(key)
            out.append(citation(hit))

    for hits in searches:
        for hit in hits:
            if _named(answer, hit):
                add(hit)
    if not out:
        for hits in searches:
            if hits:
                add(hits[0])
    return out
