"""The invoice graph's state: immutable domain values (checkpointed with agent.serde's allowlist)."""

from __future__ import annotations

from typing import Any, TypedDict

from tools.ap.propose import BillProposal, ProposalRefused
from tools.documents.extract import InvoiceReading, RawReading
from tools.matching.po_match import MatchResult
from tools.policies.decide import Decision


class InvoiceState(TypedDict, total=False):
    run_id: int
    message_id: int
    requested: dict[str, str]        # admit: {by, note} when a person asked for approval (assistant)
    raw: RawReading | None           # extract: what was read, before checks (dropped after validate)
    reading: InvoiceReading          # validate: the checked reading (issues, supplier match; no texts)
    extracted_document_id: int
    confidence: float                # the decide step's confidence (validation.decision_confidence)
    match: MatchResult
    proposal: BillProposal | ProposalRefused
    decision: Decision
    approval_id: int
    verdict: dict[str, Any]          # the approver's decision, as resumed: {decision, approval_id, by}
    bill_id: int
    outcome: str                     # posted | rejected | quarantined
    reason: str                      # why it was quarantined or rejected
