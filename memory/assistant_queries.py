"""What the assistant's tools (agent/chat/tools) read: inbox messages with their AP outcome, bills
with what is still owed on them, stored extractions, journal counts and employees.

Every query is built from SQLAlchemy expressions with bound parameters: a tool passes typed values
(an int, a date, a status from a closed list, a supplier name matched with `contains(...,
autoescape=True)`), never text that becomes SQL, so nothing a model writes can change a query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from memory.ap_schema import ApRun
from memory.documents_schema import ExtractedDocument
from memory.inbox_schema import InboxMessage
from memory.schema import Contact, Employee, Invoice, Journal, Payment

INBOX_STATUSES = ("received", "processing", "posted", "awaiting_approval", "rejected",
                  "quarantined")
BILL_STATUSES = ("draft", "posted", "paid", "void")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InboxRow:
    id: int
    received_at: datetime
    sender: str | None
    subject: str
    raw_sha256: str
    inbox_status: str
    quarantine_reason: str | None
    run_id: int | None
    run_state: str | None
    bill_id: int | None
    approval_id: int | None
    reasons: tuple[dict[str, Any], ...]
    last_error: str | None
    requested_by: str | None
    bill_total: Decimal | None
    bill_number: str | None


def _status_condition(status: str) -> ColumnElement[bool]:
    """The derived status (api.views.message_status) as a WHERE condition."""
    quarantined = or_(InboxMessage.status == "quarantined",
                      ApRun.state.in_(("quarantined", "failed")))
    no_run = ApRun.id.is_(None)
    if status == "quarantined":
        return quarantined
    if status == "received":
        return and_(no_run, InboxMessage.status == "received")
    if status == "processing":
        return and_(~quarantined, or_(ApRun.state.in_(("admitted", "running", "resuming")),
                                      and_(no_run, InboxMessage.status == "processing")))
    if status == "posted":
        return and_(~quarantined, or_(ApRun.state == "posted",
                                      and_(no_run, InboxMessage.status == "processed")))
    if status in ("awaiting_approval", "rejected"):
        return and_(~quarantined, ApRun.state == status)
    raise ValueError(f"status must be one of {', '.join(INBOX_STATUSES)}")


def inbox_messages(session: Session, *, status: str | None = None, limit: int = 20,
                   message_id: int | None = None) -> list[InboxRow]:
    """Newest first, each with its AP run (if admitted) and the bill it became (if posted)."""
    query = (select(InboxMessage, ApRun, Invoice.total, Invoice.number)
             .outerjoin(ApRun, ApRun.inbox_message_id == InboxMessage.id)
             .outerjoin(Invoice, Invoice.id == ApRun.bill_id)
             .order_by(InboxMessage.received_at.desc(), InboxMessage.id.desc()).limit(limit))
    if status is not None:
        query = query.where(_status_condition(status))
    if message_id is not None:
        query = query.where(InboxMessage.id == message_id)
    out = []
    for message, run, total, number in session.execute(query):
        out.append(InboxRow(
            message.id, message.received_at, message.sender, message.subject, message.raw_sha256,
            message.status, message.quarantine_reason, run.id if run else None,
            run.state if run else None, run.bill_id if run else None,
            run.approval_id if run else None,
            tuple(json.loads(run.reasons or "[]")) if run else (),
            run.last_error if run else None, run.requested_by if run else None, total, number))
    return out


@dataclass(frozen=True)
class BillRow:
    id: int
    number: str
    supplier: str
    contact_id: int
    issue_date: date
    due_date: date
    status: str
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid


def bills(session: Session, *, supplier: str | None = None, status: str | None = None,
          due_before: date | None = None, as_at: date | None = None,
          limit: int = 100) -> list[BillRow]:
    """Supplier bills, by due date; `paid` counts payments made by `as_at` (all when None)."""
    paid = select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))
    if as_at is not None:
        paid = paid.where(Payment.date <= as_at)
    paid_sq = paid.group_by(Payment.invoice_id).subquery()
    query = (select(Invoice, Contact.name, func.coalesce(paid_sq.c.paid, 0))
             .join(Contact, Contact.id == Invoice.contact_id)
             .outerjoin(paid_sq, paid_sq.c.invoice_id == Invoice.id)
             .where(Invoice.kind == "bill")
             .order_by(Invoice.due_date, Invoice.id).limit(limit))
    if supplier:
        query = query.where(func.lower(Contact.name).contains(supplier.strip().lower(),
                                                              autoescape=True))
    if status is not None:
        query = query.where(Invoice.status == status)
    if due_before is not None:
        query = query.where(Invoice.due_date < due_before)
    if as_at is not None:
        query = query.where(Invoice.issue_date <= as_at)
    return [BillRow(inv.id, inv.number, name, inv.contact_id, inv.issue_date, inv.due_date,
                    inv.status, inv.subtotal, inv.tax, inv.total, Decimal(str(paid_amount or 0)))
            for inv, name, paid_amount in session.execute(query)]


@dataclass(frozen=True)
class StoredDocument:
    id: int
    source: str
    content_sha256: str
    method: str
    contract: dict[str, Any]


def stored_extractions(session: Session, message_id: int) -> list[StoredDocument]:
    """Every extraction recorded for one inbox message (usually one: its invoice)."""
    rows = session.scalars(select(ExtractedDocument)
                           .where(ExtractedDocument.inbox_message_id == message_id)
                           .order_by(ExtractedDocument.id))
    return [StoredDocument(r.id, r.source, r.content_sha256, r.method, json.loads(r.extraction))
            for r in rows]


def message_blob(session: Session, message_id: int) -> tuple[str, str] | None:
    """(raw_sha256, subject) of one inbox message, None when there is none."""
    row = session.execute(select(InboxMessage.raw_sha256, InboxMessage.subject)
                          .where(InboxMessage.id == message_id)).first()
    return (row[0], row[1]) if row else None


def journal_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Journal)) or 0)


def employee_exists(session: Session, code: str) -> bool:
    return session.scalar(select(Employee.id).where(Employee.employee_code == code)) is not None
