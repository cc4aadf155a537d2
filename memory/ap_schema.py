"""The AP agent's tables: one run per inbox message (the admission record and the work claim),
approvals waiting for a person, and the API keys people and systems use.

Why a run row besides the LangGraph checkpoint: a message is admitted (and can be found again by the
recovery sweep) before its graph has written a first checkpoint, and workers claim runs with a
lease, so several workers share the work and a dead worker's run is picked up again.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base
from memory.types import Money

RUN_STATES = ("admitted", "running", "awaiting_approval", "resuming", "posted", "rejected",
              "quarantined", "failed")
FINAL_RUN_STATES = ("posted", "rejected", "quarantined")
APPROVAL_STATUSES = ("pending", "approved", "rejected")
ROLES = ("clerk", "approver", "owner", "auditor", "admin")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class ApRun(Base):
    __tablename__ = "ap_runs"
    __table_args__ = (CheckConstraint(_in("state", RUN_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox_message_id: Mapped[int] = mapped_column(ForeignKey("inbox_messages.id"), unique=True)
    thread_id: Mapped[str] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    approval_id: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text, default="[]")      # JSON list of {code, message, hard}
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # Set when a person asked (through the assistant) for this message to become a bill: the run
    # then always ends at a person's approval (tools.policies.decide, "requested_by_assistant").
    requested_by: Mapped[str | None] = mapped_column(String(100))
    request_note: Mapped[str | None] = mapped_column(String(1000))
    admitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(_in("status", APPROVAL_STATUSES), name="status"),
        CheckConstraint(_in("required_role", ROLES), name="required_role"),
        CheckConstraint("status = 'pending' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
                        name="decided_has_who_and_when"),
        UniqueConstraint("decision_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ap_runs.id"), index=True)
    inbox_message_id: Mapped[int] = mapped_column(ForeignKey("inbox_messages.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    required_role: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[str] = mapped_column(String(10))          # as text: never a float column
    proposal_hash: Mapped[str] = mapped_column(String(64))
    proposal: Mapped[str] = mapped_column(Text)                  # canonical JSON
    reasons: Mapped[str] = mapped_column(Text)                   # JSON list of {code, message, hard}
    evidence: Mapped[str] = mapped_column(Text)                  # JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(10))     # approve | reject | edit
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_role: Mapped[str | None] = mapped_column(String(10))  # the approver's role when deciding
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_key: Mapped[str | None] = mapped_column(String(200))  # the Idempotency-Key
    changes: Mapped[str | None] = mapped_column(Text)            # JSON, for "edit"
    comment: Mapped[str | None] = mapped_column(String(2000))


class ApiKey(Base):
    """A key is shown once; only its SHA-256 is kept (keys are long random tokens, so a fast hash
    is enough: there is nothing to brute-force)."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(10))
    prefix: Mapped[str] = mapped_column(String(16), index=True)   # shown in lists, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The employee this key belongs to (employees.employee_code): they may check their own pay.
    employee_code: Mapped[str | None] = mapped_column(String(20))
    # The person the key was issued to (people, not keys, are kept apart from deciding on what
    # they set up), and when and by whom it was switched on: NULL while it waits for an owner.
    holder: Mapped[str] = mapped_column(String(100))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_by: Mapped[str | None] = mapped_column(String(100))
