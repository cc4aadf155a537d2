"""The JSON contract, the self-contained HTML (inline SVG charts, escaped text, no external URL)
and the PDF, from a report over hand-built books."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdfium2 as pdfium

from tests.tools.reports.books import BANK, RENT, Books
from adapters.reports.charts import cash_forecast_chart, nice_ticks, short_money, to_svg, trend_chart
from tools.reports.periods import Month
from adapters.reports.render_html import render_html
from adapters.reports.render_json import report_contract
from adapters.reports.render_pdf import latin1, render_pdf
from tools.reports.report import build_report

MARCH = Month(2026, 3)
HOSTILE = '<script>alert("x")</script> & Sons “Café”'


def report():  # type: ignore[no-untyped-def]
    b = Books()
    b.journal(date(2025, 6, 30), [(BANK, "20000.00"), ("3100", "-20000.00")], "opening", "Opening balances")
    b.contact(1, HOSTILE)
    b.contact(2, "Landlord")
    for m in range(1, 4):
        b.sale(1, f"A-{m}", date(2026, m, 5), f"{8000 + 1500 * m}.00",
               paid=[(date(2026, m, 25), f"{(8000 + 1500 * m) * 11 // 10}.00")] if m < 3 else [])
        b.bill(2, f"R-{m}", date(2026, m, 2), "3000.00", due_days=7, account=RENT,
               paid=[(date(2026, m, 9), "3300.00")])
    b.pay_run(date(2026, 3, 11), "4000.00", "600.00", "480.00")
    b.pay_run(date(2026, 3, 25), "4000.00", "600.00", "480.00")
    return build_report(b.snapshot(MARCH), MARCH, generated_at=datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
                        today=date(2026, 4, 1))


def test_the_json_contract() -> None:
    data = report_contract(report())
    assert list(data) == ["report", "contract_version", "organisation", "month", "period", "generated_at",
                          "comparisons", "profit_and_loss", "balance_sheet", "cash_position", "bank_reconciliation",
                          "aged_receivables",
                          "aged_payables", "gst_summary", "variances", "cash_forecast", "trend", "reconciliation",
                          "facts", "commentary"]
    assert data["month"] == "2026-03" and data["period"]["financial_year"] == "FY2025-26"
    assert data["period"]["complete"] is True and data["generated_at"] == "2026-04-01T09:00:00+00:00"
    weeks = data["cash_forecast"]["weeks"]
    assert len(weeks) == 13 and weeks[0]["start"] == "2026-04-01" and weeks[-1]["end"] == "2026-06-30"
    assert sum(w["lowest"] for w in weeks) == 1
    assert data["cash_forecast"]["lowest"]["week"] == next(w["week"] for w in weeks if w["lowest"])
    pnl = data["profit_and_loss"]
    assert pnl["metrics"]["revenue"] == {"current": "12500.00", "prior_month": "11000.00",
                                         "same_month_last_year": None, "budget": None, "year_to_date": "33000.00"}
    assert pnl["metrics"]["gross_margin_pct"]["current"] == "100.00"
    comparisons = {c["key"]: c for c in data["comparisons"]}
    assert comparisons["same_month_last_year"] == {
        "key": "same_month_last_year", "label": "March 2025", "available": False, "start": "2025-03-01",
        "end": "2025-03-31", "reason": "the books start on 1 July 2025"}
    assert data["balance_sheet"]["balanced"] is True and data["reconciliation"]["reconciled"] is True
    assert data["gst_summary"]["bas_period"]["1a"] == "3300.00" and data["gst_summary"]["bas_period"]["due_date"] == "2026-04-28"
    assert data["aged_receivables"]["totals"]["total"] == "13750.00"
    assert data["commentary"]["path"] == "offline"
    assert data["commentary"]["checks"]["numbers"] == data["commentary"]["checks"]["traceable"] > 10
    assert {"key", "label", "unit", "value", "write_as"} <= set(data["facts"][0])
    # money is exact: decimal strings everywhere, never floats
    assert not re.search(r":\s*-?\d+\.\d+[,\n}]", repr(data).replace("'", '"'))


def test_html_is_self_contained_and_escaped() -> None:
    html = render_html(report())
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 2
    assert "<script" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons" in html
    assert not re.search(r"(src|href)\s*=", html) and "url(" not in html
    assert re.findall(r"https?://[^\s\"'<]+", html) == ["http://www.w3.org/2000/svg"] * 2   # the SVG namespace
    for title in ("Commentary", "Profit and loss", "Balance sheet at 31 March 2026", "Aged receivables",
                  "GST summary for the BAS", "13-week cash forecast", "Reconciliation to the trial balance"):
        assert title in html


def test_pdf_opens_and_holds_the_report() -> None:
    r = report()
    data = render_pdf(r)
    assert data.startswith(b"%PDF")
    doc = pdfium.PdfDocument(io.BytesIO(data))
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "Test Traders Pty Ltd" in text and "13-week cash forecast" in text and "Commentary" in text
    assert "Revenue and gross margin" in text and "Lowest point" in text
    assert render_pdf(r) == data   # deterministic for the same report


def test_charts_geometry() -> None:
    r = report()
    chart = cash_forecast_chart(r.forecast)
    svg = to_svg(chart)
    assert svg.startswith("<svg") and "<polyline" in svg and svg.count("<circle") == 1
    assert "lowest" in svg and 'role="img"' in svg
    trend = to_svg(trend_chart(r.trend))
    assert "Jul 25" in trend and "Mar 26" in trend
    assert nice_ticks(0, 95) == [0, 20, 40, 60, 80, 100]
    assert short_money(-15400) == "-$15k" and short_money(1_250_000) == "$1.2m"
    assert latin1("“Café” – ok ✓") == '"Café" - ok ?'
    assert Decimal is not None


def test_html_marks_each_number_with_its_fact() -> None:
    html = render_html(report())
    assert re.search(r'<span class="n" title="Net profit, March 2026 \(pnl\.net_profit\)[^"]*">\$[\d,]+</span>', html)
    assert 'class="n bad"' not in html
