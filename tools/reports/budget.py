"""Budgets from JSON: {"version": 1, "months": {"2026-06": {"4000": "150000.00", ...}}}.

Amounts are decimal strings (or integers) in natural signs: income and expenses both positive.
Only profit-and-loss accounts of the chart may appear; floats are refused (money is exact)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from tools.reports.errors import ReportError
from tools.reports.model import Budget
from tools.reports.periods import Month

MAX_BYTES = 1024 * 1024


def parse_budget(text: str, pnl_codes: Iterable[str]) -> Budget:
    if len(text) > MAX_BYTES:
        raise ReportError.single("bad_budget", "The budget file is larger than 1 MiB")
    try:
        data = json.loads(text, parse_float=lambda s: float(s))
    except json.JSONDecodeError as exc:
        raise ReportError.single("bad_budget", f"The budget file is not valid JSON: {exc.msg}") from None
    codes = set(pnl_codes)
    if not isinstance(data, dict) or not isinstance(data.get("months"), dict):
        raise ReportError.single("bad_budget", 'The budget file needs {"months": {"YYYY-MM": {...}}}')
    months: dict[str, dict[str, Decimal]] = {}
    for key, lines in data["months"].items():
        try:
            Month.parse(key)
        except ValueError as exc:
            raise ReportError.single("bad_budget", f"Budget month {exc}") from None
        if not isinstance(lines, dict):
            raise ReportError.single("bad_budget", f"Budget {key}: give account code → amount")
        months[key] = {str(code): _amount(key, str(code), value, codes) for code, value in lines.items()}
    return Budget(months)


def _amount(month: str, code: str, value: Any, codes: set[str]) -> Decimal:
    if code not in codes:
        raise ReportError.single("bad_budget", f"Budget {month}: {code!r} is not an income or expense "
                                               "account in the chart")
    if isinstance(value, (float, bool)):
        raise ReportError.single("bad_budget", f"Budget {month} {code}: give amounts as decimal "
                                               f"strings such as \"1234.50\", not {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ReportError.single("bad_budget", f"Budget {month} {code}: {value!r} is not an amount") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ReportError.single("bad_budget", f"Budget {month} {code}: {value!r} is not whole cents")
    return amount.quantize(Decimal("0.01"))
