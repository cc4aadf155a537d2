"""Header reading that never raises: RFC 2047 words, unknown charsets, raw 8-bit bytes, headers
the policy's structured parser chokes on (or recurses on: nested comments) all degrade to text.
"""

from __future__ import annotations

import codecs
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import Message

MAX_MESSAGE_ID = 250  # longer Message-IDs are replaced by a hash of themselves
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_AUTH_RESULT = re.compile(r"(?:^|;)\s*(spf|dkim|dmarc)\s*=\s*([A-Za-z]+)", re.I)


@dataclass(frozen=True)
class Address:
    address: str
    display_name: str = ""


@dataclass(frozen=True)
class AuthResults:
    """The topmost Authentication-Results header (the one our own receiving MTA adds; lower ones
    can be forged by the sender). Values as written: "pass", "fail", "softfail", "none", ..."""
    authserv_id: str | None = None
    spf: str | None = None
    dkim: str | None = None
    dmarc: str | None = None


def clean_text(value: str) -> str:
    """Undo surrogate escapes (raw 8-bit header bytes) as UTF-8 with replacement; drop NUL and
    other control characters (PostgreSQL text cannot hold NUL)."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    value = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates of other kinds
    return _CONTROL.sub("", value)


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def raw_header(msg: Message, name: str) -> str | None:
    for key, value in msg.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return None


def _decode_words(raw: str) -> str:
    """RFC 2047 decoding that never raises: unknown charsets and bad bytes become U+FFFD."""
    try:
        chunks = email.header.decode_header(raw)
    except Exception:
        return raw
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        out.append(decode_bytes(chunk, charset))
    return "".join(out)


def decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "utf-8").strip().lower()
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a charset name with a NUL byte in it
        charset = "utf-8"
    if charset in ("us-ascii", "ascii"):
        charset = "utf-8"  # 8-bit text labelled ASCII is common; UTF-8 is a superset
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(charset if charset != "utf-8" else "cp1252", "replace")


def header_text(msg: Message, name: str) -> str:
    """A header as one clean line; "" when absent. Falls back to raw decoding if the
    policy's structured parser fails (it can raise, or recurse on nested comments)."""
    try:
        value = msg.get(name)
        return _one_line(str(value)) if value is not None else ""
    except (Exception, RecursionError):
        raw = raw_header(msg, name.lower())
        return _one_line(_decode_words(raw)) if raw is not None else ""


def sender_of(msg: Message) -> Address | None:
    try:
        header = msg.get("from")
        if header is None:
            return None
        addresses = getattr(header, "addresses", ())
        if addresses:
            first = addresses[0]
            return Address(_one_line(first.addr_spec).lower(), _one_line(first.display_name or ""))
    except (Exception, RecursionError):
        pass
    raw = raw_header(msg, "from")
    if raw is None:
        return None
    try:
        name, addr = email.utils.parseaddr(_decode_words(raw))
    except (Exception, RecursionError):  # parseaddr recurses on nested comments too
        return None
    return Address(_one_line(addr).lower(), _one_line(name)) if addr else None


def date_of(msg: Message) -> datetime | None:
    try:
        header = msg.get("date")
        return getattr(header, "datetime", None) if header is not None else None
    except (Exception, RecursionError):
        return None


def normalise_message_id(value: str | None) -> str | None:
    """The id inside <...> (or the whole value), no whitespace; hashed when absurdly long."""
    if not value:
        return None
    value = clean_text(value)
    match = re.search(r"<([^<>]+)>", value)
    ident = "".join((match.group(1) if match else value).split()).strip("<>")
    if not ident:
        return None
    if len(ident) > MAX_MESSAGE_ID:
        return "sha256-" + hashlib.sha256(ident.encode("utf-8")).hexdigest()
    return ident


def authentication_results(msg: Message) -> AuthResults:
    raw = raw_header(msg, "authentication-results")
    if raw is None:
        return AuthResults()
    text = _one_line(raw)
    authserv = text.split(";", 1)[0].strip() or None
    found: dict[str, str] = {}
    for method, result in _AUTH_RESULT.findall(text):
        method, result = method.lower(), result.lower()
        if method not in found or (result == "pass" and found[method] != "pass"):
            found[method] = result
    return AuthResults(authserv, found.get("spf"), found.get("dkim"), found.get("dmarc"))
