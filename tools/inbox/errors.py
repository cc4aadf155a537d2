"""Typed intake errors: a `code` for programs and a message a bookkeeper can read."""

from __future__ import annotations


class InboxError(Exception):
    """Base of every intake refusal."""

    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(f"{message} [{code}]")


class MessageRejected(InboxError):
    """The message breaks a limit (size, part count, nesting depth) and is not parsed further.

    The intake still records its bytes and quarantines it with this reason: nothing is lost.
    """
