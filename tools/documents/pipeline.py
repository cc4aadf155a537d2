"""What reading a document or a message yields: the readings, the options, the refusal.

The reading itself (identify → the right reader → an `Extraction` plus the texts the injection
screen must see) is services.extraction: it needs the PDF and OCR adapters. These value types stay
in this module because checkpoints of paused invoice runs name them by module (agent.serde).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tools.documents.identify import Kind
from tools.documents.model import Extraction, Issue
from tools.documents.texts import LabelledText

if TYPE_CHECKING:
    from tools.documents.learned import LearnedLayouts

MIB = 1024 * 1024


class DocumentUnreadable(Exception):
    """A document no extractor could read. `code` is stable; `message` is for a bookkeeper."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{message} [{code}]")
        self.code, self.message = code, message


@dataclass(frozen=True)
class ReadingOptions:
    own_abn: str | None = None       # the business's own ABN: never the supplier's
    max_pdf_pages: int = 50
    max_xml_bytes: int = 10 * MIB
    # What corrections taught about each supplier's layout (by ABN); applied after the layout
    # extractor (tools.documents.learned.apply). None: read without it.
    learned: LearnedLayouts | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DocumentReading:
    """One document read: its extraction and every text that came out of it, by where it was."""

    source: str
    kind: Kind
    sha256: str
    extraction: Extraction
    texts: tuple[LabelledText, ...] = ()


@dataclass(frozen=True)
class SkippedDocument:
    source: str
    code: str
    message: str


@dataclass(frozen=True)
class MessageReading:
    """What one email carries: the invoice (if any), other readings, and the email's own texts."""

    invoice: DocumentReading | None
    others: tuple[DocumentReading, ...] = ()
    skipped: tuple[SkippedDocument, ...] = ()
    texts: tuple[LabelledText, ...] = ()
    issues: tuple[Issue, ...] = field(default=())
    sender: str | None = None        # the From address, for matching the supplier by domain
