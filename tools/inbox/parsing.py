"""Untrusted email bytes → a `ParsedMessage`: pure, defensive, stdlib `email` with policy.default.

Limits (MessageLimits, from Settings): a message over max_message_bytes, with more than
max_mime_parts parts or nested deeper than max_mime_depth is refused with `MessageRejected`
(the intake then quarantines it with the reason, bytes kept). A single bad attachment does not
sink the message: zero-byte attachments and attachments over max_attachment_bytes are dropped and
reported as `warnings`, the rest of the message is read as usual.

Nothing in here raises on malformed content: broken encoded words, unknown charsets and non-UTF-8
bytes decode with replacement characters, and unparseable headers fall back to their raw text.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from typing import TYPE_CHECKING

from tools.documents.model import SourceDocument
from tools.inbox.errors import MessageRejected
from tools.inbox.headers import (
    Address, AuthResults, authentication_results, clean_text, date_of, decode_bytes, header_text,
    normalise_message_id, raw_header, sender_of,
)
from tools.inbox.html_text import html_to_text
from tools.inbox.mime_scan import SAFE_CONTAINERS, container_count, scan_structure
from tools.inbox.names import extension_for, safe_label, sniff_content_type

if TYPE_CHECKING:
    from core.settings import Settings

MIB = 1024 * 1024
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class MessageLimits:
    max_message_bytes: int = 25 * MIB
    max_mime_parts: int = 200
    max_mime_depth: int = 8
    max_attachment_bytes: int = 20 * MIB

    @classmethod
    def from_settings(cls, settings: Settings) -> MessageLimits:
        return cls(settings.max_message_bytes, settings.max_mime_parts, settings.max_mime_depth,
                   settings.max_attachment_bytes)


@dataclass(frozen=True)
class ParseWarning:
    code: str      # "empty_attachment", "attachment_too_large"
    message: str


@dataclass(frozen=True)
class Attachment:
    document: SourceDocument          # name is a sanitised label; content_type sniffed from bytes
    depth: int                        # MIME nesting depth; > 1 inside a forwarded message
    declared_content_type: str        # what the sender claimed
    forwarded: bool                   # inside a message/rfc822 part
    sha256: str


@dataclass(frozen=True)
class Forwarded:
    depth: int
    message_id: str | None
    subject: str
    sender: Address | None
    date: datetime | None


@dataclass(frozen=True)
class MessageIdentity:
    """What the intake keys a message by; computable for any bytes, even ones that fail parsing."""
    message_id: str
    message_id_synthetic: bool
    body_hash: str
    raw_sha256: str
    size: int
    subject: str
    sender: Address | None


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    message_id_synthetic: bool
    subject: str
    sender: Address | None
    date: datetime | None
    text: str                          # visible body text (forwarded bodies appended, labelled)
    hidden_text: tuple[str, ...]       # HTML text a reader would not see (display:none, white, ...)
    authentication: AuthResults
    attachments: tuple[Attachment, ...]
    forwarded: tuple[Forwarded, ...]
    warnings: tuple[ParseWarning, ...]
    body_hash: str
    raw_sha256: str
    size: int
    parts: int
    depth: int
    # Every attachment's file name as the sender wrote it (a label is shortened and never a path;
    # the injection screen reads these whole). At most 50, each cut at 1,000 characters.
    filenames: tuple[str, ...] = ()

    @property
    def documents(self) -> tuple[SourceDocument, ...]:
        return tuple(a.document for a in self.attachments)


# -- identity -----------------------------------------------------------------------------------

def split_headers(raw: bytes) -> tuple[bytes, bytes]:
    """(header block, body) at the first empty line; no empty line means no body."""
    if raw.startswith((b"\n", b"\r\n")):
        return b"", raw[1 if raw.startswith(b"\n") else 2:]
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[:match.start()], raw[match.end():]


def body_hash(raw: bytes) -> str:
    """sha256 of everything after the headers, line endings normalised to LF and trailing newlines
    dropped, so the same message via SMTP (CRLF), Maildir (LF) or IMAP hashes the same."""
    body = split_headers(raw)[1].replace(b"\r\n", b"\n").rstrip(b"\r\n")
    return hashlib.sha256(body).hexdigest()


def _message_id(msg: Message, body_sha: str) -> tuple[str, bool]:
    raw = raw_header(msg, "message-id")
    ident = normalise_message_id(raw)
    if ident:
        return ident, False
    return f"body-{body_sha[:40]}@backoffice.invalid", True


def message_identity(raw: bytes) -> MessageIdentity:
    """Message-ID (or a synthetic one), hashes, subject and sender, from the headers alone.

    Never raises: used for messages refused by the parser's limits, which are still recorded."""
    b_hash = body_hash(raw)
    try:
        msg = BytesHeaderParser(policy=email.policy.default).parsebytes(split_headers(raw)[0])
        message_id, synthetic = _message_id(msg, b_hash)
        subject, sender = header_text(msg, "subject"), sender_of(msg)
    except (Exception, RecursionError):
        message_id, synthetic = f"body-{b_hash[:40]}@backoffice.invalid", True
        subject, sender = "", None
    return MessageIdentity(message_id, synthetic, b_hash, hashlib.sha256(raw).hexdigest(), len(raw),
                           subject, sender)


# -- the parse ----------------------------------------------------------------------------------

def _safe(call, default):  # type: ignore[no-untyped-def]
    try:
        return call()
    except (Exception, RecursionError):
        return default


def _check_structure(raw: bytes, limits: MessageLimits) -> Message:
    if len(raw) > limits.max_message_bytes:
        raise MessageRejected("message_too_large",
                              f"The message is {len(raw):,} bytes; the limit is "
                              f"{limits.max_message_bytes:,}")
    if container_count(raw) > SAFE_CONTAINERS:
        shape = scan_structure(raw, stop_depth=limits.max_mime_depth,
                               stop_parts=limits.max_mime_parts)
        _limit_checks(shape.depth, shape.parts, limits)
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except RecursionError:
        raise MessageRejected("mime_too_deep", "The message's MIME parts are nested too deeply "
                              "to read safely") from None


def _limit_checks(depth: int, parts: int, limits: MessageLimits) -> None:
    if depth > limits.max_mime_depth:
        raise MessageRejected("mime_too_deep", f"The message nests MIME parts more than "
                              f"{limits.max_mime_depth} deep")
    if parts > limits.max_mime_parts:
        raise MessageRejected("too_many_parts", f"The message has more than "
                              f"{limits.max_mime_parts} MIME parts")


@dataclass
class _Body:
    plain: list[str]
    html: list[str]


def parse_message(raw: bytes, limits: MessageLimits = MessageLimits()) -> ParsedMessage:
    """Parse one RFC 822 message: sender, subject, date, visible text, hidden HTML text,
    Authentication-Results, attachments (with nested forwards'), as immutable data.

    Raises MessageRejected (code message_too_large / too_many_parts / mime_too_deep) only."""
    msg = _check_structure(raw, limits)
    b_hash = body_hash(raw)
    message_id, synthetic = _message_id(msg, b_hash)
    bodies: list[_Body] = [_Body([], [])]
    forwarded: list[Forwarded] = []
    attachments: list[Attachment] = []
    warnings: list[ParseWarning] = []
    hidden: list[str] = []
    filenames: list[str] = []
    parts = max_depth = 0
    # Iterative walk (explicit stack): nesting never costs Python stack frames here.
    stack: list[tuple[Message, int, int]] = [(msg, 0, 0)]
    while stack:
        part, depth, owner = stack.pop()
        parts += 1
        max_depth = max(max_depth, depth)
        _limit_checks(max_depth, parts, limits)
        ctype = _safe(part.get_content_type, "application/octet-stream")
        if part.is_multipart():
            children = _safe(part.get_payload, []) or []
            if ctype in ("message/rfc822", "message/global"):
                for inner in children[:1]:
                    forwarded.append(Forwarded(
                        depth + 1, normalise_message_id(raw_header(inner, "message-id")),
                        header_text(inner, "subject"), sender_of(inner), date_of(inner)))
                    bodies.append(_Body([], []))
                    stack.append((inner, depth + 1, len(bodies) - 1))
            else:
                stack.extend((child, depth + 1, owner) for child in reversed(children))
            continue
        disposition = _safe(part.get_content_disposition, None)
        filename = _safe(part.get_filename, None)
        if filename and len(filenames) < 50:
            filenames.append(str(filename)[:1000])
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = decode_bytes(_safe(lambda: part.get_payload(decode=True), b"") or b"",
                                 _safe(part.get_content_charset, None))
            text = clean_text(text).replace("\r\n", "\n")
            if ctype == "text/plain":
                bodies[owner].plain.append(text.strip())
            else:
                converted = html_to_text(text)
                bodies[owner].html.append(converted.text)
                hidden.extend(converted.hidden)
            continue
        attachment = _attachment(part, ctype, filename, depth, owner > 0, len(attachments) + 1,
                                 limits, warnings)
        if attachment is not None:
            attachments.append(attachment)
    return ParsedMessage(
        message_id=message_id, message_id_synthetic=synthetic, subject=header_text(msg, "subject"),
        sender=sender_of(msg), date=date_of(msg), text=_compose_text(bodies, forwarded),
        hidden_text=tuple(hidden), authentication=authentication_results(msg),
        attachments=tuple(attachments), forwarded=tuple(forwarded), warnings=tuple(warnings),
        body_hash=b_hash, raw_sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), parts=parts,
        depth=max_depth, filenames=tuple(filenames))


def _attachment(part: Message, ctype: str, filename: str | None, depth: int, in_forward: bool,
                number: int, limits: MessageLimits,
                warnings: list[ParseWarning]) -> Attachment | None:
    data = _safe(lambda: part.get_payload(decode=True), b"") or b""
    if not isinstance(data, bytes):
        data = str(data).encode("utf-8", "replace")
    sniffed = sniff_content_type(data)
    content_type = sniffed or ctype
    label = safe_label(clean_text(filename) if filename else None,
                       f"attachment-{number}{extension_for(content_type)}")
    if not data:
        warnings.append(ParseWarning("empty_attachment",
                                     f"Attachment {label!r} is empty and was skipped"))
        return None
    if len(data) > limits.max_attachment_bytes:
        warnings.append(ParseWarning(
            "attachment_too_large", f"Attachment {label!r} is {len(data):,} bytes, over the "
            f"{limits.max_attachment_bytes:,}-byte limit, and was skipped"))
        return None
    return Attachment(SourceDocument(name=label, content_type=content_type, data=data), depth,
                      ctype, in_forward, hashlib.sha256(data).hexdigest())


def _compose_text(bodies: list[_Body], forwarded: list[Forwarded]) -> str:
    def one(body: _Body) -> str:
        return "\n\n".join(t for t in (body.plain or body.html) if t)

    text = one(bodies[0])
    for fwd, body in zip(forwarded, bodies[1:]):
        who = f"{fwd.sender.display_name} <{fwd.sender.address}>" if fwd.sender else ""
        header = (f"---------- Forwarded message ----------\nFrom: {who}\n"
                  f"Date: {fwd.date.isoformat() if fwd.date else ''}\nSubject: {fwd.subject}")
        text = f"{text}\n\n{header}\n\n{one(body)}".strip()
    return text
