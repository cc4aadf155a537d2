"""Month end in the browser: the monthly report for a chosen month (?month=YYYY-MM; by default the
last complete month, as GET /v1/reports/monthly), and the same report to download as PDF or JSON.

Built by services.reports.monthly_report, the function behind the API, the CLI and the demo, and
shown from its JSON contract (adapters.reports.render_json: the same figures the API returns)
through a template, so the page follows the workplace's escaping and its Content-Security-Policy:
the charts are the report's own SVG geometry (adapters.reports.charts), coloured by presentation
attributes, with the report's styling in static/report.css rather than inline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup

from api.web.auth import requires
from api.web.render import page
from memory.db import read_only
from memory.web_sessions_store import LiveSession
from tools.reports.errors import ReportError
from tools.reports.periods import Month
from tools.reports.report import MonthlyReport

router = APIRouter(include_in_schema=False)

Reading = Annotated[LiveSession, Depends(requires("reports.read", "read the month-end reports"))]
MONTH = re.compile(r"^\d{4}-\d{2}$")
PICKER_MONTHS = 36          # how far back the month picker goes
CHECK_NAMES = {"balance_sheet_balances": "The balance sheet balances",
               "trial_balance_balances": "The trial balance balances",
               "accounts_agree_with_trial_balance": "Every account agrees with the trial balance",
               "earnings_agree_with_trial_balance": "Earnings agree with the trial balance",
               "assets_agree_with_trial_balance": "Assets agree with the trial balance",
               "cash_agrees_with_trial_balance": "Cash agrees with the trial balance"}


@dataclass(frozen=True)
class Built:
    report: MonthlyReport | None
    months: list[Month]           # what the picker offers, newest first
    error: str | None = None


def _months(session: Any, today: Any) -> list[Month]:
    from memory.report_queries import books_start
    from services.reports import default_month

    start = books_start(session)
    if start is None:
        return []
    last, first = default_month(session, today), Month.of(start)
    months = []
    while len(months) < PICKER_MONTHS and (last.year, last.month) >= (first.year, first.month):
        months.append(last)
        last = last.shift(-1)
    return months


def build(runtime: Any, month: str | None) -> Built:
    """The report for `month` (None: the default month), or the reason there is none."""
    from services.reports import local_today, monthly_report

    with read_only(runtime.sessions) as session:
        months = _months(session, local_today(runtime.clock))
        try:
            report = monthly_report(session, month, runtime.settings, clock=runtime.clock)
        except ReportError as exc:
            return Built(None, months, "; ".join(p.message for p in exc.problems))
    return Built(report, months)


def _pnl_rows(pnl: dict[str, Any], keys: list[str]) -> list[dict[str, Any]]:
    """The statement as rows: each section's lines and total, gross profit and margin after the
    cost of sales (as the report's own renderers lay it out), net profit last."""
    rows: list[dict[str, Any]] = []
    metrics = pnl["metrics"]
    for s in pnl["sections"]:
        if not s["lines"]:
            continue
        rows.append({"kind": "section", "label": s["label"], "cells": [None] * len(keys)})
        rows.extend({"kind": "line", "label": f"{ln['code']} {ln['name']}",
                     "cells": [ln["values"].get(k) for k in keys]} for ln in s["lines"])
        rows.append({"kind": "total", "label": f"Total {s['label'].lower()}",
                     "cells": [s["totals"].get(k) for k in keys]})
        if s["key"] == "cost_of_sales":
            rows.append({"kind": "total", "label": "Gross profit",
                         "cells": [metrics["gross_profit"].get(k) for k in keys]})
            rows.append({"kind": "pct", "label": "Gross margin",
                         "cells": [metrics["gross_margin_pct"].get(k) for k in keys]})
    rows.append({"kind": "total", "label": "Net profit",
                 "cells": [metrics["net_profit"].get(k) for k in keys]})
    return rows


def report_view(report: MonthlyReport) -> dict[str, Any]:
    """What report.html shows: the API's contract, the charts' SVG, and rows laid out."""
    from adapters.reports.charts import cash_forecast_chart, to_svg, trend_chart
    from adapters.reports.render_json import report_contract

    data = report_contract(report)
    pnl = data["profit_and_loss"]
    columns = [c for c in pnl["columns"] if c["available"]]
    keys = [c["key"] for c in columns]
    metrics = pnl["metrics"]
    totals = {v["key"]: v for v in data["variances"]["totals"]
              if v["comparison"] == "prior_month"}
    forecast = data["cash_forecast"]
    figures = [
        {"label": "Revenue", "value": metrics["revenue"]["current"], "change": totals.get("revenue")},
        {"label": "Gross profit", "value": metrics["gross_profit"]["current"],
         "change": totals.get("gross_profit")},
        {"label": "Net profit", "value": metrics["net_profit"]["current"],
         "change": totals.get("net_profit")},
        {"label": "Cash at bank", "value": data["cash_position"]["total"]["closing"], "change": None},
        {"label": f"Forecast low (week {forecast['lowest']['week']})",
         "value": forecast["lowest"]["closing"], "change": None},
    ]
    categories = [(k, c["label"]) for k, c in forecast["categories"].items()
                  if any(w["by_category"].get(k) not in (None, "0.00") for w in forecast["weeks"])]
    return {
        "data": data, "month": data["month"], "period": data["period"],
        "organisation": data["organisation"], "commentary": data["commentary"],
        "columns": columns, "pnl_rows": _pnl_rows(pnl, keys),
        "unavailable": [c for c in pnl["columns"] if not c["available"]],
        "figures": figures, "variances": data["variances"], "forecast": forecast,
        "forecast_categories": categories,
        "bank": data["bank_reconciliation"], "cash": data["cash_position"],
        "balance_sheet": data["balance_sheet"], "gst": data["gst_summary"],
        "receivables": data["aged_receivables"], "payables": data["aged_payables"],
        "checks": [{**c, "label": CHECK_NAMES.get(c["name"], c["name"].replace("_", " "))}
                   for c in data["reconciliation"]["checks"]],
        "reconciled": data["reconciliation"]["reconciled"],
        # to_svg escapes every text it draws; its colours are fill=/stroke= attributes.
        "forecast_chart": Markup(to_svg(cash_forecast_chart(report.forecast))),
        "trend_chart": Markup(to_svg(trend_chart(report.trend))),
    }


@router.get("/reports")
async def monthly(request: Request, _: Reading, month: str | None = None) -> Response:
    month = (month or "").strip() or None
    if month is not None and not MONTH.match(month):
        built = await anyio.to_thread.run_sync(build, request.app.state.runtime, None)
        return page(request, "report.html", status_code=422, months=built.months, chosen=None,
                    error=f"{month[:20]!r} is not a month: choose one below (YYYY-MM).", r=None)
    built = await anyio.to_thread.run_sync(build, request.app.state.runtime, month)
    if built.report is None:
        return page(request, "report.html", status_code=422, months=built.months, chosen=month,
                    error=built.error, r=None)
    view = report_view(built.report)
    return page(request, "report.html", months=built.months, chosen=view["month"], r=view,
                error=None)


async def _download(request: Request, month: str) -> MonthlyReport | Response:
    if not MONTH.match(month):
        return page(request, "error.html", status_code=404, heading="No such report",
                    message=f"{month[:20]!r} is not a month (YYYY-MM).", back="/reports")
    built = await anyio.to_thread.run_sync(build, request.app.state.runtime, month)
    if built.report is None:
        return page(request, "error.html", status_code=422, heading="No report for that month",
                    message=built.error or "", back="/reports")
    return built.report


@router.get("/reports/{month}.pdf")
async def monthly_pdf(request: Request, month: str, _: Reading) -> Response:
    from adapters.reports.render_pdf import render_pdf

    report = await _download(request, month)
    if isinstance(report, Response):
        return report
    data = await anyio.to_thread.run_sync(render_pdf, report)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="monthly-report-{month}.pdf"',
        "Cache-Control": "no-store"})


@router.get("/reports/{month}.json")
async def monthly_json(request: Request, month: str, _: Reading) -> Response:
    from adapters.reports.render_json import report_contract

    report = await _download(request, month)
    if isinstance(report, Response):
        return report
    return JSONResponse(report_contract(report), headers={
        "Content-Disposition": f'attachment; filename="monthly-report-{month}.json"',
        "Cache-Control": "no-store"})
