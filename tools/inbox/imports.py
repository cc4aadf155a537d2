"""Bare documents (PDF, XML, images) imported by hand, wrapped as RFC 822 messages.

The wrapper depends on the document's bytes only (Message-ID from their sha256, a boundary from the
same, no Date header, a generic attachment name), so importing the same document again, under any
file name, is recognised as the same message. The original name goes in the Subject and an
X-Backoffice-Source-Name header for people to read.
"""

from __future__ import annotations

import email.policy
import hashlib
from email.message import EmailMessage

from tools.documents.identify import Kind, identify
from tools.inbox.names import extension_for, safe_label, sniff_content_type

DOCUMENT_KINDS = frozenset({Kind.PDF, Kind.UBL, Kind.CII, Kind.XML, Kind.IMAGE})


def is_email(data: bytes, filename: str = "") -> bool:
    return filename.lower().endswith(".eml") or identify(data) is Kind.EMAIL


def is_document(data: bytes) -> bool:
    return identify(data) in DOCUMENT_KINDS


def wrap_document(data: bytes, filename: str) -> bytes:
    """A synthetic message carrying one document as its attachment (see the module docstring)."""
    digest = hashlib.sha256(data).hexdigest()
    content_type = sniff_content_type(data) or "application/octet-stream"
    maintype, _, subtype = content_type.partition("/")
    label = safe_label(filename, f"document{extension_for(content_type)}")
    msg = EmailMessage(policy=email.policy.default)
    msg["From"] = "Backoffice import <import@backoffice.invalid>"
    msg["Subject"] = f"Imported document {label}"
    msg["Message-ID"] = f"<import-{digest}@backoffice.invalid>"
    msg["X-Backoffice-Source-Name"] = label
    msg.set_content(f"Document imported by hand.\nsha256: {digest}\n")
    msg.add_attachment(data, maintype=maintype, subtype=subtype,
                       filename=f"document-{digest[:12]}{extension_for(content_type)}")
    msg.set_boundary(f"backoffice-import-{digest[:32]}")
    return msg.as_bytes()
