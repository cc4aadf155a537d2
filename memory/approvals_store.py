"""Approvals waiting for a person, and their one decision.

A decision is taken once: the row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are
IMMEDIATE), a stale proposal hash or a second, different decision is a conflict, and replaying the
same Idempotency-Key with the same decision returns the first answer. The database refuses to change
a decided approval (migration 0006).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from memory import audit
from memory.ap_schema import Approval
from core.clock import Clock


class ApprovalConflict(Exception):
    """The decision cannot be taken: `code` is stale_proposal, already_decided or key_reused."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class ApprovalNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ApprovalRecord:
    id: int
    run_id: int
    inbox_message_id: int
    contact_id: int | None
    status: str
    amount: Decimal
    required_role: str
    confidence: str
    proposal_hash: str
    proposal: dict[str, Any]
    reasons: list[dict[str, Any]]
    evidence: dict[str, Any]
    created_at: datetime
    escalated_at: datetime | None
    decision: str | None
    decided_by: str | None
    decided_role: str | None
    decided_at: datetime | None
    changes: dict[str, Any] | None
    comment: str | None
    decision_key: str | None = None   # the Idempotency-Key the decision came with

    @classmethod
    def of(cls, row: Approval) -> ApprovalRecord:
        return cls(row.id, row.run_id, row.inbox_message_id, row.contact_id, row.status, row.amount,
                   row.required_role, row.confidence, row.proposal_hash, json.loads(row.proposal),
                   json.loads(row.reasons), json.loads(row.evidence), row.created_at, row.escalated_at,
                   row.decision, row.decided_by, row.decided_role, row.decided_at,
                   json.loads(row.changes) if row.changes else None, row.comment, row.decision_key)


@dataclass(frozen=True)
class DecisionResult:
    approval: ApprovalRecord
    replayed: bool            # the same Idempotency-Key again: nothing new happened


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def open_approval(session: Session, clock: Clock, *, run_id: int, inbox_message_id: int,
                  contact_id: int | None, amount: Decimal, required_role: str, confidence: float,
                  proposal_hash: str, proposal: dict[str, Any], reasons: list[dict[str, Any]],
                  evidence: dict[str, Any]) -> ApprovalRecord:
    """One pending approval per run and proposal: asking again returns the one already open."""
    existing = session.scalar(select(Approval).where(Approval.run_id == run_id,
                                                     Approval.proposal_hash == proposal_hash))
    if existing is not None:
        return ApprovalRecord.of(existing)
    row = Approval(run_id=run_id, inbox_message_id=inbox_message_id, contact_id=contact_id,
                   status="pending", amount=amount, required_role=required_role,
                   confidence=f"{confidence:.3f}", proposal_hash=proposal_hash,
                   proposal=_canonical(proposal), reasons=_canonical(reasons),
                   evidence=_canonical(evidence), created_at=clock.now())
    session.add(row)
    session.flush()
    audit.append(session, clock, actor="ap-agent", action="approval.requested", entity_type="approval",
                 entity_id=row.id, payload={"run": run_id, "amount": amount, "hash": proposal_hash,
                                            "reasons": [r["code"] for r in reasons]})
    return ApprovalRecord.of(row)


def get(session: Session, approval_id: int, *, lock: bool = False) -> ApprovalRecord:
    row = session.get(Approval, approval_id, with_for_update=lock)
    if row is None:
        raise ApprovalNotFound(approval_id)
    return ApprovalRecord.of(row)


def list_approvals(session: Session, *, status: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[ApprovalRecord]:
    query = select(Approval).order_by(Approval.created_at, Approval.id).limit(limit).offset(offset)
    if status:
        query = query.where(Approval.status == status)
    return [ApprovalRecord.of(r) for r in session.scalars(query)]


def decide(session: Session, clock: Clock, approval_id: int, *, decision: str, actor: str,
           role: str, proposal_hash: str, key: str, changes: dict[str, Any] | None = None,
           comment: str | None = None) -> DecisionResult:
    """Record approve / reject / edit. Authorisation (role, limits, segregation of duties) is the
    caller's job, checked before this; this enforces once-only and freshness."""
    row = session.get(Approval, approval_id, with_for_update=True)
    if row is None:
        raise ApprovalNotFound(approval_id)
    if row.decision_key == key:
        if (row.decision, row.decided_by, row.proposal_hash) == (decision, actor, proposal_hash):
            return DecisionResult(ApprovalRecord.of(row), replayed=True)
        raise ApprovalConflict("key_reused", "This Idempotency-Key was used for a different decision.")
    if row.status != "pending":
        raise ApprovalConflict("already_decided", f"Approval {approval_id} was already decided "
                               f"({row.decision} by {row.decided_by}).")
    if proposal_hash != row.proposal_hash:
        raise ApprovalConflict("stale_proposal", "The proposal changed since it was shown; reload it "
                               "and decide again.")
    row.status = "rejected" if decision == "reject" else "approved"
    row.decision, row.decided_by, row.decided_at = decision, actor, clock.now()
    row.decided_role = role
    row.decision_key, row.comment = key, (comment or None)
    row.changes = _canonical(changes) if changes else None
    session.flush()
    audit.append(session, clock, actor=actor, action=f"approval.{decision}", entity_type="approval",
                 entity_id=row.id, payload={"hash": proposal_hash, "changes": changes or {},
                                            "comment": comment or ""})
    return DecisionResult(ApprovalRecord.of(row), replayed=False)


def overdue(session: Session, *, before: datetime) -> list[ApprovalRecord]:
    rows = session.scalars(select(Approval).where(Approval.status == "pending", Approval.escalated_at.is_(None),
                                                  Approval.created_at < before).order_by(Approval.id))
    return [ApprovalRecord.of(r) for r in rows]


def mark_escalated(session: Session, clock: Clock, approval_id: int, *, notified: str) -> None:
    row = session.get(Approval, approval_id, with_for_update=True)
    if row is None or row.escalated_at is not None or row.status != "pending":
        return
    row.escalated_at = clock.now()
    session.flush()
    audit.append(session, clock, actor="ap-agent", action="approval.escalated", entity_type="approval",
                 entity_id=row.id, payload={"notified": notified})
