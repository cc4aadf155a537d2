"""Turn a document's blocks of text into chunks, one section at a time, keeping clause numbers.

Pure: no IO, no unstructured. The ingester hands us `Block`s (the text of each element and
whether the parser thought it a title); we decide what is a heading. A heading is a short block
that starts with a clause number ("4. Purchasing", "4.2 Delegations", "Clause 25.5 — Sunday",
"cl 15.1 Span of hours") or a block the parser called a title. Its number becomes the chunk's
clause and its words the chunk's heading; the parent section's heading is kept for context. A
long section is split on paragraph and then sentence boundaries into chunks of at most
`max_chars`, each keeping the section's clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_CHUNK_CHARS = 1200
MAX_HEADING_CHARS = 100
_CLAUSE_HEADING = re.compile(
    r"^\s*(?:(?:clause|cl\.?|section|schedule|sch\.?)\s+)?"
    r"(?P<num>[A-Z]?\d{1,3}(?:\.\d{1,3}){0,3}[A-Z]?)\.?"
    r"(?:\s*[—–:-]\s*|\s+)(?P<title>\S.*)$", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class Block:
    text: str
    is_title: bool = False


@dataclass(frozen=True)
class Chunk:
    index: int
    clause: str          # "" when the section has no number
    heading: str         # the section's heading words, without the number
    parent: str          # the enclosing section's "4 Purchasing", for context; "" at top level
    text: str

    @property
    def label(self) -> str:
        return f"{self.clause} {self.heading}".strip()


def parse_heading(text: str, *, is_title: bool = False) -> tuple[str, str] | None:
    """(clause, heading) when `text` is a heading, else None. Sentences are never headings."""
    line = " ".join(text.split())
    if not line or len(line) > MAX_HEADING_CHARS or "\n" in text.strip():
        return None
    match = _CLAUSE_HEADING.match(line)
    if match and not line.endswith((".", ",", ";")) and _looks_like_title(match["title"]):
        return match["num"].rstrip("."), match["title"].strip()
    if is_title and not line.endswith((".", ",", ";")):
        return "", line
    return None


def _looks_like_title(words: str) -> bool:
    """"Delegations", "Sunday work" yes; "hours a week" (a number in a sentence) no."""
    first = words.lstrip("(\"'")[:1]
    return bool(first) and (first.isupper() or first.isdigit()) and len(words.split()) <= 12


def _depth(clause: str) -> int:
    return clause.count(".") + 1 if clause else 0


def split_text(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Paragraphs packed into pieces of at most max_chars; over-long paragraphs by sentence."""
    units: list[str] = []
    for para in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not para:
            continue
        if len(para) <= max_chars:
            units.append(para)
            continue
        for sentence in _SENTENCE.split(para):
            while len(sentence) > max_chars:
                cut = sentence.rfind(" ", 0, max_chars)
                cut = cut if cut > 0 else max_chars
                units.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                units.append(sentence)
    pieces: list[str] = []
    for unit in units:
        if pieces and len(pieces[-1]) + 2 + len(unit) <= max_chars:
            pieces[-1] = f"{pieces[-1]}\n\n{unit}"
        else:
            pieces.append(unit)
    return pieces


def chunk_blocks(blocks: Iterable[Block], *, max_chars: int = MAX_CHUNK_CHARS,
                 skip_title: str = "") -> list[Chunk]:
    """Sections from headings, then chunks of at most max_chars. `skip_title` (the document's
    own title) is not treated as a section heading."""
    sections: list[tuple[str, str, str, list[str]]] = []
    stack: list[tuple[str, str]] = []            # open numbered headings, outermost first
    clause, heading, parent = "", "", ""
    body: list[str] = []

    def close() -> None:
        if any(b.strip() for b in body):
            sections.append((clause, heading, parent, list(body)))

    for block in blocks:
        text = block.text.strip()
        if not text:
            continue
        parsed = parse_heading(text, is_title=block.is_title)
        if parsed is not None and " ".join(text.split()) == " ".join(skip_title.split()):
            continue
        if parsed is None:
            body.append(text)
            continue
        close()
        body = []
        clause, heading = parsed
        if clause:
            depth = _depth(clause)
            stack = [(c, h) for c, h in stack if _depth(c) < depth and clause.startswith(c + ".")]
            parent = f"{stack[-1][0]} {stack[-1][1]}" if stack else ""
            stack.append((clause, heading))
        else:
            parent = f"{stack[-1][0]} {stack[-1][1]}" if stack else ""
    close()
    return _pieces(sections, max_chars)


def _pieces(sections: Sequence[tuple[str, str, str, list[str]]], max_chars: int) -> list[Chunk]:
    out: list[Chunk] = []
    for clause, heading, parent, body in sections:
        for piece in split_text("\n\n".join(body), max_chars):
            out.append(Chunk(len(out), clause, heading, parent, piece))
    return out
