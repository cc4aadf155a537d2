"""Suggestions as they are kept on a bank line (JSON) and read back: what a person sees in the
exception queue, and what accepting one re-checks against the books as they are now."""

from __future__ import annotations

from decimal import Decimal

from memory.bank_store import LedgerEntry
from tools.bank.entries import EntryMatch
from tools.bank.reconcile import Candidate, OpenItem


def candidate_dict(c: Candidate) -> dict:
    return {"kind": c.kind, "confidence": round(float(c.confidence), 4), "reasons": list(c.reasons),
            "item_ids": list(c.item_ids),
            "allocations": [[item_id, str(amount)] for item_id, amount in c.allocations],
            "items": [{"id": i.item_id, "number": i.number, "contact": i.contact,
                       "amount": str(i.amount)} for i in c.items],
            "account_code": c.account_code, "tax_code": c.tax_code,
            "difference": str(c.difference), "contact_id": c.contact_id, "rule_id": c.rule_id}


def entry_dict(m: EntryMatch, entry: LedgerEntry) -> dict:
    return {"kind": "entry", "confidence": m.confidence, "reasons": list(m.reasons),
            "entry": entry.journal_line_id, "journal_id": entry.journal_id,
            "entry_date": entry.date.isoformat(), "entry_amount": str(entry.amount),
            "narration": entry.narration, "account_code": None, "tax_code": None,
            "counter_accounts": list(entry.counter_accounts)}


def candidate_from_dict(d: dict, items_now: dict[str, OpenItem]) -> Candidate:
    """The stored suggestion as a kernel candidate, with the items as the books hold them now
    (an item paid meanwhile is missing, and the journal then refuses to post)."""
    allocations = tuple((item_id, Decimal(amount)) for item_id, amount in d.get("allocations", ()))
    return Candidate(
        kind=d["kind"], confidence=float(d["confidence"] if d.get("confidence") is not None else 1.0), reasons=tuple(d.get("reasons", ())),
        item_ids=tuple(d.get("item_ids", ())), allocations=allocations,
        account_code=d.get("account_code"), tax_code=d.get("tax_code"),
        difference=Decimal(d.get("difference") or "0.00"), contact_id=d.get("contact_id"),
        items=tuple(items_now[i] for i, _ in allocations if i in items_now),
        rule_id=d.get("rule_id"))
