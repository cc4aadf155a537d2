"""Supplier layouts: every version of what corrections taught about a supplier's documents, and the
outcome of each lesson (one per approval, so replaying a decision never learns twice).

Only storage: learning, backtesting and reading are tools.documents.learned, called by
services.learning. `accepted_documents` loads what a backtest needs: the supplier's documents whose
runs were posted, with the corrections their approvals made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from memory import audit
from memory.ap_schema import Approval, ApRun
from memory.db import read_only
from memory.documents_schema import ExtractedDocument
from memory.inbox_schema import InboxMessage
from memory.layouts_schema import SupplierLayoutRow
from tools.documents.learned import SupplierLayout


class LayoutConflict(Exception):
    """Another lesson for the same supplier stored the same version first: learn again."""


@dataclass(frozen=True)
class LayoutLesson:
    id: int
    supplier_abn: str
    version: int | None
    outcome: str                    # learned | refused | unchanged
    layout: SupplierLayout | None
    approval_id: int | None
    taught_by: str
    lesson: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, row: SupplierLayoutRow) -> LayoutLesson:
        layout = SupplierLayout.from_dict(json.loads(row.layout)) if row.layout else None
        return cls(row.id, row.supplier_abn, row.version, row.outcome, layout, row.approval_id,
                   row.taught_by, json.loads(row.lesson), row.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "supplier_abn": self.supplier_abn, "version": self.version,
                "outcome": self.outcome, "layout": self.layout.to_dict() if self.layout else None,
                "approval_id": self.approval_id, "taught_by": self.taught_by,
                "lesson": self.lesson, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class AcceptedDocument:
    """A document of the supplier's whose bill was posted, and what was accepted for it."""

    extracted_document_id: int
    inbox_message_id: int
    raw_sha256: str                 # the message's bytes in the blob store
    content_sha256: str             # the document's bytes within it
    extraction: dict[str, Any]      # as read (the ARCHITECTURE.md §5 JSON)
    changes: dict[str, Any] | None  # the approval's edit, when the bill was edited


def latest(session: Session, abn: str) -> SupplierLayout | None:
    row = session.scalar(select(SupplierLayoutRow).where(
        SupplierLayoutRow.supplier_abn == abn, SupplierLayoutRow.version.is_not(None))
        .order_by(SupplierLayoutRow.version.desc()).limit(1))
    return LayoutLesson.of(row).layout if row is not None else None


def lessons(session: Session, abn: str) -> list[LayoutLesson]:
    """Every lesson for the supplier, oldest first (versions and the refused or unchanged)."""
    rows = session.scalars(select(SupplierLayoutRow).where(SupplierLayoutRow.supplier_abn == abn)
                           .order_by(SupplierLayoutRow.id))
    return [LayoutLesson.of(r) for r in rows]


def lesson_for(session: Session, approval_id: int) -> LayoutLesson | None:
    row = session.scalar(select(SupplierLayoutRow).where(SupplierLayoutRow.approval_id == approval_id))
    return LayoutLesson.of(row) if row is not None else None


def record(session: Session, clock: Clock, *, abn: str, outcome: str, layout: SupplierLayout | None,
           approval_id: int | None, taught_by: str, lesson: dict[str, Any]) -> tuple[LayoutLesson, bool]:
    """Keep one lesson: (the row, True) or, when this approval already taught, (its row, False).
    A learned layout must be the next version; raises LayoutConflict when another got there first."""
    if approval_id is not None and (done := lesson_for(session, approval_id)) is not None:
        return done, False
    if outcome == "learned":
        assert layout is not None and layout.supplier_abn == abn
        current = session.scalar(select(func.max(SupplierLayoutRow.version))
                                 .where(SupplierLayoutRow.supplier_abn == abn)) or 0
        if layout.version != current + 1:
            raise LayoutConflict(f"{abn} is at version {current}, not {layout.version - 1}")
    row = SupplierLayoutRow(
        supplier_abn=abn, version=layout.version if outcome == "learned" and layout else None,
        outcome=outcome, approval_id=approval_id, taught_by=taught_by[:100],
        layout=json.dumps(layout.to_dict(), sort_keys=True, separators=(",", ":"))
        if outcome == "learned" and layout else None,
        lesson=json.dumps(lesson, sort_keys=True, separators=(",", ":"), default=str),
        created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        if approval_id is not None and (done := lesson_for(session, approval_id)) is not None:
            return done, False
        raise LayoutConflict(f"another lesson for {abn} stored version {row.version} first") from None
    audit.append(session, clock, actor=taught_by, action=f"supplier_layout.{outcome}",
                 entity_type="supplier_layout", entity_id=row.id,
                 payload={"abn": abn, "version": row.version, "approval": approval_id})
    return LayoutLesson.of(row), True


def accepted_documents(session: Session, *, abn: str | None, contact_id: int | None,
                       exclude_message_id: int | None = None, limit: int = 20) -> list[AcceptedDocument]:
    """The supplier's documents (by ABN or master contact) whose runs posted a bill, newest first,
    with the edit their approval made (if any)."""
    who = [c for c in (ExtractedDocument.supplier_abn == abn if abn else None,
                       ExtractedDocument.contact_id == contact_id if contact_id else None) if c is not None]
    if not who:
        return []
    query = (select(ExtractedDocument, InboxMessage.raw_sha256, ApRun.id)
             .join(InboxMessage, InboxMessage.id == ExtractedDocument.inbox_message_id)
             .join(ApRun, ApRun.inbox_message_id == ExtractedDocument.inbox_message_id)
             .where(or_(*who), ApRun.state == "posted")
             .order_by(ExtractedDocument.id.desc()).limit(limit))
    if exclude_message_id is not None:
        query = query.where(ExtractedDocument.inbox_message_id != exclude_message_id)
    out = []
    for doc, raw_sha, run_id in session.execute(query):
        changes = session.scalar(select(Approval.changes).where(
            Approval.run_id == run_id, Approval.decision == "edit").order_by(Approval.id.desc()).limit(1))
        out.append(AcceptedDocument(doc.id, doc.inbox_message_id or 0, raw_sha, doc.content_sha256,
                                    json.loads(doc.extraction), json.loads(changes) if changes else None))
    return out


def approved_line_accounts(session: Session, contact_id: int, *, exclude_approval_id: int | None = None,
                           limit: int = 200) -> list[tuple[str, str]]:
    """(description, account) of every line on the supplier's bills a person approved (as proposed
    or as they edited it), newest approval first: the coding people accepted."""
    query = (select(Approval.proposal, Approval.changes)
             .where(Approval.contact_id == contact_id, Approval.status == "approved")
             .order_by(Approval.id.desc()).limit(limit))
    if exclude_approval_id is not None:
        query = query.where(Approval.id != exclude_approval_id)
    out: list[tuple[str, str]] = []
    for proposal, changes in session.execute(query):
        lines = json.loads(proposal).get("lines", [])
        accounts = [ln.get("account") for ln in lines]
        for edit in (json.loads(changes) if changes else {}).get("lines", []):
            if edit["index"] < len(accounts):
                accounts[edit["index"]] = edit["account_code"]
        out += [(ln["description"], acct) for ln, acct in zip(lines, accounts)
                if acct and ln.get("source_line") is not None]
    return out


class StoredLayouts:
    """tools.documents.learned.LearnedLayouts over the database (one short read per lookup)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def latest(self, abn: str) -> SupplierLayout | None:
        with read_only(self.sessions) as session:
            return latest(session, abn)
