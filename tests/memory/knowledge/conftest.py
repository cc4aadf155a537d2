"""Shared pieces of the knowledge-base tests: a hashing embedder (the test double of the embedding
seam: deterministic, instant, no model), the fixture files, and small knowledge bases built in
tmp_path. The real MiniLM is used only by test_demo_kb.py, built once per session."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import pytest

from memory.knowledge.kb import KnowledgeBase

FIXTURES = Path(__file__).parent / "fixtures"


class HashingEmbedder:
    """Bag of hashed words (and word pairs) → a normalised vector. Similar wording, similar vector."""

    name = "test-hashing"
    dimensions = 256

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        out = []
        for text in texts:
            vec = [0.0] * self.dimensions
            words = re.findall(r"[a-z0-9]+", text.lower())
            for feature in words + [f"{a} {b}" for a, b in pairwise(words)]:
                digest = hashlib.md5(feature.encode()).digest()
                vec[digest[0] % self.dimensions] += 1.0 if digest[1] % 2 else -1.0
            norm = math.sqrt(sum(v * v for v in vec)) or 1.0
            out.append([v / norm for v in vec])
        return out


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def kb(tmp_path: Path, embedder: HashingEmbedder) -> KnowledgeBase:
    return KnowledgeBase(tmp_path / "knowledge", embedder)


@pytest.fixture
def loaded_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """Every fixture document, ingested."""
    kb.ingest_directory(FIXTURES)
    return kb
