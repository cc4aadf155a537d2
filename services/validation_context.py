"""What validation needs from the books for one document: the supplier master, and the stored
bills that could be duplicates of it (its supplier's, by master match or ABN, or the same bytes).
Matching the document to a supplier is domain logic (tools.documents.suppliers_match); the store
only loads what it is asked for.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from memory import documents_store
from memory.documents_store import Concerning
from tools.documents.model import Extraction
from tools.documents.suppliers_match import match_supplier
from tools.documents.validation import ValidationContext


def validation_context(session: Session, *, today: date, exclude_message_id: int | None = None,
                       sender_email: str | None = None, for_extraction: Extraction | None = None,
                       content_hash: str | None = None) -> ValidationContext:
    """With `for_extraction`, only the stored bills that could be duplicates of it are loaded;
    otherwise every stored bill."""
    concerning, suppliers = None, None
    if for_extraction is not None:
        own_abn = documents_store.own_abn(session)
        suppliers = documents_store.known_suppliers(session)
        match = match_supplier(for_extraction.supplier, suppliers, sender_email=sender_email,
                               own_abn=own_abn)
        abn = "".join(ch for ch in (for_extraction.supplier.abn or "") if ch.isdigit())
        concerning = Concerning(
            frozenset({match.supplier.contact_id}) if match.supplier else frozenset(),
            frozenset({abn} | ({match.supplier.abn} if match.supplier and match.supplier.abn else set()))
            - {"", own_abn}, content_hash)
    return documents_store.validation_context(session, today=today,
                                              exclude_message_id=exclude_message_id,
                                              sender_email=sender_email, concerning=concerning,
                                              suppliers=suppliers)
