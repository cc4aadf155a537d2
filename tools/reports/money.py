"""Exact money for reports: Decimal arithmetic, half-up rounding, and the formats people read."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DOLLAR = Decimal(1)
RATIO = Decimal("0.0001")   # percentages are kept to 4 decimal places (12.3456 %)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole` (4 dp), or None when `whole` is zero."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(RATIO, rounding=ROUND_HALF_UP)


def change_percent(current: Decimal, before: Decimal) -> Decimal | None:
    """The change from `before` to `current` as a percentage of |before| (signed), or None."""
    if before == 0:
        return None
    return ((current - before) * 100 / abs(before)).quantize(RATIO, rounding=ROUND_HALF_UP)


def whole_dollars(value: Decimal) -> Decimal:
    return value.quantize(DOLLAR, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal, *, with_cents: bool = False, signed: bool = False) -> str:
    """'$12,345' (whole dollars, half up) or '$12,345.67'; the magnitude unless `signed`
    ('-$1,200'). Prose states direction in words, so it normally uses magnitudes."""
    amount = cents(value) if with_cents else whole_dollars(value)
    text = f"${abs(amount):,.2f}" if with_cents else f"${abs(amount):,.0f}"
    return f"-{text}" if signed and amount < 0 else text


def fmt_amount(value: Decimal | None) -> str:
    """Table format: '12,345.67', negatives in brackets '(12,345.67)', blank for None."""
    if value is None:
        return ""
    amount = cents(value)
    return f"({abs(amount):,.2f})" if amount < 0 else f"{amount:,.2f}"


def fmt_percent(value: Decimal | None, places: int = 1, *, signed: bool = False) -> str:
    """'12.3%' (the magnitude), or '-12.3%' when `signed`; 'n/a' for None."""
    if value is None:
        return "n/a"
    q = Decimal(1).scaleb(-places)
    rounded = value.quantize(q, rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}%"
    return f"-{text}" if signed and rounded < 0 else text


def dec(value: Decimal | None) -> str | None:
    """JSON form of money: a decimal string with cents, or None."""
    return None if value is None else f"{cents(value):.2f}"


def dec_ratio(value: Decimal | None) -> str | None:
    """JSON form of a percentage: two decimal places."""
    return None if value is None else f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"
