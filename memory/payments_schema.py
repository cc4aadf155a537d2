"""Payment runs: which approved bills a run pays (with each payee's bank details as the supplier
master held them), who approved it, the ABA file it wrote, and the remittance advice sent.

* A run moves proposed → approved → written, or to cancelled; written and cancelled are final
  (the database refuses any change to a final run, and deleting any run).
* Items, approvals, files and remittances are write-once (triggers, as for the bank's history):
  an approval is one row per run, a run writes one file, a remittance is sent once per key.
* Writing the file does not pay a bill: the bank feed's reconciliation does, when it shows the
  payment (services.bank_reconcile gives a written run's bills its reference).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base
from memory.types import Money

RUN_STATUSES = ("proposed", "approved", "written", "cancelled")


class PaymentRunRow(Base):
    __tablename__ = "payment_runs"
    __table_args__ = (
        CheckConstraint("status IN ('proposed','approved','written','cancelled')", name="status"),
        CheckConstraint("total > 0", name="positive_total"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(18), unique=True)   # on the bank's statement
    status: Mapped[str] = mapped_column(String(10), index=True)
    due_by: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(Money)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)


class PaymentRunItem(Base):
    """One bill a run pays, with its supplier's bank details as they were at the proposal."""
    __tablename__ = "payment_run_items"
    __table_args__ = (
        UniqueConstraint("run_id", "invoice_id"),
        CheckConstraint("amount > 0", name="positive_amount"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    supplier: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(60))
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    bank_details_id: Mapped[int] = mapped_column(ForeignKey("contact_bank_details.id"))
    bsb: Mapped[str] = mapped_column(String(6))
    account_number: Mapped[str] = mapped_column(String(12))
    account_name: Mapped[str | None] = mapped_column(String(200))


class PaymentRunApproval(Base):
    """A person's approval of a run, once: the bank details it approved are the items' (the
    approval refuses a run whose payees changed since the proposal)."""
    __tablename__ = "payment_run_approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), unique=True)
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payees: Mapped[str] = mapped_column(Text)   # canonical JSON: contact id → bank details id


class AbaFileRow(Base):
    __tablename__ = "aba_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)          # the file, ASCII with its CR LFs
    process_on: Mapped[date] = mapped_column(Date)
    self_balanced: Mapped[bool] = mapped_column(Boolean)
    records: Mapped[int] = mapped_column(Integer)        # type 1 records
    written_by: Mapped[str] = mapped_column(String(100))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RemittanceRow(Base):
    """A remittance advice that was sent (recorded after the relay accepted it)."""
    __tablename__ = "payment_remittances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    email: Mapped[str] = mapped_column(String(254))
    message_id: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
