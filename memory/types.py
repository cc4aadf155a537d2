"""Exact decimal columns: NUMERIC on PostgreSQL, scaled integers on SQLite.

SQLite has no exact decimal type: a NUMERIC column there silently stores 12.34 as a binary float.
So on SQLite an amount is kept as an integer count of its smallest unit (cents for money), and the
migration adds triggers that refuse any non-integer value written by raw SQL.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from tools.ledger.problems import LedgerError


class ExactDecimal(TypeDecorator[Decimal]):
    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2, precision: int = 18) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self.quantum = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:  # how Alembic writes the type into a migration
        return f"ExactDecimal(scale={self.scale}, precision={self.precision})"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[object]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: object, dialect: Dialect) -> object:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise LedgerError.single(
                "float_amount" if isinstance(value, float) else "bad_amount",
                f"{value!r} is not an exact decimal amount",
            )
        exact = Decimal(value)
        if exact != exact.quantize(self.quantum):
            raise LedgerError.single(
                "too_precise", f"{value} has more than {self.scale} decimal places"
            )
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact.quantize(self.quantum)

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self.quantum)  # type: ignore[call-overload]
        return Decimal(value).quantize(self.quantum)  # type: ignore[arg-type]


Money = ExactDecimal(2)
Quantity = ExactDecimal(4)
UnitPrice = ExactDecimal(4)
Rate = ExactDecimal(4)
