"""The document behind an approval: the attachment of its inbox message that the reading came
from (matched by the SHA-256 the evidence records), for the workplace to show beside the fields."""

from __future__ import annotations

from sqlalchemy.orm import Session

from memory import approvals_store
from memory.approvals_store import ApprovalNotFound
from memory.blobs import BlobStore
from memory.inbox_schema import InboxMessage
from tools.documents.model import SourceDocument
from tools.inbox.errors import InboxError
from tools.inbox.parsing import parse_message


def approval_source(session: Session, blobs: BlobStore, approval_id: int) -> SourceDocument | None:
    """The attachment read for approval `approval_id`; None when there is none to show (no such
    approval, mail no longer readable, or the document was the message itself)."""
    try:
        approval = approvals_store.get(session, approval_id)
    except ApprovalNotFound:
        return None
    document = (approval.evidence or {}).get("document") or {}
    wanted = document.get("sha256")
    if approval.inbox_message_id is None or not wanted:
        return None
    message = session.get(InboxMessage, approval.inbox_message_id)
    if message is None:
        return None
    try:
        parsed = parse_message(blobs.get(message.raw_sha256))
    except (InboxError, OSError, ValueError):
        return None
    for attachment in parsed.attachments:
        if attachment.sha256 == wanted:
            return attachment.document
    return None
