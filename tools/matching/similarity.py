"""Description similarity for pairing invoice lines with PO lines and with past bill lines (pure).

A description becomes a set of normalised tokens: Unicode-folded, accents and case gone, split on
anything not a letter or digit and between letters and digits ("27cm" → "27", "cm"), a small list of
filler words dropped ("a", "of", "for", "x", "set"...), and a crude plural folded ("plates" →
"plate"; words ending "ss" such as "glass" are kept). Similarity is the Jaccard index of two token
sets, |A ∩ B| / |A ∪ B|: 1.0 for the same words in any order, 0.0 for nothing in common or an empty
description. Jaccard is symmetric and punishes extra words, so "Stoneware dinner plate 27cm" and
"Stoneware side plate 20cm" score 0.5 (not a pair by description alone), while a re-ordered or
re-punctuated description scores 1.0.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["description_tokens", "similarity"]

_FILLER = frozenset({"a", "an", "the", "of", "for", "and", "to", "with", "per", "x", "in", "on",
                     "at", "by", "each", "ea", "set", "incl", "inc", "ex", "gst"})
_SPLIT = re.compile(r"[^\W_]+", re.UNICODE)
_LETTER_DIGIT = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").casefold()


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss") and not token.isdigit():
        return token[:-1]
    return token


def description_tokens(text: str | None) -> frozenset[str]:
    """The normalised token set of a description (empty for None or blank)."""
    out: set[str] = set()
    for word in _SPLIT.findall(_fold(text or "")):
        for part in _LETTER_DIGIT.findall(word):
            if part.isdigit():
                part = part.lstrip("0") or "0"
            if part and part not in _FILLER:
                out.add(_singular(part))
    return frozenset(out)


def similarity(a: str | frozenset[str] | None, b: str | frozenset[str] | None) -> float:
    """Jaccard similarity of two descriptions (or token sets), in [0, 1]."""
    ta = a if isinstance(a, frozenset) else description_tokens(a)
    tb = b if isinstance(b, frozenset) else description_tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
