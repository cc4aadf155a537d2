"""The demo's month-end step: the June 2026 report (the last complete month of the demo's books),
written offline into HOME/reports/ as HTML and JSON, read-only on the books."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from adapters.files import write_atomically
from services.reports import monthly_report
from memory.db import unit_of_work
from core.clock import Clock
from tools.reports.money import fmt_money
from tools.reports.periods import Month
from adapters.reports.render_html import render_html
from adapters.reports.render_json import report_contract

DEMO_MONTH = Month(2026, 6)


@dataclass
class ReportSummary:
    month: str = ""
    html: Path | None = None
    json: Path | None = None
    commentary: str = ""
    net_profit: Decimal | None = None
    lowest_week: int = 0
    lowest_balance: Decimal | None = None
    reconciled: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"month": self.month, "html": str(self.html) if self.html else None,
                "json": str(self.json) if self.json else None, "commentary": self.commentary,
                "net_profit": str(self.net_profit) if self.net_profit is not None else None,
                "forecast_lowest_week": self.lowest_week,
                "forecast_lowest_balance": str(self.lowest_balance) if self.lowest_balance is not None else None,
                "reconciled": self.reconciled}

    def as_text(self) -> str:
        if self.html is None:
            return "  report       not written"
        return (f"  report       {Month.parse(self.month).label} month-end report ({self.commentary} commentary): "
                f"net profit {fmt_money(self.net_profit or Decimal(0))}, 13-week cash low point "
                f"{fmt_money(self.lowest_balance or Decimal(0))} in week {self.lowest_week}; "
                f"{'reconciled to the trial balance' if self.reconciled else 'DOES NOT RECONCILE'}\n"
                f"               written to {self.html} (and {self.json.name if self.json else ''})")


def write_month_end_report(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> ReportSummary:
    with unit_of_work(sessions) as session:
        report = monthly_report(session, DEMO_MONTH, settings, clock=clock, offline=True)
    folder = settings.home.resolve() / "reports"
    html_path, json_path = folder / f"monthly-{DEMO_MONTH.key}.html", folder / f"monthly-{DEMO_MONTH.key}.json"
    write_atomically(html_path, render_html(report).encode("utf-8"))
    write_atomically(json_path, (json.dumps(report_contract(report), indent=2, ensure_ascii=False) + "\n")
                     .encode("utf-8"))
    low = report.forecast.lowest
    return ReportSummary(DEMO_MONTH.key, html_path, json_path,
                         report.commentary.path if report.commentary else "",
                         report.profit_and_loss.metric("net_profit"), low.number, low.closing,
                         report.reconciled)
