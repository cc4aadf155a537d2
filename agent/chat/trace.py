"""Every number in an answer must come from a tool result (or the question itself).

The answer's numbers are found with the commentary's number reader (tools.reports.numbers): money,
percentages, plain numbers, dates, months and financial years. The candidates are every value in
the turn's tool results: numeric strings and numbers, ISO dates, the numbers written inside text
values (a policy clause's "$5,000", "25%"), and the length of every list (so "3 bills" can be a
count the tool returned). A number is traceable when a candidate, rounded to the precision the
answer wrote it at, equals it — the same rule the commentary check uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tools.reports.numbers import NUMERIC, Token, extract, rounds_to

_NUMERIC_TEXT = re.compile(r"-?\d+(?:\.\d+)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass
class Candidates:
    numbers: set[Decimal] = field(default_factory=set)
    dates: set[date] = field(default_factory=set)
    months: set[tuple[int, int]] = field(default_factory=set)   # (year, month) written in text

    def add_text(self, text: str) -> None:
        if _NUMERIC_TEXT.fullmatch(text.strip()):
            try:
                self.numbers.add(Decimal(text.strip()))
            except InvalidOperation:
                pass
            return
        for m in _ISO_DATE.finditer(text):
            try:
                self.dates.add(date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                pass
        for token in extract(text):
            self._add_token(token)

    def _add_token(self, token: Token) -> None:
        if token.kind in NUMERIC and isinstance(token.value, Decimal):
            self.numbers.add(token.value.scaleb(token.exponent))
        elif token.kind == "date" and isinstance(token.value, date):
            self.dates.add(token.value)
        elif token.kind == "month_year":
            self.months.add(token.value)  # type: ignore[arg-type]

    def add_value(self, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            self.numbers.add(Decimal(str(value)))
        elif isinstance(value, str):
            self.add_text(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.add_text(str(key).replace("_", " "))   # "1_30": an ageing bucket's bounds
                self.add_value(item)
        elif isinstance(value, (list, tuple)):
            self.numbers.add(Decimal(len(value)))
            for item in value:
                self.add_value(item)


def candidates_of(results: Iterable[dict[str, Any]], question: str = "") -> Candidates:
    found = Candidates()
    for result in results:
        found.add_value(result.get("result") if result.get("ok") else result.get("error"))
    found.add_text(question)
    return found


def _traceable(token: Token, found: Candidates) -> bool:
    if token.kind in NUMERIC:
        return any(rounds_to(value, token) for value in found.numbers)
    if token.kind == "date":
        return token.value in found.dates
    if token.kind == "day_month":
        month, day = token.value  # type: ignore[misc]
        return any((d.month, d.day) == (month, day) for d in found.dates)
    if token.kind == "month_year":
        year, month = token.value  # type: ignore[misc]
        return ((year, month) in found.months or Decimal(year) in found.numbers
                or any((d.year, d.month) == (year, month) for d in found.dates))
    if token.kind == "fy":
        (start,) = token.value  # type: ignore[misc]
        return any(date(start, 7, 1) <= d <= date(start + 1, 6, 30) for d in found.dates)
    return True


def untraceable(answer: str, results: Iterable[dict[str, Any]], question: str = "") -> list[str]:
    """The numbers in `answer` that no tool result (nor the question) contains, as written."""
    found = candidates_of(results, question)
    return [t.text for t in extract(answer) if not _traceable(t, found)]
