"""draft_commentary through the assistant: owner, auditor and admin; read-only; offline here."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.agent.chat.tools.conftest import Books
from agent.chat.tools.commentary import DRAFT_COMMENTARY_TOOL
from agent.chat.tools.contract import ToolRefused


@pytest.mark.parametrize("role", ["owner", "auditor", "admin"])
def test_the_commentary_is_drafted_offline(shared: Books, role: str) -> None:
    before = shared.journals()
    out = DRAFT_COMMENTARY_TOOL.call({"month": "2026-06"}, shared.caller(role), shared.deps)  # type: ignore[arg-type]
    assert out.month == "2026-06" and out.path == "offline" and out.all_numbers_traceable
    assert out.facts and out.paragraphs
    assert shared.journals() == before


def test_the_default_month_is_the_last_complete_one(shared: Books) -> None:
    assert DRAFT_COMMENTARY_TOOL.call({}, shared.caller("owner"), shared.deps).month == "2026-06"


@pytest.mark.parametrize("role", ["clerk", "approver"])
def test_clerks_and_approvers_are_refused(shared: Books, role: str) -> None:
    with pytest.raises(ToolRefused) as info:
        DRAFT_COMMENTARY_TOOL.call({}, shared.caller(role), shared.deps)  # type: ignore[arg-type]
    assert info.value.code == "forbidden"
    with pytest.raises(ToolRefused):
        DRAFT_COMMENTARY_TOOL.run(DRAFT_COMMENTARY_TOOL.request(), shared.caller(role),  # type: ignore[arg-type]
                                  shared.deps)


def test_bad_and_out_of_range_months(shared: Books) -> None:
    for bad in ({"month": "2026-13"}, {"month": "June"}, {"month": "2026-06", "x": 1}):
        with pytest.raises(ValidationError):
            DRAFT_COMMENTARY_TOOL.call(bad, shared.caller("owner"), shared.deps)
    for month, code in (("2027-01", "future_month"), ("2001-01", "before_books")):
        with pytest.raises(ToolRefused) as info:
            DRAFT_COMMENTARY_TOOL.call({"month": month}, shared.caller("owner"), shared.deps)
        assert info.value.code == code
