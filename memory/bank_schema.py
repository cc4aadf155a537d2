"""The bank: feeds (one per bank account in the chart), imported statements, their lines, and what
reconciled each line.

* A line is stored once per feed (`line_key`: the bank's id or a hash of what the line says), so
  re-importing an overlapping statement adds nothing.
* A reconciliation is write-once, one per line (the database refuses a second), and names the
  journals it posted and the evidence it was decided on. An existing ledger entry on the bank
  account is claimed by at most one line (`bank_matched_entries`).
* Bank rules are a person's (or a proposed, backtested) categorisation; categoriser models are
  versioned, write-once data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base
from memory.types import Money

LINE_STATUSES = ("open", "reconciled")
METHODS = ("match", "entry", "transfer", "rule", "categorise")
RULE_STATUSES = ("proposed", "active", "disabled")


class BankFeed(Base):
    __tablename__ = "bank_feeds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    identifier: Mapped[str] = mapped_column(String(60), unique=True)  # as statements name it
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="AUD")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankImport(Base):
    __tablename__ = "bank_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("bank_feeds.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    opening_balance: Mapped[Decimal | None] = mapped_column(Money)
    closing_balance: Mapped[Decimal | None] = mapped_column(Money)
    lines_read: Mapped[int] = mapped_column(Integer)
    lines_new: Mapped[int] = mapped_column(Integer)
    problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON: balance checks, gaps, warnings
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankLineRow(Base):
    __tablename__ = "bank_lines"
    __table_args__ = (
        UniqueConstraint("feed_id", "line_key"),
        CheckConstraint("status IN ('open','reconciled')", name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("bank_feeds.id"), index=True)
    line_key: Mapped[str] = mapped_column(String(32))
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_imports.id"))
    posted: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(500))
    payee: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(200), default="")
    bank_id: Mapped[str | None] = mapped_column(String(100))
    balance: Mapped[Decimal | None] = mapped_column(Money)
    kind: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    suggestions: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the last run's candidates
    suggested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BankReconciliation(Base):
    __tablename__ = "bank_reconciliations"
    __table_args__ = (
        UniqueConstraint("bank_line_id"),
        UniqueConstraint("idempotency_key"),
        CheckConstraint("method IN ('match','entry','transfer','rule','categorise')", name="method"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_line_id: Mapped[int] = mapped_column(ForeignKey("bank_lines.id"))
    method: Mapped[str] = mapped_column(String(12))
    decided_by: Mapped[str] = mapped_column(String(100))      # "auto" or the person's key name
    confidence: Mapped[float | None] = mapped_column(Float)
    account_code: Mapped[str | None] = mapped_column(String(20))
    tax_code: Mapped[str | None] = mapped_column(String(10))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)  # a person chose otherwise
    evidence: Mapped[str] = mapped_column(Text)                # JSON: the candidate and its reasons
    journal_ids: Mapped[str] = mapped_column(Text, default="[]")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankMatchedEntry(Base):
    """An existing ledger line on the bank account, claimed by the bank line that reconciled it."""

    __tablename__ = "bank_matched_entries"
    journal_line_id: Mapped[int] = mapped_column(ForeignKey("journal_lines.id"), primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("bank_reconciliations.id"), index=True)


class BankRuleRow(Base):
    __tablename__ = "bank_rules"
    __table_args__ = (
        CheckConstraint("status IN ('proposed','active','disabled')", name="status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(Text)                    # JSON: conditions and outcome
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))            # "person" or "learned"
    backtest: Mapped[str] = mapped_column(Text, default="{}")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankModelRow(Base):
    """A trained categoriser, one write-once row per version (the highest is in use)."""

    __tablename__ = "bank_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    examples: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(Text)
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
