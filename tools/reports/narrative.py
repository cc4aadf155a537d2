"""The offline commentary: a deterministic narrative written from the facts only.

Every number it prints is a fact's own `display()` (whole dollars, one-decimal percentages,
long dates), so it is traceable by construction; the eval checks it anyway with the same checker
the LLM path uses (tools.reports.numbers). Direction words come from the facts' signs: up/down
against the prior month and last year, above/below against the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.reports.facts import CommentaryInputs, FactSet, VarianceIn
from tools.reports.periods import Month


@dataclass(frozen=True)
class Paragraph:
    topic: str
    text: str


@dataclass(frozen=True)
class Draft:
    headline: str
    paragraphs: tuple[Paragraph, ...]

    def texts(self) -> list[str]:
        return [self.headline, *(p.text for p in self.paragraphs)]


class _Writer:
    def __init__(self, facts: FactSet) -> None:
        self.facts = facts

    def has(self, key: str) -> bool:
        return key in self.facts

    def v(self, key: str) -> str:
        return self.facts[key].display()

    def sign(self, key: str) -> int:
        return self.facts[key].sign

    def moved(self, key: str, budget: bool = False) -> str:
        """'up $1,234' / 'down $1,234' / 'unchanged' for a change fact."""
        s = self.sign(key)
        if s == 0:
            return "on budget" if budget else "unchanged"
        word = ("above" if s > 0 else "below") if budget else ("up" if s > 0 else "down")
        return f"{word} {self.v(key)}"

    def pct(self, key: str) -> str:
        return f" ({self.v(key)})" if self.has(key) and self.sign(key) != 0 else ""


def _against(comparison: str, label: str) -> str:
    return "Against budget" if comparison == "budget" else f"Against {label}"


def offline_narrative(facts: FactSet, inputs: CommentaryInputs) -> Draft:
    w = _Writer(facts)
    month = inputs.period
    prior = inputs.comparison("prior_month")
    prior_ok = bool(prior and prior.available)
    paragraphs: list[Paragraph] = []

    # headline and the result
    np_key = "pnl.net_profit"
    loss = w.sign(np_key) < 0
    result = f"a net loss of {w.v(np_key)}" if loss else f"a net profit of {w.v(np_key)}"
    headline = f"{month.label}: {result}"
    if w.has("cash.closing"):
        headline += f", cash at bank {w.v('cash.closing')}"
    if w.has("forecast.lowest.balance"):
        headline += (f", forecast low point {w.v('forecast.lowest.balance')}"
                     f"{' overdrawn' if w.sign('forecast.lowest.balance') < 0 else ''}"
                     f" in week {w.v('forecast.lowest.week')}")
    headline += "."

    sentences = [f"{inputs.organisation} made {result} in {month.label}"]
    if prior_ok and w.has("pnl.net_profit.vs_prior_month.change"):
        same_sign = w.has("pnl.net_profit.prior_month") and (
            w.sign("pnl.net_profit.prior_month") == w.sign(np_key) != 0)
        sentences[0] += (f", {w.moved('pnl.net_profit.vs_prior_month.change')}"
                         f"{w.pct('pnl.net_profit.vs_prior_month.pct') if same_sign else ''}"
                         f" on {prior.label}")  # type: ignore[union-attr]
    sentences[0] += "."
    if w.has("pnl.revenue"):
        s = f"Revenue was {w.v('pnl.revenue')}"
        if prior_ok and w.has("pnl.revenue.vs_prior_month.change"):
            s += (f", {w.moved('pnl.revenue.vs_prior_month.change')}"
                  f"{w.pct('pnl.revenue.vs_prior_month.pct')} on {prior.label}")  # type: ignore[union-attr]
        sentences.append(s + ".")
    if w.has("pnl.gross_profit"):
        s = f"Cost of sales was {w.v('pnl.cost_of_sales')}, leaving a gross profit of {w.v('pnl.gross_profit')}"
        if w.has("pnl.gross_margin"):
            s += f" and a gross margin of {w.v('pnl.gross_margin')}"
            if prior_ok and w.has("pnl.gross_margin.vs_prior_month.points"):
                s += (f", {w.moved('pnl.gross_margin.vs_prior_month.points')}"
                      f" from {w.v('pnl.gross_margin.prior_month')}")
        sentences.append(s + ".")
    if w.has("pnl.other_income"):
        sentences.append(f"Other income was {w.v('pnl.other_income')}.")
    if w.has("pnl.operating_expenses"):
        s = f"Operating expenses were {w.v('pnl.operating_expenses')}"
        if prior_ok and w.has("pnl.operating_expenses.vs_prior_month.change"):
            s += (f", {w.moved('pnl.operating_expenses.vs_prior_month.change')}"
                  f"{w.pct('pnl.operating_expenses.vs_prior_month.pct')}")
        sentences.append(s + ".")
    paragraphs.append(Paragraph("result", " ".join(sentences)))

    # what moved, with its drivers
    sentences = []
    threshold = ""
    if w.has("materiality.amount") and w.has("materiality.percent"):
        threshold = f" (at least {w.v('materiality.amount')} and {w.v('materiality.percent')})"
    for c in inputs.comparisons:
        if not c.available:
            continue
        chosen = [v for v in inputs.variances if v.comparison == c.key
                  and f"var.{c.key}.{v.code}.change" in facts]
        chosen.sort(key=lambda v: -abs(v.current - v.comparison_amount))
        against = "against budget" if c.key == "budget" else f"on {c.label}"
        if not chosen:
            if c.key == "prior_month":
                sentences.append(f"No account moved materially{threshold} {against}.")
            continue
        intro = "The material changes" if c.key == "prior_month" else "Material changes"
        sentences.append(f"{intro} {against}{threshold if c.key == 'prior_month' else ''}:")
        sentences.extend(_variance_sentence(w, v, c.key, month) for v in chosen)
    if sentences:
        paragraphs.append(Paragraph("changes", " ".join(sentences)))

    # comparisons that are not available, and headline comparisons that are
    sentences = []
    for c in inputs.comparisons:
        if c.key == "prior_month":
            if not c.available:
                sentences.append(f"There is no comparison with {c.label}: {c.reason or 'not in the books'}.")
            continue
        if not c.available:
            what = "the budget" if c.key == "budget" else c.label
            reason = c.reason or "not available"
            sentences.append(f"There is no comparison with {what}: {reason}.")
            continue
        parts = []
        for metric, label in (("revenue", "revenue"), ("net_profit", "net profit")):
            key = f"pnl.{metric}.vs_{c.key}.change"
            if w.has(key):
                parts.append(f"{label} was {w.moved(key, budget=c.key == 'budget')}")
        if parts:
            sentences.append(f"{_against(c.key, c.label)}, {' and '.join(parts)}.")
    if sentences:
        paragraphs.append(Paragraph("comparisons", " ".join(sentences)))

    # cash and working capital
    sentences = []
    if w.has("cash.closing"):
        sentences.append(
            f"Cash at bank closed the month at {w.v('cash.closing')}, {w.moved('cash.change')} over the "
            f"month ({w.v('cash.receipts')} received, {w.v('cash.payments')} paid out).")
    r = inputs.receivables
    if r is not None:
        s = f"Customers owe {w.v('ar.total')}"
        if w.sign("ar.overdue"):
            s += f", of which {w.v('ar.overdue')} is overdue"
            if w.has("ar.largest_overdue"):
                s += f" (the largest overdue balance is {r.largest_overdue_name}'s {w.v('ar.largest_overdue')})"
        else:
            s += ", none of it overdue"
        sentences.append(s + ".")
    p = inputs.payables
    if p is not None:
        s = f"Bills owed to suppliers total {w.v('ap.total')}"
        s += f", {w.v('ap.overdue')} of it overdue" if w.sign("ap.overdue") else ", none of it overdue"
        sentences.append(s + ".")
    if sentences:
        paragraphs.append(Paragraph("cash", " ".join(sentences)))

    # GST
    g = inputs.gst
    if g is not None:
        so_far = "" if g.complete else " so far"
        s = (f"GST for the BAS period to {w.v('gst.end')}{so_far}: {w.v('gst.1a')} on sales (1A) and "
             f"{w.v('gst.1b')} on purchases (1B), ")
        net_sign = w.sign("gst.net")
        s += (f"a net {w.v('gst.net')} payable" if net_sign > 0 else
              f"a net refund of {w.v('gst.net')}" if net_sign < 0 else "nothing net to pay")
        if w.has("gst.due"):
            s += f"; the BAS is due on {w.v('gst.due')}"
        paragraphs.append(Paragraph("gst", s + "."))

    # the 13-week cash forecast
    f = inputs.forecast
    if f is not None:
        s = (f"The {w.v('forecast.weeks')}-week cash forecast starts from {w.v('forecast.opening')} and "
             f"ends at {w.v('forecast.closing')}, {w.moved('forecast.change')}, with "
             f"{w.v('forecast.receipts')} expected in and {w.v('forecast.payments')} out.")
        low = (f"Its lowest point is {w.v('forecast.lowest.balance')}"
               f"{' overdrawn' if w.sign('forecast.lowest.balance') < 0 else ''} at the end of week "
               f"{w.v('forecast.lowest.week')} (the week ending {w.v('forecast.lowest.week_end')})")
        if w.has("forecast.largest_payment.amount"):
            low += (f"; the largest single payment is {w.v('forecast.largest_payment.amount')} on "
                    f"{w.v('forecast.largest_payment.date')} ({f.largest_payment_label})")
        s += " " + low + "."
        if w.sign("forecast.lowest.balance") < 0:
            s += " The bank account is forecast to be overdrawn: arrange finance or move payments now."
        elif w.has("forecast.buffer") and w.sign("forecast.lowest.vs_buffer") < 0:
            s += (f" That is under the minimum buffer of {w.v('forecast.buffer')}, "
                  f"short by {w.v('forecast.lowest.vs_buffer')}.")
        else:
            s += " The balance never goes below zero."
        paragraphs.append(Paragraph("forecast", s))
    return Draft(headline, tuple(paragraphs))


def _variance_sentence(w: _Writer, v: VarianceIn, comparison: str, month: Month) -> str:
    base = f"var.{comparison}.{v.code}"
    budget = comparison == "budget"
    s = f"{v.name} was {w.v(f'{base}.current')}, {w.moved(f'{base}.change', budget=budget)}{w.pct(f'{base}.pct')}"
    drivers = []
    for n, d in enumerate(v.drivers, start=1):
        dk = f"{base}.driver{n}"
        if not w.has(f"{dk}.change"):
            continue
        who = "the pay runs" if d.name == "Pay runs" else d.name
        text = f"{who} ({w.moved(f'{dk}.change')}"
        if d.count_current != d.count_comparison:
            noun = _noun(d.kind, d.name, v.section)
            now = (f"no {noun}" if d.count_current == 0 else
                   f"{w.v(f'{dk}.count_current')} {_SINGULAR[noun] if d.count_current == 1 else noun}")
            text += f", {now} in {month.label} against {w.v(f'{dk}.count_comparison')}"
        drivers.append(text + ")")
    if drivers:
        listed = drivers[0] if len(drivers) == 1 else ", ".join(drivers[:-1]) + " and " + drivers[-1]
        s += f", mainly {listed}"
    return s + "."


_SINGULAR = {"invoices": "invoice", "bills": "bill", "pay runs": "pay run", "entries": "entry"}


def _noun(kind: str, name: str, section: str) -> str:
    if kind == "contact":
        return "invoices" if section in ("trading_income", "other_income") else "bills"
    return {"Pay runs": "pay runs"}.get(name, "entries")
