"""extract_document: the stored extraction (or a fresh offline reading), bank accounts masked."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from memory.documents_schema import ExtractedDocument
from memory.inbox_schema import InboxMessage
from tests.api.conftest import with_message_id
from tests.agent.chat.tools.conftest import Books, record_mail
from agent.chat.tools.contract import ROLES, ToolRefused
from agent.chat.tools.extract_document import EXTRACT_DOCUMENT_TOOL, mask
from memory.blobs import BlobStore


def _stored(books: Books) -> list[ExtractedDocument]:
    return books.read(lambda s: list(s.scalars(select(ExtractedDocument)
                                               .order_by(ExtractedDocument.id))))


def test_the_stored_extraction_is_shown(shared: Books) -> None:
    doc = _stored(shared)[0]
    data = json.loads(doc.extraction)
    out = EXTRACT_DOCUMENT_TOOL.call({"message_id": doc.inbox_message_id}, shared.caller("clerk"),
                                     shared.deps)
    assert out.stored and out.extracted_document_id == doc.id and out.source == doc.source
    assert out.invoice_number == data["invoice_number"]
    assert out.total is not None and str(out.total) == data["total"]
    assert out.supplier.abn == data["supplier"]["abn"]
    assert len(out.lines) == len(data["lines"]) and "overall" in out.confidence
    assert out.model_dump(mode="json")["total"] == data["total"]


def test_bank_account_numbers_are_masked(shared: Books) -> None:
    with_payment = [d for d in _stored(shared)
                    if (json.loads(d.extraction).get("payment") or {}).get("account_number")]
    assert with_payment, "the demo mailbox has invoices with bank details"
    for doc in with_payment:
        full = json.loads(doc.extraction)["payment"]["account_number"]
        out = EXTRACT_DOCUMENT_TOOL.call({"message_id": doc.inbox_message_id},
                                         shared.caller("owner"), shared.deps)
        assert out.payment is not None and out.payment.account_number == f"***{full[-3:]}"
        assert full not in out.model_dump_json()
    assert mask("12-345 678") == "***678" and mask(None) is None


def test_an_unprocessed_message_is_read_now_and_nothing_is_recorded(books: Books) -> None:
    doc = _stored(books)[0]
    raw = BlobStore(books.settings.blob_path).get(
        books.read(lambda s: s.get(InboxMessage, doc.inbox_message_id).raw_sha256))
    new_id = record_mail(books, with_message_id(raw, "<resent-1@example.com>"))

    def count() -> int:
        return books.read(lambda s: s.scalar(select(func.count()).select_from(ExtractedDocument)))

    before, stored = books.journals(), count()
    out = EXTRACT_DOCUMENT_TOOL.call({"message_id": new_id}, books.caller("approver"), books.deps)
    assert not out.stored and out.extracted_document_id is None
    assert str(out.total) == json.loads(doc.extraction)["total"]
    assert "duplicate_suspected" in {i.code for i in out.issues}  # checked against the books
    if out.payment and out.payment.account_number:
        assert out.payment.account_number.startswith("***")
    assert count() == stored and books.journals() == before


def test_unknown_message_and_attachment(shared: Books) -> None:
    with pytest.raises(ToolRefused) as info:
        EXTRACT_DOCUMENT_TOOL.call({"message_id": 99999}, shared.caller("owner"), shared.deps)
    assert info.value.code == "unknown_message"
    with pytest.raises(ToolRefused) as info:
        EXTRACT_DOCUMENT_TOOL.call({"message_id": 1, "attachment": "nothing.pdf"},
                                   shared.caller("owner"), shared.deps)
    assert info.value.code == "unknown_attachment"
    with pytest.raises(ValidationError):
        EXTRACT_DOCUMENT_TOOL.call({"message_id": "1; drop table"}, shared.caller("owner"),
                                   shared.deps)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read_documents(shared: Books, role: str) -> None:
    doc = _stored(shared)[0]
    assert EXTRACT_DOCUMENT_TOOL.call({"message_id": doc.inbox_message_id},
                                      shared.caller(role), shared.deps).stored  # type: ignore[arg-type]
