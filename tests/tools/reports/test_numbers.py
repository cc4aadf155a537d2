"""Finding every number in a draft, tracing it to the facts at its written precision, and checking
direction words against the signs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tools.reports.facts import CommentaryInputs, Fact, FactSet, build_facts
from tools.reports.numbers import check_text, extract, matches
from tools.reports.periods import Month

D = Decimal
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FACTS = build_facts(CommentaryInputs.model_validate_json((FIXTURES / "inputs_march.json").read_text()))


def kinds(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(t.text, t.kind) for t in extract(text, names)]


def test_every_number_format_is_found() -> None:
    text = ("Revenue was $12,345 ($12,345.67 exactly), $1.2k a day, $3 million a year, A$500 and AUD 250; "
            "margin 12.5% (12 per cent, 12.0 percent), up 3.1 percentage points or 2 pts; 1,234 units, "
            "13 weeks, three pay runs, 0.5 days, -$1,200 and ($900).")
    assert kinds(text) == [
        ("$12,345", "money"), ("$12,345.67", "money"), ("$1.2k", "money"), ("$3 million", "money"),
        ("A$500", "money"), ("AUD 250", "money"), ("12.5%", "percent"), ("12 per cent", "percent"),
        ("12.0 percent", "percent"), ("3.1 percentage points", "points"), ("2 pts", "points"),
        ("1,234", "number"), ("13", "number"), ("three", "number"), ("0.5", "number"), ("-$1,200", "money"),
        ("($900)", "money")]


def test_dates_claim_their_digits() -> None:
    text = ("Due 28 April 2026, or 2026-04-28, or 28/04/2026; paid on the 21st of May; April 2026 "
            "closed; June 30, 2026; FY2025-26 and FY26.")
    tokens = extract(text)
    assert [(t.text, t.kind) for t in tokens] == [
        ("28 April 2026", "date"), ("2026-04-28", "date"), ("28/04/2026", "date"), ("21st of May", "day_month"),
        ("April 2026", "month_year"), ("June 30, 2026", "date"), ("FY2025-26", "fy"), ("FY26", "fy")]
    assert tokens[0].value == date(2026, 4, 28) == tokens[2].value
    assert tokens[-2].value == tokens[-1].value == (2025,)


def test_labels_and_names_are_not_numbers() -> None:
    assert kinds("GST on sales (1A) and purchases (1B), labels G1, W1, W2, Q4 and v2; one customer.") == []
    assert kinds("Studio 54 Pty Ltd paid", names=("Studio 54 Pty Ltd",)) == []
    assert kinds("Studio 54 Pty Ltd paid") == [("54", "number")]


def fact(value: str, unit: str = "aud", change: bool = False) -> Fact:
    return Fact("k", "label", D(value), unit, change)  # type: ignore[arg-type]


@pytest.mark.parametrize("text, value, ok", [
    ("$12,345", "12345.40", True), ("$12,346", "12345.50", True), ("$12,345", "12345.50", False),
    ("$12,344", "12344.50", True), ("$12,345", "12344.50", True),      # half even and half up
    ("$12,345", "12344.49", False),
    ("$12,345.67", "12345.67", True), ("$12,345.67", "12345.68", False),
    ("$1.2k", "1249.99", True), ("$1.2k", "1150.00", True), ("$1.2k", "1260.00", False),
    ("$65,000", "64500.00", True), ("$65,000", "65499.99", True), ("$65,000", "65500.00", False),
    ("$2.5m", "2450000.75", True), ("$0.4m", "350000.50", True),
    ("-$1,200", "-1200.00", True), ("$1,200", "-1200.00", True),        # magnitudes
    ("1,234", "1234.00", True),
])
def test_money_matches_at_its_written_precision(text: str, value: str, ok: bool) -> None:
    (token,) = extract(text)
    assert matches(token, fact(value)) is ok


def test_units_must_agree() -> None:
    (pct,) = extract("12.5%")
    (pts,) = extract("12.5 points")
    (money,) = extract("$12.50")
    (plain,) = extract("12.5")
    assert matches(pct, fact("12.5", "percent")) and not matches(pct, fact("12.5", "points"))
    assert matches(pts, fact("12.46", "points")) and not matches(pts, fact("12.5", "percent"))
    assert not matches(money, fact("12.5", "percent")) and matches(money, fact("12.50"))
    assert all(matches(plain, fact("12.5", unit)) for unit in ("aud", "percent", "points"))
    (count,) = extract("13")
    assert matches(count, fact("13", "count")) and not matches(count, fact("14", "count"))
    (word,) = extract("thirteen")
    assert matches(word, fact("13", "count")) and not matches(word, fact("13", "aud"))


def test_dates_and_years_match_date_facts() -> None:
    facts = FactSet(Month(2026, 3), "X", (Fact("due", "BAS due", date(2026, 4, 28), "date"),))
    assert check_text("The BAS is due on 28 April 2026 (28/04/2026).", facts).ok
    assert check_text("Due 28 April, in April 2026, in 2026, in FY2025-26.", facts).ok
    result = check_text("Due 21 April 2026, in May 2026, in 2019, in FY2024-25.", facts)
    assert [n.text for n in result.untraceable] == ["21 April 2026", "May 2026", "2019", "FY2024-25"]


def test_directions_agree_with_signs() -> None:
    ok = check_text("Revenue fell $15,000 (15.8%) on February 2026 and net profit was down $14,000. "
                    "Cash at bank rose $7,000.", FACTS)
    assert ok.ok and [d.status for d in ok.directions] == ["agree", "agree", "agree"]
    bad = check_text("Revenue rose $15,000 on February 2026.", FACTS)
    assert [(d.word, d.number, d.status) for d in bad.directions] == [("rose", "$15,000", "disagree")]
    assert "contradicts" in bad.problems()[0]


def test_a_level_with_a_direction_uses_its_change() -> None:
    assert check_text("Net profit fell to $3,000.", FACTS).ok
    result = check_text("Net profit rose to $3,000.", FACTS)
    assert result.disagreements and result.disagreements[0].facts == ("pnl.net_profit.vs_prior_month.change",)


def test_the_number_before_the_word_counts_too() -> None:
    assert check_text("Gross margin was 5.0 percentage points lower at 55.0%.", FACTS).ok
    assert not check_text("Gross margin was 5.0 percentage points higher at 55.0%.", FACTS).ok


def test_limits_and_due_dates_are_not_directions() -> None:
    result = check_text("Overdraft up to $20,000; the GST of $18,000 falls due on 28 April 2026.", FACTS)
    assert result.directions == () and result.ok


def test_unpaired_direction_words_are_unchecked_not_failed() -> None:
    result = check_text("Sales were lower this month overall, as expected from the season's pattern.", FACTS)
    assert [d.status for d in result.directions] == ["unchecked"] and result.ok


def test_untraceable_numbers_are_listed() -> None:
    result = check_text("Revenue was $80,000, down $15,300, with 7 new customers and five returns.", FACTS)
    assert [n.text for n in result.untraceable] == ["$15,300", "7", "five"]
    assert not result.ok and len(result.problems()) == 3
