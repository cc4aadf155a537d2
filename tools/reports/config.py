"""Report settings, read by name from core.settings.Settings with defaults (getattr), so the
kernel works before the settings object declares them.

| setting                          | default     | meaning                                              |
|----------------------------------|-------------|------------------------------------------------------|
| report_materiality_amount        | 1000        | a change is material only if at least this many $    |
| report_materiality_percent       | 10          | ... and at least this % of the comparison amount     |
| report_cash_buffer               | 0           | the forecast flags weeks closing below this balance  |
| report_gst_cycle                 | quarterly   | BAS for GST: "quarterly" or "monthly"                |
| report_payg_cycle                | quarterly   | PAYG withholding: with a quarterly or monthly BAS    |
| report_max_variances             | 4           | material changes named in the commentary             |
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CYCLES = ("quarterly", "monthly")


@dataclass(frozen=True)
class ReportConfig:
    materiality_amount: Decimal = Decimal(1000)
    materiality_percent: Decimal = Decimal(10)
    cash_buffer: Decimal = Decimal(0)
    gst_cycle: str = "quarterly"
    payg_cycle: str = "quarterly"
    max_variances: int = 4

    def __post_init__(self) -> None:
        for name in ("gst_cycle", "payg_cycle"):
            if getattr(self, name) not in CYCLES:
                raise ValueError(f"{name} must be one of {CYCLES}, not {getattr(self, name)!r}")
        if self.materiality_amount < 0 or self.materiality_percent < 0:
            raise ValueError("materiality thresholds cannot be negative")

    @classmethod
    def from_settings(cls, settings: Any) -> ReportConfig:
        if settings is None:
            return cls()
        d = cls()
        return cls(
            materiality_amount=_decimal(getattr(settings, "report_materiality_amount", None),
                                        d.materiality_amount),
            materiality_percent=_decimal(getattr(settings, "report_materiality_percent", None),
                                         d.materiality_percent),
            cash_buffer=_decimal(getattr(settings, "report_cash_buffer", None), d.cash_buffer),
            gst_cycle=str(getattr(settings, "report_gst_cycle", None) or d.gst_cycle),
            payg_cycle=str(getattr(settings, "report_payg_cycle", None) or d.payg_cycle),
            max_variances=int(getattr(settings, "report_max_variances", None) or d.max_variances),
        )


def _decimal(value: Any, default: Decimal) -> Decimal:
    if value is None:
        return default
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
