"""read_inbox: every message with its outcome, filterable; every role may read; nothing changes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from memory.ap_schema import ApRun
from memory.schema import Invoice
from tests.agent.chat.tools.conftest import Books
from agent.chat.tools.contract import ROLES
from agent.chat.tools.read_inbox import READ_INBOX_TOOL


def test_messages_show_their_outcomes(shared: Books) -> None:
    before = shared.journals()
    out = READ_INBOX_TOOL.call({"limit": 100}, shared.caller("clerk"), shared.deps)
    assert out.count == len(out.messages) > 5
    statuses = {m.status for m in out.messages}
    assert {"posted", "awaiting_approval", "quarantined"} <= statuses
    runs = shared.read(lambda s: {r.inbox_message_id: r for r in s.scalars(select(ApRun))})
    for m in out.messages:
        if m.status == "posted":
            run = runs[m.message_id]
            assert m.bill_id == run.bill_id is not None
            total = shared.read(lambda s, b=m.bill_id: s.get(Invoice, b).total)
            assert m.bill_total == total
        if m.status == "awaiting_approval":
            assert m.approval_id is not None and m.reasons
        if m.status == "quarantined":
            assert m.reasons and all(r.message for r in m.reasons)
    assert any(m.attachments for m in out.messages)
    times = [m.received_at for m in out.messages]
    assert times == sorted(times, reverse=True)
    assert shared.journals() == before


@pytest.mark.parametrize("status", ["posted", "awaiting_approval", "quarantined"])
def test_status_filter_and_limit(shared: Books, status: str) -> None:
    out = READ_INBOX_TOOL.call({"status": status, "limit": 2}, shared.caller("owner"), shared.deps)
    assert 1 <= out.count <= 2 and all(m.status == status for m in out.messages)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_read(shared: Books, role: str) -> None:
    assert READ_INBOX_TOOL.call({"limit": 1}, shared.caller(role), shared.deps).count == 1  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [{"status": "lost"}, {"limit": 0}, {"limit": 1000},
                                 {"limit": 5, "sql": "1=1"}])
def test_bad_parameters_are_refused(shared: Books, bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        READ_INBOX_TOOL.call(bad, shared.caller("owner"), shared.deps)


def test_amounts_serialise_as_strings(shared: Books) -> None:
    out = READ_INBOX_TOOL.call({"status": "posted", "limit": 1}, shared.caller("owner"), shared.deps)
    data = out.model_dump(mode="json")
    assert isinstance(data["messages"][0]["bill_total"], str)
