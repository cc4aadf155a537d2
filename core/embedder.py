"""The embedding seam: text in, one vector per text out. The real model (all-MiniLM-L6-v2, read
from its installed package) is adapters.knowledge.embedder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Embedder(Protocol):
    """Text in, one vector per text out. `name` is recorded with the collection so a store is
    never searched with vectors from another model."""

    @property
    def name(self) -> str: ...

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...
