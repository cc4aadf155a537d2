"""Balance checks: a statement that does not add up, a running balance that breaks, a gap since
the previous statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tests.tools.bank.corpus import fixture
from tools.bank.balances import check_balances, ends_from_running_balances, find_gaps
from tools.bank.model import BankLine, Statement
from tools.bank.read_csv import read_csv
from tools.bank.read_ofx import read_ofx

D = Decimal


def _line(day: int, amount: str, text: str, balance: str | None = None) -> BankLine:
    return BankLine(posted=date(2024, 1, day), amount=D(amount), description=text,
                    balance=D(balance) if balance is not None else None)


def _statement(*lines: BankLine, opening: str | None = None, closing: str | None = None,
               start: date | None = None) -> Statement:
    return Statement(format="csv:cba", account="062000 12345678", currency="AUD", lines=lines,
                     opening_balance=D(opening) if opening else None,
                     closing_balance=D(closing) if closing else None,
                     period_start=start or (lines[0].posted if lines else None),
                     period_end=lines[-1].posted if lines else None)


LINES = (_line(2, "1200.00", "Direct Credit 123456 ACME PTY LTD", "5400.00"),
         _line(3, "-45.90", "BUNNINGS 1234 MELBOURNE", "5354.10"),
         _line(3, "-4.50", "SQ *PATRICIAS CAFE", "5349.60"))


def test_a_statement_that_adds_up_has_no_problems() -> None:
    assert check_balances(_statement(*LINES, opening="4200.00", closing="5349.60")) == ()


def test_a_statement_that_does_not_add_up_says_by_how_much() -> None:
    (problem,) = check_balances(_statement(*(ln.__class__(
        posted=ln.posted, amount=ln.amount, description=ln.description) for ln in LINES),
        opening="4200.00", closing="5300.00"))
    assert problem.code == "balance_mismatch"
    for figure in ("4,200.00", "1,149.60", "5,349.60", "5,300.00", "-49.60"):
        assert figure in problem.message


def test_a_missing_line_breaks_the_running_balance_where_it_was() -> None:
    (problem,) = check_balances(_statement(LINES[0], LINES[2]))
    assert problem.code == "running_balance_break"
    assert "3 Jan 2024" in problem.message and "SQ *PATRICIAS CAFE" in problem.message
    assert "5,395.50" in problem.message and "5,349.60" in problem.message


def test_lines_of_one_day_in_any_order_are_not_a_break() -> None:
    coffee = _line(3, "-3.90", "SQ *PATRICIAS CAFE", "5345.70")
    for order in ((LINES[2], LINES[1], coffee), (coffee, LINES[2], LINES[1])):
        assert check_balances(_statement(LINES[0], *order)) == ()
        assert check_balances(_statement(*order)) == ()  # no balance before the day either


def test_the_first_line_must_follow_the_opening_balance() -> None:
    problems = check_balances(_statement(*LINES, opening="4000.00"))
    assert [p.code for p in problems] == ["running_balance_break"]
    assert "the opening balance" in problems[0].message


def test_lines_without_running_balances_are_not_checked_for_breaks() -> None:
    plain = tuple(BankLine(posted=ln.posted, amount=ln.amount, description=ln.description)
                  for ln in LINES)
    assert check_balances(_statement(*plain)) == ()


def test_many_breaks_are_summarised() -> None:
    lines = [BankLine(posted=date(2024, 1, 1) + timedelta(days=i), amount=D("-1.00"),
                      description=f"FEE {i}", balance=D(1000 + i)) for i in range(30)]
    problems = check_balances(_statement(*lines))
    assert len(problems) == 11 and "19 more" in problems[-1].message  # 29 breaks


def test_ends_from_running_balances() -> None:
    assert ends_from_running_balances(LINES) == (D("4200.00"), D("5349.60"))
    assert ends_from_running_balances((LINES[0], LINES[2])) == (None, None)
    assert ends_from_running_balances(()) == (None, None)
    # One day, and the balances chain in both orders: which came first is unknowable.
    both_ways = (_line(5, "-20.00", "CHEQUE 558", "858.47"), _line(5, "20.00", "DEPOSIT", "878.47"))
    assert ends_from_running_balances(both_ways) == (None, None)


def test_a_real_export_with_a_row_deleted_is_caught() -> None:
    rows = fixture("cba.csv").split(b"\r\n")
    (st,) = read_csv(b"\r\n".join(row for row in rows if b"TELSTRA" not in row))
    assert st.opening_balance is None  # the chain is broken, so no honest opening balance
    (problem,) = check_balances(st)
    assert problem.code == "running_balance_break" and "OFFICEWORKS" in problem.message


def test_the_ofx_fixture_adds_up() -> None:
    cheque, card = read_ofx(fixture("commbank.ofx"))
    assert check_balances(cheque) == () and check_balances(card) == ()


def test_a_gap_since_the_previous_statement() -> None:
    this = _statement(*LINES, opening="4200.00", closing="5349.60")
    (problem,) = find_gaps(date(2023, 12, 29), D("4000.00"), this)
    assert problem.code == "statement_gap"
    for words in ("2 Jan 2024", "4,200.00", "29 Dec 2023", "4,000.00", "200.00"):
        assert words in problem.message


def test_following_on_or_overlapping_is_fine() -> None:
    this = _statement(*LINES, opening="4200.00", closing="5349.60")
    assert find_gaps(date(2024, 1, 1), D("4200.00"), this) == ()  # starts where the last closed
    assert find_gaps(date(2024, 1, 3), D("9999.00"), this) == ()  # overlap: dedup handles it


def test_no_gap_can_be_seen_without_the_figures() -> None:
    this = _statement(*LINES, closing="5349.60")
    assert find_gaps(date(2023, 12, 1), D("100.00"), this) == ()  # no opening balance
    assert find_gaps(None, None, _statement(*LINES, opening="4200.00")) == ()
