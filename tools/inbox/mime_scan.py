"""A cheap structural pre-scan of raw MIME, run before the stdlib parser on suspicious input.

Why: email.message_from_bytes recurses once per nesting level (multipart and message/rfc822) and
raises RecursionError somewhere past a few hundred levels, so a message nested 1,000 deep must be
refused before it reaches the stdlib. Most mail declares only a handful of containers; only when
a message declares many does `scan_structure` walk its lines (iteratively) to measure the real
depth and part count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Container declarations in header position (folded continuation lines are allowed).
_CONTAINER = re.compile(
    rb"^content-type:(?:\s|\([^()]{0,200}\))*(?:multipart/|message/(?:rfc822|global))", re.I | re.M)
_CONTENT_TYPE = re.compile(rb"^content-type:[ \t]*(?P<value>[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)",
                           re.I | re.M)
_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.I)

# The stdlib parser is known to cope with this many container declarations (it failed near 1,000
# levels in our tests and needs a few frames per level); above it the exact scan runs first.
SAFE_CONTAINERS = 64


@dataclass(frozen=True)
class Structure:
    depth: int   # 0 = a single-part message; each multipart or message/rfc822 level adds one
    parts: int   # every part, containers included


def container_count(raw: bytes) -> int:
    return sum(1 for _ in _CONTAINER.finditer(raw))


def _header_content_type(block: bytes) -> tuple[str, bytes | None]:
    match = _CONTENT_TYPE.search(block)
    if not match:
        return "", None
    value = match.group("value")
    kind = value.split(b";", 1)[0].strip().lower()
    boundary = _BOUNDARY.search(value)
    b = (boundary.group(1) or boundary.group(2)) if boundary else None
    return kind.decode("ascii", "replace"), b


def scan_structure(raw: bytes, *, stop_depth: int, stop_parts: int) -> Structure:
    """Depth and part count by walking lines, stopping early once either limit is passed.

    Approximate where MIME is malformed (as every parser is), but never recursive and linear in
    the size of the message.
    """
    boundaries: list[bytes] = []       # open multipart boundaries, innermost last
    depth_at: list[int] = []           # the depth of each open multipart
    lines = raw.splitlines()
    i, n = 0, len(lines)
    depth = max_depth = 0
    parts = 0
    in_headers, header_lines = True, []  # the top-level message starts with its headers
    while i < n:
        line = lines[i]
        i += 1
        if in_headers:
            if line.strip():
                header_lines.append(line)
                continue
            parts += 1
            kind, boundary = _header_content_type(b"\n".join(header_lines))
            header_lines, in_headers = [], False
            if kind.startswith("multipart/") and boundary:
                depth += 1
                boundaries.append(boundary)
                depth_at.append(depth)
            elif kind == "message/rfc822":
                depth += 1
                in_headers = True  # the enclosed message's headers follow directly
            max_depth = max(max_depth, depth)
            if max_depth > stop_depth or parts > stop_parts:
                break
            continue
        if not line.startswith(b"--") or not boundaries:
            continue
        token = line[2:].rstrip()
        for k in range(len(boundaries) - 1, -1, -1):
            b = boundaries[k]
            if token == b + b"--":          # close delimiter: this multipart and everything inside
                depth = depth_at[k] - 1
                del boundaries[k:], depth_at[k:]
                break
            if token == b:                  # a new part of this multipart
                depth = depth_at[k]
                del boundaries[k + 1:], depth_at[k + 1:]
                in_headers = True
                break
    return Structure(max_depth, parts)
