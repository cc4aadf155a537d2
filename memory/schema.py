"""The system of record's tables. Money columns are ExactDecimal (see memory/types.py).

The database enforces the ledger's invariants too (triggers in the migrations): journals balance
when posted, posted journals and lines are immutable, nothing posts into a locked period, the audit
log and bank-detail history are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, MetaData, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from memory.types import Money, Quantity, Rate, UnitPrice

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    abn: Mapped[str | None] = mapped_column(String(11))
    gst_registered: Mapped[bool] = mapped_column(Boolean, default=True)
    financial_year_start_month: Mapped[int] = mapped_column(Integer, default=7)
    lock_date: Mapped[date | None] = mapped_column(Date)
    base_currency: Mapped[str] = mapped_column(String(3), default="AUD")
    state: Mapped[str | None] = mapped_column(String(3))


class TaxCodeRow(Base):
    __tablename__ = "tax_codes"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(Rate)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            "type IN ('asset','liability','equity','revenue','expense')", name="account_type"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    type: Mapped[str] = mapped_column(String(10))
    subtype: Mapped[str] = mapped_column(String(30), default="")
    tax_code: Mapped[str | None] = mapped_column(ForeignKey("tax_codes.code"))
    role: Mapped[str | None] = mapped_column(String(40), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    abn: Mapped[str | None] = mapped_column(String(11), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    is_supplier: Mapped[bool] = mapped_column(Boolean, default=False)
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    default_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # A supplier the business already trades with (moved in from another system with its supplier
    # list): its first bill here is not a new supplier's first bill.
    established: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(100))
    bank_details: Mapped[list[ContactBankDetails]] = relationship(
        order_by="ContactBankDetails.id", viewonly=True
    )

    @property
    def current_bank_details(self) -> ContactBankDetails | None:
        return self.bank_details[-1] if self.bank_details else None


class ContactBankDetails(Base):
    """Every version of a contact's bank details: append-only, the newest row is current."""

    __tablename__ = "contact_bank_details"
    __table_args__ = (CheckConstraint("length(bsb) = 6", name="bsb_six_digits"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    bsb: Mapped[str] = mapped_column(String(6))
    account_number: Mapped[str] = mapped_column(String(12))
    account_name: Mapped[str | None] = mapped_column(String(200))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(100), default="manual")


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint(
            "employment_type IN ('full_time','part_time','casual')", name="employment_type"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    award: Mapped[str] = mapped_column(String(10))
    classification: Mapped[str] = mapped_column(String(10))
    employment_type: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(3))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    ordinary_hours_per_week: Mapped[Decimal] = mapped_column(Quantity)
    hourly_rate_paid: Mapped[Decimal] = mapped_column(UnitPrice)
    role_title: Mapped[str] = mapped_column(String(100), default="")


class PurchaseOrder(Base):
    __tablename__ = "purchase_orders"
    __table_args__ = (
        CheckConstraint("status IN ('open','partially_received','received','closed')", name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    expected_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    lines: Mapped[list[PurchaseOrderLine]] = relationship(order_by="PurchaseOrderLine.line_no")


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (UniqueConstraint("purchase_order_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    tax_code: Mapped[str] = mapped_column(ForeignKey("tax_codes.code"))


class GoodsReceipt(Base):
    __tablename__ = "goods_receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    received_date: Mapped[date] = mapped_column(Date)
    received_by: Mapped[str] = mapped_column(String(100))
    lines: Mapped[list[GoodsReceiptLine]] = relationship(order_by="GoodsReceiptLine.id")


class GoodsReceiptLine(Base):
    __tablename__ = "goods_receipt_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goods_receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipts.id"))
    purchase_order_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_lines.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)


class Journal(Base):
    __tablename__ = "journals"
    __table_args__ = (CheckConstraint("status IN ('draft','posted')", name="status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    narration: Mapped[str] = mapped_column(String(500))
    source_type: Mapped[str] = mapped_column(String(20), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    reverses_journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lines: Mapped[list[JournalLineRow]] = relationship(order_by="JournalLineRow.line_no")


class JournalLineRow(Base):
    __tablename__ = "journal_lines"
    __table_args__ = (
        UniqueConstraint("journal_id", "line_no"),
        CheckConstraint("amount <> 0", name="nonzero_amount"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)  # debit positive, credit negative
    description: Mapped[str] = mapped_column(String(500), default="")
    tax_code: Mapped[str | None] = mapped_column(ForeignKey("tax_codes.code"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))


class Invoice(Base):
    """A supplier bill (kind 'bill') or a sales invoice (kind 'sale')."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("kind", "contact_id", "number"),
        CheckConstraint("kind IN ('bill','sale')", name="kind"),
        CheckConstraint("status IN ('draft','posted','paid','void')", name="status"),
        CheckConstraint("subtotal + tax = total", name="totals_add_up"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    purchase_order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"))
    reference: Mapped[str | None] = mapped_column(String(100))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"))
    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.line_no")


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_code: Mapped[str] = mapped_column(ForeignKey("tax_codes.code"))
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_lines.id"))


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="positive_amount"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reference: Mapped[str | None] = mapped_column(String(100))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journals.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class PayRun(Base):
    __tablename__ = "pay_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    payment_date: Mapped[date] = mapped_column(Date, unique=True)
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journals.id"))
    payslips: Mapped[list[Payslip]] = relationship(order_by="Payslip.employee_id")


class Payslip(Base):
    __tablename__ = "payslips"
    __table_args__ = (
        UniqueConstraint("pay_run_id", "employee_id"),
        CheckConstraint("gross - payg_withheld = net", name="net_is_gross_less_tax"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pay_run_id: Mapped[int] = mapped_column(ForeignKey("pay_runs.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    ordinary_hours: Mapped[Decimal] = mapped_column(Quantity)
    gross: Mapped[Decimal] = mapped_column(Money)
    payg_withheld: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    superannuation: Mapped[Decimal] = mapped_column(Money)


class AuditEntry(Base):
    """Append-only and hash-chained: hash = sha256(prev_hash + canonical content)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 text: hashed byte for byte
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON text
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
