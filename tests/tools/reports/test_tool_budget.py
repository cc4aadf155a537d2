"""The agent tool `draft_commentary` (typed in and out, source and model injected) and budgets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.tools.reports.books import BANK, RENT, SALES, Books
from tools.reports.budget import parse_budget
from tools.reports.errors import ReportError
from tools.reports.model import LedgerSnapshot
from tools.reports.periods import Month
from tools.reports.tool import DraftCommentaryRequest, DraftCommentaryResponse, draft_commentary


class Source:
    def __init__(self) -> None:
        b = Books()
        b.journal(date(2025, 6, 30), [(BANK, "5000.00"), ("3100", "-5000.00")], "opening", "Opening balances")
        b.contact(1, "Acme Cafe")
        b.sale(1, "A-1", date(2026, 4, 5), "1000.00")
        b.sale(1, "A-2", date(2026, 5, 5), "3000.00")
        self.books = b
        self.asked: list[Month] = []

    def default_month(self) -> Month:
        return Month(2026, 5)

    def snapshot(self, month: Month) -> LedgerSnapshot:
        self.asked.append(month)
        return self.books.snapshot(month)


def test_draft_commentary_for_the_default_month() -> None:
    source = Source()
    out = draft_commentary(DraftCommentaryRequest(), source)
    assert isinstance(out, DraftCommentaryResponse)
    assert out.month == "2026-05" and source.asked == [Month(2026, 5)]
    assert out.path == "offline" and out.fallback_reason is None and out.model is None
    assert out.all_numbers_traceable and out.numbers_checked > 5
    assert out.headline.startswith("May 2026: a net profit of $3,000")
    first = out.paragraphs[0].numbers[0]
    assert first.text == "$3,000" and "pnl.net_profit" in first.facts
    assert any(f.key == "pnl.revenue.vs_prior_month.change" and f.direction == "up" for f in out.facts)
    assert draft_commentary(DraftCommentaryRequest(month="2026-04"), source).month == "2026-04"


@pytest.mark.parametrize("bad", [{"month": "2026-13"}, {"month": "May 2026"}, {"month": "2026-05", "x": 1}])
def test_the_request_is_validated(bad: dict) -> None:
    with pytest.raises(ValidationError):
        DraftCommentaryRequest.model_validate(bad)


def test_the_tool_docstring_tells_the_model_what_it_does() -> None:
    doc = draft_commentary.__doc__ or ""
    assert "facts" in doc and "never posts" in doc and "write_as" in doc


def test_budgets_parse_exactly_and_refuse_what_they_cannot_hold() -> None:
    budget = parse_budget('{"version": 1, "months": {"2026-05": {"4000": "2500.50", "6100": 1000}}}', [SALES, RENT])
    assert budget.for_month("2026-05") == {SALES: Decimal("2500.50"), RENT: Decimal("1000.00")}
    assert budget.for_month("2026-04") is None
    for text, message in (('{"months": {"2026-05": {"4000": 2500.5}}}', "decimal strings"),
                          ('{"months": {"2026-05": {"1100": "5"}}}', "not an income or expense"),
                          ('{"months": {"May": {}}}', "YYYY-MM"),
                          ('{"months": {"2026-05": {"4000": "1.234"}}}', "whole cents"),
                          ('{"months": {"2026-05": {"4000": "lots"}}}', "not an amount"),
                          ("[1, 2]", "needs"), ("{", "not valid JSON")):
        with pytest.raises(ReportError, match=message) as err:
            parse_budget(text, [SALES, RENT])
        assert err.value.codes == ("bad_budget",)
