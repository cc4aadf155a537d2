"""Held-out layouts: used ONLY for the benchmark's held-out split, never while developing the
extractor. Their structure and wordings differ from every dev style on purpose:

* ``ledger`` - a horizontal meta strip (labels in one row, values under them), an item-code
  column, 'Sub-Total / GST / TOTAL INC. GST / Balance Due', 'Net 30' terms, 'Acct' banking line.
* ``docket`` - supplier block top right, 'Sold To', dotted 'Label ..... value' meta, Qty-first
  table with a GST column of 'Yes'/'No', 'Net Total / GST @ 10% / Gross Total'.

Built on demo.pdf_layouts' page-flow machinery (imported, not copied).
"""

from __future__ import annotations

import random
from datetime import date

from demo import pdf_layouts as pl
from demo.documents import DocInvoice

HELDOUT_STYLES = ("ledger", "docket")
_MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _d_mon(d: date) -> str:
    return f"{d.day:02d} {_MON[d.month - 1]} {d.year}"


def _d_mon_short(d: date) -> str:
    return f"{d.day}-{_MON[d.month - 1]}-{d.year % 100:02d}"


class _Ledger(pl._Layout):
    name = "ledger"
    table_style = pl._TableStyle(size=8.5, line_h=4.4, header_fill=(210, 225, 240), row_rule=True)

    def __init__(self, inv: DocInvoice, variant: int) -> None:
        self.rng = random.Random(variant)
        self.fmt_date = self.rng.choice((_d_mon, pl.date_dmy, lambda d: d.isoformat()))
        super().__init__(inv)

    def title(self) -> str:
        return "CREDIT NOTE" if self.credit else "TAX INVOICE"

    def number_label(self) -> str:
        return "Invoice Number"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        self.font_set("B", 17, (20, 60, 110))
        y = self.wrap_at(pl.MARGIN, pl.MARGIN, 110, 8, s.name)
        self.font_set("", 8.5)
        y = self.lines_at(pl.MARGIN, y, 110, 4.2, [", ".join(s.address), f"Tel {s.phone}  Email {s.email}"])
        self.font_set("B", 14)
        self.text_at(130, pl.MARGIN, pl.RIGHT - 130, 8, self.title(), align="R")
        self.font_set("", 9)
        self.text_at(130, pl.MARGIN + 9, pl.RIGHT - 130, 5, f"ABN {pl.fmt_abn(s.abn)}", align="R")
        y += 6
        cols = [("Invoice Date", self.fmt_date(inv.issue_date)), (self.number_label(), inv.invoice_number)]
        if inv.due_date is not None:
            days = (inv.due_date - inv.issue_date).days
            cols.append(("Terms", "C.O.D." if days == 0 else f"Net {days}"))
            cols.append(("Due Date", self.fmt_date(inv.due_date)))
        if inv.purchase_order:
            cols.append(("Order Number", inv.purchase_order))
        w = pl.CONTENT_W / len(cols)
        self.pdf.set_draw_color(150, 150, 150)
        for i, (label, value) in enumerate(cols):
            self.font_set("B", 8)
            self.text_at(pl.MARGIN + i * w, y, w, 5, label, border=1, align="C")
            self.font_set("", 9)
            self.text_at(pl.MARGIN + i * w, y + 5, w, 6, value, border=1, align="C")
        y += 16
        self.font_set("B", 9)
        self.text_at(pl.MARGIN, y, 60, 5, "Invoice To")
        self.font_set("", 9)
        y = self.wrap_at(pl.MARGIN, y + 5, 90, 4.4, c.name)
        y = self.lines_at(pl.MARGIN, y, 90, 4.4, self.party_lines(c))
        return y + 6

    def columns(self) -> list[pl._Col]:
        return [
            pl._Col("Code", 18, "L", lambda i, ln: f"{1000 + 7 * i}"),
            pl._Col("Description", 82, "L", lambda i, ln: ln.description, wrap=True),
            pl._Col("Quantity", 20, "R", lambda i, ln: pl.fmt_qty(ln.quantity)),
            pl._Col("Unit Price", 24, "R", lambda i, ln: pl.fmt_price(ln.unit_price, symbol=True)),
            pl._Col("GST", 12, "C", lambda i, ln: "10%" if ln.tax_code == "GST" else "0%"),
            pl._Col("Total", 24, "R", lambda i, ln: pl.fmt_money(ln.amount, symbol=True)),
        ]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        return [("Sub-Total", pl.fmt_money(inv.subtotal, symbol=True), False),
                ("GST", pl.fmt_money(inv.tax, symbol=True), False),
                ("TOTAL INC. GST", pl.fmt_money(inv.total, symbol=True), True),
                ("Amount Paid", pl.fmt_money(inv.total * 0, symbol=True), False),
                ("Balance Due", pl.fmt_money(inv.total, symbol=True), True)]

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 14)
        self.font_set("", 8.5)
        text = (f"Direct Credit: {pay.account_name}   BSB: {pl.fmt_bsb(pay.bsb)}   Acct: {pay.account_number}"
                f"   Ref: {self.payment_ref()}")
        return self.wrap_at(pl.MARGIN, y, pl.CONTENT_W, 4.4, text)


class _Docket(pl._Layout):
    name = "docket"
    font = "Helvetica"
    table_style = pl._TableStyle(size=9, header_fill=None, header_rule=0.5, row_rule=False)

    def __init__(self, inv: DocInvoice, variant: int) -> None:
        self.rng = random.Random(variant)
        self.fmt_date = self.rng.choice((_d_mon_short, pl.date_short, pl.date_long))
        super().__init__(inv)

    def title(self) -> str:
        return "CREDIT NOTE" if self.credit else "INVOICE"

    def number_label(self) -> str:
        return "Invoice"

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        self.font_set("B", 12)
        y_r = self.wrap_at(115, pl.MARGIN, pl.RIGHT - 115, 6, s.name, align="R")
        self.font_set("", 8.5)
        y_r = self.lines_at(115, y_r, pl.RIGHT - 115, 4.2,
                            [*s.address, f"A.B.N. {s.abn}", s.phone or "", s.email or ""], align="R")
        self.font_set("B", 22)
        self.text_at(pl.MARGIN, pl.MARGIN, 80, 10, self.title())
        self.font_set("", 9)
        rows = [("Invoice:", inv.invoice_number), ("Date:", self.fmt_date(inv.issue_date))]
        if inv.due_date is not None:
            rows.append(("Due:", self.fmt_date(inv.due_date)))
        if inv.purchase_order:
            rows.append(("Order Ref:", inv.purchase_order))
        y_l = pl.MARGIN + 14
        for label, value in rows:
            self.text_at(pl.MARGIN, y_l, 70, 4.6, f"{label} {'.' * 12} {value}")
            y_l += 4.8
        y = max(y_l, y_r) + 5
        self.font_set("B", 9)
        self.text_at(pl.MARGIN, y, 40, 5, "Sold To:")
        self.font_set("", 9)
        y = self.wrap_at(pl.MARGIN + 20, y, 90, 4.4, c.name)
        y = self.lines_at(pl.MARGIN + 20, y, 90, 4.4, list(c.address))
        return y + 6

    def columns(self) -> list[pl._Col]:
        return [
            pl._Col("Qty", 16, "R", lambda i, ln: pl.fmt_qty(ln.quantity)),
            pl._Col("Item", 94, "L", lambda i, ln: ln.description, wrap=True),
            pl._Col("Price", 26, "R", lambda i, ln: pl.fmt_price(ln.unit_price)),
            pl._Col("GST", 14, "C", lambda i, ln: "Yes" if ln.tax_code == "GST" else "No"),
            pl._Col("Line Amount", 30, "R", lambda i, ln: pl.fmt_money(ln.amount)),
        ]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv = self.inv
        return [("Net Total", pl.fmt_money(inv.subtotal), False),
                ("GST @ 10%", pl.fmt_money(inv.tax), False),
                ("Gross Total", pl.fmt_money(inv.total, symbol=True), True)]

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 14)
        self.font_set("", 9)
        text = (f"EFT to: BSB {pl.fmt_bsb(pay.bsb, ' ')}  Account {pl.fmt_account(pay.account_number)}  "
                f"Name: {pay.account_name}  Ref: {self.payment_ref()}")
        return self.wrap_at(pl.MARGIN, y, pl.CONTENT_W, 4.6, text)


def render(inv: DocInvoice, style: str, variant: int) -> bytes:
    from demo.documents import _check_invoice

    _check_invoice(inv)
    cls = {"ledger": _Ledger, "docket": _Docket}[style]
    return cls(inv, variant).render()
