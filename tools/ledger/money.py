"""Exact money: Decimal in, Decimal out; floats are refused because they cannot hold cents exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from tools.ledger.problems import LedgerError

CENT = Decimal("0.01")


def to_money(value: object, *, field: str = "amount") -> Decimal:
    """Parse an amount given as Decimal, int or a decimal string. Floats and sub-cent values are errors."""
    if isinstance(value, bool) or isinstance(value, float):
        raise LedgerError.single(
            "float_amount",
            f"{field} was given as a binary floating-point number ({value!r}); "
            "give amounts as exact decimal text such as \"123.45\"",
        )
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise LedgerError.single("bad_amount", f"{field} {value!r} is not an amount") from None
    if not amount.is_finite():
        raise LedgerError.single("bad_amount", f"{field} {value!r} is not an amount")
    if amount != amount.quantize(CENT):
        raise LedgerError.single(
            "sub_cent_amount", f"{field} {value} has fractions of a cent; amounts are whole cents"
        )
    return amount.quantize(CENT)


def round_cents(value: Decimal) -> Decimal:
    """Round half up to the cent, as invoices and pay guides do."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def gst_of(amount_ex_gst: Decimal, rate: Decimal = Decimal("0.10")) -> Decimal:
    return round_cents(amount_ex_gst * rate)
