"""The monthly report as one self-contained HTML page: inline CSS, inline SVG charts, no script,
no external URL; every piece of text from the books is escaped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from tools.reports.aged import BUCKET_LABELS, BUCKETS, AgedReport
from adapters.reports.charts import cash_forecast_chart, to_svg, trend_chart
from tools.reports.forecast import CATEGORIES
from tools.reports.money import fmt_amount, fmt_percent
from tools.reports.numbers import CheckResult
from tools.reports.periods import long_date
from tools.reports.report import MonthlyReport
from tools.reports.statements import CURRENT, PRIOR

CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:2px solid #e4e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#616e7c;font-size:13px;margin:0 0 16px}
.headline{font-size:17px;font-weight:600;margin:8px 0 12px}.commentary p{line-height:1.55;margin:0 0 10px}
.path{font-size:12px;color:#616e7c;background:#f0f4f8;padding:6px 10px;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}
th,td{padding:4px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}thead th{background:#f0f4f8;font-weight:600}
tr.total td{font-weight:700;border-top:1px solid #9aa5b1}tr.section td{font-weight:600;background:#fafbfc}
tr.low td{background:#fff4e6}.na{color:#9aa5b1}.ok{color:#2f9e44}.bad{color:#c92a2a}
.chart{width:100%;height:auto;border:1px solid #e4e7eb;border-radius:4px;margin:8px 0}
ul{margin:4px 0 12px 18px;padding:0;font-size:13px}details{font-size:13px;margin-top:8px}
.n{border-bottom:1px dotted #9aa5b1;cursor:help}.n.bad{background:#ffe3e3}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _money(v: object) -> str:
    if v is None:
        return '<span class="na">n/a</span>'
    return _e(fmt_amount(v))  # type: ignore[arg-type]


def _table(head: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]]) -> str:
    """rows: (css class, cells already escaped/formatted)."""
    out = ["<table><thead><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for css, cells in rows:
        out.append(f'<tr class="{css}">' if css else "<tr>")
        out.extend(f"<td>{c}</td>" for c in cells)
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _commentary(r: MonthlyReport) -> str:
    c = r.commentary
    if c is None:
        return ""
    if c.path == "llm":
        note = (f"Drafted by the model {_e(c.model)} (prompt {_e(c.prompt)}); every number was checked "
                f"against the facts ({len(c.check.numbers)} numbers).")
    else:
        note = "Written by the offline narrative from the facts."
        if c.fallback_reason:
            note += f" The model's draft was not used: {_e(c.fallback_reason)}."
    paras = "".join(f"<p>{_traced(p.text, check, r)}</p>"
                    for p, check in zip(c.draft.paragraphs, c.checks[1:], strict=True))
    return (f'<section class="commentary"><h2>Commentary</h2>'
            f'<p class="headline">{_traced(c.draft.headline, c.checks[0], r)}</p>'
            f'{paras}<p class="path">{note} Hover over a number to see the fact it is.</p></section>')


def _traced(text: str, check: CheckResult, r: MonthlyReport) -> str:
    """The text, escaped, with each number marked up with the facts it traces to."""
    out, pos = [], 0
    for n in sorted(check.numbers, key=lambda n: n.start):
        out.append(_e(text[pos:n.start]))
        title = "; ".join(f"{r.facts[k].label} ({k})" for k in n.facts[:3]) or "not one of the facts"
        out.append(f'<span class="n{"" if n.facts else " bad"}" title="{_e(title)}">{_e(n.text)}</span>')
        pos = n.start + len(n.text)
    out.append(_e(text[pos:]))
    return "".join(out)


def _pnl(r: MonthlyReport) -> str:
    pnl = r.profit_and_loss
    cols = pnl.columns
    head = ["Account", *[c.label for c in cols]]
    rows: list[tuple[str, list[str]]] = []
    for s in pnl.sections:
        if not s.lines:
            continue
        rows.append(("section", [_e(s.label)] + [""] * len(cols)))
        rows.extend(("", [_e(f"{ln.code} {ln.name}")] + [_money(ln.values[c.key]) for c in cols])
                    for ln in s.lines)
        rows.append(("total", [_e(f"Total {s.label.lower()}")] + [_money(s.totals[c.key]) for c in cols]))
        if s.key == "cost_of_sales":
            rows.append(("total", ["Gross profit"] + [_money(pnl.metrics["gross_profit"][c.key]) for c in cols]))
            rows.append(("", ["Gross margin"] + [_e(fmt_percent(pnl.metrics["gross_margin_pct"][c.key]))
                                                  for c in cols]))
    rows.append(("total", ["Net profit"] + [_money(pnl.metrics["net_profit"][c.key]) for c in cols]))
    notes = "".join(f"<li>{_e(c.label)}: {_e(c.reason)}</li>" for c in cols if not c.available)
    return _table(head, rows) + (f"<ul>{notes}</ul>" if notes else "")


def _variances(r: MonthlyReport) -> str:
    v = r.variances
    intro = (f"<p class=\"meta\">Material: at least ${v.amount_threshold:,.0f} and "
             f"{v.percent_threshold}% of the comparison.</p>")
    if not v.items:
        return intro + "<p>No material changes.</p>"
    rows = []
    for item in v.items:
        drivers = "; ".join(f"{d.name} {fmt_amount(d.change)} ({d.count_current} vs {d.count_comparison})"
                            for d in item.drivers)
        rows.append(("", [_e(f"{item.key} {item.name}"), _e(item.comparison_label), _money(item.current),
                          _money(item.comparison_amount), _money(item.change),
                          _e(fmt_percent(item.change_pct, signed=True)), _e(drivers)]))
    return intro + _table(["Account", "Against", "This month", "Comparison", "Change", "%", "Drivers"], rows)


def _balance_sheet(r: MonthlyReport) -> str:
    bs = r.balance_sheet
    head = ["", long_date(bs.as_of), long_date(bs.prior_as_of) if bs.prior_as_of else "Prior month"]
    rows: list[tuple[str, list[str]]] = []
    for group in ("assets", "liabilities", "equity"):
        for s in (s for s in bs.sections if s.group == group):
            rows.append(("section", [_e(s.label), "", ""]))
            rows.extend(("", [_e(f"{ln.code or ''} {ln.name}".strip()), _money(ln.values[CURRENT]),
                              _money(ln.values[PRIOR])]) for ln in s.lines)
        rows.append(("total", [_e(f"Total {group}"), _money(bs.totals[group][CURRENT]),
                               _money(bs.totals[group][PRIOR])]))
    rows.append(("total", ["Net assets", _money(bs.totals["net_assets"][CURRENT]),
                           _money(bs.totals["net_assets"][PRIOR])]))
    return _table(head, rows)


def _cash(r: MonthlyReport) -> str:
    cp = r.cash_position
    rows = [("", [_e(f"{a.code} {a.name}"), _money(a.opening), _money(a.receipts), _money(a.payments),
                  _money(a.closing)]) for a in cp.accounts]
    t = cp.total
    rows.append(("total", ["Total", _money(t.opening), _money(t.receipts), _money(t.payments), _money(t.closing)]))
    bank = "".join(f"<p>{_e(b.sentence)}.</p>" for b in r.snapshot.bank_feeds)
    return _table(["Account", "Opening", "Received", "Paid", "Closing"], rows) + (
        bank or "<p>No bank statements imported: the bank is not reconciled.</p>")


def _aged(a: AgedReport) -> str:
    if not a.contacts:
        return "<p>Nothing outstanding.</p>"
    rows = [("", [_e(c.name), *[_money(c.buckets[b]) for b in BUCKETS], _money(c.total)]) for c in a.contacts]
    rows.append(("total", ["Total", *[_money(a.totals[b]) for b in BUCKETS], _money(a.total)]))
    note = ""
    if a.difference:
        note = (f'<p class="bad">The control account ({_e(a.control_account)}) differs from the open '
                f"items by {_e(fmt_amount(a.difference))}.</p>")
    return _table(["Contact", *[BUCKET_LABELS[b] for b in BUCKETS], "Total"], rows) + note


def _gst(r: MonthlyReport) -> str:
    rows = []
    for label, g in ((r.month.label, r.gst_month), (f"BAS period {r.gst_bas.period.label}", r.gst_bas)):
        due = long_date(g.due_date) if g.due_date else ""
        rows.append(("", [_e(label), _money(g.g1), _money(g.gst_on_sales), _money(g.gst_on_purchases),
                          _money(g.net_gst), _money(g.w1), _money(g.w2), _e(due)]))
    return (_table(["Period", "G1 sales incl. GST", "1A GST on sales", "1B GST on purchases", "Net GST",
                    "W1 wages", "W2 PAYG withheld", "BAS due"], rows)
            + '<p class="meta">Accruals basis; BAS settlements are left out of 1A and 1B.</p>')


def _forecast(r: MonthlyReport) -> str:
    f = r.forecast
    low = f.lowest
    rows = []
    for w in f.weeks:
        rows.append(("low" if w.number == low.number else "",
                     [_e(f"{w.number}: {w.start:%d %b}-{w.end:%d %b}"), _money(w.opening), _money(w.receipts),
                      _money(w.payments), _money(w.net), _money(w.closing)]))
    table = _table(["Week", "Opening", "Receipts", "Payments", "Net", "Closing"], rows)
    flag = ("bad" if f.below_zero or f.below_buffer else "ok")
    status = (f'<p class="{flag}">Lowest point: {_e(fmt_amount(low.closing))} at the end of week {low.number} '
              f"(week ending {_e(long_date(low.end))})"
              + ("; below zero." if f.below_zero else "; below the cash buffer." if f.below_buffer else ".")
              + "</p>")
    cats = [(k, label) for k, (_, label) in CATEGORIES.items()]
    by_cat = _table(["Category", *[str(w.number) for w in f.weeks]],
                    [("", [_e(label), *[_e(fmt_amount(w.by_category[k])) if w.by_category[k] else ""
                                        for w in f.weeks]]) for k, label in cats
                     if any(w.by_category[k] for w in f.weeks)])
    assumptions = "".join(f"<li>{_e(a)}</li>" for a in f.assumptions)
    excluded = "".join(f"<li>{_e(i.description)}: {_e(fmt_amount(i.amount))} ({_e(i.basis)})</li>"
                       for i in f.excluded)
    items = _table(["Date", "Week", "Category", "Amount", "Item", "Basis"],
                   [("", [_e(i.date.isoformat()), str(i.week), _e(CATEGORIES[i.category][1]),
                          _money(i.amount), _e(i.description), _e(i.basis)]) for i in f.items])
    return (status + table + "<h3>By category</h3>" + by_cat + "<h3>Assumptions</h3>"
            + f"<ul>{assumptions}</ul>" + (f"<h3>Left out</h3><ul>{excluded}</ul>" if excluded else "")
            + f"<details><summary>Every forecast item ({len(f.items)})</summary>{items}</details>")


def _reconciliation(r: MonthlyReport) -> str:
    rows = [("", [_e(c.name.replace("_", " ")), (f'<span class="{"ok" if c.ok else "bad"}">'
                                                  f'{"agrees" if c.ok else "DIFFERS"}</span>'),
                  _e(c.expected), _e(c.got)])
            for c in r.reconciliation]
    return _table(["Check", "Result", "Ledger", "Report"], rows)


def _facts(r: MonthlyReport) -> str:
    rows = [("", [_e(f.key), _e(f.label), _e(f.display()), _e(f.unit)]) for f in r.facts]
    return (f"<details><summary>The {len(r.facts.facts)} facts the commentary may use</summary>"
            + _table(["Key", "Fact", "Value", "Unit"], rows) + "</details>")


def render_html(r: MonthlyReport) -> str:
    org = r.snapshot.organisation
    generated = f"; generated {r.generated_at:%d %b %Y %H:%M %Z}" if r.generated_at else ""
    incomplete = "" if r.complete else " (the month has not ended: figures to date)"
    body = [
        f"<h1>{_e(org.name)}</h1>",
        (f'<p class="meta">Monthly report for {_e(r.month.label)} ({_e(r.financial_year)}){incomplete}'
         f"{_e(generated)}</p>"),
        _commentary(r),
        "<h2>Charts</h2>", to_svg(cash_forecast_chart(r.forecast)), to_svg(trend_chart(r.trend)),
        "<h2>Profit and loss</h2>", _pnl(r),
        "<h2>Material changes</h2>", _variances(r),
        f"<h2>Balance sheet at {_e(long_date(r.month.end))}</h2>", _balance_sheet(r),
        "<h2>Cash position</h2>", _cash(r),
        "<h2>Aged receivables</h2>", _aged(r.receivables),
        "<h2>Aged payables</h2>", _aged(r.payables),
        "<h2>GST summary for the BAS</h2>", _gst(r),
        "<h2>13-week cash forecast</h2>", _forecast(r),
        "<h2>Reconciliation to the trial balance</h2>", _reconciliation(r),
        "<h2>Facts</h2>", _facts(r),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en-AU\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(org.name)}: monthly report {_e(r.month.label)}</title>"
            f"<style>{CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n")
