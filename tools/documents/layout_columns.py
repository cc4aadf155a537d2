"""Which numeric column of a line-item table is the quantity, the unit price and the amount,
decided by arithmetic rather than by header words.

A header may use words we do not know ("Units", "Cost", "Hrs") or words that mislead (a "Rate"
column that is really the amount, a per-line GST column beside the amount). The rows settle it:
quantity x unit price = amount on (nearly) every row, and a GST column is 10% of the amount (or
the difference between an inclusive and an exclusive amount). `resolve_roles` tries every
assignment of roles to the numeric columns present and keeps the one the rows agree with most,
never one the rows agree with less than the header's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from itertools import permutations
from typing import Protocol

CENT = Decimal("0.01")
ROLES = ("qty", "price", "amount")
# Other numeric kinds a header may have produced; they may turn out to be any role.
NUMERIC_KINDS = ("qty", "price", "amount", "tax_amount", "other") + tuple(f"num{i}" for i in range(6))


def product_matches(q: Decimal, p: Decimal, a: Decimal) -> bool:
    """quantity x unit price = amount, to the cent."""
    exact = q * p
    return abs(exact - a) < CENT or (exact.quantize(CENT, rounding=ROUND_HALF_UP) == a)


def _agreement(rows: list[Mapping[str, Decimal]], mapping: Mapping[str, str]) -> tuple[int, int]:
    """(rows on which qty x price = amount holds minus rows where it fails, rows whose quantity is
    a whole number): the second breaks the tie between swapping quantity and price."""
    score = whole = 0
    for row in rows:
        q, p, a = (row.get(mapping[r]) if r in mapping else None for r in ROLES)
        if a is None or q is None or p is None:
            continue
        score += 2 if product_matches(q, p, a) else -1
        whole += q == q.to_integral_value()
    return score, whole


def resolve_roles(rows: list[Mapping[str, Decimal]], present: set[str]) -> dict[str, str]:
    """Column kind → role ("qty", "price", "amount", or "tax_amount") for the numeric columns
    `present`, from the parsed rows. Identity when the header's roles already agree best."""
    kinds = [k for k in NUMERIC_KINDS if k in present]
    identity = {r: r for r in ROLES if r in present}
    best_map, best = identity, _agreement(rows, identity)
    complete = sum(all(r in identity and identity[r] in row for r in ROLES) for row in rows)
    if len(kinds) < 3 or not rows or best[0] == 2 * complete and complete * 2 >= len(rows):
        return {k: k for k in kinds}  # the header's roles hold on every row that has all three
    # ties (quantity x price = price x quantity) go to the mapping that keeps more of the header's roles
    best_kept = len(identity)
    for combo in permutations(kinds, 3):
        mapping = dict(zip(ROLES, combo, strict=True))
        score = _agreement(rows, mapping)
        kept = sum(r == c for r, c in mapping.items())
        if score > best or score == best and mapping != identity and kept > best_kept:
            best_map, best, best_kept = mapping, score, kept
    if best_map is identity:
        return {k: k for k in kinds}
    out = {col: role for role, col in best_map.items()}
    for k in kinds:
        out.setdefault(k, "tax_amount" if _looks_like_gst(rows, k, best_map["amount"]) else "other")
    return out


class PricedLine(Protocol):
    @property
    def quantity(self) -> Decimal | None: ...
    @property
    def unit_price(self) -> Decimal | None: ...
    @property
    def amount(self) -> Decimal | None: ...


def lines_multiply(lines: Iterable[PricedLine]) -> bool:
    """Every line that states a quantity, a unit price and an amount satisfies qty x price = amount."""
    return all(ln.quantity is None or ln.unit_price is None or ln.amount is None
               or product_matches(ln.quantity, ln.unit_price, ln.amount) for ln in lines)


def inclusive_amount(q: Decimal, p: Decimal, gst: Decimal, amount: Decimal) -> bool:
    """Does the line's amount include its GST (qty x price + GST = amount)?"""
    return product_matches(q, p, amount - gst)


def _looks_like_gst(rows: list[Mapping[str, Decimal]], col: str, amount_col: str) -> bool:
    hits = [r for r in rows if col in r and amount_col in r]
    gst = lambda a: (a * Decimal("0.1")).quantize(CENT, rounding=ROUND_HALF_UP)
    return bool(hits) and all(r[col] in (Decimal(0), gst(r[amount_col])) for r in hits)


def rename(cells: Mapping[str, str], roles: Mapping[str, str]) -> dict[str, str]:
    """One row's cells with column kinds renamed to their roles (unchanged kinds kept)."""
    out: dict[str, str] = {}
    for kind, text in cells.items():
        out[roles.get(kind, kind)] = text
    return out


def parsed_rows(cells: list[Mapping[str, str]], kinds: set[str],
                parse: Callable[[str, str], Decimal | None]) -> list[dict[str, Decimal]]:
    """Each row's numeric cells parsed (`parse(kind, text)`), keeping only those that parse."""
    out = []
    for row in cells:
        parsed = {k: v for k in kinds if k in row and (v := parse(k, row[k])) is not None}
        out.append(parsed)
    return out
