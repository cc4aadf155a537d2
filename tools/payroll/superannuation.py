"""The superannuation guarantee percentage, by the date earnings are paid (super-guarantee.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from tools.payroll.awards import DATA_DIR, Figure, round_cents
from tools.payroll.errors import PayrollError


@dataclass(frozen=True, slots=True)
class SuperRate:
    start: date
    end: date
    percent: Decimal
    figure: Figure

    @property
    def fraction(self) -> Decimal:
        return self.percent / 100

    def of(self, ordinary_time_earnings: Decimal) -> Decimal:
        """The guarantee on some OTE, half up to the cent."""
        return round_cents(ordinary_time_earnings * self.percent / 100)


class SuperRates:
    def __init__(self, rates: list[SuperRate]) -> None:
        self.rates = tuple(sorted(rates, key=lambda r: r.start))

    @classmethod
    def load(cls, path: Path = DATA_DIR / "super-guarantee.toml") -> SuperRates:
        with path.open("rb") as handle:
            data = tomllib.load(handle, parse_float=Decimal)
        clause = data.get("clause", "")
        rates = []
        for n, entry in enumerate(data.get("rates", []), start=1):
            start, end, percent = entry.get("from"), entry.get("to"), entry.get("percent")
            if not isinstance(start, date) or not isinstance(end, date) or percent is None:
                raise PayrollError.single("bad_super_data", f"{path.name}: rates[{n}] needs from, to, percent")
            pct = Decimal(percent)
            rates.append(SuperRate(start, end, pct, Figure(
                f"Superannuation guarantee {pct.normalize():f} % of ordinary time earnings paid from {start}",
                clause, entry.get("source", ""), entry.get("tag", "PRIMARY"), bool(entry.get("uncertain", False)))))
        return cls(rates)

    def on(self, payment_date: date) -> SuperRate:
        for rate in self.rates:
            if rate.start <= payment_date <= rate.end:
                return rate
        raise PayrollError.single("outside_super_data",
                                  f"no superannuation guarantee rate is known for payments on {payment_date}")


@lru_cache(maxsize=2)
def default_super_rates() -> SuperRates:
    return SuperRates.load()
