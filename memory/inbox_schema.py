"""The inbox's tables: every message received (before any processing) and IMAP progress.

They share memory.schema.Base's metadata (and naming convention), so Alembic sees one schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from memory.schema import Base

CHANNELS = ("smtp", "maildir", "imap", "api", "import")
STATUSES = ("received", "processing", "processed", "quarantined")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({','.join(repr(v) for v in values)})"


class InboxMessage(Base):
    """One received message. Its bytes are in the blob store under raw_sha256.

    A re-delivery (same Message-ID and body) or the same IMAP UIDVALIDITY+UID is the same row.
    """

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("message_id", "body_hash"),
        UniqueConstraint("imap_account", "uidvalidity", "uid"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("status <> 'quarantined' OR quarantine_reason IS NOT NULL",
                        name="quarantine_has_reason"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255))
    body_hash: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    sender: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(12), default="received", index=True)
    outcome: Mapped[str | None] = mapped_column(String(200))
    quarantine_reason: Mapped[str | None] = mapped_column(String(500))
    imap_account: Mapped[str | None] = mapped_column(String(400))  # user@host:port/folder
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)    # 32-bit unsigned in IMAP
    uid: Mapped[int | None] = mapped_column(BigInteger)


class InboxImapState(Base):
    """How far an IMAP folder has been read: the last UID recorded under its UIDVALIDITY."""

    __tablename__ = "inbox_imap_state"
    account: Mapped[str] = mapped_column(String(300), primary_key=True)  # user@host:port
    folder: Mapped[str] = mapped_column(String(200), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
