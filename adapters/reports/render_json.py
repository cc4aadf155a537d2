"""The monthly report's JSON contract (`backoffice report monthly --format json`,
`GET /v1/reports/monthly`). Money and percentages are decimal strings, dates ISO 8601, values that
are not available null. Top-level keys:

report, contract_version, organisation, month, period, generated_at, comparisons,
profit_and_loss, balance_sheet, cash_position, bank_reconciliation (each bank feed: reconciled to
which date, lines open; added in contract 1 without breaking it), aged_receivables, aged_payables,
gst_summary, variances, cash_forecast (with `weeks`, 13 of them), trend, reconciliation, facts, commentary.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tools.reports.aged import BUCKETS, AgedReport
from tools.reports.forecast import CATEGORIES, CashForecast
from tools.reports.gst import GstSummary
from tools.reports.money import dec, dec_ratio
from tools.reports.report import MonthlyReport
from tools.reports.statements import CURRENT, PRIOR

CONTRACT_VERSION = 1


def _d(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _values(values: Any, percent: bool = False) -> dict[str, str | None]:
    return {k: (dec_ratio(v) if percent else dec(v)) for k, v in values.items()}


def _aged(a: AgedReport) -> dict[str, Any]:
    return {"as_of": _d(a.as_of), "buckets": list(BUCKETS),
            "contacts": [{"name": c.name, **{b: dec(c.buckets[b]) for b in BUCKETS},
                          "total": dec(c.total), "overdue": dec(c.overdue)} for c in a.contacts],
            "items": [{"number": i.number, "contact": i.contact, "issue_date": _d(i.issue_date),
                       "due_date": _d(i.due_date), "total": dec(i.total),
                       "outstanding": dec(i.outstanding), "days_overdue": i.days_overdue,
                       "bucket": i.bucket} for i in a.items],
            "totals": {**{b: dec(v) for b, v in a.totals.items()}, "total": dec(a.total),
                       "overdue": dec(a.overdue)},
            "control_account": a.control_account, "control_balance": dec(a.control_balance),
            "difference": dec(a.difference)}


def _gst(g: GstSummary) -> dict[str, Any]:
    return {"start": _d(g.period.start), "end": _d(g.period.end), "label": g.period.label,
            "g1": dec(g.g1), "1a": dec(g.gst_on_sales), "1b": dec(g.gst_on_purchases),
            "net_gst": dec(g.net_gst), "w1": dec(g.w1), "w2": dec(g.w2), "complete": g.complete,
            "due_date": _d(g.due_date)}


def _forecast(f: CashForecast) -> dict[str, Any]:
    low = f.lowest
    return {
        "as_of": _d(f.as_of), "opening_cash": dec(f.opening), "buffer": dec(f.buffer),
        "weeks": [{"week": w.number, "start": _d(w.start), "end": _d(w.end), "opening": dec(w.opening),
                   "receipts": dec(w.receipts), "payments": dec(w.payments), "net": dec(w.net),
                   "closing": dec(w.closing), "by_category": _values(w.by_category),
                   "lowest": w.number == low.number} for w in f.weeks],
        "lowest": {"week": low.number, "start": _d(low.start), "end": _d(low.end),
                   "closing": dec(low.closing), "below_zero": f.below_zero,
                   "below_buffer": f.below_buffer},
        "totals": {"receipts": dec(f.total("receipts")), "payments": dec(f.total("payments")),
                   "closing": dec(f.weeks[-1].closing)},
        "categories": {k: {"direction": d, "label": label} for k, (d, label) in CATEGORIES.items()},
        "items": [{"date": _d(i.date), "week": i.week, "category": i.category, "amount": dec(i.amount),
                   "description": i.description, "basis": i.basis} for i in f.items],
        "excluded": [{"due_date": _d(i.date), "category": i.category, "amount": dec(i.amount),
                      "description": i.description, "reason": i.basis} for i in f.excluded],
        "recurring": [{"name": s.name, "kind": s.kind, "cadence": s.cadence.name, "amount": dec(s.cash),
                       "gst": dec(s.gst), "delay_days": s.delay_days, "last": _d(s.last),
                       "occurrences": s.occurrences, "basis": s.basis} for s in f.streams],
        "payroll": None if f.payroll is None else {
            "cadence": f.payroll.cadence.name, "last_paid": _d(f.payroll.last), "net": dec(f.payroll.net),
            "payg": dec(f.payroll.payg), "superannuation": dec(f.payroll.superannuation)},
        "assumptions": list(f.assumptions),
    }


def report_contract(r: MonthlyReport) -> dict[str, Any]:
    pnl, bs = r.profit_and_loss, r.balance_sheet
    org = r.snapshot.organisation
    return {
        "report": "monthly",
        "contract_version": CONTRACT_VERSION,
        "organisation": {"name": org.name, "abn": org.abn},
        "month": r.month.key,
        "period": {"start": _d(r.month.start), "end": _d(r.month.end), "label": r.month.label,
                   "financial_year": r.financial_year, "complete": r.complete},
        "generated_at": r.generated_at.isoformat() if r.generated_at else None,
        "comparisons": [{"key": c.key, "label": c.label, "available": c.available,
                         "start": _d(c.period.start) if c.period else None,
                         "end": _d(c.period.end) if c.period else None, "reason": c.reason}
                        for c in r.comparisons],
        "profit_and_loss": {
            "columns": [{"key": c.key, "label": c.label, "available": c.available, "reason": c.reason}
                        for c in pnl.columns],
            "sections": [{"key": s.key, "label": s.label, "totals": _values(s.totals),
                          "lines": [{"code": ln.code, "name": ln.name, "values": _values(ln.values)}
                                    for ln in s.lines]} for s in pnl.sections],
            "metrics": {m: _values(v, percent=m == "gross_margin_pct") for m, v in pnl.metrics.items()},
        },
        "balance_sheet": {
            "as_of": _d(bs.as_of), "prior_as_of": _d(bs.prior_as_of),
            "sections": [{"key": s.key, "group": s.group, "label": s.label, "totals": _values(s.totals),
                          "lines": [{"code": ln.code, "name": ln.name, "current": dec(ln.values[CURRENT]),
                                     "prior_month": dec(ln.values[PRIOR])} for ln in s.lines]}
                         for s in bs.sections],
            "totals": {k: _values(v) for k, v in bs.totals.items()},
            "balanced": bs.balanced,
        },
        "cash_position": {
            "start": _d(r.cash_position.period.start), "end": _d(r.cash_position.period.end),
            "accounts": [{"code": a.code, "name": a.name, "opening": dec(a.opening),
                          "receipts": dec(a.receipts), "payments": dec(a.payments),
                          "closing": dec(a.closing)} for a in r.cash_position.accounts],
            "total": {k: dec(getattr(r.cash_position.total, k))
                      for k in ("opening", "receipts", "payments", "closing")},
        },
        "bank_reconciliation": [
            {"account": b.account_code, "name": b.name, "reconciled_to": _d(b.reconciled_to),
             "open_lines": b.open_lines, "open_amount": dec(b.open_amount),
             "statement_balance": dec(b.statement_balance) if b.statement_balance is not None else None,
             "sentence": b.sentence} for b in r.snapshot.bank_feeds],
        "aged_receivables": _aged(r.receivables),
        "aged_payables": _aged(r.payables),
        "gst_summary": {"basis": "accruals", "cycle": r.config.gst_cycle, "month": _gst(r.gst_month),
                        "bas_period": _gst(r.gst_bas)},
        "variances": {
            "thresholds": {"amount": dec(r.variances.amount_threshold),
                           "percent": dec(r.variances.percent_threshold)},
            "items": [_variance(v) for v in r.variances.items],
            "totals": [_variance(v) for v in r.variances.totals],
        },
        "cash_forecast": _forecast(r.forecast),
        "trend": [{"month": p.month.key, "label": p.month.label, "available": p.available,
                   "revenue": dec(p.revenue), "gross_profit": dec(p.gross_profit),
                   "gross_margin_pct": dec_ratio(p.gross_margin_pct), "net_profit": dec(p.net_profit)}
                  for p in r.trend],
        "reconciliation": {"reconciled": r.reconciled,
                           "checks": [{"name": c.name, "ok": c.ok, "expected": c.expected, "got": c.got}
                                      for c in r.reconciliation]},
        "facts": [f.as_data() for f in r.facts],
        "commentary": r.commentary.contract() if r.commentary else None,
    }


def _variance(v: Any) -> dict[str, Any]:
    return {"comparison": v.comparison, "comparison_label": v.comparison_label, "level": v.level,
            "key": v.key, "name": v.name, "section": v.section, "current": dec(v.current),
            "comparison_amount": dec(v.comparison_amount), "change": dec(v.change),
            "change_pct": dec_ratio(v.change_pct), "direction": v.direction, "material": v.material,
            "favourable": v.favourable,
            "drivers": [{"kind": d.kind, "name": d.name, "current": dec(d.current),
                         "comparison": dec(d.comparison), "change": dec(d.change),
                         "count_current": d.count_current, "count_comparison": d.count_comparison}
                        for d in v.drivers]}
