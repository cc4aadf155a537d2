"""Read one policy or award document into blocks of text with `unstructured`, fully offline.

Formats: PDF (text by pypdfium2, structure by unstructured's `partition_text`: its own PDF path
needs heavy extras we do not install), DOCX (`partition_docx`), HTML (`partition_html`) and
Markdown (`partition_md`). Untrusted input is checked before any parser sees it: a known suffix,
not empty, under the size limit, the right magic bytes for DOCX and PDF, a page limit for PDFs.
Every failure is a `KnowledgeError` with a stable code. Markdown may start with front matter
(`---` / `key: value` lines / `---`) naming the document's id, title, audience and dates.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from adapters.knowledge.chunking import Block, parse_heading
from adapters.knowledge.errors import KnowledgeError
from adapters.knowledge.offline_nlp import ensure_offline

SUFFIXES = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".md": "md",
            ".markdown": "md"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 200
_SKIPPED = frozenset({"PageBreak", "Header", "Footer", "PageNumber", "Image"})
_FRONT = re.compile(r"\A---[ \t]*\r?\n(?P<body>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class RawDocument:
    kind: str
    blocks: tuple[Block, ...]
    content_hash: str
    front_matter: dict[str, str] = field(default_factory=dict)


def parse_front_matter(text: str) -> tuple[dict[str, str], str]:
    """(key → value, the rest of the text). Only flat `key: value` lines; quotes are stripped."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    values: dict[str, str] = {}
    for line in match["body"].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise KnowledgeError("bad_metadata", f"Front matter line is not 'key: value': {line!r}")
        values[key.strip().lower().replace("-", "_")] = value.strip().strip("\"'")
    return values, text[match.end():]


def read_document(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES,
                  max_pdf_pages: int = MAX_PDF_PAGES) -> RawDocument:
    """Check and parse one file; raises KnowledgeError, never a parser's own exception."""
    if not path.is_file():
        raise KnowledgeError("not_found", f"No such file: {path}")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise KnowledgeError("unsupported_type",
                             f"{path.name}: only {', '.join(sorted(SUFFIXES))} files are read.")
    size = path.stat().st_size
    if size == 0:
        raise KnowledgeError("empty", f"{path.name} is empty.")
    if size > max_bytes:
        raise KnowledgeError("too_large", f"{path.name} is {size:,} bytes; the limit is {max_bytes:,}.")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    ensure_offline()
    front: dict[str, str] = {}
    try:
        if kind == "pdf":
            blocks = _pdf_blocks(data, path.name, max_pdf_pages)
        elif kind == "docx":
            blocks = _docx_blocks(data, path.name)
        elif kind == "html":
            from unstructured.partition.html import partition_html

            blocks = _blocks(partition_html(text=_decode(data, path.name)))
        else:
            from unstructured.partition.md import partition_md

            front, body = parse_front_matter(_decode(data, path.name))
            blocks = _blocks(partition_md(text=body)) if body.strip() else []
    except KnowledgeError:
        raise
    except Exception as exc:  # a parser's failure on untrusted input is "unreadable"
        raise KnowledgeError("unreadable", f"{path.name} could not be read: "
                                           f"{type(exc).__name__}: {exc}") from exc
    if not any(b.text.strip() for b in blocks):
        raise KnowledgeError("no_text", f"{path.name} has no text to index.")
    return RawDocument(kind, tuple(blocks), digest, front)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError("unreadable", f"{name} is not UTF-8 text.") from exc


def _blocks(elements: list) -> list[Block]:  # type: ignore[type-arg]
    return [Block(str(e.text), e.category == "Title") for e in elements
            if e.category not in _SKIPPED and str(e.text).strip()]


def _docx_blocks(data: bytes, name: str) -> list[Block]:
    if not data.startswith(b"PK\x03\x04"):
        raise KnowledgeError("unreadable", f"{name} is not a DOCX (zip) file.")
    from unstructured.partition.docx import partition_docx

    return _blocks(partition_docx(file=io.BytesIO(data)))


def _pdf_blocks(data: bytes, name: str, max_pages: int) -> list[Block]:
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise KnowledgeError("unreadable", f"{name} is not a PDF file.")
    import pypdfium2 as pdfium
    from unstructured.partition.text import partition_text

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise KnowledgeError("unreadable", f"{name} is not a readable PDF: {exc}") from exc
    try:
        if len(pdf) > max_pages:
            raise KnowledgeError("too_large", f"{name} has {len(pdf)} pages; the limit is {max_pages}.")
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    text = paragraphs_from_lines("\n".join(pages))
    return _blocks(partition_text(text=text)) if text.strip() else []


def paragraphs_from_lines(text: str) -> str:
    """PDF text comes as lines; put each heading line in a paragraph of its own (so the section
    structure survives) and join the other lines of a paragraph."""
    out: list[str] = []
    current: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line or parse_heading(line) is not None:
            if current:
                out.append(" ".join(current))
                current = []
            if line:
                out.append(line)
            continue
        current.append(line)
    if current:
        out.append(" ".join(current))
    return "\n\n".join(out)
