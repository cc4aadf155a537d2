"""Extracted documents: what each inbound document was read as, kept for duplicate checks, evidence
and evals. Rows are write-once (an extraction is a record of what was read, never edited); reading
the same bytes of the same message again returns the existing row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base
from memory.types import Money


class ExtractedDocument(Base):
    __tablename__ = "extracted_documents"
    __table_args__ = (UniqueConstraint("inbox_message_id", "content_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_messages.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))          # a label, never a path
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    method: Mapped[str] = mapped_column(String(10))
    document_type: Mapped[str] = mapped_column(String(12))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    supplier_abn: Mapped[str | None] = mapped_column(String(11), index=True)
    invoice_number: Mapped[str | None] = mapped_column(String(100))
    number_key: Mapped[str | None] = mapped_column(String(100), index=True)
    issue_date: Mapped[date | None] = mapped_column(Date)
    total: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    confidence: Mapped[str] = mapped_column(String(10))      # overall, as text: never a float column
    issue_codes: Mapped[str] = mapped_column(String(1000), default="")
    extraction: Mapped[str] = mapped_column(Text)             # the ARCHITECTURE.md §5 JSON, canonical
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
