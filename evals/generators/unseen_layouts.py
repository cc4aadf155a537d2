"""Compositional invoice layouts the extractor was never developed on, with a blind split.

Every document is assembled from parts drawn independently (evals.generators.unseen_vocab): the
meta block form, each label's wording, the table's header wordings and column order, the totals
wording and form, the GST-free marking, the date and money formats, the payment wording, and
extras (a decoy reference that is not the PO, an "Amount Due" box, a remittance slip). Some
documents have 25-45 lines, so the table runs onto page 2 with its header repeated.

* ``generate(split, n, seed)`` - ``tune`` or ``blind`` (separate seed streams; the blind split may
  draw blind-only vocabulary, see unseen_vocab). The ground truth is the DocInvoice, and the PDF
  shows every value of it that the benchmark scores.
* bad inputs (documents that must be held) are in evals.generators.unseen_bad.generate_bad.

Rendering is built on demo.pdf_layouts' ``_Layout`` page flow (imported, not copied).
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from demo import pdf_layouts as pl
from demo.documents import DocInvoice, DocLine, _check_invoice
from evals.generators.invoices import CENT, GeneratedInvoice, _line, random_invoice
from evals.generators.unseen_vocab import Parts, draw_parts

SPLITS = ("tune", "blind")
MULTIPAGE_SHARE = 0.15
_MON = pl._MONTHS
_DATES = {
    "long": lambda d: f"{d.day} {_MON[d.month - 1]} {d.year}", "dmy": pl.date_dmy,
    "d-mon-yy": lambda d: f"{d.day:02d}-{_MON[d.month - 1][:3]}-{d.year % 100:02d}",
    "iso": lambda d: d.isoformat(), "d-mon-yyyy": pl.date_abbrev,
    "mon-d-yyyy": lambda d: f"{_MON[d.month - 1][:3]} {d.day}, {d.year}",
    "d.m.yyyy": lambda d: f"{d.day}.{d.month}.{d.year}",
}
_LOOKS = (pl._TableStyle(header_fill=(225, 225, 225), header_rule=0.3),
          pl._TableStyle(header_fill=None, header_rule=0.5, row_rule=False),
          pl._TableStyle(grid=True, header_fill=(40, 55, 70), header_text=(255, 255, 255)),
          pl._TableStyle(header_fill=None, header_rule=0.4, zebra=(244, 244, 244), row_rule=False))


def line_gst(ln: DocLine) -> Decimal:
    return (ln.amount * Decimal("0.1")).quantize(CENT, rounding=ROUND_HALF_UP) if ln.tax_code == "GST" else Decimal(0)


def retotal(inv: DocInvoice, lines: tuple[DocLine, ...]) -> DocInvoice:
    """The invoice with other lines and the totals that go with them (GST rounded once)."""
    sub = sum((ln.amount for ln in lines), Decimal(0))
    taxable = sum((ln.amount for ln in lines if ln.tax_code == "GST"), Decimal(0))
    tax = (taxable * Decimal("0.1")).quantize(CENT, rounding=ROUND_HALF_UP)
    return replace(inv, lines=lines, subtotal=sub, tax=tax, total=sub + tax)


def gst_marking(parts: Parts, inv: DocInvoice) -> str:
    """How this document marks GST-free lines: none, column, gst-amount, or a free_mark key."""
    kinds = {k for k, _ in parts.table[1]}
    if not any(ln.tax_code != "GST" for ln in inv.lines):
        return "none"
    return "column" if "tax" in kinds else "gst-amount" if "gst" in kinds else parts.free_mark[0]


class _Unseen(pl._Layout):
    name = "unseen"

    def __init__(self, inv: DocInvoice, parts: Parts, *, printed: dict[str, Decimal] | None = None,
                 elsewhere: Decimal | None = None, credit: tuple[str, str, str, str] | None = None) -> None:
        self.p, self.rng = parts, random.Random(parts.name() + (parts.decoy_value or "") + inv.invoice_number)
        self.font = parts.font  # type: ignore[misc]
        self.table_style = self.rng.choice(_LOOKS)  # type: ignore[misc]
        self.printed = printed or {}        # figures printed instead of the truth (bad inputs)
        self.elsewhere = elsewhere          # the amount in the due box / slip when it is not the total
        self.credit_words = credit          # (title, number label, original invoice, sign style)
        self.marking = gst_marking(parts, inv)
        self.d = _DATES[parts.date_format]
        super().__init__(inv)

    # -- wording -------------------------------------------------------------
    def title(self) -> str:
        return self.credit_words[0] if self.credit_words else self.p.title

    def number_label(self) -> str:
        return self.credit_words[1] if self.credit_words else self.p.number_label

    def m(self, v: Decimal) -> str:
        body = format(abs(v.quantize(CENT)), ",.2f")
        text = {"plain": body, "dollar": f"${body}", "dollar-space": f"$ {body}", "aud": f"AUD {body}"}[self.p.money]
        sign = self.credit_words[3] if self.credit_words else "minus"
        negative = v != 0 and (v < 0 or (self.credit and sign != "plain"))
        return (f"({text})" if sign == "parens" else f"-{text}") if negative else text

    def lab(self, label: str) -> str:
        return f"{label}:" if self.p.colon and not label.endswith((":", ".")) else label

    def sw(self, text: str, style: str = "", size: float = 9) -> float:
        self.pdf.set_font(self.font, style, size)
        return self.pdf.get_string_width(pl.latin1_safe(text))

    def fit(self, text: str, width: float, size: float, style: str = "B") -> float:
        """The largest size up to `size` at which `text` fits `width`."""
        while size > 7 and self.sw(text, style, size) > width - 1:
            size -= 1
        return size

    def meta_rows(self) -> list[tuple[str, str]]:
        inv, p = self.inv, self.p
        rows = [(self.number_label(), inv.invoice_number), (p.date_label, self.d(inv.issue_date))]
        if inv.due_date is not None:
            label, tmpl = p.due_form
            days = (inv.due_date - inv.issue_date).days
            tmpl = "C.O.D. (due {date})" if "{days}" in tmpl and days == 0 else tmpl
            rows.append((label, tmpl.format(days=days, date=self.d(inv.due_date))))
        if self.credit_words:
            rows.append(("Original Invoice", self.credit_words[2]))
        if inv.purchase_order:
            rows.append((p.po_label, inv.purchase_order))
        if p.decoy and p.decoy_value:
            rows.insert(self.rng.randint(2, len(rows)), (p.decoy[0], p.decoy_value))
        return rows

    def continuation_header(self) -> float:
        """Pages 2+: the supplier, then the document and its number (a long name never overlaps)."""
        self.font_set("B", 9)
        self.text_at(pl.MARGIN, pl.MARGIN, pl.CONTENT_W, 5, self.inv.supplier.name)
        self.font_set("", 9)
        self.text_at(pl.MARGIN, pl.MARGIN + 5, pl.CONTENT_W, 5,
                     f"{self.title()} - {self.number_label()} {self.inv.invoice_number} (continued)", align="R")
        self.rule(pl.MARGIN + 11, width=0.2, color=(150, 150, 150))
        return pl.MARGIN + 15

    # -- header --------------------------------------------------------------
    def letterhead(self, x: float, y: float, w: float, align: str) -> float:
        s, p = self.inv.supplier, self.p
        self.font_set("B", self.rng.choice((13, 15, 17)))
        y = self.wrap_at(x, y, w, 7, s.name, align=align)
        self.font_set("", 8.5)
        abn = pl.fmt_abn(s.abn) if p.abn_spaced and s.abn else s.abn
        info = [*s.address, f"{p.abn_label} {abn}", *(x for x in (s.phone and f"Ph {s.phone}", s.email) if x)]
        return self.lines_at(x, y + 0.5, w, 4.2, info, align=align)

    def customer_block(self, x: float, y: float, w: float) -> float:
        c = self.inv.customer
        self.font_set("B", 9.5)
        self.text_at(x, y, w, 5, self.lab(self.p.party_label))
        self.font_set("", 9)
        y = self.wrap_at(x, y + 5.5, w, 4.4, c.name)
        extra = [f"ABN {pl.fmt_abn(c.abn)}"] if self.p.customer_abn and c.abn else []
        return self.lines_at(x, y, w, 4.4, [*c.address, *extra])

    def first_page_header(self) -> float:
        form, rows, M, T = self.p.meta_form, self.meta_rows(), pl.MARGIN, self.title()
        if form in ("kv", "beside", "strip", "inline"):
            y_l = self.letterhead(M, M, 95, "L")
            self.font_set("B", self.fit(T, pl.RIGHT - 112, 17))
            self.text_at(112, M, pl.RIGHT - 112, 9, T, align="R")
            y_r = M + 12
            if form == "kv":
                lw = max(self.sw(self.lab(k), "B") for k, _ in rows) + 2
                y_r = self.kv_rows(112, y_r, [(self.lab(k), v) for k, v in rows], lw, pl.RIGHT - 112 - lw, 5.5, 9,
                                   value_align=self.rng.choice("LR"))
            elif form == "beside":
                texts = [f"{self.lab(k)} {v}" for k, v in rows]
                self.font_set("", min(self.fit(t, pl.RIGHT - 112, 9, "") for t in texts))
                y_r = self.lines_at(112, y_r, pl.RIGHT - 112, 5, texts, align="R")
            y = max(y_l, y_r) + 5
            if form == "strip":
                natural = [max(self.sw(k, "B", 8), self.sw(v)) + 4 for k, v in rows]
                x, scale = M, pl.CONTENT_W / sum(natural)
                for (k, v), w in zip(rows, natural):
                    self.font_set("B", 8)
                    self.text_at(x, y, w * scale, 5, k, border=1, align="C")
                    self.font_set("", 9)
                    self.text_at(x, y + 5, w * scale, 6, v, border=1, align="C")
                    x += w * scale
                y += 15
            elif form == "inline":
                self.font_set("", 8.5)
                chunks = [rows[i:i + 3] for i in range(0, len(rows), 3)]
                y = self.lines_at(M, y, pl.CONTENT_W, 5, ["   |   ".join(f"{self.lab(k)} {v}" for k, v in c)
                                                           for c in chunks]) + 4
        elif form == "dotted":
            self.font_set("B", self.fit(T, 90, 20))
            self.text_at(M, M, 90, 10, T)
            y_r = self.letterhead(110, M, pl.RIGHT - 110, "R")
            self.font_set("", 9)
            y_l = self.lines_at(M, M + 14, 92, 4.8, [f"{k} {'.' * max(3, 20 - len(k))} {v}" for k, v in rows])
            y = max(y_l, y_r) + 5
        elif form == "grid":
            y = self.letterhead(M, M, pl.CONTENT_W, "C")
            self.font_set("B", 15)
            self.text_at(M, y + 2, pl.CONTENT_W, 8, T, align="C")
            y += 12
            half = pl.CONTENT_W / 2
            lw = max(self.sw(k, "B") for k, _ in rows) + 3
            for i, (k, v) in enumerate(rows):
                x, yy = M + (i % 2) * half, y + (i // 2) * 6
                self.font_set("B", 9)
                self.text_at(x, yy, lw, 6, k, border=1)
                self.font_set("", 9)
                self.text_at(x + lw, yy, half - lw, 6, v, border=1)
            y += ((len(rows) + 1) // 2) * 6 + 5
        else:  # "stacked"
            y_r = self.letterhead(122, M, pl.RIGHT - 122, "R")
            self.font_set("B", self.fit(T, 66, 20))
            self.text_at(M, M, 70, 10, T)
            y_m = M + 14
            for k, v in rows:
                self.font_set("B", 8, (90, 90, 90))
                self.text_at(80, y_m, 42, 4, k)
                self.font_set("", self.fit(v, 42, 9, ""))
                y_m = self.wrap_at(80, y_m + 4, 42, 4.4, v) + 1.5
            y_c = self.customer_block(M, M + 14, 66)
            return self.due_box(max(y_r, y_m, y_c) + 4) + 6
        y_c = self.customer_block(M, y, 95)
        return max(y_c, self.due_box(y)) + 6

    def due_box(self, y: float) -> float:
        if self.p.extra != "due-box":
            return y
        amount = self.elsewhere if self.elsewhere is not None else self.figure("total")
        x, w = pl.RIGHT - 62, 62
        self.pdf.set_fill_color(235, 235, 235)
        self.font_set("B", 8)
        self.text_at(x, y, w, 6, "AMOUNT DUE" if self.rng.random() < 0.5 else "Amount Due", align="C", fill=True)
        self.font_set("B", 13)
        self.text_at(x, y + 6, w, 9, self.m(amount), align="C", border=1)
        return y + 16

    # -- table ---------------------------------------------------------------
    def cell_value(self, kind: str, i: int, ln: DocLine) -> str:
        free = ln.tax_code != "GST"
        if kind == "desc":
            suffix = self.p.free_mark[1] if free and self.marking == self.p.free_mark[0] else ""
            return ln.description + suffix
        return {"code": lambda: f"{self.p.code_prefix}{1000 + 7 * i}", "qty": lambda: pl.fmt_qty(ln.quantity),
                "price": lambda: pl.fmt_price(ln.unit_price, symbol=self.p.money.startswith("dollar")),
                "tax": lambda: self.p.tax_marks[1 if free else 0], "gst": lambda: self.m(line_gst(ln)),
                "amount": lambda: self.m(ln.amount), "inc": lambda: self.m(ln.amount + line_gst(ln))}[kind]()

    def columns(self) -> list[pl._Col]:
        size, lines = self.table_style.size, self.inv.lines
        widths = {}
        for kind, header in self.p.table[1]:
            if kind != "desc":
                widths[kind] = max(self.sw(header, "B", size),
                                   *(self.sw(self.cell_value(kind, i, ln), "", size) for i, ln in enumerate(lines))) + 4
        desc_w = pl.CONTENT_W - sum(widths.values())
        align = {"code": "L", "desc": "L", "tax": "C"}
        return [pl._Col(h, desc_w if k == "desc" else widths[k], align.get(k, "R"),
                        lambda i, ln, k=k: self.cell_value(k, i, ln), wrap=k == "desc")
                for k, h in self.p.table[1]]

    # -- totals --------------------------------------------------------------
    def figure(self, role: str) -> Decimal:
        inv = self.inv
        values = {"sub": inv.subtotal, "tax": inv.tax, "total": inv.total, "balance": inv.total, **self.printed}
        return values.get(role, Decimal(0))

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        return [(label, self.m(self.figure(role)), role in ("total", "balance")) for role, label in self.p.totals[1]]

    def draw_totals(self, y: float) -> float:
        rows, form, h = self.totals_rows(), self.p.totals_form, 6.0
        y = self.ensure_space(y, h * len(rows) + 30)
        if form == "boxes":
            w = pl.CONTENT_W / len(rows)
            for i, (label, value, bold) in enumerate(rows):
                self.font_set("B", 8)
                self.text_at(pl.MARGIN + i * w, y, w, 5, label, border=1, align="C")
                self.font_set("B" if bold else "", 10)
                self.text_at(pl.MARGIN + i * w, y + 5, w, 7, value, border=1, align="C")
            y += 13
        elif form == "inline":
            self.font_set("B", 9.5)
            y = self.wrap_at(pl.MARGIN, y, pl.CONTENT_W, 6, "     ".join(f"{k} {v}" for k, v, _ in rows), align="R")
        else:
            lw = max(self.sw(k, "B", 9.5) for k, _, _ in rows) + (22 if form == "leaders" else 6)
            vw = max(28.0, *(self.sw(v, "B", 9.5) + 4 for _, v, _ in rows))
            x = pl.MARGIN if form == "left" else pl.RIGHT - lw - vw
            for label, value, bold in rows:
                if bold:
                    self.rule(y, x1=x, x2=x + lw + vw, width=0.3)
                if form == "leaders":
                    label += " " + "." * int((lw - self.sw(label, "B" if bold else "", 9.5) - 3) / self.sw("."))
                self.font_set("B" if bold else "", 9.5)
                self.text_at(x, y, lw, h, label)
                self.text_at(x + lw, y, vw, h, value, align="R")
                y += h
        notes = []
        if self.marking == self.p.free_mark[0] and self.p.free_mark[2]:
            notes.append(self.p.free_mark[2])
        elif self.marking == "column" and self.rng.random() < 0.5:
            notes.append(f"GST: {self.p.tax_marks[0]} = taxable, {self.p.tax_marks[1]} = GST-free")
        if self.p.extra == "pay-now-banner":
            when = f"BY {self.d(self.inv.due_date)}" if self.inv.due_date else "ON RECEIPT"
            notes.append(f"PLEASE PAY {self.m(self.elsewhere or self.figure('total'))} {when}")
        self.font_set("I", 8.5)
        return self.lines_at(pl.MARGIN, y + 2, pl.CONTENT_W, 4.6, notes) if notes else y

    # -- payment and extras ----------------------------------------------------
    def draw_payment(self, y: float) -> float:
        pay = self.inv.payment
        if pay is None:
            return y
        y = self.ensure_space(y, 28)
        bsb = pl.fmt_bsb(pay.bsb, self.rng.choice(("-", " ", "")))
        acct = pl.fmt_account(pay.account_number) if self.rng.random() < 0.4 else pay.account_number
        ref, form = self.payment_ref(), self.p.payment_form
        self.font_set("", 9)
        if form == "lines":
            self.font_set("B", 10)
            self.text_at(pl.MARGIN, y, 100, 5, self.rng.choice(("Payment Details", "Direct Deposit", "EFT Details")))
            self.font_set("", 9)
            return self.lines_at(pl.MARGIN, y + 6, 120, 4.6, [f"Account Name: {pay.account_name}", f"BSB: {bsb}",
                                                              f"Account No: {acct}", f"Reference: {ref}"])
        if form == "table":
            cols = [("Account Name", pay.account_name), ("BSB", bsb), ("Account Number", acct), ("Reference", ref)]
            ws = [max(self.sw(k, "B", 8), self.sw(v)) + 6 for k, v in cols]
            x = pl.MARGIN
            for (k, v), w in zip(cols, ws):
                self.font_set("B", 8)
                self.text_at(x, y, w, 5, k, border=1)
                self.font_set("", 9)
                self.text_at(x, y + 5, w, 6, v, border=1)
                x += w
            return y + 12
        text = {"one-line": f"Direct deposit to {pay.account_name}   BSB {bsb}   Acc {acct}   Ref {ref}",
                "sentence": f"Please remit to {pay.account_name}, Bank State Branch {bsb}, account number {acct}, "
                            f"quoting {ref}.",
                "slash": f"EFT: {pay.account_name}   BSB/Acct: {bsb} / {acct}   Ref: {ref}"}[form]
        return self.wrap_at(pl.MARGIN, y, pl.CONTENT_W, 4.6, text)

    def draw_remit(self, y: float) -> float:
        y = self.ensure_space(y, 34)
        self.font_set("", 8, (120, 120, 120))
        self.text_at(pl.MARGIN, y, pl.CONTENT_W, 4, "- " * 30 + "please detach and return with payment", align="C")
        self.font_set("B", 10)
        self.text_at(pl.MARGIN, y + 6, 100, 5, "REMITTANCE ADVICE")
        amount = self.elsewhere if self.elsewhere is not None else self.figure("total")
        rows = [("Customer", self.inv.customer.name), (self.number_label(), self.inv.invoice_number),
                ("Amount Due", self.m(amount)), ("Amount Enclosed", "$ ____________")]
        return self.kv_rows(pl.MARGIN, y + 12, rows, 36, 90, 5, 9)

    def render(self) -> bytes:
        self.pdf.add_page()
        y = self.draw_table(self.first_page_header())
        y = self.draw_payment(self.draw_totals(y + 4) + 6)
        y = self.draw_notes(y + 4)
        if self.p.extra == "remit":
            self.draw_remit(y + 8)
        return bytes(self.pdf.output())


def as_printed(inv: DocInvoice, parts: Parts) -> DocInvoice:
    """The truth as the document states it: a worded GST-free marker ("(GST-free)") is part of the
    printed description (the reader keeps it, and codes the line GST-free); a footnote symbol
    ("*") is not."""
    suffix = parts.free_mark[1]
    if gst_marking(parts, inv) != parts.free_mark[0] or not any(ch.isalpha() for ch in suffix):
        return inv
    lines = tuple(replace(ln, description=ln.description + suffix) if ln.tax_code != "GST" else ln
                  for ln in inv.lines)
    return replace(inv, lines=lines)


def render(inv: DocInvoice, parts: Parts) -> bytes:
    _check_invoice(inv)
    return _Unseen(inv, parts).render()


def generate_with_parts(split: str, n: int, seed: int = 0) -> list[tuple[GeneratedInvoice, Parts]]:
    """`n` documents of `split` with the parts each was drawn from; deterministic for a seed."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use 'tune' or 'blind'")
    rng = random.Random(f"unseen:{split}:{seed}")  # separate streams: the splits never share a document
    out = []
    for i in range(n):
        inv = random_invoice(rng)
        if rng.random() < MULTIPAGE_SHARE:
            inv = retotal(inv, tuple(_line(rng) for _ in range(rng.randint(25, 45))))
        parts = draw_parts(random.Random(rng.randrange(2**32)), split)
        pdf = render(inv, parts)
        out.append((GeneratedInvoice(f"{split}-{i:04d}", split, parts.name(), as_printed(inv, parts), pdf), parts))
    return out


def generate(split: str, n: int, seed: int = 0) -> list[GeneratedInvoice]:
    return [g for g, _ in generate_with_parts(split, n, seed)]
