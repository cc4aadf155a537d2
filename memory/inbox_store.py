"""The inbox's record of every message received, and IMAP progress.

`add` is the intake's one door (services.intake reads the message first): the bytes go to the
content-addressed blob store first, then ONE transaction inserts the inbox row and its audit entry. A re-delivery (same Message-ID and body
hash, or the same IMAP UIDVALIDITY+UID) returns the existing row with created=False, also when two
workers race (the loser's insert hits the unique constraint inside a savepoint and it reads the
winner's row). Messages refused by the parser's limits are recorded too, as "quarantined" with the
reason: nothing accepted is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from memory import audit
from memory.db import unit_of_work
from memory.inbox_schema import CHANNELS, STATUSES, InboxImapState, InboxMessage
from core.clock import Clock
from memory.blobs import BlobStore
from tools.inbox.errors import InboxError

# Which status may follow which. "processed" is final: a message has exactly one outcome.
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"processing", "processed", "quarantined"}),
    "processing": frozenset({"received", "processing", "processed", "quarantined"}),
    "quarantined": frozenset({"received"}),  # released by a person after review
    "processed": frozenset(),
}


@dataclass(frozen=True)
class InboxRecord:
    """A snapshot of one inbox_messages row."""
    id: int
    message_id: str
    body_hash: str
    raw_sha256: str
    size: int
    channel: str
    received_at: datetime
    subject: str
    sender: str | None
    status: str
    outcome: str | None
    quarantine_reason: str | None
    imap_account: str | None
    uidvalidity: int | None
    uid: int | None

    @classmethod
    def of(cls, row: InboxMessage) -> InboxRecord:
        return cls(row.id, row.message_id, row.body_hash, row.raw_sha256, row.size, row.channel,
                   row.received_at, row.subject, row.sender, row.status, row.outcome,
                   row.quarantine_reason, row.imap_account, row.uidvalidity, row.uid)


@dataclass(frozen=True)
class NewMessage:
    """What identifies a message for de-duplication, and what the inbox list shows."""
    message_id: str
    body_hash: str
    subject: str
    sender: str | None


@dataclass(frozen=True)
class ImapState:
    uidvalidity: int
    last_uid: int


class InboxStore:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock, blobs: BlobStore,
                 actor: str = "inbox") -> None:
        self.sessions, self.clock, self.blobs, self.actor = sessions, clock, blobs, actor

    def add(self, raw: bytes, identity: NewMessage, *, channel: str,
            quarantine_reason: str | None = None, imap_account: str | None = None,
            uidvalidity: int | None = None, uid: int | None = None) -> tuple[InboxRecord, bool]:
        """Store the bytes, then record the message once (see the module docstring); returns the
        row and whether it is new. What the message says is read by the caller (services.intake)."""
        if channel not in CHANNELS:
            raise InboxError("unknown_channel", f"{channel!r} is not one of {', '.join(CHANNELS)}")
        imap = (imap_account, uidvalidity, uid)
        if any(v is not None for v in imap) and any(v is None for v in imap):
            raise InboxError("incomplete_imap_key",
                             "An IMAP message needs its account, UIDVALIDITY and UID together")
        message_id, b_hash, subject, sender, reason = (
            identity.message_id, identity.body_hash, identity.subject, identity.sender,
            quarantine_reason)
        raw_sha = self.blobs.put(raw)  # bytes first: a row never points at a missing blob

        with unit_of_work(self.sessions) as session:
            existing = self._find(session, message_id, b_hash, imap)
            if existing is not None:
                return InboxRecord.of(existing), False
            row = InboxMessage(
                message_id=message_id, body_hash=b_hash, raw_sha256=raw_sha, size=len(raw),
                channel=channel, received_at=self.clock.now(), subject=subject[:500],
                sender=sender[:320] if sender else None,
                status="quarantined" if reason else "received", outcome=None,
                quarantine_reason=reason, imap_account=imap_account, uidvalidity=uidvalidity,
                uid=uid)
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
                    audit.append(
                        session, self.clock, actor=self.actor,
                        action="inbox.message_quarantined" if reason else "inbox.message_received",
                        entity_type="inbox_message", entity_id=row.id,
                        payload={"message_id": message_id, "body_hash": b_hash,
                                 "raw_sha256": raw_sha, "size": len(raw), "channel": channel,
                                 "reason": reason,
                                 "imap": [imap_account, uidvalidity, uid] if imap_account
                                 else None})
            except IntegrityError:
                # Another worker recorded the same message first (PostgreSQL): use its row.
                existing = self._find(session, message_id, b_hash, imap)
                if existing is None:
                    raise
                return InboxRecord.of(existing), False
            return InboxRecord.of(row), True

    @staticmethod
    def _find(session: Session, message_id: str, b_hash: str,
              imap: tuple[str | None, int | None, int | None]) -> InboxMessage | None:
        same = and_(InboxMessage.message_id == message_id, InboxMessage.body_hash == b_hash)
        if imap[0] is not None:
            same = or_(same, and_(InboxMessage.imap_account == imap[0],
                                  InboxMessage.uidvalidity == imap[1], InboxMessage.uid == imap[2]))
        query = select(InboxMessage).where(same).order_by(InboxMessage.id).limit(1)
        return session.scalars(query).first()

    def mark(self, row_id: int, status: str, outcome: str | None = None, *,
             reason: str | None = None) -> InboxRecord:
        """Move a message on: processing, processed (with its outcome), quarantined (with a reason),
        or back to received. Repeating the same change is harmless; "processed" is final."""
        if status not in STATUSES:
            raise InboxError("unknown_status", f"{status!r} is not one of {', '.join(STATUSES)}")
        if status == "quarantined" and not reason:
            raise InboxError("reason_required", "A quarantined message needs the reason")
        if status == "processed" and not outcome:
            raise InboxError("outcome_required", "A processed message needs its outcome")
        with unit_of_work(self.sessions) as session:
            row = session.scalars(select(InboxMessage).where(InboxMessage.id == row_id)
                                  .with_for_update()).first()
            if row is None:
                raise InboxError("unknown_message", f"There is no inbox message {row_id}")
            if row.status == status and row.outcome == outcome and (
                    status != "quarantined" or row.quarantine_reason == reason):
                return InboxRecord.of(row)  # the same change again: nothing to do
            if status not in TRANSITIONS[row.status]:
                raise InboxError("status_conflict", f"Inbox message {row_id} is {row.status}; it "
                                 f"cannot become {status}")
            before = row.status
            with session.begin_nested():
                row.status, row.outcome = status, outcome[:200] if outcome else None
                row.quarantine_reason = reason[:500] if status == "quarantined" and reason else None
                session.flush()
                audit.append(session, self.clock, actor=self.actor, action="inbox.message_marked",
                             entity_type="inbox_message", entity_id=row.id,
                             payload={"from": before, "to": status, "outcome": outcome,
                                      "reason": reason})
            return InboxRecord.of(row)

    def get(self, row_id: int) -> InboxRecord:
        with unit_of_work(self.sessions) as session:
            row = session.get(InboxMessage, row_id)
            if row is None:
                raise InboxError("unknown_message", f"There is no inbox message {row_id}")
            return InboxRecord.of(row)

    def raw(self, row_id: int) -> bytes:
        """The message's bytes, exactly as received (checked against their hash)."""
        return self.blobs.get(self.get(row_id).raw_sha256)

    def list_recent(self, limit: int = 50, status: str | None = None) -> list[InboxRecord]:
        """Newest first."""
        query = select(InboxMessage).order_by(InboxMessage.received_at.desc(),
                                              InboxMessage.id.desc())
        if status is not None:
            query = query.where(InboxMessage.status == status)
        with unit_of_work(self.sessions) as session:
            return [InboxRecord.of(r) for r in session.scalars(query.limit(max(0, limit)))]

    # -- IMAP progress --------------------------------------------------------------------------
    def imap_state(self, account: str, folder: str) -> ImapState | None:
        with unit_of_work(self.sessions) as session:
            row = session.get(InboxImapState, (account, folder))
            return ImapState(row.uidvalidity, row.last_uid) if row else None

    def set_imap_state(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Remember the last UID read under this UIDVALIDITY (never moving backwards within it)."""
        with unit_of_work(self.sessions) as session:
            row = session.get(InboxImapState, (account, folder), with_for_update=True)
            if row is None:
                session.add(InboxImapState(account=account, folder=folder, uidvalidity=uidvalidity,
                                           last_uid=last_uid, updated_at=self.clock.now()))
                return
            if row.uidvalidity == uidvalidity and row.last_uid >= last_uid:
                return
            row.uidvalidity, row.last_uid, row.updated_at = uidvalidity, last_uid, self.clock.now()
