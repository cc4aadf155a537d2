"""The monthly report service: the one function `backoffice report monthly`, the API's
`GET /v1/reports/monthly` and the demo call.

    monthly_report(session, month, settings, model=None, *, clock=None, budget=None, offline=False)

* `month`: a `Month`, "YYYY-MM" or None for the last complete month (the last month that has
  ended both on the calendar, in Sydney time, and in the books: tools.reports.periods).
* `model`: a ChatModel for the commentary; None builds the configured one from `settings`
  (OpenAIChatModel.from_settings, None when no LLM is configured); `offline=True` never uses one.
* `budget`: a Budget; None reads `settings.report_budget_file` or HOME/budget.json when present.
* Refuses (ReportError, a LedgerError): a malformed month, a month that has not started, a month
  before the books start, a budget file that does not parse. Read-only: nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.llm import OpenAIChatModel
from core.llm import ChatModel
from memory.report_queries import books_start, latest_journal_date, load_snapshot
from memory.schema import AccountRow
from adapters.clock import SystemClock
from core.clock import Clock
from tools.reports.budget import parse_budget
from tools.reports.config import ReportConfig
from tools.reports.errors import ReportError
from tools.reports.model import Budget
from tools.reports.periods import Month, last_complete_month, long_date
from tools.reports.report import MonthlyReport, build_report

__all__ = ["default_month", "load_budget", "local_today", "monthly_report", "resolve_month"]

try:
    from zoneinfo import ZoneInfo

    SYDNEY: Any = ZoneInfo("Australia/Sydney")
except Exception:  # noqa: BLE001  (no time-zone database: AEST, standard time)
    SYDNEY = timezone(timedelta(hours=10))


def local_today(clock: Clock) -> date:
    return clock.now().astimezone(SYDNEY).date()


def default_month(session: Session, today: date) -> Month:
    return last_complete_month(today, latest_journal_date(session))


def resolve_month(session: Session, month: Month | str | None, today: date) -> Month:
    if month is None:
        month = default_month(session, today)
    elif isinstance(month, str):
        try:
            month = Month.parse(month)
        except ValueError as exc:
            raise ReportError.single("bad_month", str(exc)) from None
    if month.start > today:
        raise ReportError.single("future_month", f"{month.label} has not started yet (today is "
                                                 f"{long_date(today)})")
    start = books_start(session)
    if start is None:
        raise ReportError.single("no_books", "There are no posted journals to report on yet")
    if month.end < start:
        raise ReportError.single("before_books", f"The books start on {long_date(start)}; there is "
                                                 f"nothing to report for {month.label}")
    return month


def load_budget(session: Session, path: Path) -> Budget:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError.single("bad_budget", f"Cannot read the budget file {path}: {exc}") from None
    codes = list(session.scalars(select(AccountRow.code).where(AccountRow.type.in_(("revenue", "expense")))))
    return parse_budget(text, codes)


def _settings_budget(session: Session, settings: Any) -> Budget | None:
    configured = getattr(settings, "report_budget_file", None)
    path = Path(configured) if configured else Path(settings.home) / "budget.json"
    if configured or path.is_file():
        return load_budget(session, path)
    return None


def monthly_report(session: Session, month: Month | str | None, settings: Any,
                   model: ChatModel | None = None, *, clock: Clock | None = None,
                   budget: Budget | None = None, offline: bool = False) -> MonthlyReport:
    clock = clock or SystemClock()
    now: datetime = clock.now()
    today = local_today(clock)
    chosen = resolve_month(session, month, today)
    if budget is None:
        budget = _settings_budget(session, settings)
    snapshot = load_snapshot(session, chosen, budget)
    if offline:
        model = None
    elif model is None:
        model = OpenAIChatModel.from_settings(settings)
    return build_report(snapshot, chosen, ReportConfig.from_settings(settings), model=model,
                        generated_at=now, today=today)
