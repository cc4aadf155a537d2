"""The facts, and the offline narrative written from them: it reads well, it uses only facts, and
its direction words agree with the signs, whatever the numbers (a property test)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.reports.facts import CommentaryInputs, build_facts
from tools.reports.narrative import offline_narrative
from tools.reports.numbers import check_paragraphs

D = Decimal
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW = (FIXTURES / "inputs_march.json").read_text()
INPUTS = CommentaryInputs.model_validate_json(RAW)


def test_facts_are_keyed_signed_and_related() -> None:
    facts = build_facts(INPUTS)
    change = facts["pnl.revenue.vs_prior_month.change"]
    assert (change.value, change.unit, change.change, change.sign) == (D("-15000.00"), "aud", True, -1)
    assert facts["pnl.revenue.vs_prior_month.pct"].value == D("-15.7895")
    assert facts["pnl.gross_margin"].value == D("55.0000")
    assert facts["pnl.gross_margin.vs_prior_month.points"].value == D("-5.0000")
    assert dict(facts["pnl.revenue"].related) == {"prior_month": "pnl.revenue.vs_prior_month.change"}
    assert facts["var.prior_month.4000.driver1.count_current"].value == 1
    assert facts["gst.net"].value == D("18000.00") and facts["forecast.weeks"].display() == "13"
    assert facts["forecast.lowest.week_end"].display() == "28 April 2026"
    assert "pnl.revenue.budget" not in facts                   # no budget: no budget facts
    assert "Acme Cafe" in facts.names and facts.month.key == "2026-03"
    data = facts["pnl.net_profit.vs_prior_month.change"].as_data()
    assert data == {"key": "pnl.net_profit.vs_prior_month.change", "label": "Net profit: change on February 2026",
                    "unit": "aud", "value": "-14000.00", "write_as": "$14,000", "direction": "down"}


def test_the_offline_narrative_reads_and_every_number_is_a_fact() -> None:
    facts = build_facts(INPUTS)
    draft = offline_narrative(facts, INPUTS)
    assert draft.headline == ("March 2026: a net profit of $3,000, cash at bank $57,000, forecast low point "
                              "$21,000 in week 4.")
    text = "\n".join(draft.texts())
    for phrase in ("made a net profit of $3,000 in March 2026, down $14,000 (82.4%) on February 2026.",
                   "Revenue was $80,000, down $15,000 (15.8%) on February 2026.",
                   "a gross margin of 55.0%, down 5.0 percentage points from 60.0%",
                   "mainly Acme Cafe (down $11,000, 1 invoice in March 2026 against 3)",
                   "There is no comparison with March 2025: the books start on 1 July 2025.",
                   "Cash at bank closed the month at $57,000, up $7,000 over the month",
                   "a net $18,000 payable; the BAS is due on 28 April 2026",
                   "Its lowest point is $21,000 at the end of week 4 (the week ending 28 April 2026)"):
        assert phrase in text, phrase
    assert [p.topic for p in draft.paragraphs] == ["result", "changes", "comparisons", "cash", "gst", "forecast"]
    result = check_paragraphs(draft.texts(), facts)
    assert result.ok and result.untraceable == ()
    assert [d.status for d in result.directions if d.status != "agree"] == ["unchecked"]   # "below zero"


money = st.decimals(min_value=D("-2000000"), max_value=D("2000000"), places=2, allow_nan=False,
                    allow_infinity=False)
positive = st.decimals(min_value=D("0"), max_value=D("2000000"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(revenue=positive, revenue_before=positive, cogs=positive, cogs_before=positive, opex=positive,
       opex_before=positive, opening=money, closing=money, low=money, budget_revenue=positive,
       change_driver=money)
def test_any_numbers_give_a_traceable_narrative_with_agreeing_directions(
        revenue: Decimal, revenue_before: Decimal, cogs: Decimal, cogs_before: Decimal, opex: Decimal,
        opex_before: Decimal, opening: Decimal, closing: Decimal, low: Decimal, budget_revenue: Decimal,
        change_driver: Decimal) -> None:
    data = INPUTS.model_dump(mode="json")
    gp, gp_before = revenue - cogs, revenue_before - cogs_before
    data["metrics"] = {
        "revenue": {"current": str(revenue), "prior_month": str(revenue_before), "budget": str(budget_revenue)},
        "cost_of_sales": {"current": str(cogs), "prior_month": str(cogs_before)},
        "gross_profit": {"current": str(gp), "prior_month": str(gp_before)},
        "operating_expenses": {"current": str(opex), "prior_month": str(opex_before)},
        "net_profit": {"current": str(gp - opex), "prior_month": str(gp_before - opex_before)},
    }
    data["comparisons"][2] = {"key": "budget", "label": "Budget", "available": True}
    data["variances"][0]["drivers"][0]["current"] = str(change_driver)
    data["cash"] = {"opening": str(opening), "receipts": "0", "payments": "0", "closing": str(closing)}
    data["forecast"]["lowest_balance"] = str(low)
    inputs = CommentaryInputs.model_validate(data)
    facts = build_facts(inputs)
    result = check_paragraphs(offline_narrative(facts, inputs).texts(), facts)
    assert result.untraceable == (), result.problems()
    assert result.disagreements == (), result.problems()


def test_inputs_need_the_headline_metrics() -> None:
    import pytest
    from pydantic import ValidationError

    data = INPUTS.model_dump(mode="json")
    del data["metrics"]["net_profit"]
    with pytest.raises(ValidationError, match="metrics needs \\['net_profit'\\]"):
        CommentaryInputs.model_validate(data)
