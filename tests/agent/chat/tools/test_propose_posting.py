"""propose_posting: the assistant never posts. A proposed document goes through the AP graph and
always stops at a person's approval, even when it would otherwise post itself; asking twice
creates one run; a message with an outcome is only reported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from memory.ap_schema import Approval, ApRun
from tests.agent.chat.tools.conftest import Books
from agent.chat.tools.contract import ToolRefused
from agent.chat.tools.propose_posting import PROPOSE_POSTING_TOOL


def _auto_posted(processed_template: Path) -> int:
    """A message the worker posted by itself (no approval) in the processed books."""
    with sqlite3.connect(processed_template / "backoffice.db") as db:
        row = db.execute("SELECT inbox_message_id FROM ap_runs WHERE state = 'posted' "
                         "AND approval_id IS NULL ORDER BY id LIMIT 1").fetchone()
    assert row is not None
    return int(row[0])


def _runs(books: Books, message_id: int) -> list[ApRun]:
    return books.read(lambda s: list(s.scalars(select(ApRun)
                                               .where(ApRun.inbox_message_id == message_id))))


def test_a_proposal_waits_for_a_person_even_when_it_would_post_itself(
        fresh_books: Books, processed_template: Path) -> None:
    message_id = _auto_posted(processed_template)
    out = PROPOSE_POSTING_TOOL.call({"message_id": message_id, "note": "Sam says it is due"},
                                    fresh_books.caller("clerk"), fresh_books.deps)
    assert out.status == "proposed" and out.created and out.run_id is not None
    again = PROPOSE_POSTING_TOOL.call({"message_id": message_id}, fresh_books.caller("owner"),
                                      fresh_books.deps)
    assert not again.created and again.status == "already_proposed" and again.run_id == out.run_id
    assert len(_runs(fresh_books, message_id)) == 1

    fresh_books.tick()
    run = _runs(fresh_books, message_id)[0]
    assert run.state == "awaiting_approval" and run.bill_id is None
    approval = fresh_books.read(lambda s: s.get(Approval, run.approval_id))
    assert approval.status == "pending"
    assert '"requested_by_assistant"' in approval.reasons and "Sam says it is due" in approval.reasons
    assert "key:1:clerk" in approval.reasons
    after = PROPOSE_POSTING_TOOL.call({"message_id": message_id}, fresh_books.caller("clerk"),
                                      fresh_books.deps)
    assert after.status == "awaiting_approval" and after.approval_id == run.approval_id


@pytest.mark.parametrize("state", ["posted", "awaiting_approval", "quarantined"])
def test_a_message_with_an_outcome_is_only_reported(books: Books, state: str) -> None:
    run = books.read(lambda s: s.scalars(select(ApRun).where(ApRun.state == state)).first())
    journals = books.journals()

    def counts() -> tuple[int, int]:
        return books.read(lambda s: (s.scalar(select(func.count()).select_from(ApRun)),
                                     s.scalar(select(func.count()).select_from(Approval))))

    before = counts()
    out = PROPOSE_POSTING_TOOL.call({"message_id": run.inbox_message_id},
                                    books.caller("approver"), books.deps)
    assert out.status == state and not out.created and out.run_id == run.id
    assert out.bill_id == run.bill_id and out.approval_id == run.approval_id
    if state == "posted":
        assert out.bill_total is not None and f"bill {run.bill_id}" in out.message
    assert counts() == before and books.journals() == journals


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_auditor_and_admin_may_not_propose(books: Books, role: str) -> None:
    with pytest.raises(ToolRefused) as info:
        PROPOSE_POSTING_TOOL.call({"message_id": 1}, books.caller(role), books.deps)  # type: ignore[arg-type]
    assert info.value.code == "forbidden"
    with pytest.raises(ToolRefused):  # the check is inside the tool too
        PROPOSE_POSTING_TOOL.run(PROPOSE_POSTING_TOOL.request(message_id=1), books.caller(role),  # type: ignore[arg-type]
                                 books.deps)


def test_an_unknown_message_is_refused(books: Books) -> None:
    with pytest.raises(ToolRefused) as info:
        PROPOSE_POSTING_TOOL.call({"message_id": 99999}, books.caller("owner"), books.deps)
    assert info.value.code == "unknown_message"
