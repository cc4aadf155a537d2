"""Matching invoices to purchase orders and goods receipts (pure domain code)."""

from tools.matching.po_match import (
    EXCEPTION_CODES, LineMatch, MatchResult, MatchStatus, MatchTolerances, OpenPurchaseOrder,
    POLine, match_purchase_order, match_tolerances_from, normalise_po_number,
)
from tools.matching.similarity import description_tokens, similarity

__all__ = [
    "EXCEPTION_CODES", "LineMatch", "MatchResult", "MatchStatus", "MatchTolerances",
    "OpenPurchaseOrder", "POLine", "description_tokens", "match_purchase_order",
    "match_tolerances_from",
    "normalise_po_number", "similarity",
]
