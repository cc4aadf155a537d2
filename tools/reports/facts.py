"""The commentary's facts: every number the prose may use, computed first (pure, testable).

Two steps. `inputs_from_report` picks the figures commentary talks about from the computed report
into `CommentaryInputs` (a pydantic model, so evaluation cases can also be written by hand as
JSON). `build_facts` turns those into a `FactSet`: keyed, labelled values with a unit, each change
signed (current less comparison) so direction words can be checked against it.

Units: `aud` (money), `percent` (a ratio or a change as a percentage), `points` (a change in a
percentage, in percentage points), `count` (whole things: weeks, pay runs, bills), `date`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.reports.money import change_percent, fmt_money, percent_of
from tools.reports.periods import Month, long_date

if TYPE_CHECKING:
    from tools.reports.aged import AgedReport
    from tools.reports.forecast import CashForecast
    from tools.reports.gst import GstSummary
    from tools.reports.statements import CashPosition, Comparison, ProfitAndLoss
    from tools.reports.variance import VarianceAnalysis

Unit = Literal["aud", "percent", "points", "count", "date"]
COMPARISON_KEYS = ("prior_month", "same_month_last_year", "budget")
REQUIRED_METRICS = frozenset({"revenue", "cost_of_sales", "gross_profit", "operating_expenses", "net_profit"})
METRIC_NAMES = {"revenue": "Revenue", "cost_of_sales": "Cost of sales", "gross_profit": "Gross profit",
                "other_income": "Other income", "operating_expenses": "Operating expenses",
                "net_profit": "Net profit"}


# ----------------------------------------------------------------------------- inputs
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparisonIn(_In):
    key: Literal["prior_month", "same_month_last_year", "budget"]
    label: str
    available: bool
    reason: str | None = None
    start: date | None = None
    end: date | None = None


class AmountsIn(_In):
    current: Decimal
    prior_month: Decimal | None = None
    same_month_last_year: Decimal | None = None
    budget: Decimal | None = None

    def get(self, key: str) -> Decimal | None:
        return getattr(self, key)


class DriverIn(_In):
    kind: Literal["contact", "source"]
    name: str
    current: Decimal
    comparison: Decimal
    count_current: int = 0
    count_comparison: int = 0


class VarianceIn(_In):
    comparison: Literal["prior_month", "same_month_last_year", "budget"]
    code: str
    name: str
    section: str
    current: Decimal
    comparison_amount: Decimal
    drivers: tuple[DriverIn, ...] = ()


class CashIn(_In):
    opening: Decimal
    receipts: Decimal
    payments: Decimal
    closing: Decimal


class AgedIn(_In):
    total: Decimal
    overdue: Decimal
    largest_overdue_name: str | None = None
    largest_overdue: Decimal | None = None


class GstIn(_In):
    label: str
    start: date
    end: date
    complete: bool
    g1: Decimal
    gst_on_sales: Decimal
    gst_on_purchases: Decimal
    due_date: date | None = None


class ForecastIn(_In):
    weeks: int = 13
    opening: Decimal
    closing: Decimal
    receipts: Decimal
    payments: Decimal
    lowest_week: int
    lowest_week_start: date
    lowest_week_end: date
    lowest_balance: Decimal
    buffer: Decimal = Decimal(0)
    largest_payment: Decimal | None = None
    largest_payment_date: date | None = None
    largest_payment_label: str | None = None


class CommentaryInputs(_In):
    organisation: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    comparisons: tuple[ComparisonIn, ...]
    metrics: Mapping[str, AmountsIn]
    variances: tuple[VarianceIn, ...] = ()
    cash: CashIn | None = None
    receivables: AgedIn | None = None
    payables: AgedIn | None = None
    gst: GstIn | None = None
    forecast: ForecastIn | None = None
    books_start: date | None = None
    materiality_amount: Decimal | None = None
    materiality_percent: Decimal | None = None

    @model_validator(mode="after")
    def _headline_metrics(self) -> CommentaryInputs:
        missing = REQUIRED_METRICS - set(self.metrics)
        if missing:
            raise ValueError(f"metrics needs {sorted(missing)}")
        return self

    @property
    def period(self) -> Month:
        return Month.parse(self.month)

    def comparison(self, key: str) -> ComparisonIn | None:
        return next((c for c in self.comparisons if c.key == key), None)


# ----------------------------------------------------------------------------- facts
@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: Decimal | date
    unit: Unit
    change: bool = False                       # a signed difference: direction words follow its sign
    related: tuple[tuple[str, str], ...] = ()  # for a current level: comparison → its change fact

    @property
    def sign(self) -> int:
        if isinstance(self.value, date):
            return 0
        return (self.value > 0) - (self.value < 0)

    def display(self) -> str:
        """How the offline narrative writes it (and how the model is shown it)."""
        v = self.value
        if isinstance(v, date):
            return long_date(v)
        if self.unit == "aud":
            return fmt_money(v)
        if self.unit == "percent":
            return f"{abs(v).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
        if self.unit == "points":
            return f"{abs(v).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} percentage points"
        return f"{abs(v):,.0f}"

    def as_data(self) -> dict[str, object]:
        v = self.value
        out: dict[str, object] = {"key": self.key, "label": self.label, "unit": self.unit,
                                  "value": v.isoformat() if isinstance(v, date) else str(v),
                                  "write_as": self.display()}
        if self.change:
            out["direction"] = "up" if self.sign > 0 else "down" if self.sign < 0 else "unchanged"
        return out


@dataclass(frozen=True)
class FactSet:
    month: Month
    organisation: str
    facts: tuple[Fact, ...]
    names: tuple[str, ...] = ()     # names of accounts, contacts and the organisation in the facts
    _index: Mapping[str, Fact] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        keys = [f.key for f in self.facts]
        if len(keys) != len(set(keys)):
            raise ValueError("fact keys must be unique")
        object.__setattr__(self, "_index", {f.key: f for f in self.facts})

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __getitem__(self, key: str) -> Fact:
        return self._index[key]

    def get(self, key: str) -> Fact | None:
        return self._index.get(key)

    def as_json(self) -> str:
        return json.dumps([f.as_data() for f in self.facts], ensure_ascii=False, indent=1)


class _Builder:
    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.names: list[str] = []

    def add(self, key: str, label: str, value: Decimal | date | int | None, unit: Unit,
            change: bool = False, related: Iterable[tuple[str, str]] = ()) -> str | None:
        if value is None:
            return None
        exact: Decimal | date = Decimal(value) if isinstance(value, int) else value
        self.facts.append(Fact(key, label, exact, unit, change, tuple(related)))
        return key

    def name(self, *names: str | None) -> None:
        self.names.extend(n for n in names if n)


def _comparison_label(c: ComparisonIn) -> str:
    return "budget" if c.key == "budget" else c.label


def build_facts(inputs: CommentaryInputs, *, max_variances: int = 4) -> FactSet:
    b = _Builder()
    month = inputs.period
    b.name(inputs.organisation)
    b.add("period.start", f"First day of {month.label}", month.start, "date")
    b.add("period.end", f"Last day of {month.label}", month.end, "date")
    for key, other in (("prior", month.shift(-1)), ("last_year", month.shift(-12))):
        b.add(f"{key}.start", f"First day of {other.label}", other.start, "date")
        b.add(f"{key}.end", f"Last day of {other.label}", other.end, "date")
    if inputs.books_start:
        b.add("books.start", "The first day in the books", inputs.books_start, "date")
    available = [c for c in inputs.comparisons if c.available]
    b.add("materiality.amount", "Materiality threshold, dollars", inputs.materiality_amount, "aud")
    b.add("materiality.percent", "Materiality threshold, per cent", inputs.materiality_percent, "percent")

    # headline metrics, each against every available comparison
    revenue = inputs.metrics.get("revenue")
    gross = inputs.metrics.get("gross_profit")
    for name, label in METRIC_NAMES.items():
        amounts = inputs.metrics.get(name)
        if amounts is None or (name == "other_income" and not amounts.current
                               and not any(amounts.get(c.key) for c in available)):
            continue
        related = []
        for c in available:
            before = amounts.get(c.key)
            if before is None:
                continue
            cl = _comparison_label(c)
            b.add(f"pnl.{name}.{c.key}", f"{label}, {cl}", before, "aud")
            ck = b.add(f"pnl.{name}.vs_{c.key}.change", f"{label}: change on {cl}",
                       amounts.current - before, "aud", change=True)
            b.add(f"pnl.{name}.vs_{c.key}.pct", f"{label}: change on {cl}, per cent",
                  change_percent(amounts.current, before), "percent", change=True)
            related.append((c.key, ck or ""))
        b.add(f"pnl.{name}", f"{label}, {month.label}", amounts.current, "aud", related=related)
    if revenue is not None and gross is not None:
        margin = percent_of(gross.current, revenue.current)
        related = []
        for c in available:
            rev_before, gp_before = revenue.get(c.key), gross.get(c.key)
            before = (percent_of(gp_before, rev_before)
                      if rev_before is not None and gp_before is not None else None)
            if before is None or margin is None:
                continue
            cl = _comparison_label(c)
            b.add(f"pnl.gross_margin.{c.key}", f"Gross margin, {cl}", before, "percent")
            ck = b.add(f"pnl.gross_margin.vs_{c.key}.points",
                       f"Gross margin: change on {cl}, percentage points", margin - before,
                       "points", change=True)
            related.append((c.key, ck or ""))
        b.add("pnl.gross_margin", f"Gross margin, {month.label}", margin, "percent", related=related)

    # material variances and their drivers
    quota = {"prior_month": max_variances, "same_month_last_year": max(1, max_variances // 2),
             "budget": max(1, max_variances // 2)}
    ranked = sorted(inputs.variances, key=lambda v: (COMPARISON_KEYS.index(v.comparison),
                                                     -abs(v.current - v.comparison_amount), v.code))
    used: dict[str, int] = {}
    for v in ranked:
        if used.get(v.comparison, 0) >= quota[v.comparison]:
            continue
        against = inputs.comparison(v.comparison)
        if against is None or not against.available:
            continue
        used[v.comparison] = used.get(v.comparison, 0) + 1
        cl = _comparison_label(against)
        base = f"var.{v.comparison}.{v.code}"
        b.name(v.name)
        b.add(f"{base}.current", f"{v.name}, {month.label}", v.current, "aud")
        b.add(f"{base}.comparison", f"{v.name}, {cl}", v.comparison_amount, "aud")
        b.add(f"{base}.change", f"{v.name}: change on {cl}", v.current - v.comparison_amount, "aud",
              change=True)
        b.add(f"{base}.pct", f"{v.name}: change on {cl}, per cent",
              change_percent(v.current, v.comparison_amount), "percent", change=True)
        for n, d in enumerate(v.drivers, start=1):
            b.name(d.name)
            dk = f"{base}.driver{n}"
            b.add(f"{dk}.change", f"{v.name}, {d.name}: change on {cl}", d.current - d.comparison,
                  "aud", change=True)
            b.add(f"{dk}.current", f"{v.name}, {d.name}, {month.label}", d.current, "aud")
            b.add(f"{dk}.comparison", f"{v.name}, {d.name}, {cl}", d.comparison, "aud")
            b.add(f"{dk}.count_current", f"{v.name}, {d.name}: entries in {month.label}",
                  d.count_current, "count")
            b.add(f"{dk}.count_comparison", f"{v.name}, {d.name}: entries in {cl}",
                  d.count_comparison, "count")

    if inputs.cash:
        cash = inputs.cash
        b.add("cash.opening", f"Cash at bank, start of {month.label}", cash.opening, "aud")
        b.add("cash.receipts", f"Money received, {month.label}", cash.receipts, "aud")
        b.add("cash.payments", f"Money paid out, {month.label}", cash.payments, "aud")
        b.add("cash.change", f"Change in cash over {month.label}", cash.closing - cash.opening, "aud",
              change=True)
        b.add("cash.closing", f"Cash at bank, {long_date(month.end)}", cash.closing, "aud",
              related=[("prior_month", "cash.change")])
    for key, aged, who in (("ar", inputs.receivables, "Customers owe"), ("ap", inputs.payables,
                                                                         "Owed to suppliers")):
        if aged is None:
            continue
        b.add(f"{key}.total", f"{who}, {long_date(month.end)}", aged.total, "aud")
        b.add(f"{key}.overdue", f"{who}: overdue part", aged.overdue, "aud")
        if aged.largest_overdue_name and aged.largest_overdue:
            b.name(aged.largest_overdue_name)
            b.add(f"{key}.largest_overdue", f"Largest overdue: {aged.largest_overdue_name}",
                  aged.largest_overdue, "aud")
    if inputs.gst:
        g = inputs.gst
        b.add("gst.start", f"First day of the BAS period {g.label}", g.start, "date")
        b.add("gst.end", f"Last day of the BAS period {g.label}", g.end, "date")
        b.add("gst.g1", f"G1 total sales incl. GST, {g.label}", g.g1, "aud")
        b.add("gst.1a", f"1A GST on sales, {g.label}", g.gst_on_sales, "aud")
        b.add("gst.1b", f"1B GST on purchases, {g.label}", g.gst_on_purchases, "aud")
        b.add("gst.net", f"Net GST (1A less 1B), {g.label}", g.gst_on_sales - g.gst_on_purchases, "aud")
        if g.due_date:
            b.add("gst.due", f"BAS due date for {g.label}", g.due_date, "date")
    if inputs.forecast:
        f = inputs.forecast
        b.add("forecast.weeks", "Weeks in the cash forecast", f.weeks, "count")
        b.add("forecast.opening", "Forecast opening cash", f.opening, "aud")
        b.add("forecast.receipts", f"Forecast receipts over {f.weeks} weeks", f.receipts, "aud")
        b.add("forecast.payments", f"Forecast payments over {f.weeks} weeks", f.payments, "aud")
        b.add("forecast.change", f"Forecast change in cash over {f.weeks} weeks", f.closing - f.opening,
              "aud", change=True)
        b.add("forecast.closing", f"Forecast cash at the end of week {f.weeks}", f.closing, "aud")
        b.add("forecast.lowest.week", "Week of the forecast's lowest point", f.lowest_week, "count")
        b.add("forecast.lowest.week_start", "First day of the lowest week", f.lowest_week_start, "date")
        b.add("forecast.lowest.week_end", "Last day of the lowest week", f.lowest_week_end, "date")
        b.add("forecast.lowest.balance", "Forecast lowest closing balance", f.lowest_balance, "aud")
        if f.buffer:
            b.add("forecast.buffer", "Minimum cash buffer (settings)", f.buffer, "aud")
            b.add("forecast.lowest.vs_buffer", "Lowest point less the buffer",
                  f.lowest_balance - f.buffer, "aud", change=True)
        if f.largest_payment and f.largest_payment_date:
            b.name(f.largest_payment_label)
            b.add("forecast.largest_payment.amount",
                  f"Largest forecast payment: {f.largest_payment_label}", f.largest_payment, "aud")
            b.add("forecast.largest_payment.date", "Date of the largest forecast payment",
                  f.largest_payment_date, "date")
    return FactSet(month, inputs.organisation, tuple(b.facts),
                   tuple(dict.fromkeys(sorted(b.names, key=len, reverse=True))))


# ----------------------------------------------------------------------------- from a report
def inputs_from_report(organisation: str, month: Month, comparisons: Sequence[Comparison],
                       pnl: ProfitAndLoss, variances: VarianceAnalysis, cash: CashPosition,
                       receivables: AgedReport, payables: AgedReport, gst: GstSummary | None,
                       forecast: CashForecast | None, books_start: date | None) -> CommentaryInputs:
    """The figures the commentary talks about, from a computed report."""
    metrics = {}
    for name in METRIC_NAMES:
        cols = pnl.metrics[name]
        current = cols["current"]
        if current is None:
            continue
        metrics[name] = AmountsIn(current=current, prior_month=cols["prior_month"],
                                  same_month_last_year=cols["same_month_last_year"],
                                  budget=cols["budget"])
    comps = tuple(ComparisonIn(key=c.key, label=c.label, available=c.available, reason=c.reason,  # type: ignore[arg-type]
                               start=c.period.start if c.period else None,
                               end=c.period.end if c.period else None) for c in comparisons)
    variance_in = tuple(
        VarianceIn(comparison=v.comparison, code=v.key, name=v.name, section=v.section,  # type: ignore[arg-type]
                   current=v.current, comparison_amount=v.comparison_amount,
                   drivers=tuple(DriverIn(kind=d.kind, name=d.name, current=d.current,  # type: ignore[arg-type]
                                          comparison=d.comparison, count_current=d.count_current,
                                          count_comparison=d.count_comparison) for d in v.drivers))
        for v in variances.items)

    def aged_in(report: AgedReport) -> AgedIn:
        worst = max(report.contacts, key=lambda c: (c.overdue, c.name), default=None)
        return AgedIn(total=report.total, overdue=report.overdue,
                      largest_overdue_name=worst.name if worst and worst.overdue > 0 else None,
                      largest_overdue=worst.overdue if worst and worst.overdue > 0 else None)

    gst_in = None
    if gst is not None:
        gst_in = GstIn(label=gst.period.label, start=gst.period.start, end=gst.period.end,
                       complete=gst.complete, g1=gst.g1, gst_on_sales=gst.gst_on_sales,
                       gst_on_purchases=gst.gst_on_purchases, due_date=gst.due_date)
    forecast_in = None
    if forecast is not None:
        low = forecast.lowest
        biggest = min(forecast.items, key=lambda i: (i.amount, i.date), default=None)
        forecast_in = ForecastIn(
            weeks=len(forecast.weeks), opening=forecast.opening, closing=forecast.weeks[-1].closing,
            receipts=forecast.total("receipts"), payments=forecast.total("payments"),
            lowest_week=low.number, lowest_week_start=low.start, lowest_week_end=low.end,
            lowest_balance=low.closing, buffer=forecast.buffer,
            largest_payment=-biggest.amount if biggest and biggest.amount < 0 else None,
            largest_payment_date=biggest.date if biggest and biggest.amount < 0 else None,
            largest_payment_label=biggest.description if biggest and biggest.amount < 0 else None)
    total = cash.total
    return CommentaryInputs(
        organisation=organisation, month=month.key, comparisons=comps, metrics=metrics,
        variances=variance_in,
        cash=CashIn(opening=total.opening, receipts=total.receipts, payments=total.payments,
                    closing=total.closing),
        receivables=aged_in(receivables), payables=aged_in(payables), gst=gst_in,
        forecast=forecast_in, books_start=books_start,
        materiality_amount=variances.amount_threshold, materiality_percent=variances.percent_threshold)
