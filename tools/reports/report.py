"""The monthly report, assembled from a ledger snapshot (pure): statements, aged balances, GST,
variances, the 13-week cash forecast, the trend, reconciliation checks, the commentary's facts,
and (with `with_commentary`) the commentary itself."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from core.llm import ChatModel
from prompts.loader import Prompt
from tools.reports import aged as aged_mod
from tools.reports import statements as st
from tools.reports.commentary import Commentary, write_commentary
from tools.reports.config import ReportConfig
from tools.reports.facts import CommentaryInputs, FactSet, build_facts, inputs_from_report
from tools.reports.forecast import CashForecast, cash_forecast
from tools.reports.gst import GstSummary, bas_summary, gst_summary
from tools.reports.model import LedgerSnapshot
from tools.reports.periods import Month, financial_year_label
from tools.reports.variance import VarianceAnalysis, analyse


@dataclass(frozen=True)
class MonthlyReport:
    snapshot: LedgerSnapshot
    month: Month
    config: ReportConfig
    generated_at: datetime | None
    complete: bool                      # the month had ended by the time of the report
    comparisons: tuple[st.Comparison, ...]
    profit_and_loss: st.ProfitAndLoss
    balance_sheet: st.BalanceSheet
    cash_position: st.CashPosition
    receivables: aged_mod.AgedReport
    payables: aged_mod.AgedReport
    gst_month: GstSummary
    gst_bas: GstSummary
    variances: VarianceAnalysis
    forecast: CashForecast
    trend: tuple[st.TrendPoint, ...]
    reconciliation: tuple[st.Check, ...]
    inputs: CommentaryInputs
    facts: FactSet
    commentary: Commentary | None = None

    @property
    def financial_year(self) -> str:
        return financial_year_label(self.month.end, self.snapshot.organisation.financial_year_start_month)

    @property
    def reconciled(self) -> bool:
        return all(c.ok for c in self.reconciliation)


def compute_report(snapshot: LedgerSnapshot, month: Month, config: ReportConfig | None = None, *,
                   generated_at: datetime | None = None, today: date | None = None) -> MonthlyReport:
    config = config or ReportConfig()
    if snapshot.as_of != month.end:
        raise ValueError(f"the snapshot is as at {snapshot.as_of}, not the end of {month.label}")
    comparisons = st.comparisons(snapshot, month)
    pnl = st.profit_and_loss(snapshot, month)
    bs = st.balance_sheet(snapshot, month)
    cash = st.cash_position(snapshot, month)
    receivables = aged_mod.aged(snapshot, "receivables")
    payables = aged_mod.aged(snapshot, "payables")
    gst_month = gst_summary(snapshot, month.period())
    gst_bas = bas_summary(snapshot, month.end, config.gst_cycle)
    variances = analyse(snapshot, pnl, config)
    forecast = cash_forecast(snapshot, config)
    trend = st.trend(snapshot, month)
    reconciliation = st.reconcile(snapshot, bs, cash)
    inputs = inputs_from_report(snapshot.organisation.name, month, comparisons, pnl, variances, cash,
                                receivables, payables, gst_bas, forecast, snapshot.books_start)
    facts = build_facts(inputs, max_variances=config.max_variances)
    complete = today is None or today >= month.end
    return MonthlyReport(snapshot, month, config, generated_at, complete, comparisons, pnl, bs, cash,
                         receivables, payables, gst_month, gst_bas, variances, forecast, trend,
                         reconciliation, inputs, facts)


def with_commentary(report: MonthlyReport, model: ChatModel | None = None,
                    prompt: Prompt | None = None) -> MonthlyReport:
    return replace(report, commentary=write_commentary(report.facts, report.inputs, model, prompt))


def build_report(snapshot: LedgerSnapshot, month: Month, config: ReportConfig | None = None, *,
                 model: ChatModel | None = None, prompt: Prompt | None = None,
                 generated_at: datetime | None = None, today: date | None = None) -> MonthlyReport:
    return with_commentary(compute_report(snapshot, month, config, generated_at=generated_at,
                                          today=today), model, prompt)
