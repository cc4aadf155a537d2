"""Where a channel hands each message it receives: the application's intake
(services.intake.MessageIntake). A channel only moves bytes; reading and recording them is not
its business."""

from __future__ import annotations

from typing import Any, Protocol


class MessageSink(Protocol):
    def record(self, raw: bytes, *, channel: str, imap_account: str | None = None,
               uidvalidity: int | None = None, uid: int | None = None) -> Any:
        """Record the message once (a re-delivery returns the existing record)."""
        ...


class ImapProgress(Protocol):
    """How far an IMAP folder has been read: the returned state has .uidvalidity and .last_uid."""

    def imap_state(self, account: str, folder: str) -> Any: ...

    def set_imap_state(self, account: str, folder: str, uidvalidity: int, last_uid: int) -> None: ...


class ImapSink(MessageSink, ImapProgress, Protocol):
    pass
