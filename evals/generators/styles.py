"""Development layouts: the demo house styles with varied wordings, money formats and fonts, plus
one configurable layout ("flex") that moves the blocks around and varies date formats.

Built on demo.pdf_layouts (imported, not copied): each variant subclasses a house style and
rewrites its labels, column headers and money strings. `variant` (an int) picks the options, so a
seeded generator gives the same PDF every time.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from datetime import date

from demo import pdf_layouts as pl
from demo.documents import DocInvoice

DEV_STYLES = ("classic", "modern", "compact", "trade", "letterhead", "flex")

_NUMBER_LABELS = ("Invoice No.", "Invoice Number", "Invoice #", "Inv No", "Tax Invoice No", "Invoice No:",
                  "Document No", "Invoice ID")
_DESC = ("Description", "Item Description", "Details", "Product / Service", "Particulars")
_QTY = ("Qty", "Quantity", "QTY", "Units", "Hrs/Qty")
_PRICE = ("Unit Price", "Price", "Rate", "Unit Cost", "Each", "Unit $")
_AMOUNT = ("Amount", "Total", "Line Total", "Ext. Price", "Amount ex GST", "Value")
_SUB = ("Subtotal", "Sub Total", "Total ex GST", "Total excl. GST", "Net Amount", "Subtotal (ex GST)")
_TAX = ("GST", "GST 10%", "Total GST", "Plus GST", "GST Amount", "Tax (GST)")
_TOTAL = ("Total", "Total inc GST", "Amount Due", "Balance Due", "Invoice Total", "TOTAL AUD",
          "Total Payable")


def _money_styler(rng: random.Random) -> Callable[[str], str]:
    """Re-format "1,234.50"/"$1,234.50" strings: with or without $, commas or an AUD prefix."""
    kind = rng.choice(("keep", "dollar", "plain", "aud", "dollar"))

    def style(text: str) -> str:
        m = re.fullmatch(r"(-?)\$?([\d,]+\.\d+)", text)
        if not m or kind == "keep":
            return text
        sign, body = m.groups()
        if kind == "dollar":
            return f"{sign}${body}"
        if kind == "plain":
            return f"{sign}{body.replace(',', '')}"
        return f"{sign}AUD {body}"
    return style


def _restyled(fn: Callable[[int, object], str], money: Callable[[str], str]) -> Callable:
    return lambda i, ln: money(fn(i, ln))


def _variant_class(base: type[pl._Layout], variant: int) -> type[pl._Layout]:
    rng = random.Random(variant)
    money = _money_styler(rng)
    font = rng.choice((base.font, base.font, "Helvetica", "Times", "Courier"))
    number_label = rng.choice(_NUMBER_LABELS)
    headers = {"Description": rng.choice(_DESC), "Qty": rng.choice(_QTY), "Quantity": rng.choice(_QTY),
               "Unit Price": rng.choice(_PRICE), "Amount": rng.choice(_AMOUNT)}
    totals = [rng.choice(_SUB), rng.choice(_TAX), rng.choice(_TOTAL)]
    relabel_totals = rng.random() < 0.6

    class Variant(base):  # type: ignore[valid-type, misc]
        def number_label(self) -> str:
            return super().number_label() if self.credit else number_label

        def columns(self) -> list[pl._Col]:
            cols = []
            for c in super().columns():
                fn = c.value
                if c.align == "R" and c.header not in ("Qty", "Quantity"):
                    fn = _restyled(fn, money)
                cols.append(dataclasses.replace(c, header=headers.get(c.header, c.header), value=fn))
            return cols

        def totals_rows(self) -> list[tuple[str, str, bool]]:
            rows = super().totals_rows()
            if relabel_totals and not self.credit:
                rows = [(totals[i] if i < 3 else lab, val, b) for i, (lab, val, b) in enumerate(rows)]
            return [(lab, money(val), b) for lab, val, b in rows]

    Variant.font = font
    Variant.__name__ = f"{base.__name__}Variant"
    return Variant


# ---------------------------------------------------------------- flex: blocks and dates vary

_MONTHS = pl._MONTHS


def _date_formats() -> list[Callable[[date], str]]:
    return [
        pl.date_dmy, pl.date_long, pl.date_dash, pl.date_short, pl.date_abbrev,
        lambda d: d.isoformat(),
        lambda d: f"{d.day}/{d.month}/{d.year}",
        lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
        lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
        lambda d: f"{_MONTHS[d.month - 1]} {d.day}, {d.year}",
        lambda d: f"{d.day} {_MONTHS[d.month - 1][:3].upper()} {d.year}",
    ]


class _Flex(pl._Layout):
    """Supplier block left or right, meta as a label/value column or inline 'Label: value',
    customer block under 'Bill To'/'Invoice To'/'Customer', terms line, payment as lines."""

    name = "flex"

    def __init__(self, inv: DocInvoice, variant: int) -> None:
        self.rng = random.Random(variant)
        rng = self.rng
        self.fmt_date = rng.choice(_date_formats())
        self.money = _money_styler(rng)
        self.inline = rng.random() < 0.5
        self.supplier_right = rng.random() < 0.4
        self.labels = {
            "number": rng.choice(_NUMBER_LABELS), "date": rng.choice(("Invoice Date", "Date", "Date of Issue",
                                                                      "Issue Date", "Tax Date")),
            "due": rng.choice(("Due Date", "Payment Due", "Due", "Pay By")),
            "po": rng.choice(("PO Number", "Purchase Order", "Order No", "Your Ref", "PO #", "Customer Order")),
            "to": rng.choice(("Bill To", "Invoice To", "Customer", "To", "Billed To")),
            "abn": rng.choice(("ABN", "ABN:", "A.B.N.")),
        }
        self.show_terms = rng.random() < 0.4
        self.font = rng.choice(("Helvetica", "Times", "Courier", "Helvetica"))  # type: ignore[misc]
        self.cols = (rng.choice(_DESC), rng.choice(_QTY), rng.choice(_PRICE), rng.choice(("GST", "Tax", "Tax Code")),
                     rng.choice(_AMOUNT))
        self.with_tax_col = rng.random() < 0.5
        self.totals = (rng.choice(_SUB), rng.choice(_TAX), rng.choice(_TOTAL))
        super().__init__(inv)

    def title(self) -> str:
        return "CREDIT NOTE" if self.credit else self.rng.choice(("TAX INVOICE", "Tax Invoice", "INVOICE"))

    def number_label(self) -> str:
        return self.labels["number"]

    def first_page_header(self) -> float:
        inv, s, c = self.inv, self.inv.supplier, self.inv.customer
        sx, mx = (110.0, pl.MARGIN) if self.supplier_right else (pl.MARGIN, 112.0)
        align = "R" if self.supplier_right else "L"
        self.font_set("B", self.rng.choice((13, 14, 16, 18)))
        y = self.wrap_at(sx, pl.MARGIN, 85, 7, s.name, align=align)
        self.font_set("", 9)
        info = list(s.address) + [f"{self.labels['abn']} {pl.fmt_abn(s.abn) if self.rng.random() < 0.7 else s.abn}"]
        info += [x for x in (f"Phone: {s.phone}" if s.phone else None, f"Email: {s.email}" if s.email else None) if x]
        y_sup = self.lines_at(sx, y + 1, 85, 4.4, info, align=align)

        self.font_set("B", 16)
        self.text_at(mx, pl.MARGIN, 83, 8, self.title())
        meta = [(self.labels["number"], inv.invoice_number), (self.labels["date"], self.fmt_date(inv.issue_date))]
        if inv.due_date is not None:
            if self.show_terms:
                days = (inv.due_date - inv.issue_date).days
                meta.append(("Terms", "Due on receipt" if days == 0 else f"{days} days"))
            meta.append((self.labels["due"], self.fmt_date(inv.due_date)))
        if inv.purchase_order:
            meta.append((self.labels["po"], inv.purchase_order))
        y_meta = pl.MARGIN + 11
        for label, value in meta:
            if self.inline:
                self.font_set("", 9)
                self.text_at(mx, y_meta, 83, 5, f"{label}: {value}")
            else:
                self.font_set("B", 9)
                self.text_at(mx, y_meta, 34, 5, label)
                self.font_set("", 9)
                self.text_at(mx + 34, y_meta, 48, 5, value)
            y_meta += 5.2
        y = max(y_sup, y_meta) + 6
        self.font_set("B", 10)
        self.text_at(pl.MARGIN, y, 90, 5, self.labels["to"] + (":" if self.rng.random() < 0.5 else ""))
        self.font_set("", 9)
        y = self.wrap_at(pl.MARGIN, y + 5.5, 90, 4.4, c.name)
        y = self.lines_at(pl.MARGIN, y, 90, 4.4, self.party_lines(c))
        return y + 7

    def columns(self) -> list[pl._Col]:
        m = self.money
        cols = [pl._Col(self.cols[0], 88 if self.with_tax_col else 100, "L", lambda i, ln: ln.description, wrap=True),
                pl._Col(self.cols[1], 18, "R", lambda i, ln: pl.fmt_qty(ln.quantity)),
                pl._Col(self.cols[2], 28, "R", lambda i, ln: m(pl.fmt_price(ln.unit_price)))]
        if self.with_tax_col:
            cols.append(pl._Col(self.cols[3], 12, "C", lambda i, ln: ln.tax_code))
        cols.append(pl._Col(self.cols[4], 34, "R", lambda i, ln: m(pl.fmt_money(ln.amount))))
        return cols

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        inv, m = self.inv, self.money
        return [(self.totals[0], m(pl.fmt_money(inv.subtotal)), False),
                (self.totals[1], m(pl.fmt_money(inv.tax)), False),
                (self.totals[2], m(pl.fmt_money(inv.total, symbol=True)), True)]

    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 26)
        self.font_set("B", 10)
        self.text_at(pl.MARGIN, y, 100, 5, self.rng.choice(("Payment Details", "Direct Deposit", "How to Pay",
                                                            "Banking Details")))
        self.font_set("", 9)
        bsb = pl.fmt_bsb(pay.bsb, self.rng.choice(("-", " ", "")))
        lines = [f"Account Name: {pay.account_name}", f"BSB: {bsb}",
                 f"{self.rng.choice(('Account No', 'Account Number', 'Acc No', 'Account'))}: {pay.account_number}",
                 f"Reference: {self.payment_ref()}"]
        return self.lines_at(pl.MARGIN, y + 6, 120, 4.6, lines)


_BASES: dict[str, type[pl._Layout]] = {c.name: c for c in pl._LAYOUT_CLASSES.values()}


def render(inv: DocInvoice, style: str, variant: int) -> bytes:
    """PDF of `inv` in a dev style; variant 0 of a house style is the demo's own look."""
    from demo.documents import _check_invoice

    _check_invoice(inv)
    if style == "flex":
        return _Flex(inv, variant).render()
    base = _BASES[style]
    cls = base if variant % 4 == 0 else _variant_class(base, variant)
    return cls(inv).render()

