"""Receiving a message: read what it is (parse within the limits), then hand it to the inbox store
once. Every channel (SMTP → Maildir, IMAP, the API, a file import) comes through `MessageIntake`,
so a message the parser refuses, or one that trips a parser bug, is still recorded, quarantined
with its reason: nothing accepted is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from memory.inbox_store import ImapState, InboxRecord, InboxStore, NewMessage
from tools.inbox.errors import MessageRejected
from tools.inbox.parsing import MessageLimits, ParsedMessage, message_identity, parse_message


@dataclass(frozen=True)
class RecordResult:
    message: InboxRecord
    created: bool                      # False: this message was already recorded
    parsed: ParsedMessage | None       # None when the parser refused it (then it is quarantined)


def read_message(raw: bytes, limits: MessageLimits) -> tuple[NewMessage, ParsedMessage | None,
                                                               str | None]:
    """The message's identity, its parse (None when refused) and the quarantine reason if any."""
    try:
        parsed = parse_message(raw, limits)
        sender = parsed.sender.address if parsed.sender else None
        return NewMessage(parsed.message_id, parsed.body_hash, parsed.subject, sender), parsed, None
    except (MessageRejected, Exception, RecursionError) as exc:
        # A parser bug on some unforeseen input must not lose the message either.
        ident = message_identity(raw)
        sender = ident.sender.address if ident.sender else None
        reason = (f"{exc.code}: {exc.message}" if isinstance(exc, MessageRejected)
                  else f"parse_failed: the message could not be read ({type(exc).__name__})")
        return NewMessage(ident.message_id, ident.body_hash, ident.subject, sender), None, reason[:500]


@dataclass(frozen=True)
class MessageIntake:
    """The inbox's front door; also what the IMAP poller and the Maildir importer record into."""
    store: InboxStore
    limits: MessageLimits = MessageLimits()

    def record(self, raw: bytes, *, channel: str, imap_account: str | None = None,
               uidvalidity: int | None = None, uid: int | None = None) -> RecordResult:
        identity, parsed, reason = read_message(raw, self.limits)
        row, created = self.store.add(raw, identity, channel=channel, quarantine_reason=reason,
                                      imap_account=imap_account, uidvalidity=uidvalidity, uid=uid)
        return RecordResult(row, created, parsed)

    def imap_state(self, account: str, folder: str) -> ImapState | None:
        return self.store.imap_state(account, folder)

    def set_imap_state(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None:
        self.store.set_imap_state(account, folder, uidvalidity, last_uid)
