"""Supplier layouts: what each approver's correction taught about one supplier's documents
(tools.documents.learned.SupplierLayout), one row per lesson. Rows are write-once: a lesson that
taught something is a new version (the highest is current); one refused by the backtest or that
taught nothing new is kept too, with why, so a replayed decision never learns twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base

OUTCOMES = ("learned", "refused", "unchanged")


class SupplierLayoutRow(Base):
    __tablename__ = "supplier_layouts"
    __table_args__ = (
        UniqueConstraint("supplier_abn", "version"),
        UniqueConstraint("approval_id"),
        CheckConstraint("outcome IN ('learned','refused','unchanged')", name="outcome"),
        CheckConstraint("(outcome = 'learned') = (version IS NOT NULL AND layout IS NOT NULL)",
                        name="learned_has_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_abn: Mapped[str] = mapped_column(String(11), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))
    layout: Mapped[str | None] = mapped_column(Text)          # SupplierLayout.to_dict(), canonical JSON
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approvals.id"))  # the correction
    taught_by: Mapped[str] = mapped_column(String(100))        # who corrected (the approval's decider)
    lesson: Mapped[str] = mapped_column(Text)                  # JSON: what was corrected, refusals
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
