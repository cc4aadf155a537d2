"""Does a statement add up, and does it follow on from the one before? Pure checks returning
Problems worded for a bookkeeper, with the figures in them.

Running balances may be listed in either direction within a day: banks sort same-day lines by
time, by amount or by nothing at all, so a pair of lines whose balances fit the other order is
not a break. A real break (no order explains it) is a line missing from the file, or a line the
bank changed after the export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from tools.bank.model import BankLine, Statement
from tools.ledger.problems import Problem

MAX_BREAKS_LISTED = 10


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def check_balances(st: Statement) -> tuple[Problem, ...]:
    problems = []
    total = sum((line.amount for line in st.lines), Decimal(0))
    if st.opening_balance is not None and st.closing_balance is not None:
        expected = st.opening_balance + total
        if expected != st.closing_balance:
            count = len(st.lines)
            problems.append(Problem("balance_mismatch", (
                f"The statement does not add up: the opening balance of "
                f"{money(st.opening_balance)} plus {count} line{'' if count == 1 else 's'} "
                f"totalling {money(total)} makes {money(expected)}, but the closing balance is "
                f"{money(st.closing_balance)} ({money(st.closing_balance - expected)} "
                "unaccounted for). A line may be missing from the file.")))
    problems.extend(p for p in _running_breaks(st) if p is not None)
    return tuple(problems)


def _running_breaks(st: Statement) -> list[Problem | None]:
    """Walk the running balance day by day. Within a day the next line is whichever one follows
    on from the balance so far (found by its balance-before, so the walk stays linear); when
    none does, the next line in file order is a break, and the walk carries on from it."""
    breaks: list[Problem | None] = []
    current, source = st.opening_balance, "the opening balance"
    lines = st.lines
    start = 0
    while start < len(lines):
        if lines[start].balance is None:  # no figure to carry across this line
            current, start = None, start + 1
            continue
        end = start
        while (end < len(lines) and lines[end].balance is not None
               and lines[end].posted == lines[start].posted):
            end += 1
        current, source = _walk_day(lines[start:end], current, source, breaks)
        start = end
    if len(breaks) > MAX_BREAKS_LISTED:  # the rest are None: counted, not worded
        more = len(breaks) - MAX_BREAKS_LISTED
        breaks = breaks[:MAX_BREAKS_LISTED] + [Problem(
            "running_balance_break", f"... and {more} more place{'' if more == 1 else 's'} where "
            "the running balance breaks.")]
    return breaks


def _walk_day(one_day: Sequence[BankLine], current: Decimal | None, source: str,
              breaks: list[Problem | None]) -> tuple[Decimal | None, str]:
    by_before: dict[Decimal, list[int]] = {}
    for index in range(len(one_day) - 1, -1, -1):  # reversed, so pop() gives file order
        line = one_day[index]
        by_before.setdefault(line.balance - line.amount, []).append(index)  # type: ignore[operator]
    used = [False] * len(one_day)
    if current is None:
        # Without a balance to start from, start with the line no other line of the day leads to.
        balances = {line.balance for line in one_day}
        first = next((i for i, line in enumerate(one_day)
                      if line.balance - line.amount not in balances), 0)  # type: ignore[operator]
        used[first], current, source = True, one_day[first].balance, "the line before"
    in_file_order = 0
    for _ in range(sum(not u for u in used)):
        candidates = by_before.get(current)  # type: ignore[arg-type]
        while candidates and used[candidates[-1]]:
            candidates.pop()
        if candidates:
            index = candidates.pop()
        else:
            while used[in_file_order]:
                in_file_order += 1
            index = in_file_order
            breaks.append(_break(one_day[index], current, source)  # type: ignore[arg-type]
                          if len(breaks) < MAX_BREAKS_LISTED else None)
        used[index] = True
        current, source = one_day[index].balance, "the line before"
    return current, source


def _break(line: BankLine, before: Decimal, after_what: str) -> Problem:
    assert line.balance is not None
    return Problem("running_balance_break", (
        f"The running balance breaks at {day(line.posted)} {line.text or 'the line'!r} "
        f"({money(line.amount)}): after {after_what} ({money(before)}) it should be "
        f"{money(before + line.amount)}, but the bank shows {money(line.balance)}. A line may be "
        "missing or out of place."))


def chain_holds(lines: Sequence[BankLine]) -> bool:
    """Every line's running balance is the one before plus its amount, in this order."""
    return all(line.balance is not None for line in lines) and all(
        before.balance + after.amount == after.balance  # type: ignore[operator]
        for before, after in pairwise(lines))


def ends_from_running_balances(lines: Sequence[BankLine]) -> tuple[Decimal | None, Decimal | None]:
    """(opening, closing) from the running balances of lines in date order, when every line has
    one and they chain; (None, None) otherwise, since a broken chain gives no honest figure. Lines
    all on one day that chain in both orders are ambiguous too (which came first?)."""
    if not lines or not chain_holds(lines):
        return None, None
    if lines[0].posted == lines[-1].posted and len(lines) > 1 and chain_holds(lines[::-1]):
        return None, None
    first, last = lines[0], lines[-1]
    return first.balance - first.amount, last.balance  # type: ignore[operator]


def find_gaps(previous_end: date | None, previous_closing: Decimal | None,
              st: Statement) -> tuple[Problem, ...]:
    """A gap: this statement starts after the previous one ended and does not open where it
    closed, so lines between the two are missing. An overlap is fine: the import's dedup drops
    the lines both files hold."""
    start = st.period_start or (min(line.posted for line in st.lines) if st.lines else None)
    if (previous_end is None or previous_closing is None or start is None
            or st.opening_balance is None or start <= previous_end
            or st.opening_balance == previous_closing):
        return ()
    missing = st.opening_balance - previous_closing
    return (Problem("statement_gap", (
        f"This statement starts on {day(start)} with an opening balance of "
        f"{money(st.opening_balance)}, but the previous one ended on {day(previous_end)} at "
        f"{money(previous_closing)}: {money(missing)} of transactions between them are missing. "
        "Import the statement for the days in between.")),)


@dataclass(frozen=True)
class ReconciliationStatement:
    """The bank reconciliation statement of one account at a date: the bank's balance, less the
    lines nobody has reconciled yet, equals the ledger's, less its entries no line has claimed.
    Anything else is a `difference` someone must explain (a line reconciled twice in effect, a
    journal edited under a reconciliation, a statement missing)."""
    as_of: date
    bank_balance: Decimal
    ledger_balance: Decimal
    open_lines: Decimal          # the bank's lines not reconciled (they are not in the books yet,
    unclaimed_entries: Decimal   # or their entry is among these: in the books, not matched)

    @property
    def difference(self) -> Decimal:
        return (self.bank_balance - self.open_lines) - (self.ledger_balance - self.unclaimed_entries)
