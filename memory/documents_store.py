"""What the books know that validation needs, and the record of every extraction.

`validation_context` hands tools.documents.validation the supplier master (with each supplier's
current bank details) and every bill already stored: ledger bills, and documents extracted from
other messages (so a resent invoice is caught before either copy is posted).
`record` keeps an extraction, once per (message, document bytes): reading the same message again
returns the row already written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from memory import audit
from memory.documents_schema import ExtractedDocument
from memory.schema import Contact, ContactBankDetails, Invoice, Organisation
from core.clock import Clock
from tools.documents.duplicates import PriorInvoice, normalise_invoice_number
from tools.documents.model import DocumentType, Extraction
from tools.documents.suppliers_match import KnownSupplier
from tools.documents.validation import ValidationContext


@dataclass(frozen=True)
class StoredExtraction:
    id: int
    created: bool


def known_suppliers(session: Session) -> tuple[KnownSupplier, ...]:
    latest = (select(ContactBankDetails.contact_id, func.max(ContactBankDetails.id).label("id"))
              .group_by(ContactBankDetails.contact_id).subquery())
    rows = session.execute(
        select(Contact, ContactBankDetails)
        .where(Contact.is_supplier.is_(True))
        .outerjoin(latest, latest.c.contact_id == Contact.id)
        .outerjoin(ContactBankDetails, ContactBankDetails.id == latest.c.id)
        .order_by(Contact.id))
    return tuple(KnownSupplier(c.id, c.name, c.abn, c.email, c.domain,
                               bank.bsb if bank else None, bank.account_number if bank else None,
                               bank.account_name if bank else None) for c, bank in rows)


@dataclass(frozen=True)
class Concerning:
    """Narrows the stored bills to those a duplicate check could match: the same supplier (a
    master contact or an ABN) or the same document bytes. Duplicates are only ever judged within
    one supplier or by content, so nothing else needs loading."""

    contact_ids: frozenset[int] = frozenset()
    abns: frozenset[str] = frozenset()
    content_hash: str | None = None


def prior_invoices(session: Session, *, exclude_message_id: int | None = None,
                   concerning: Concerning | None = None) -> tuple[PriorInvoice, ...]:
    bill_query = (select(Invoice.id, Invoice.contact_id, Contact.abn, Invoice.number, Invoice.total,
                         Invoice.issue_date, Invoice.status)
                  .join(Contact, Contact.id == Invoice.contact_id).where(Invoice.kind == "bill"))
    docs = select(ExtractedDocument)
    if concerning is not None:
        bill_query = bill_query.where(or_(Invoice.contact_id.in_(concerning.contact_ids),
                                          Contact.abn.in_(concerning.abns)))
        docs = docs.where(or_(ExtractedDocument.contact_id.in_(concerning.contact_ids),
                              ExtractedDocument.supplier_abn.in_(concerning.abns),
                              ExtractedDocument.content_sha256 == (concerning.content_hash or "")))
    out = [PriorInvoice(cid, abn, number, total, issued, None, f"bill {bid} ({status})")
           for bid, cid, abn, number, total, issued, status in session.execute(bill_query)]
    if exclude_message_id is not None:
        docs = docs.where((ExtractedDocument.inbox_message_id != exclude_message_id)
                          | ExtractedDocument.inbox_message_id.is_(None))
    for d in session.scalars(docs):
        where = f"message {d.inbox_message_id}" if d.inbox_message_id else "an earlier upload"
        out.append(PriorInvoice(d.contact_id, d.supplier_abn, d.invoice_number, d.total, d.issue_date,
                                d.content_sha256, f"document {d.id} from {where}",
                                DocumentType(d.document_type)))
    return tuple(out)


def validation_context(session: Session, *, today: date, exclude_message_id: int | None = None,
                       sender_email: str | None = None, concerning: Concerning | None = None,
                       suppliers: tuple[KnownSupplier, ...] | None = None) -> ValidationContext:
    """What validation needs from the books: the supplier master (`suppliers`, when the caller
    has already loaded it) and the stored bills (only those `concerning` a given supplier or
    bytes, when given; see services.validation_context)."""
    org = session.get(Organisation, 1)
    return ValidationContext(
        suppliers=known_suppliers(session) if suppliers is None else suppliers,
        prior_invoices=prior_invoices(session, exclude_message_id=exclude_message_id, concerning=concerning),
        today=today, own_abn=org.abn if org else None,
        base_currency=org.base_currency if org else "AUD", sender_email=sender_email)


def own_abn(session: Session) -> str | None:
    org = session.get(Organisation, 1)
    return org.abn if org else None


def record(session: Session, clock: Clock, *, actor: str, inbox_message_id: int | None, source: str,
           content_sha256: str, extraction: Extraction, contact_id: int | None) -> StoredExtraction:
    """Keep one extraction; the same (message, bytes) again returns the existing row."""
    existing = session.scalar(select(ExtractedDocument.id).where(
        ExtractedDocument.inbox_message_id == inbox_message_id,
        ExtractedDocument.content_sha256 == content_sha256))
    if existing is not None:
        return StoredExtraction(existing, False)
    contract = extraction.contract()
    row = ExtractedDocument(
        inbox_message_id=inbox_message_id, source=source[:200], content_sha256=content_sha256,
        method=extraction.method.value, document_type=extraction.document_type.value,
        contact_id=contact_id, supplier_abn=extraction.supplier.abn,
        invoice_number=(extraction.invoice_number or "")[:100] or None,
        number_key=normalise_invoice_number(extraction.invoice_number)[:100] or None,
        issue_date=extraction.issue_date, total=extraction.total, currency=extraction.currency,
        confidence=f"{extraction.confidence.get('overall', 0.0):.3f}",
        issue_codes=",".join(dict.fromkeys(i.code for i in extraction.issues))[:1000],
        extraction=json.dumps(contract, sort_keys=True, separators=(",", ":")),
        created_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent reader recorded it first
        winner = session.scalar(select(ExtractedDocument.id).where(
            ExtractedDocument.inbox_message_id == inbox_message_id,
            ExtractedDocument.content_sha256 == content_sha256))
        assert winner is not None
        return StoredExtraction(winner, False)
    audit.append(session, clock, actor=actor, action="document.extracted", entity_type="document",
                 entity_id=row.id, payload={"message": inbox_message_id, "sha256": content_sha256,
                                            "method": row.method, "number": row.invoice_number,
                                            "total": str(row.total) if row.total is not None else None,
                                            "issues": row.issue_codes})
    return StoredExtraction(row.id, True)
