"""The monthly report as a PDF (fpdf2, core fonts): commentary, the two charts drawn from the same
geometry as the HTML's SVG, and the statements as tables. Text goes through `latin1` because the
core fonts are latin-1 only."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tools.reports.aged import BUCKET_LABELS, BUCKETS, AgedReport
from adapters.reports.charts import (
    Chart,
    Circle,
    Line,
    Polyline,
    Rect,
    Text,
    cash_forecast_chart,
    trend_chart,
)
from tools.reports.money import fmt_amount, fmt_percent
from tools.reports.periods import long_date
from tools.reports.report import MonthlyReport
from tools.reports.statements import CURRENT, PRIOR

PAGE_W, MARGIN = 210.0, 15.0
CONTENT_W = PAGE_W - 2 * MARGIN
_PUNCT = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
          "\u2026": "...", "\u2212": "-", "\u00a0": " ", "\u2022": "*"}


def latin1(text: str) -> str:
    out = []
    for ch in str(text):
        ch = _PUNCT.get(ch, ch)
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


class _Pdf(FPDF):
    title_text = ""

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(latin1(text))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(120, 130, 140)
        self.cell(0, 5, f"{self.title_text}   page {self.page_no()}", align="C")


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def draw_chart(pdf: FPDF, chart: Chart, x: float, y: float, width: float) -> float:
    """Draw `chart` with its top-left at (x, y), `width` mm wide; returns its height in mm."""
    s = width / chart.width
    pdf.set_draw_color(220, 224, 228)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, width, chart.height * s)
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            pdf.set_fill_color(*_rgb(shape.fill))
            pdf.rect(x + shape.x * s, y + shape.y * s, shape.w * s, shape.h * s, style="F")
        elif isinstance(shape, Line):
            pdf.set_draw_color(*_rgb(shape.stroke))
            pdf.set_line_width(max(0.1, shape.width * s))
            if shape.dash:
                pdf.set_dash_pattern(dash=1.5, gap=1.2)
            pdf.line(x + shape.x1 * s, y + shape.y1 * s, x + shape.x2 * s, y + shape.y2 * s)
            if shape.dash:
                pdf.set_dash_pattern()
        elif isinstance(shape, Polyline):
            pdf.set_draw_color(*_rgb(shape.stroke))
            pdf.set_line_width(max(0.1, shape.width * s))
            pdf.polyline([(x + px * s, y + py * s) for px, py in shape.points], style="D")
        elif isinstance(shape, Circle):
            pdf.set_fill_color(*_rgb(shape.fill))
            r = shape.r * s
            pdf.ellipse(x + shape.cx * s - r, y + shape.cy * s - r, 2 * r, 2 * r, style="F")
        elif isinstance(shape, Text):
            pdf.set_font("Helvetica", "B" if shape.bold else "", shape.size * s * 2.83)
            pdf.set_text_color(*_rgb(shape.fill))
            w = pdf.get_string_width(shape.text)
            dx = {"start": 0.0, "middle": -w / 2, "end": -w}[shape.anchor]
            pdf.text(x + shape.x * s + dx, y + shape.y * s, shape.text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    return chart.height * s


class _Writer:
    def __init__(self, title: str, when: datetime | None) -> None:
        pdf = _Pdf(orientation="P", unit="mm", format="A4")
        pdf.title_text = latin1(title)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_title(latin1(title))
        pdf.set_creator("Backoffice")
        pdf.set_creation_date(when or datetime(2000, 1, 1, tzinfo=UTC))
        pdf.add_page()
        self.pdf = pdf

    def heading(self, text: str, size: float = 12) -> None:
        pdf = self.pdf
        if pdf.get_y() > 250:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(200, 205, 210)
        pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())
        pdf.ln(1.5)

    def para(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.2)

    def table(self, head: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]],
              widths: Sequence[float] | None = None, size: float = 7.5) -> None:
        pdf = self.pdf
        n = len(head)
        widths = list(widths or [CONTENT_W * 0.34] + [CONTENT_W * 0.66 / (n - 1)] * (n - 1))
        line_h = size * 0.55

        def row(cells: Sequence[str], style: str, fill: bool) -> None:
            if pdf.get_y() + line_h > 280:
                pdf.add_page()
            pdf.set_font("Helvetica", style, size)
            if fill:
                pdf.set_fill_color(240, 244, 248)
            for i, (w, c) in enumerate(zip(widths, cells)):
                text = latin1(c)
                while text and pdf.get_string_width(text) > w - 1.5:
                    text = text[:-1]
                pdf.cell(w, line_h, text, border="B", align="L" if i == 0 else "R", fill=fill)
            pdf.ln(line_h)

        pdf.set_draw_color(220, 224, 228)
        row(head, "B", True)
        for kind, cells in rows:
            row(cells, "B" if kind in ("total", "section") else "", kind == "section")
        pdf.ln(2)


def _m(v: object) -> str:
    return "n/a" if v is None else fmt_amount(v)  # type: ignore[arg-type]


def _aged_rows(a: AgedReport) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [("", [c.name, *[_m(c.buckets[b]) for b in BUCKETS], _m(c.total)])
                                         for c in a.contacts]
    rows.append(("total", ["Total", *[_m(a.totals[b]) for b in BUCKETS], _m(a.total)]))
    return rows


def render_pdf(r: MonthlyReport) -> bytes:
    org = r.snapshot.organisation
    w = _Writer(f"{org.name}: monthly report {r.month.label}", r.generated_at)
    pdf = w.pdf
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 9, org.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    w.para(f"Monthly report for {r.month.label} ({r.financial_year})"
           + ("" if r.complete else " - the month has not ended: figures to date")
           + (f"; generated {r.generated_at:%d %b %Y %H:%M}" if r.generated_at else ""), 9)
    c = r.commentary
    if c is not None:
        w.heading("Commentary")
        w.para(c.draft.headline, 10.5, "B")
        for p in c.draft.paragraphs:
            w.para(p.text)
        note = (f"Drafted by the model {c.model} (prompt {c.prompt}); every number checked against the facts."
                if c.path == "llm" else "Written by the offline narrative from the facts."
                + (f" The model's draft was not used: {c.fallback_reason}." if c.fallback_reason else ""))
        w.para(note, 7.5, "I")
    w.heading("Charts")
    for chart in (cash_forecast_chart(r.forecast), trend_chart(r.trend)):
        height = chart.height * CONTENT_W / chart.width
        if pdf.get_y() + height > 280:
            pdf.add_page()
        y = pdf.get_y()
        draw_chart(pdf, chart, MARGIN, y, CONTENT_W)
        pdf.set_y(y + height + 3)

    pnl = r.profit_and_loss
    w.heading("Profit and loss")
    rows: list[tuple[str, list[str]]] = []
    for s in pnl.sections:
        if not s.lines:
            continue
        rows.append(("section", [s.label] + [""] * len(pnl.columns)))
        rows += [("", [f"{ln.code} {ln.name}"] + [_m(ln.values[col.key]) for col in pnl.columns]) for ln in s.lines]
        rows.append(("total", [f"Total {s.label.lower()}"] + [_m(s.totals[col.key]) for col in pnl.columns]))
        if s.key == "cost_of_sales":
            rows.append(("total", ["Gross profit"] + [_m(pnl.metrics["gross_profit"][col.key]) for col in pnl.columns]))
            rows.append(("", ["Gross margin"] + [fmt_percent(pnl.metrics["gross_margin_pct"][col.key])
                                                 for col in pnl.columns]))
    rows.append(("total", ["Net profit"] + [_m(pnl.metrics["net_profit"][col.key]) for col in pnl.columns]))
    w.table(["Account", *[col.label for col in pnl.columns]], rows)

    w.heading("Material changes")
    if r.variances.items:
        w.table(["Account", "Against", "This month", "Comparison", "Change", "%"],
                [("", [f"{v.key} {v.name}", v.comparison_label, _m(v.current), _m(v.comparison_amount),
                       _m(v.change), fmt_percent(v.change_pct, signed=True)]) for v in r.variances.items])
    else:
        w.para("No material changes.")

    bs = r.balance_sheet
    w.heading(f"Balance sheet at {long_date(bs.as_of)}")
    rows = []
    for group in ("assets", "liabilities", "equity"):
        for bs_section in (x for x in bs.sections if x.group == group):
            rows.append(("section", [bs_section.label, "", ""]))
            rows += [("", [f"{ln.code or ''} {ln.name}".strip(), _m(ln.values[CURRENT]), _m(ln.values[PRIOR])])
                     for ln in bs_section.lines]
        rows.append(("total", [f"Total {group}", _m(bs.totals[group][CURRENT]), _m(bs.totals[group][PRIOR])]))
    w.table(["", long_date(bs.as_of), long_date(bs.prior_as_of) if bs.prior_as_of else "Prior month"], rows,
            [CONTENT_W * 0.5, CONTENT_W * 0.25, CONTENT_W * 0.25])

    w.heading("Cash position")
    t = r.cash_position.total
    w.table(["Account", "Opening", "Received", "Paid", "Closing"],
            [("", [f"{a.code} {a.name}", _m(a.opening), _m(a.receipts), _m(a.payments), _m(a.closing)])
             for a in r.cash_position.accounts]
            + [("total", ["Total", _m(t.opening), _m(t.receipts), _m(t.payments), _m(t.closing)])])
    for b in r.snapshot.bank_feeds or ():
        w.para(f"{b.sentence}.")
    for title, a in (("Aged receivables", r.receivables), ("Aged payables", r.payables)):
        w.heading(title)
        w.table(["Contact", *[BUCKET_LABELS[b] for b in BUCKETS], "Total"], _aged_rows(a))

    w.heading("GST summary for the BAS (accruals basis)")
    w.table(["Period", "G1", "1A", "1B", "Net GST", "W1", "W2", "Due"],
            [("", [label, _m(g.g1), _m(g.gst_on_sales), _m(g.gst_on_purchases), _m(g.net_gst), _m(g.w1),
                   _m(g.w2), long_date(g.due_date) if g.due_date else ""])
             for label, g in ((r.month.label, r.gst_month), (f"BAS {r.gst_bas.period.label}", r.gst_bas))],
            [CONTENT_W * 0.16] + [CONTENT_W * 0.11] * 6 + [CONTENT_W * 0.18])

    f = r.forecast
    low = f.lowest
    w.heading("13-week cash forecast")
    w.para(f"Lowest point {fmt_amount(low.closing)} at the end of week {low.number} (week ending "
           f"{long_date(low.end)})" + (": below zero." if f.below_zero else
                                        ": below the cash buffer." if f.below_buffer else "."), 9, "B")
    w.table(["Week", "Opening", "Receipts", "Payments", "Net", "Closing"],
            [("section" if wk.number == low.number else "",
              [f"{wk.number}: {wk.start:%d %b}-{wk.end:%d %b}", _m(wk.opening), _m(wk.receipts), _m(wk.payments),
               _m(wk.net), _m(wk.closing)]) for wk in f.weeks])
    for assumption in f.assumptions:
        w.para(f"- {assumption}", 7.5)

    w.heading("Reconciliation to the trial balance")
    w.table(["Check", "Result", "Ledger", "Report"],
            [("", [chk.name.replace("_", " "), "agrees" if chk.ok else "DIFFERS", chk.expected, chk.got])
             for chk in r.reconciliation])
    return bytes(pdf.output())
