"""PDF renderings of a DocInvoice in several deliberately different house styles.

Each layout is a small subclass of ``_Layout`` that decides where the letterhead, meta block
and customer block go and what the labels, date format, table columns, totals wording and
payment wording are. The table, totals and page-flow machinery is shared, so every layout
repeats its table header on continuation pages and never lets text overlap.

Only core PDF fonts are used (latin-1), so every string goes through ``latin1_safe``.
Money is formatted from Decimal with ``format(..., ",.2f")``; no float is ever involved.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, ClassVar

from fpdf import FPDF
from fpdf.enums import XPos, YPos

if TYPE_CHECKING:
    from demo.invoice_model import DocInvoice, DocLine, DocParty

CENT = Decimal("0.01")
PAGE_W = 210.0
PAGE_H = 297.0
MARGIN = 15.0
CONTENT_W = PAGE_W - 2 * MARGIN
RIGHT = PAGE_W - MARGIN
BOTTOM_LIMIT = PAGE_H - 22.0  # keep clear of the footer
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_AEST = timezone(timedelta(hours=10))

# Characters that commonly appear in business text but are not latin-1.
_REPLACEMENTS = {
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
    "\u201d": '"', "\u2026": "...", "\u2022": "*", "\u00a0": " ", "\u20ac": "EUR", "\u2122": "(TM)",
}


def latin1_safe(text: str) -> str:
    """Map text onto latin-1 for core fonts: typographic punctuation to ASCII, accents kept
    where latin-1 has them, stripped where it does not, anything else to '?'."""
    out: list[str] = []
    for ch in text:
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        elif ord(ch) < 256:
            out.append(ch)
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128)
            out.append(base or "?")
    return "".join(out)


# ---------------------------------------------------------------- formatting helpers


def fmt_money(amount: Decimal, symbol: bool = False) -> str:
    q = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    body = format(abs(q), ",.2f")
    sign = "-" if q < 0 else ""
    return f"{sign}${body}" if symbol else f"{sign}{body}"


def fmt_price(price: Decimal, symbol: bool = False) -> str:
    """Unit prices keep sub-cent precision when they have it (e.g. 0.3968 per kWh)."""
    places = max(2, -price.normalize().as_tuple().exponent)  # type: ignore[operator]
    body = format(abs(price), f",.{min(places, 4)}f")
    sign = "-" if price < 0 else ""
    return f"{sign}${body}" if symbol else f"{sign}{body}"


def fmt_qty(qty: Decimal) -> str:
    # normalize() alone would give "1E+2" for 100; the "f" format spells it out.
    return format(qty.normalize(), ",f")


def fmt_abn(abn: str) -> str:
    return f"{abn[:2]} {abn[2:5]} {abn[5:8]} {abn[8:]}" if len(abn) == 11 else abn


def fmt_bsb(bsb: str, sep: str = "-") -> str:
    return f"{bsb[:3]}{sep}{bsb[3:]}" if len(bsb) == 6 else bsb


def fmt_account(number: str) -> str:
    """Group an account number the way banks print it: 1234 5678 / 123 456 789."""
    if not number.isdigit():
        return number
    if len(number) == 8:
        return f"{number[:4]} {number[4:]}"
    if len(number) == 9:
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number


def date_dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def date_long(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def date_dash(d: date) -> str:
    return f"{d.day:02d}-{_MONTHS[d.month - 1][:3]}-{d.year}"


def date_short(d: date) -> str:
    return f"{d.day}/{d.month}/{d.year % 100:02d}"


def date_abbrev(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1][:3]} {d.year}"


def terms_days(inv: DocInvoice) -> int | None:
    return None if inv.due_date is None else (inv.due_date - inv.issue_date).days


# ---------------------------------------------------------------- fpdf plumbing


class _Pdf(FPDF):
    footer_fn: Callable[[_Pdf], None] | None = None

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(latin1_safe(text))

    def footer(self) -> None:
        if self.footer_fn is not None:
            self.footer_fn(self)


@dataclass(frozen=True)
class _Col:
    header: str
    width: float
    align: str  # "L", "C" or "R"
    value: Callable[[int, DocLine], str]
    wrap: bool = False  # only the description column wraps


@dataclass(frozen=True)
class _TableStyle:
    size: float = 9.0
    line_h: float = 4.6
    pad: float = 1.6
    header_fill: tuple[int, int, int] | None = (230, 230, 230)
    header_text: tuple[int, int, int] = (0, 0, 0)
    header_bold: bool = True
    grid: bool = False
    row_rule: bool = True
    rule_color: tuple[int, int, int] = (200, 200, 200)
    zebra: tuple[int, int, int] | None = None
    header_rule: float = 0.0  # thickness of a rule under the header, 0 for none


class _Layout:
    """Shared page flow. Subclasses fill in the house style."""

    name: ClassVar[str]
    font: ClassVar[str] = "Helvetica"
    table_style: ClassVar[_TableStyle] = _TableStyle()

    def __init__(self, inv: DocInvoice) -> None:
        self.inv = inv
        self.credit = inv.document_type == "credit_note"
        pdf = _Pdf(orientation="P", unit="mm", format="A4")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(False)  # page breaks are placed by hand so headers repeat
        pdf.footer_fn = self.footer
        pdf.set_creation_date(datetime.combine(inv.issue_date, time(9, 0), _AEST))
        pdf.set_title(latin1_safe(f"{self.title()} {inv.invoice_number}"))
        pdf.set_author(latin1_safe(inv.supplier.name))
        pdf.set_subject(latin1_safe(f"{self.title()} {inv.invoice_number} for {inv.customer.name}"))
        pdf.set_creator("Backoffice demo documents")
        pdf.set_lang("en-AU")
        self.pdf = pdf

    # -- hooks -------------------------------------------------------------
    def title(self) -> str:
        raise NotImplementedError

    def number_label(self) -> str:
        raise NotImplementedError

    def first_page_header(self) -> float:
        """Draw everything above the table; return the y where the table starts."""
        raise NotImplementedError

    def columns(self) -> list[_Col]:
        raise NotImplementedError

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        raise NotImplementedError

    def draw_totals(self, y: float) -> float:
        return self.totals_block(y, self.totals_rows(), label_w=48, value_w=32)

    def draw_payment(self, y: float) -> float:
        raise NotImplementedError

    def footer(self, pdf: _Pdf) -> None:
        self.font_set("", 8, (110, 110, 110))
        pdf.set_xy(MARGIN, PAGE_H - 14)
        pdf.cell(CONTENT_W, 4, f"Page {pdf.page_no()} of {{nb}}", align="C")

    # -- primitives --------------------------------------------------------
    def font_set(self, style: str, size: float, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.pdf.set_font(self.font, style, size)
        self.pdf.set_text_color(*color)

    def text_at(self, x: float, y: float, w: float, h: float, text: str, align: str = "L",
                fill: bool = False, border: int | str = 0) -> None:
        self.pdf.set_xy(x, y)
        self.pdf.cell(w, h, text, border=border, align=align, fill=fill)

    def wrap_at(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> float:
        """Wrapped paragraph; returns the y below it."""
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return self.pdf.get_y()

    def lines_at(self, x: float, y: float, w: float, h: float, lines: Sequence[str],
                 align: str = "L") -> float:
        for line in lines:
            y = self.wrap_at(x, y, w, h, line, align)
        return y

    def kv_rows(self, x: float, y: float, rows: Sequence[tuple[str, str]], label_w: float,
                value_w: float, h: float, size: float, value_align: str = "L",
                label_style: str = "B", border: int | str = 0) -> float:
        for label, value in rows:
            self.font_set(label_style, size)
            self.text_at(x, y, label_w, h, label, border=border)
            self.font_set("", size)
            self.text_at(x + label_w, y, value_w, h, value, align=value_align, border=border)
            y += h
        return y

    def rule(self, y: float, x1: float = MARGIN, x2: float = RIGHT, width: float = 0.2,
             color: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(x1, y, x2, y)

    def party_lines(self, party: DocParty, abn_style: str = "spaced") -> list[str]:
        lines = list(party.address)
        if party.abn:
            lines.append(f"ABN: {party.abn}" if abn_style == "plain" else f"ABN {fmt_abn(party.abn)}")
        return lines

    # -- page flow ---------------------------------------------------------
    def continuation_header(self) -> float:
        """Small running header on pages 2+, so a page on its own is still identifiable."""
        self.font_set("B", 9)
        self.text_at(MARGIN, MARGIN, CONTENT_W / 2, 5, self.inv.supplier.name)
        self.font_set("", 9)
        self.text_at(MARGIN + CONTENT_W / 2, MARGIN, CONTENT_W / 2, 5,
                     f"{self.title()} - {self.number_label()} {self.inv.invoice_number} (continued)",
                     align="R")
        self.rule(MARGIN + 7, width=0.2, color=(150, 150, 150))
        return MARGIN + 11

    def new_page(self) -> float:
        self.pdf.add_page()
        return self.continuation_header()

    def ensure_space(self, y: float, needed: float) -> float:
        return y if y + needed <= BOTTOM_LIMIT else self.new_page()

    def table_header(self, y: float, cols: list[_Col]) -> float:
        st = self.table_style
        h = st.line_h + 2 * st.pad
        pdf = self.pdf
        if st.header_fill is not None:
            pdf.set_fill_color(*st.header_fill)
            pdf.rect(MARGIN, y, sum(c.width for c in cols), h, style="F")
        self.font_set("B" if st.header_bold else "", st.size, st.header_text)
        x = MARGIN
        pdf.set_draw_color(*st.rule_color)
        pdf.set_line_width(0.2)
        for c in cols:
            if st.grid:
                pdf.rect(x, y, c.width, h)
            self.text_at(x, y + st.pad, c.width, st.line_h, c.header, align=c.align)
            x += c.width
        if st.header_rule:
            self.rule(y + h, x2=MARGIN + sum(c.width for c in cols), width=st.header_rule)
        return y + h

    def draw_table(self, y: float) -> float:
        cols = self.columns()
        st = self.table_style
        pdf = self.pdf
        total_w = sum(c.width for c in cols)
        y = self.table_header(y, cols)
        for i, line in enumerate(self.inv.lines):
            self.font_set("", st.size)
            texts = [c.value(i, line) for c in cols]
            n_lines = 1
            for c, t in zip(cols, texts):
                if c.wrap:
                    wrapped = pdf.multi_cell(c.width, st.line_h, t, dry_run=True, output="LINES")
                    n_lines = max(n_lines, len(wrapped))
            row_h = n_lines * st.line_h + 2 * st.pad
            if y + row_h > BOTTOM_LIMIT:
                y = self.table_header(self.new_page(), cols)
                self.font_set("", st.size)
            if st.zebra is not None and i % 2 == 1:
                pdf.set_fill_color(*st.zebra)
                pdf.rect(MARGIN, y, total_w, row_h, style="F")
            x = MARGIN
            pdf.set_draw_color(*st.rule_color)
            pdf.set_line_width(0.2)
            for c, t in zip(cols, texts):
                if st.grid:
                    pdf.rect(x, y, c.width, row_h)
                if c.wrap:
                    pdf.set_xy(x, y + st.pad)
                    pdf.multi_cell(c.width, st.line_h, t, align=c.align)
                else:
                    self.text_at(x, y + st.pad, c.width, st.line_h, t, align=c.align)
                x += c.width
            y += row_h
            if st.row_rule and not st.grid:
                self.rule(y, x2=MARGIN + total_w, width=0.2, color=st.rule_color)
        return y

    def totals_block(self, y: float, rows: list[tuple[str, str, bool]], label_w: float,
                     value_w: float, size: float = 9.5, h: float = 6.0,
                     final_fill: tuple[int, int, int] | None = None,
                     final_text: tuple[int, int, int] = (0, 0, 0), boxed: bool = False,
                     extra: float = 0.0) -> float:
        """Right-hand totals; ``extra`` reserves room for a line the caller adds below."""
        y = self.ensure_space(y, h * len(rows) + 4 + extra)
        x = RIGHT - label_w - value_w
        for i, (label, value, bold) in enumerate(rows):
            last = i == len(rows) - 1
            if last and final_fill is not None:
                self.pdf.set_fill_color(*final_fill)
                self.pdf.rect(x, y, label_w + value_w, h, style="F")
            elif last:
                self.rule(y, x1=x, width=0.4)
            color = final_text if last else (0, 0, 0)
            self.font_set("B" if bold else "", size, color)
            border: int | str = 1 if boxed else 0
            self.text_at(x, y, label_w, h, label, border=border)
            self.text_at(x + label_w, y, value_w, h, value, align="R", border=border)
            y += h
        self.pdf.set_text_color(0, 0, 0)
        return y

    def draw_notes(self, y: float) -> float:
        if not self.inv.notes:
            return y
        self.font_set("", 8.5)
        n = len(self.pdf.multi_cell(CONTENT_W, 4.2, self.inv.notes, dry_run=True, output="LINES"))
        y = self.ensure_space(y, n * 4.2 + 8)
        self.font_set("B", 9)
        self.text_at(MARGIN, y, CONTENT_W, 5, "Notes")
        self.font_set("", 8.5)
        return self.wrap_at(MARGIN, y + 5, CONTENT_W, 4.2, self.inv.notes)

    def render(self) -> bytes:
        self.pdf.add_page()
        y = self.first_page_header()
        y = self.draw_table(y)
        y = self.draw_totals(y + 4)
        y = self.draw_payment(y + 6)
        self.draw_notes(y + 4)
        return bytes(self.pdf.output())

    # -- shared bits of wording -------------------------------------------
    def gst_rate(self, line: DocLine) -> str:
        return "10%" if line.tax_code == "GST" else "GST Free"

    def payment_ref(self) -> str:
        pay = self.inv.payment
        return pay.reference if pay is not None and pay.reference else self.inv.invoice_number


# ---------------------------------------------------------------- classic (MYOB-ish)


class _Classic(_Layout):
    """Supplier top left, 'TAX INVOICE' top right over a boxed meta table, DD/MM/YYYY,
    Description-first table with a per-line tax code column, 'BSB: 062-000 Account: 1234 5678'."""

    name = "classic"
    table_style = _TableStyle(header_fill=(225, 225, 225), header_rule=0.3)

    def title(self) -> str:
        return "CREDIT NOTE" if self.credit else "TAX INVOICE"

    def number_label(self) -> str:
        return "Credit Note No." if self.credit else "Invoice No."

    def first_page_header(self) -> float:
        inv, s = self.inv, self.inv.supplier
        self.font_set("B", 15)
        self.wrap_at(MARGIN, MARGIN, 100, 7, s.name)
        self.font_set("", 9)
        left = list(s.address)
        if s.abn:
            left.append(f"ABN {fmt_abn(s.abn)}")
        if s.phone:
            left.append(f"Ph {s.phone}")
        if s.email:
            left.append(s.email)
        y_left = self.lines_at(MARGIN, self.pdf.get_y() + 1, 100, 4.4, left)

        self.font_set("B", 20)
        self.text_at(120, MARGIN, RIGHT - 120, 9, self.title(), align="R")
        meta = [(self.number_label(), inv.invoice_number),
                ("Invoice Date" if not self.credit else "Date", date_dmy(inv.issue_date))]
        if inv.due_date is not None:
            meta.append(("Due Date", date_dmy(inv.due_date)))
        if inv.purchase_order:
            meta.append(("Customer PO", inv.purchase_order))
        self.pdf.set_draw_color(160, 160, 160)
        self.pdf.set_line_width(0.2)
        y_right = self.kv_rows(130, MARGIN + 13, meta, 30, RIGHT - 160, 6, 9,
                               value_align="R", border=1)

        y = max(y_left, y_right) + 7
        self.font_set("B", 10)
        self.text_at(MARGIN, y, 90, 5, "Bill To")
        self.font_set("B", 9)
        y = self.wrap_at(MARGIN, y + 5.5, 90, 4.4, inv.customer.name)
        self.font_set("", 9)
        y = self.lines_at(MARGIN, y, 90, 4.4, self.party_lines(inv.customer))
        return y + 7

    def columns(self) -> list[_Col]:
        return [
            _Col("Description", 92, "L", lambda i, ln: ln.description, wrap=True),
            _Col("Qty", 18, "R", lambda i, ln: fmt_qty(ln.quantity)),
            _Col("Unit Price", 27, "R", lambda i, ln: fmt_price(ln.unit_price)),
            _Col("Tax", 15, "C", lambda i, ln: ln.tax_code),
            _Col("Amount", 28, "R", lambda i, ln: fmt_money(ln.amount)),
        ]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        return [("Subtotal", fmt_money(inv.subtotal), False),
                ("GST", fmt_money(inv.tax), False),
                (f"Total {inv.currency}", fmt_money(inv.total, symbol=True), True)]

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 26)
        self.font_set("B", 10)
        self.text_at(MARGIN, y, 100, 5, "Payment Details")
        self.font_set("", 9)
        lines = [f"Account Name: {pay.account_name}",
                 f"BSB: {fmt_bsb(pay.bsb)}    Account: {fmt_account(pay.account_number)}",
                 f"Reference: {self.payment_ref()}"]
        return self.lines_at(MARGIN, y + 6, 120, 4.6, lines)


# ---------------------------------------------------------------- modern (Xero-ish)


class _Modern(_Layout):
    """Three columns up top (title + customer | stacked meta | supplier right-aligned),
    '3 March 2026' dates, 'Invoice #', GST rate column, 'Bank: ... BSB 062000 Acc 12345678'."""

    name = "modern"
    ACCENT = (0, 112, 132)
    table_style = _TableStyle(header_fill=None, header_text=(0, 112, 132), header_rule=0.6,
                              rule_color=(215, 215, 215), line_h=4.8, pad=2.0)

    def title(self) -> str:
        return "Credit Note" if self.credit else "Tax Invoice"

    def number_label(self) -> str:
        return "Credit Note #" if self.credit else "Invoice #"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        self.font_set("", 24, self.ACCENT)
        self.text_at(MARGIN, MARGIN, 80, 11, self.title())
        self.font_set("", 9)
        y_left = self.wrap_at(MARGIN, MARGIN + 16, 64, 4.4, c.name)
        y_left = self.lines_at(MARGIN, y_left, 64, 4.4, self.party_lines(c))

        meta = [(self.number_label(), inv.invoice_number), ("Issued", date_long(inv.issue_date))]
        if inv.due_date is not None:
            meta.append(("Due", date_long(inv.due_date)))
        if inv.purchase_order:
            meta.append(("Reference", inv.purchase_order))
        if s.abn:
            meta.append(("ABN", fmt_abn(s.abn)))
        y_mid = MARGIN + 16
        for label, value in meta:
            self.font_set("B", 8.5, (90, 90, 90))
            self.text_at(84, y_mid, 40, 4, label)
            self.font_set("", 9)
            y_mid = self.wrap_at(84, y_mid + 4, 40, 4.4, value) + 1.5

        self.font_set("B", 10)
        y_right = self.wrap_at(126, MARGIN + 1, RIGHT - 126, 5, s.name, align="R")
        self.font_set("", 8.5, (70, 70, 70))
        extra = list(s.address) + [x for x in (s.phone, s.email) if x]
        y_right = self.lines_at(126, y_right + 0.5, RIGHT - 126, 4.2, extra, align="R")
        return max(y_left, y_mid, y_right) + 10

    def columns(self) -> list[_Col]:
        return [
            _Col("Description", 86, "L", lambda i, ln: ln.description, wrap=True),
            _Col("Quantity", 20, "R", lambda i, ln: fmt_qty(ln.quantity)),
            _Col("Unit Price", 26, "R", lambda i, ln: fmt_price(ln.unit_price)),
            _Col("GST", 20, "R", lambda i, ln: self.gst_rate(ln)),
            _Col(f"Amount {self.inv.currency}", 28, "R", lambda i, ln: fmt_money(ln.amount)),
        ]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        last = f"Credit Total {inv.currency}" if self.credit else f"Amount Due {inv.currency}"
        return [("Subtotal", fmt_money(inv.subtotal), False),
                ("GST 10%", fmt_money(inv.tax), False),
                (last, fmt_money(inv.total, symbol=True), True)]

    def draw_totals(self, y: float) -> float:
        y = self.totals_block(y, self.totals_rows(), label_w=48, value_w=32, h=6.5, extra=9)
        if self.inv.due_date is not None:
            self.font_set("B", 10)
            self.text_at(MARGIN, y + 3, CONTENT_W, 6, f"Due Date: {date_long(self.inv.due_date)}")
            y += 9
        return y

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 24)
        self.rule(y, color=self.ACCENT, width=0.4)
        self.font_set("B", 9.5, self.ACCENT)
        self.text_at(MARGIN, y + 2, 100, 5, "How to pay")
        self.font_set("", 9)
        lines = [f"Bank: {pay.account_name}  BSB {pay.bsb}  Acc {pay.account_number}",
                 f"Please use reference {self.payment_ref()} with your payment."]
        return self.lines_at(MARGIN, y + 8, CONTENT_W, 4.6, lines)

    def footer(self, pdf: _Pdf) -> None:
        self.font_set("", 7.5, (120, 120, 120))
        pdf.set_xy(MARGIN, PAGE_H - 14)
        pdf.cell(CONTENT_W / 2, 4, f"{self.number_label()} {self.inv.invoice_number}")
        pdf.cell(CONTENT_W / 2, 4, f"Page {pdf.page_no()} of {{nb}}", align="R")


# ---------------------------------------------------------------- compact (legacy system)


class _Compact(_Layout):
    """Courier, centred letterhead with 'ABN: 12345678901', title 'INVOICE', '03-Mar-2026',
    'Inv Number', 'Terms: 30 days' plus due date, Qty-first table."""

    name = "compact"
    font = "Courier"
    table_style = _TableStyle(size=8.5, line_h=4.0, pad=1.0, header_fill=None, header_rule=0.3,
                              row_rule=False)

    def title(self) -> str:
        return "CREDIT NOTE" if self.credit else "INVOICE"

    def number_label(self) -> str:
        return "CN Number" if self.credit else "Inv Number"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        self.font_set("B", 14)
        y = self.wrap_at(MARGIN, MARGIN, CONTENT_W, 6, s.name, align="C")
        self.font_set("", 8.5)
        y = self.wrap_at(MARGIN, y, CONTENT_W, 4, ", ".join(s.address), align="C")
        contact = [f"ABN: {s.abn}" if s.abn else "", f"Ph: {s.phone}" if s.phone else "",
                   s.email or ""]
        y = self.wrap_at(MARGIN, y, CONTENT_W, 4, "   ".join(x for x in contact if x), align="C")
        self.rule(y + 2, width=0.5)
        self.font_set("B", 13)
        self.text_at(MARGIN, y + 5, CONTENT_W, 7, self.title(), align="C")
        top = y + 15

        self.font_set("B", 8.5)
        self.text_at(MARGIN, top, 90, 4, "Customer:")
        self.font_set("", 8.5)
        y_left = self.wrap_at(MARGIN, top + 4, 90, 4, c.name)
        y_left = self.lines_at(MARGIN, y_left, 90, 4, self.party_lines(c, abn_style="plain"))

        meta = [(self.number_label(), inv.invoice_number), ("Inv Date", date_dash(inv.issue_date))]
        days = terms_days(inv)
        if days is not None and inv.due_date is not None:
            meta.append(("Terms", "Due on receipt" if days == 0 else f"{days} days"))
            meta.append(("Due Date", date_dash(inv.due_date)))
        if inv.purchase_order:
            meta.append(("Order No", inv.purchase_order))
        y_right = self.kv_rows(118, top, [(f"{k:<10}:", v) for k, v in meta], 26, RIGHT - 144, 4,
                               8.5, label_style="")
        return max(y_left, y_right) + 6

    def columns(self) -> list[_Col]:
        return [
            _Col("Qty", 18, "R", lambda i, ln: fmt_qty(ln.quantity)),
            _Col("Description", 96, "L", lambda i, ln: ln.description, wrap=True),
            _Col("Unit Price", 32, "R", lambda i, ln: fmt_price(ln.unit_price)),
            _Col("Amount", 34, "R", lambda i, ln: fmt_money(ln.amount)),
        ]

    def draw_table(self, y: float) -> float:
        y = super().draw_table(y)
        self.rule(y + 1, width=0.3)
        return y + 1

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        last = "Total Credit inc GST" if self.credit else "Total inc GST"
        return [("Total ex GST", fmt_money(inv.subtotal), False),
                ("GST", fmt_money(inv.tax), False),
                (last, fmt_money(inv.total), True)]

    def draw_totals(self, y: float) -> float:
        return self.totals_block(y, self.totals_rows(), label_w=46, value_w=34, size=8.5, h=5)

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 16)
        self.font_set("", 8.5)
        text = (f"Bank: {pay.account_name}  BSB {pay.bsb}  Acc {pay.account_number}  "
                f"Ref {self.payment_ref()}")
        self.text_at(MARGIN, y, CONTENT_W, 4, "Remittance by direct deposit:")
        return self.wrap_at(MARGIN, y + 4, CONTENT_W, 4, text)

    def footer(self, pdf: _Pdf) -> None:
        self.font_set("", 7.5)
        pdf.set_xy(MARGIN, PAGE_H - 14)
        pdf.cell(CONTENT_W, 4, f"-- Page {pdf.page_no()}/{{nb}} --", align="C")


# ---------------------------------------------------------------- trade (tradie docket)


class _Trade(_Layout):
    """Dark banner letterhead, 'Document No', '3/3/26' dates, 'Terms: 14 Days Nett' plus due
    date, gridded table with an item-number column and Qty before Description, boxed totals."""

    name = "trade"
    BANNER = (38, 50, 56)
    table_style = _TableStyle(grid=True, header_fill=(38, 50, 56), header_text=(255, 255, 255),
                              rule_color=(120, 120, 120), zebra=(244, 244, 244))

    def title(self) -> str:
        return "ADJUSTMENT NOTE" if self.credit else "TAX INVOICE"

    def number_label(self) -> str:
        return "Document No"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        pdf = self.pdf
        self.font_set("B", 16)
        name_lines = pdf.multi_cell(115, 7, s.name, dry_run=True, output="LINES")
        banner_h = max(18.0, len(name_lines) * 7 + 8)
        pdf.set_fill_color(*self.BANNER)
        pdf.rect(0, 0, PAGE_W, banner_h, style="F")
        self.font_set("B", 16, (255, 255, 255))
        self.wrap_at(MARGIN, 4, 115, 7, s.name)
        self.font_set("", 8.5, (255, 255, 255))
        contact = [x for x in (f"Ph {s.phone}" if s.phone else None, s.email) if x]
        self.lines_at(132, 5, RIGHT - 132, 4.2, contact, align="R")

        self.font_set("", 8.5)
        addr = "  |  ".join(s.address)
        if s.abn:
            addr += f"  |  ABN {fmt_abn(s.abn)}"
        y = self.wrap_at(MARGIN, banner_h + 3, CONTENT_W, 4.2, addr)

        top = y + 5
        self.font_set("B", 16)
        self.text_at(112, top, RIGHT - 112, 8, self.title(), align="R")
        meta = [(self.number_label(), inv.invoice_number), ("Date", date_short(inv.issue_date))]
        days = terms_days(inv)
        if days is not None and inv.due_date is not None:
            meta.append(("Terms", "COD" if days == 0 else f"{days} Days Nett"))
            meta.append(("Due", date_short(inv.due_date)))
        if inv.purchase_order:
            meta.append(("Your Order", inv.purchase_order))
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        y_right = self.kv_rows(125, top + 11, meta, 28, RIGHT - 153, 6, 9, value_align="R",
                               border=1)

        self.font_set("B", 9)
        pdf.set_fill_color(235, 235, 235)
        self.text_at(MARGIN, top, 95, 6, "  INVOICE TO", fill=True)
        self.font_set("B", 9.5)
        y_left = self.wrap_at(MARGIN + 2, top + 8, 91, 4.6, c.name)
        self.font_set("", 9)
        y_left = self.lines_at(MARGIN + 2, y_left, 91, 4.6, self.party_lines(c))
        pdf.set_draw_color(120, 120, 120)
        pdf.rect(MARGIN, top, 95, y_left - top + 2)
        return max(y_left + 2, y_right) + 8

    def columns(self) -> list[_Col]:
        return [
            _Col("Item", 12, "C", lambda i, ln: str(i + 1)),
            _Col("Qty", 16, "R", lambda i, ln: fmt_qty(ln.quantity)),
            _Col("Description", 92, "L", lambda i, ln: ln.description, wrap=True),
            _Col("Unit Ex GST", 29, "R", lambda i, ln: fmt_price(ln.unit_price, symbol=True)),
            _Col("Total Ex GST", 31, "R", lambda i, ln: fmt_money(ln.amount, symbol=True)),
        ]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        last = "Total Credit" if self.credit else "Amount Due"
        return [("Total ex GST", fmt_money(inv.subtotal, symbol=True), False),
                ("GST 10%", fmt_money(inv.tax, symbol=True), False),
                (last, fmt_money(inv.total, symbol=True), True)]

    def draw_totals(self, y: float) -> float:
        self.pdf.set_draw_color(120, 120, 120)
        return self.totals_block(y, self.totals_rows(), label_w=40, value_w=31, h=7,
                                 final_fill=self.BANNER, final_text=(255, 255, 255), boxed=True)

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 26)
        self.font_set("B", 9)
        self.pdf.set_fill_color(235, 235, 235)
        self.text_at(MARGIN, y, 110, 6, "  EFT PAYMENTS", fill=True)
        rows = [("Account Name", pay.account_name), ("BSB", fmt_bsb(pay.bsb, " ")),
                ("Account No", pay.account_number), ("Reference", self.payment_ref())]
        return self.kv_rows(MARGIN + 2, y + 7, rows, 28, 80, 4.6, 9)

    def footer(self, pdf: _Pdf) -> None:
        self.font_set("", 7.5, (110, 110, 110))
        pdf.set_xy(MARGIN, PAGE_H - 14)
        pdf.cell(CONTENT_W, 4, f"{self.inv.supplier.name}  -  Page {pdf.page_no()} of {{nb}}",
                 align="C")


# ---------------------------------------------------------------- letterhead (professional)


class _Letterhead(_Layout):
    """Times, centred letterhead, letter-style 'To:' block with meta on the right,
    '3 Mar 2026' dates, terms sentence with the due date, fees wording, remittance sentence."""

    name = "letterhead"
    font = "Times"
    table_style = _TableStyle(size=10, line_h=5.0, pad=1.6, header_fill=None, header_rule=0.4,
                              row_rule=False, header_bold=True)

    def title(self) -> str:
        return "Tax Adjustment Note" if self.credit else "Tax Invoice"

    def number_label(self) -> str:
        return "Credit Note Number" if self.credit else "Invoice Number"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        self.font_set("B", 18, (40, 40, 90))
        y = self.wrap_at(MARGIN, MARGIN, CONTENT_W, 8, s.name, align="C")
        self.font_set("", 9.5, (60, 60, 60))
        y = self.wrap_at(MARGIN, y + 1, CONTENT_W, 4.6, "  -  ".join(s.address), align="C")
        contact = [f"ABN {fmt_abn(s.abn)}" if s.abn else "", f"T {s.phone}" if s.phone else "",
                   s.email or ""]
        y = self.wrap_at(MARGIN, y, CONTENT_W, 4.6, "   |   ".join(x for x in contact if x),
                         align="C")
        self.rule(y + 2, width=0.3, color=(40, 40, 90))
        self.rule(y + 3, width=0.1, color=(40, 40, 90))
        top = y + 9

        self.font_set("", 10.5)
        self.text_at(MARGIN, top, 10, 5, "To:")
        self.font_set("B", 10.5)
        y_left = self.wrap_at(MARGIN + 10, top, 85, 5, c.name)
        self.font_set("", 10.5)
        y_left = self.lines_at(MARGIN + 10, y_left, 85, 5, self.party_lines(c))

        meta = [("Date:", date_abbrev(inv.issue_date)),
                (f"{self.number_label()}:", inv.invoice_number)]
        if inv.purchase_order:
            meta.append(("Your Ref:", inv.purchase_order))
        y_right = self.kv_rows(118, top, meta, 36, RIGHT - 154, 5, 10.5, value_align="R",
                               label_style="")

        y = max(y_left, y_right) + 8
        self.font_set("B", 14)
        self.text_at(MARGIN, y, CONTENT_W, 7, self.title().upper(), align="C")
        return y + 12

    def columns(self) -> list[_Col]:
        return [
            _Col("Description of Services", 96, "L", lambda i, ln: ln.description, wrap=True),
            _Col("Qty", 16, "R", lambda i, ln: fmt_qty(ln.quantity)),
            _Col("Rate", 26, "R", lambda i, ln: fmt_price(ln.unit_price, symbol=True)),
            _Col("GST", 12, "C", lambda i, ln: "Y" if ln.tax_code == "GST" else "N"),
            _Col("Fee", 30, "R", lambda i, ln: fmt_money(ln.amount, symbol=True)),
        ]

    def draw_table(self, y: float) -> float:
        y = super().draw_table(y)
        self.rule(y + 1, width=0.4)
        return y + 1

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        last = "Total Credit (incl. GST)" if self.credit else "Total Due (incl. GST)"
        return [("Fees (excl. GST)", fmt_money(inv.subtotal, symbol=True), False),
                ("Plus GST", fmt_money(inv.tax, symbol=True), False),
                (last, fmt_money(inv.total, symbol=True), True)]

    def draw_totals(self, y: float) -> float:
        y = self.totals_block(y, self.totals_rows(), label_w=52, value_w=30, size=10.5, h=6,
                              extra=6)
        if any(ln.tax_code != "GST" for ln in self.inv.lines):
            self.font_set("I", 9)
            self.text_at(MARGIN, y + 1, CONTENT_W, 4.6, "GST: Y = taxable supply, N = GST-free.")
            y += 5.6
        return y

    def draw_payment(self, y: float) -> float:
        inv, pay = self.inv, self.inv.payment
        days = terms_days(inv)
        sentences: list[str] = []
        if days is not None and inv.due_date is not None:
            when = "on receipt" if days == 0 else f"within {days} days of the invoice date"
            sentences.append(f"Payment terms: payment is due {when}, by {date_long(inv.due_date)}.")
        if pay is not None:
            sentences.append(f"Please remit to account name {pay.account_name}, "
                             f"BSB {fmt_bsb(pay.bsb, ' ')}, account number {pay.account_number}, "
                             f"quoting reference {self.payment_ref()}.")
        if not sentences:
            return y
        self.font_set("", 10)
        text = " ".join(sentences)
        n = len(self.pdf.multi_cell(CONTENT_W, 5, text, dry_run=True, output="LINES"))
        y = self.ensure_space(y, n * 5 + 2)
        return self.wrap_at(MARGIN, y, CONTENT_W, 5, text)


_LAYOUT_CLASSES: dict[str, type[_Layout]] = {
    cls.name: cls for cls in (_Classic, _Modern, _Compact, _Trade, _Letterhead)
}
LAYOUTS: tuple[str, ...] = tuple(_LAYOUT_CLASSES)


def render(invoice: DocInvoice, layout: str) -> bytes:
    try:
        cls = _LAYOUT_CLASSES[layout]
    except KeyError:
        raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}") from None
    return cls(invoice).render()
