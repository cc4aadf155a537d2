"""Okapi BM25 over the chunks, in memory: the lexical half of the hybrid search.

Why our own: a few hundred chunks fit in memory and rebuild in milliseconds from the chroma
collection when the knowledge base opens, so nothing extra is persisted or can drift. Tokens keep
clause numbers ("25.5"), money ("$5,000" → "5000") and award codes ("ma000004") whole, because an
exact clause number or code is what a lexical score is best at.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_STOP_TEXT = """a an and are as at be by can do does for from has have how i if in is it
its may me my of on or our so than that the their them then there these they this to up was we
what when where which who whom why will with you your am been being did into any all
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


# Words people use → the words our policies and the awards use (query side only). Australian
# usage: "holidays" is annual leave, "sick days" personal leave, "super" superannuation.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "holiday": ("annual", "leave"), "holidays": ("annual", "leave"), "vacation": ("annual", "leave"),
    "sick": ("personal", "leave"), "super": ("superannuation",), "tfn": ("tax", "file", "number"),
    "po": ("purchase", "order"), "invoice": ("bill",), "invoices": ("bill",),
    "vendor": ("supplier",), "vendors": ("supplier",), "payslip": ("pay", "slip"),
    "payslips": ("pay", "slip"), "underpaid": ("underpayment", "back", "pay"),
    "overpaid": ("overpayment",), "brother": ("family",), "sister": ("family",),
    "relative": ("family",), "in-law": ("family",), "law": ("family",), "wife": ("family",),
    "husband": ("family",), "partner": ("family",), "reimbursement": ("claim",),
    "refund": ("reimburse",), "refunded": ("reimburse",), "sign": ("approve",),
    "okay": ("approve",), "ok": ("approve",), "casuals": ("casual",), "lunch": ("meal",),
    "dinner": ("meal",), "weekend": ("saturday", "sunday"), "christmas": ("public", "holiday"),
    "anzac": ("public", "holiday"), "boxing": ("public", "holiday"), "payday": ("pay", "day"),
    "fake": ("fraud",), "scam": ("fraud",), "corporate": ("company",),
}


def expand_query(text: str) -> list[str]:
    """The query's tokens plus the policy words for the everyday words in it."""
    tokens = tokenize(text)
    extra = [syn for t in tokens for syn in SYNONYMS.get(t, ())]
    return tokens + tokenize(" ".join(extra))


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; "$5,000.00" → "5000.00", "25.5" stays; stopwords dropped."""
    out = []
    for raw in _TOKEN.findall(text.lower()):
        token = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", raw) else raw
        token = token.rstrip(".,")
        if re.fullmatch(r"\d+\.00", token):
            token = token[:-3]  # "$5,000.00" and "$5,000" are the same amount
        if token and token not in STOPWORDS:
            out.append(token)
            if token.endswith("s") and len(token) > 3 and not token[-2].isdigit():
                out.append(token[:-1])  # a crude plural fold: "bills" also matches "bill"
    return out


class Bm25Index:
    """Add and remove documents by id; score a query against all or some of them."""

    def __init__(self, k1: float = 1.4, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._tf: dict[str, Counter[str]] = {}
        self._len: dict[str, int] = {}
        self._df: Counter[str] = Counter()
        self._total = 0

    def __len__(self) -> int:
        return len(self._tf)

    def add(self, doc_id: str, text: str) -> None:
        self.remove(doc_id)
        tf = Counter(tokenize(text))
        self._tf[doc_id], self._len[doc_id] = tf, sum(tf.values())
        self._df.update(tf.keys())
        self._total += self._len[doc_id]

    def remove(self, doc_id: str) -> None:
        tf = self._tf.pop(doc_id, None)
        if tf is None:
            return
        self._total -= self._len.pop(doc_id)
        self._df.subtract(tf.keys())
        for term in [t for t in tf if self._df[t] <= 0]:
            del self._df[term]

    def scores(self, query: str, ids: Iterable[str] | None = None) -> dict[str, float]:
        """BM25 score of every (or each given) document with a positive score."""
        terms = set(expand_query(query))
        n = len(self._tf)
        if not terms or not n:
            return {}
        avg = self._total / n
        idf: Mapping[str, float] = {
            t: math.log(1 + (n - self._df[t] + 0.5) / (self._df[t] + 0.5))
            for t in terms if self._df.get(t)}
        out: dict[str, float] = {}
        for doc_id in (self._tf if ids is None else ids):
            tf = self._tf.get(doc_id)
            if tf is None:
                continue
            norm = self.k1 * (1 - self.b + self.b * self._len[doc_id] / avg)
            score = sum(w * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t, w in idf.items() if t in tf)
            if score > 0:
                out[doc_id] = score
        return out
