"""Small builders for payroll tests."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from tools.payroll.interpret import interpret
from tools.payroll.model import Shift, ShiftPay

D = Decimal
# A week in July 2025: Monday 7 to Sunday 13.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2025, 7, d) for d in range(7, 14))


def hm(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def shift(start: str = "09:00", end: str = "17:00", *, day: date = MON, award: str = "MA000004",
          cls: str = "L1", kind: str = "casual", state: str = "NSW", emp: str = "E1", brk: int = 0,
          end_date: date | None = None, index: int = 1, shift_kind: str = "worked", **extra: Any) -> Shift:
    """A shift; `kind` is the employment type, `shift_kind` the Shift's kind (worked or not)."""
    return Shift(employee_id=emp, award=award, classification=cls, employment_type=kind, date=day,
                 start=hm(start), end=hm(end), state=state, unpaid_break_minutes=brk, end_date=end_date,
                 index=index, kind=shift_kind, **extra)


def one(s: Shift) -> ShiftPay:
    return interpret([s])[0]


def lines(result: ShiftPay) -> list[tuple[str, str, str, str]]:
    """(rule, hours, rate, amount) per line: easy to compare with a hand-worked table."""
    from tools.payroll.model import hours_text

    return [(ln.rule, hours_text(ln.minutes), str(ln.rate), str(ln.amount)) for ln in result.lines]


def uncertain(result: ShiftPay) -> set[str]:
    return {w.figure.what for w in result.warnings if w.code == "uncertain_figure" and w.figure}
