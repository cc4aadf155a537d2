"""Write synthetic.jsonl and checker.jsonl: hand-written commentary inputs with known signs, and
prose with planted errors. Run: python -m evals.data.commentary.make_cases"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "synthetic.jsonl"
CHECKER_OUT = HERE / "checker.jsonl"
PROVENANCE = "hand-written for the commentary eval (evals/data/commentary/make_cases.py)"


def comparisons(prior: bool = True, last_year: bool = False, budget: bool = False,
                month: str = "2026-03") -> list[dict[str, Any]]:
    y, m = (int(x) for x in month.split("-"))
    py, pm = (y, m - 1) if m > 1 else (y - 1, 12)
    names = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
    return [
        {"key": "prior_month", "label": f"{names[pm - 1]} {py}", "available": prior,
         "reason": None if prior else "the books start on 1 July 2025"},
        {"key": "same_month_last_year", "label": f"{names[m - 1]} {y - 1}", "available": last_year,
         "reason": None if last_year else "the books start on 1 July 2025"},
        {"key": "budget", "label": "Budget", "available": budget,
         "reason": None if budget else f"no budget is set for {names[m - 1]} {y}"},
    ]


def metrics(**values: tuple[str, ...]) -> dict[str, dict[str, str | None]]:
    """name=(current, prior, last_year, budget), missing ones None."""
    out = {}
    for name, vals in values.items():
        padded = list(vals) + [None] * (4 - len(vals))
        out[name] = dict(zip(("current", "prior_month", "same_month_last_year", "budget"), padded))
    return out


def base(month: str = "2026-03", **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": "Example Trading Pty Ltd", "month": month,
        "comparisons": comparisons(month=month),
        "metrics": metrics(revenue=("100000.00", "90000.00"), cost_of_sales=("40000.00", "36000.00"),
                           gross_profit=("60000.00", "54000.00"), operating_expenses=("45000.00", "44000.00"),
                           net_profit=("15000.00", "10000.00")),
        "variances": [],
        "cash": {"opening": "50000.00", "receipts": "95000.00", "payments": "88000.00", "closing": "57000.00"},
        "receivables": {"total": "30000.00", "overdue": "4500.00", "largest_overdue_name": "Acme Cafe",
                        "largest_overdue": "3000.00"},
        "payables": {"total": "20000.00", "overdue": "0.00"},
        "gst": {"label": "Jan-Mar 2026", "start": "2026-01-01", "end": "2026-03-31", "complete": True,
                "g1": "330000.00", "gst_on_sales": "30000.00", "gst_on_purchases": "12000.00",
                "due_date": "2026-04-28"},
        "forecast": {"weeks": 13, "opening": "57000.00", "closing": "61000.00", "receipts": "400000.00",
                     "payments": "396000.00", "lowest_week": 4, "lowest_week_start": "2026-04-22",
                     "lowest_week_end": "2026-04-28", "lowest_balance": "21000.00", "buffer": "0",
                     "largest_payment": "18000.00", "largest_payment_date": "2026-04-28",
                     "largest_payment_label": "GST, BAS period to 31 March 2026"},
        "books_start": "2025-07-01", "materiality_amount": "1000", "materiality_percent": "10",
    }
    data.update(kw)
    return data


def variance(comparison: str, code: str, name: str, section: str, current: str, before: str,
             drivers: list[tuple[str, str, str, str, int, int]] = ()) -> dict[str, Any]:
    return {"comparison": comparison, "code": code, "name": name, "section": section, "current": current,
            "comparison_amount": before,
            "drivers": [{"kind": k, "name": n, "current": c, "comparison": b, "count_current": nc,
                         "count_comparison": nb} for k, n, c, b, nc, nb in drivers]}


CASES: list[dict[str, Any]] = [
    {"id": "syn-profit-up-revenue-up", "description": "revenue, gross profit and net profit all up on the prior month",
     "inputs": base(variances=[variance("prior_month", "4000", "Sales", "trading_income", "100000.00", "90000.00",
                                        [("contact", "Acme Cafe", "30000.00", "22000.00", 4, 3),
                                         ("contact", "Beta Hotel", "20000.00", "18000.00", 2, 2)])]),
     "expect": {"phrases": ["up $5,000 (50.0%) on February 2026", "Revenue was $100,000, up $10,000 (11.1%)",
                            ("Sales was $100,000, up $10,000 (11.1%), mainly Acme Cafe (up $8,000, 4 invoices in "
                             "March 2026 against 3)")]}},
    {"id": "syn-revenue-down-profit-down", "description": "revenue falls, costs stay: profit down",
     "inputs": base(metrics=metrics(revenue=("80000.00", "95000.00"), cost_of_sales=("36000.00", "38000.00"),
                                    gross_profit=("44000.00", "57000.00"), operating_expenses=("41000.00", "40000.00"),
                                    net_profit=("3000.00", "17000.00")),
                    variances=[variance("prior_month", "4000", "Sales", "trading_income", "80000.00", "95000.00",
                                        [("contact", "Acme Cafe", "10000.00", "21000.00", 1, 3)])]),
     "expect": {"phrases": ["down $14,000 (82.4%) on February 2026", "Revenue was $80,000, down $15,000 (15.8%)",
                            "a gross margin of 55.0%, down 5.0 percentage points from 60.0%"]}},
    {"id": "syn-profit-to-loss", "description": "a profit last month becomes a loss: no percentage across the sign change",
     "inputs": base(metrics=metrics(revenue=("70000.00", "90000.00"), cost_of_sales=("35000.00", "36000.00"),
                                    gross_profit=("35000.00", "54000.00"), operating_expenses=("47500.50", "44000.00"),
                                    net_profit=("-12500.50", "10000.00"))),
     "expect": {"phrases": ["made a net loss of $12,501 in March 2026, down $22,501 on February 2026",
                            "a net loss of $12,501"], "absent": ["(225.0%)"]}},
    {"id": "syn-loss-narrowing", "description": "still a loss, but smaller: net profit up",
     "inputs": base(metrics=metrics(revenue=("60000.00", "50000.00"), cost_of_sales=("30000.00", "27000.00"),
                                    gross_profit=("30000.00", "23000.00"), operating_expenses=("34000.00", "33000.00"),
                                    net_profit=("-4000.00", "-10000.00"))),
     "expect": {"phrases": ["a net loss of $4,000 in March 2026, up $6,000 (60.0%) on February 2026"]}},
    {"id": "syn-budget-above-and-below", "description": "a budget: revenue above it, expenses above it, profit below it",
     "inputs": base(comparisons=comparisons(budget=True),
                    metrics=metrics(revenue=("100000.00", "90000.00", None, "95000.00"),
                                    cost_of_sales=("40000.00", "36000.00", None, "38000.00"),
                                    gross_profit=("60000.00", "54000.00", None, "57000.00"),
                                    operating_expenses=("52000.00", "44000.00", None, "45000.00"),
                                    net_profit=("8000.00", "10000.00", None, "12000.00")),
                    variances=[variance("budget", "6100", "Rent", "operating_expenses", "14000.00", "12000.00"),
                               variance("prior_month", "6200", "Wages", "operating_expenses", "30000.00", "22000.00",
                                        [("source", "Pay runs", "30000.00", "22000.00", 3, 2)])]),
     "expect": {"phrases": ["Against budget, revenue was above $5,000 and net profit was below $4,000",
                            "Rent was $14,000, above $2,000 (16.7%)",
                            "mainly the pay runs (up $8,000, 3 pay runs in March 2026 against 2)"]}},
    {"id": "syn-last-year-available", "description": "the same month last year is in the books",
     "inputs": base(comparisons=comparisons(last_year=True),
                    metrics=metrics(revenue=("100000.00", "90000.00", "120000.00"),
                                    cost_of_sales=("40000.00", "36000.00", "50000.00"),
                                    gross_profit=("60000.00", "54000.00", "70000.00"),
                                    operating_expenses=("45000.00", "44000.00", "43000.00"),
                                    net_profit=("15000.00", "10000.00", "27000.00")),
                    variances=[variance("same_month_last_year", "4000", "Sales", "trading_income", "100000.00",
                                        "120000.00", [("contact", "Acme Cafe", "30000.00", "45000.00", 4, 5)])]),
     "expect": {"phrases": ["Against March 2025, revenue was down $20,000 and net profit was down $12,000",
                            ("Sales was $100,000, down $20,000 (16.7%), mainly Acme Cafe (down $15,000, 4 invoices "
                             "in March 2026 against 5)")]}},
    {"id": "syn-first-month", "description": "the first month of the books: no comparisons at all",
     "inputs": base(month="2025-07", comparisons=comparisons(prior=False, month="2025-07"),
                    metrics=metrics(revenue=("100000.00",), cost_of_sales=("40000.00",), gross_profit=("60000.00",),
                                    operating_expenses=("45000.00",), net_profit=("15000.00",)),
                    gst={"label": "Jul-Sep 2025", "start": "2025-07-01", "end": "2025-09-30", "complete": False,
                         "g1": "110000.00", "gst_on_sales": "10000.00", "gst_on_purchases": "4000.00",
                         "due_date": "2025-10-28"},
                    forecast={"weeks": 13, "opening": "57000.00", "closing": "61000.00", "receipts": "400000.00",
                              "payments": "396000.00", "lowest_week": 13, "lowest_week_start": "2025-10-23",
                              "lowest_week_end": "2025-10-29", "lowest_balance": "21000.00"}),
     "expect": {"phrases": ["There is no comparison with June 2025: the books start on 1 July 2025",
                            "GST for the BAS period to 30 September 2025 so far"]}},
    {"id": "syn-forecast-overdrawn", "description": "the 13-week forecast goes below zero",
     "inputs": base(forecast={"weeks": 13, "opening": "12000.00", "closing": "-3000.00", "receipts": "200000.00",
                              "payments": "215000.00", "lowest_week": 7, "lowest_week_start": "2026-05-13",
                              "lowest_week_end": "2026-05-19", "lowest_balance": "-8400.25",
                              "largest_payment": "25000.00", "largest_payment_date": "2026-04-28",
                              "largest_payment_label": "GST, BAS period to 31 March 2026"}),
     "expect": {"phrases": ["Its lowest point is $8,400 overdrawn at the end of week 7",
                            "The bank account is forecast to be overdrawn", "down $15,000"]}},
    {"id": "syn-below-buffer", "description": "the forecast stays positive but dips under the cash buffer",
     "inputs": base(forecast={"weeks": 13, "opening": "57000.00", "closing": "61000.00", "receipts": "400000.00",
                              "payments": "396000.00", "lowest_week": 4, "lowest_week_start": "2026-04-22",
                              "lowest_week_end": "2026-04-28", "lowest_balance": "21000.00", "buffer": "25000.00"}),
     "expect": {"phrases": ["under the minimum buffer of $25,000, short by $4,000"]}},
    {"id": "syn-gst-refund", "description": "more GST paid than collected: a refund",
     "inputs": base(gst={"label": "Jan-Mar 2026", "start": "2026-01-01", "end": "2026-03-31", "complete": True,
                         "g1": "55000.00", "gst_on_sales": "5000.00", "gst_on_purchases": "9200.40",
                         "due_date": "2026-04-28"}),
     "expect": {"phrases": ["a net refund of $4,200"]}},
    {"id": "syn-names-with-digits", "description": "customers and accounts whose names hold digits",
     "inputs": base(variances=[variance("prior_month", "4100", "Sales - Level 2 Bar", "trading_income", "42000.00",
                                        "30000.00", [("contact", "Studio 54 Pty Ltd", "20000.00", "9000.00", 2, 1),
                                                     ("contact", "7-Eleven Store 1032", "5000.00", "4000.00", 1, 1)])],
                    receivables={"total": "30000.00", "overdue": "4500.00", "largest_overdue_name": "Studio 54 Pty Ltd",
                                 "largest_overdue": "4500.00"}),
     "expect": {"phrases": ["Studio 54 Pty Ltd (up $11,000, 2 invoices in March 2026 against 1)"]}},
    {"id": "syn-millions-and-cents", "description": "a larger business: millions, and amounts under a dollar",
     "inputs": base(metrics=metrics(revenue=("2450000.75", "2100000.25"), cost_of_sales=("1225000.00", "1050000.00"),
                                    gross_profit=("1225000.75", "1050000.25"),
                                    operating_expenses=("1000000.49", "999999.51"),
                                    net_profit=("225000.26", "50000.74")),
                    cash={"opening": "1500000.00", "receipts": "2600000.00", "payments": "2599999.60",
                          "closing": "1500000.40"}),
     "expect": {"phrases": ["Revenue was $2,450,001, up $350,001 (16.7%)", "up $0 over the month"]}},
    {"id": "syn-nothing-changed", "description": "every headline figure equal to last month",
     "inputs": base(metrics=metrics(revenue=("100000.00", "100000.00"), cost_of_sales=("40000.00", "40000.00"),
                                    gross_profit=("60000.00", "60000.00"), operating_expenses=("45000.00", "45000.00"),
                                    net_profit=("15000.00", "15000.00"))),
     "expect": {"phrases": ["net profit of $15,000 in March 2026, unchanged on February 2026",
                            "No account moved materially (at least $1,000 and 10.0%) on February 2026"]}},
    {"id": "syn-many-variances", "description": "more material changes than the commentary names",
     "inputs": base(variances=[variance("prior_month", code, name, section, cur, before) for code, name, section, cur, before in [
         ("4000", "Sales", "trading_income", "100000.00", "90000.00"),
         ("5000", "Purchases", "cost_of_sales", "40000.00", "30000.00"),
         ("6100", "Rent", "operating_expenses", "15000.00", "12000.00"),
         ("6200", "Wages", "operating_expenses", "20000.00", "26000.00"),
         ("6010", "Advertising", "operating_expenses", "3000.00", "1000.00"),
         ("6060", "Electricity", "operating_expenses", "2500.00", "1200.00")]]),
     "expect": {"phrases": ["Purchases was $40,000, up $10,000 (33.3%)", "Wages was $20,000, down $6,000 (23.1%)"],
                "absent": ["Electricity"]}},
]

# Prose written against a case's facts. `clean` drafts must pass; `planted` drafts must be caught.
CHECKER: list[dict[str, Any]] = [
    {"id": "chk-clean-llm-style", "case": "syn-revenue-down-profit-down", "kind": "clean",
     "text": "March 2026 was softer. Revenue fell $15,000 (15.8%) to $80,000, and net profit dropped $14,000 to "
             "$3,000. Gross margin slipped 5.0 percentage points to 55.0%. Acme Cafe ordered less: its sales "
             "were $11,000 lower, with 1 invoice in March 2026 against 3."},
    {"id": "chk-clean-abbreviations", "case": "syn-revenue-down-profit-down", "kind": "clean",
     "text": "Revenue was down $15k (15.8 per cent) on February 2026; net profit came in at $3.0k. The 13-week "
             "forecast bottoms out at $21k in week 4, the week ending 28 April 2026, when the BAS is due."},
    {"id": "chk-clean-magnitudes", "case": "syn-profit-to-loss", "kind": "clean",
     "text": "The month ended with a net loss of $12,500.50 (-$12,501 rounded), down $22,500.50 on the prior "
             "month's $10,000 profit. Revenue was $20,000 lower at $70,000."},
    {"id": "chk-clean-budget", "case": "syn-budget-above-and-below", "kind": "clean",
     "text": "Revenue was above budget by $5,000, but net profit came in $4,000 below budget at $8,000 because "
             "rent ran $2,000 above budget."},
    {"id": "chk-clean-digit-names", "case": "syn-names-with-digits", "kind": "clean",
     "text": "Sales - Level 2 Bar rose $12,000 (40.0%), led by Studio 54 Pty Ltd, up $11,000, and "
             "7-Eleven Store 1032, up $1,000. Studio 54 Pty Ltd also has the largest overdue balance, $4,500."},
    {"id": "chk-wrong-number", "case": "syn-revenue-down-profit-down", "kind": "planted",
     "text": "Revenue was $80,000, down $15,300 on February 2026.", "expect_untraceable": ["$15,300"]},
    {"id": "chk-wrong-rounding", "case": "syn-revenue-down-profit-down", "kind": "planted",
     "text": "Revenue fell 16.8% on February 2026.", "expect_untraceable": ["16.8%"]},
    {"id": "chk-wrong-direction", "case": "syn-revenue-down-profit-down", "kind": "planted",
     "text": "Revenue rose $15,000 (15.8%) on February 2026.", "expect_disagree": ["rose"]},
    {"id": "chk-wrong-direction-budget", "case": "syn-budget-above-and-below", "kind": "planted",
     "text": "Net profit was $4,000 above budget.", "expect_disagree": ["above"]},
    {"id": "chk-wrong-direction-level", "case": "syn-revenue-down-profit-down", "kind": "planted",
     "text": "Net profit rose to $3,000 this month.", "expect_disagree": ["rose"]},
    {"id": "chk-percent-for-points", "case": "syn-revenue-down-profit-down", "kind": "planted",
     "text": "Gross margin was down 5.1% to 55.0%.", "expect_untraceable": ["5.1%"]},
    {"id": "chk-count-in-words", "case": "syn-profit-up-revenue-up", "kind": "planted",
     "text": "Acme Cafe placed five invoices, up $8,000.", "expect_untraceable": ["five"]},
    {"id": "chk-stray-year", "case": "syn-profit-up-revenue-up", "kind": "planted",
     "text": "Net profit of $15,000 is the best result since 2019.", "expect_untraceable": ["2019"]},
    {"id": "chk-wrong-date", "case": "syn-profit-up-revenue-up", "kind": "planted",
     "text": "The BAS of $18,000 is due on 21 April 2026.", "expect_untraceable": ["21 April 2026"]},
    {"id": "chk-invented-total", "case": "syn-profit-up-revenue-up", "kind": "planted",
     "text": "Customers and suppliers together owe $52,500 net.", "expect_untraceable": ["$52,500"]},
    {"id": "chk-millions", "case": "syn-millions-and-cents", "kind": "planted",
     "text": "Revenue reached $2.5m, up $0.5m.", "expect_untraceable": ["$0.5m"]},
]


def main() -> None:
    OUT.write_text("".join(json.dumps({**c, "provenance": PROVENANCE}, ensure_ascii=False) + "\n" for c in CASES),
                   encoding="utf-8")
    CHECKER_OUT.write_text("".join(json.dumps({**c, "provenance": PROVENANCE}, ensure_ascii=False) + "\n"
                                   for c in CHECKER), encoding="utf-8")


if __name__ == "__main__":
    main()
