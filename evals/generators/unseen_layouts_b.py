"""A second, independent generator of Australian invoice layouts the extractor was never developed on.

Written apart from evals.generators.unseen_layouts (whose vocabulary it never reads): its own label
wordings, table headers and column orders, totals blocks, GST-free markings, money and date forms,
payment blocks (BSB/account in several forms, BPAY biller code + reference), remittance slips with
an "Amount enclosed" box, negative discount lines, wrapped two-line descriptions, descriptions with
numbers and units, a "Unit" column ("ea", "hrs") beside the quantity, rates per hour, and long
tables that run over pages with the header repeated. Modelled on what real supplier invoices from
trades, wholesalers, utilities, SaaS vendors, professional services and freight carriers print.

* ``generate_with_parts(split, n, seed)`` / ``generate(split, n, seed)`` - split ``b_tune`` or
  ``b_blind``, separate seed streams. ``b_blind`` also draws the wordings in the BLIND-ONLY block
  below; nobody tunes the extractor on them (the benchmark shows b_blind only as an aggregate).
* The ground truth is the DocInvoice as printed (a worded GST-free marker is part of the printed
  description; a wrapped description is its two lines joined by a space); the PDF shows every
  value the benchmark scores (a subtotal shown only as "includes GST" is the lines' sum).

Rendering reuses demo.pdf_layouts' page flow and unseen_layouts' letterhead, meta-block forms and
helpers, by import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from demo import pdf_layouts as pl
from demo.documents import DocInvoice, DocLine, _check_invoice
from evals.generators.invoices import CENT, GeneratedInvoice, random_invoice
from evals.generators.unseen_layouts import _LOOKS, _Unseen, line_gst, retotal

SPLITS = ("b_tune", "b_blind")
MULTIPAGE_SHARE = 0.15
BLIND_SHARE = 0.15  # per dimension, how often b_blind draws from the blind-only wordings
PART_DIMS = ("meta_form", "table", "totals", "totals_form", "number_label", "date_label", "due_label",
             "po_label", "decoy", "abn_label", "party_label", "date_format", "money", "payment_form",
             "extra", "font", "gst_marking", "wrap", "discount", "pages")
_MON = pl._MONTHS

# ---------------------------------------------------------------- shared (tune) vocabulary

_TITLES = ("TAX INVOICE", "Tax Invoice", "INVOICE", "Tax Invoice", "TAX INVOICE")
_NUMBER_LABELS = ("Invoice No.", "Invoice #", "Invoice Number", "Tax Invoice No", "Inv No", "Invoice No:",
                  "Document No.", "Invoice ID")
_DATE_LABELS = ("Date", "Invoice Date", "Date of Issue", "Issue Date", "Dated", "Date Issued", "Tax Date")
# (label, template): {date} the due date, {days} the terms
_DUE_FORMS = (("Due Date", "{date}"), ("Payment Due", "{date}"), ("Due", "{date}"), ("Please Pay By", "{date}"),
              ("Terms", "Net {days} days"), ("Payment Terms", "{days} days from invoice date"),
              ("Pay By", "{date}"), ("Terms", "{days} Days - due {date}"))
_PO_LABELS = ("PO Number", "Order No", "Your Order", "Customer PO", "Your Ref", "Purchase Order", "P/O",
              "Order Number", "PO #")
_ABN_LABELS = ("ABN", "A.B.N.", "ABN:", "ABN No")
_PARTY_LABELS = ("Bill To", "Invoice To", "Customer", "Sold To", "Client", "Bill to")
# (label, kind of value): a reference that is neither the invoice number nor the PO
_DECOYS = (("Customer No", "code"), ("Account No", "digits"), ("Order Date", "date"), ("Delivery Date", "date"),
           ("Job No", "job"), ("Quote Ref", "quote"), ("Con Note", "connote"), ("Sales Rep", "person"),
           ("Period", "period"))
_DATE_FORMATS = ("dmy", "d/m/yy", "long", "d-mon-yyyy", "iso", "mon-d-yyyy", "d.m.yyyy", "ordinal")
_MONEY = ("dollar", "plain", "aud-prefix", "aud-suffix", "dollar-aud", "nocomma", "a-dollar")
_META_FORMS = ("kv", "beside", "strip", "inline", "dotted", "grid", "stacked", "banner", "sidebar")
# table: (name, ((kind, header), ...)). Kinds: desc, code, qty, unit, qtyu ("3 hrs"), price, amount,
# tax (a code per line), gst (the line's GST amount), inc (the amount including GST)
_TABLES = (
    ("qty-first", (("qty", "Qty"), ("desc", "Description"), ("price", "Unit Price"), ("amount", "Amount"))),
    ("code-unit", (("code", "Code"), ("desc", "Description"), ("qty", "Qty"), ("unit", "Unit"),
                   ("price", "Price"), ("amount", "Total"))),
    ("rate-hours", (("desc", "Description"), ("price", "Rate"), ("qty", "Hours"), ("amount", "Amount"))),
    ("gst-col", (("desc", "Item"), ("qty", "Quantity"), ("price", "Unit Price ex GST"), ("gst", "GST"),
                 ("amount", "Amount ex GST"))),
    ("tax-code", (("code", "Item"), ("desc", "Description"), ("qty", "Qty"), ("price", "Price"), ("tax", "GST"),
                  ("amount", "Line Total"))),
    ("part-uom", (("code", "Part No"), ("desc", "Description"), ("qty", "Qty"), ("unit", "UOM"),
                  ("price", "Unit $"), ("tax", "Tax"), ("amount", "Ext $"))),
    ("seats", (("desc", "Description"), ("qty", "Seats"), ("price", "Price per seat"), ("amount", "Amount AUD"))),
    ("amount-first", (("desc", "Description"), ("amount", "Amount"), ("qty", "Qty"), ("price", "Unit Price"))),
    ("inc-col", (("desc", "Description"), ("qty", "Qty"), ("price", "Unit Price"), ("amount", "Amount"),
                 ("inc", "Total inc GST"))),
    ("qty-units", (("desc", "Description"), ("qtyu", "Quantity"), ("price", "Rate"), ("amount", "Total"))),
    ("sku", (("code", "SKU"), ("desc", "Product"), ("qty", "Qty"), ("price", "Each"), ("amount", "Total"))),
)
# totals: (name, ((role, label), ...)); roles sub, tax, total, paid, balance; "includes" rows show
# the total and say the GST it includes on a line of their own
_TOTALS = (
    ("sub-gst-balance", (("sub", "Sub Total"), ("tax", "GST 10%"), ("total", "Total"), ("balance", "Balance Due"))),
    ("excl-incl", (("sub", "Total excl. GST"), ("tax", "GST"), ("total", "Total incl. GST"))),
    ("nett", (("sub", "Nett Total"), ("tax", "GST"), ("total", "Invoice Total"))),
    ("includes", (("total", "Total"), ("includes", "Total includes GST of {tax}"))),
    ("includes-aud", (("total", "Total AUD"), ("includes", "Includes GST {tax}"))),
    ("paid", (("sub", "Subtotal"), ("tax", "Tax"), ("total", "Total"), ("paid", "Less Paid"),
              ("balance", "Amount Due"))),
    ("payable", (("sub", "Amount ex GST"), ("tax", "Plus GST"), ("total", "Total Payable"))),
    ("sub-dash", (("sub", "Sub-Total"), ("tax", "GST"), ("total", "Total Due"))),
)
_TOTALS_FORMS = ("right", "left", "boxes", "stacked", "inline", "ruled")
# (key, suffix on the description, footnote)
_FREE_MARKS = (("star", " *", "* GST-free item"), ("caret", " ^", "^ denotes a GST-free supply"),
               ("worded", " (GST-free)", ""), ("hash", " #", "# No GST applies to this item"),
               ("nogst", " (no GST)", ""))
_TAX_MARKS = (("GST", "FRE"), ("10%", "0%"), ("Y", "N"), ("10%", "Free"), ("GST", "GST Free"))
_PAYMENT_FORMS = ("lines", "oneline", "combined", "table", "slash", "sentence", "bank-first", "bpay-only")
_EXTRAS = ("none", "none", "due-box", "remit", "bpay", "remit-bpay")
_ACCT_WORDS = ("Account", "Acc", "Account No", "Acct", "A/C")

# Items: trades, wholesale, utilities, SaaS, professional services, freight; some with numbers and units.
_ITEMS = (
    ("Labour - qualified tradesperson", "hrs"), ("Apprentice labour", "hrs"), ("Call out fee", "ea"),
    ("Cable 2.5mm TPS 100m roll", "roll"), ("PVC conduit 20mm x 4m", "len"), ("Double power point 10A", "ea"),
    ("Copper tube 15mm type B 6m", "len"), ("Hot water unit 250L electric", "ea"), ("Screws 8g x 25mm (box 500)", "box"),
    ("Timber 90x45 MGP10 6.0m", "len"), ("Concrete 25MPa", "m3"), ("Plasterboard 10mm 2400x1200", "sht"),
    ("Paint low sheen 15L", "ea"), ("Cleaning - 3 bedroom bond clean", "ea"), ("Carpet steam clean per room", "rm"),
    ("Electricity usage - peak", "kWh"), ("Electricity usage - off peak", "kWh"), ("Daily supply charge", "days"),
    ("Water usage", "kL"), ("NBN 100/20 plan - monthly", "mth"), ("Microsoft 365 Business Standard", "user"),
    ("Cloud hosting - 4 vCPU 16GB", "mth"), ("Software subscription - Pro plan", "seat"), ("Domain renewal .com.au 2 yrs", "ea"),
    ("Consulting - senior associate", "hrs"), ("Tax return preparation FY2025", "ea"), ("Legal advice - lease review", "hrs"),
    ("Bookkeeping - quarterly BAS", "ea"), ("Pallet freight Brisbane to Sydney", "plt"), ("Courier 3 parcels 12kg", "job"),
    ("Fuel surcharge 12.5%", "ea"), ("Tail-lift delivery", "ea"), ("Storage per pallet per week", "wk"),
    ("A4 paper 80gsm (5 reams)", "ctn"), ("Coffee beans 1kg house blend", "kg"), ("Disposable cups 8oz (1000)", "ctn"),
    ("Safety glasses clear", "pr"), ("Hi-vis vest size L", "ea"), ("Forklift hire 2.5t - daily", "day"),
    ("Skip bin 6m3 - 7 day hire", "ea"),
)
_FREE_ITEMS = (("Fresh milk 2L", "ea"), ("Bread loaves wholemeal", "ea"), ("Fresh fruit box", "box"),
               ("Government fee - permit", "ea"), ("Council search fee", "ea"), ("Export freight international", "job"),
               ("Bank charge", "ea"), ("Eggs free range 700g (doz)", "doz"))
_DETAILS = ("Site: {n} Station St, Geelong", "Ref job {n} - per quote", "Period 1/03/2026 to 31/03/2026",
            "Serial no. SN{n}{n}", "Delivered to Dock 2, {n} Industrial Dr", "Includes materials and 90 day warranty",
            "Attended {n} Smith St - replaced faulty unit")
_DISCOUNTS = ("Trade discount", "Less: discount 5%", "Loyalty credit", "Early payment discount", "Promotional credit")
_PEOPLE = ("J. Nguyen", "S. Patel", "M. O'Brien", "K. Taylor", "L. Rossi")
_BANKS = ("Westpac", "Commonwealth Bank", "ANZ", "NAB", "Bendigo Bank", "Suncorp", "Macquarie Bank")

# ================================================================ BLIND-ONLY block
# Wordings that only b_blind may draw. Written once, before any tuning, and never looked at while
# tuning the extractor. Do not move any of these into the shared vocabulary above.
_B_NUMBER_LABELS = ("Invoice Ref", "Tax Inv. No.", "Bill Number", "Invoice Serial")
_B_DATE_LABELS = ("Date Raised", "Invoice Dt", "Billing Date", "Date of Invoice")
_B_DUE_FORMS = (("Settle By", "{date}"), ("Due On", "{date}"), ("Payment Terms", "Strictly {days} days"),
                ("Amount due by", "{date}"))
_B_PO_LABELS = ("Order Ref", "Cust PO#", "Client Order No", "Your PO")
_B_ABN_LABELS = ("Australian Business Number", "ABN #")
_B_PARTY_LABELS = ("Charge To", "Account Holder", "Billed To")
_B_DECOYS = (("Ship Date", "date"), ("Docket No", "job"), ("Contract No", "code"), ("Site Ref", "quote"))
_B_DATE_FORMATS = ("weekday-long", "d mon yy")
_B_MONEY = ("aud-dollar",)
_B_TABLES = (
    ("b-stock", (("code", "Stock Code"), ("desc", "Item Details"), ("qty", "Qty Sup"), ("unit", "UOM"),
                 ("price", "Rate Ex"), ("amount", "Value Ex GST"))),
    ("b-hours", (("desc", "Work Performed"), ("qty", "Hrs"), ("price", "Rate/hr"), ("tax", "Tax"),
                 ("amount", "Charge"))),
    ("b-nett-first", (("desc", "Particulars"), ("amount", "Nett"), ("gst", "GST"), ("qty", "Qty"),
                      ("price", "Each"))),
)
_B_TOTALS = (
    ("b-goods", (("sub", "Goods Total"), ("tax", "GST Amount"), ("total", "Total Invoice Value"))),
    ("b-incl", (("total", "Amount Payable (incl. GST)"), ("includes", "GST included in this amount: {tax}"))),
    ("b-charges", (("sub", "Total Charges"), ("tax", "GST Payable"), ("total", "Total Amount Owing"))),
)
_B_FREE_MARKS = (("b-bracket", " [GST Free]", ""), ("b-f", " (F)", "(F) = GST free"))
_B_TAX_MARKS = (("T", "E"), ("GST", "N-T"))
_B_PAYMENT_FORMS = ("b-acct-hash", "b-direct-credit")
# ================================================================ end of BLIND-ONLY block


@dataclass
class PartsB:
    """The parts one document is drawn from (attribute names as unseen_layouts' renderer reads them)."""

    title: str
    number_label: str
    date_label: str
    due_form: tuple[str, str]
    po_label: str
    decoy: tuple[str, str] | None
    decoy_value: str | None
    meta_form: str
    colon: bool
    abn_label: str
    abn_spaced: bool
    party_label: str
    customer_abn: bool
    extra: str
    table: tuple[str, tuple[tuple[str, str], ...]]
    free_mark: tuple[str, str, str]
    code_prefix: str
    money: str
    tax_marks: tuple[str, str]
    totals: tuple[str, tuple[tuple[str, str], ...]]
    totals_form: str
    payment_form: str
    font: str
    date_format: str
    wrap: bool
    discount: bool
    ship_to: bool
    blind_only: bool = False
    blind_dims: set[str] = field(default_factory=set)

    def name(self) -> str:
        return f"b:{self.meta_form}:{self.table[0]}:{self.totals[0]}:{self.totals_form}:{self.payment_form}"

    def describe(self) -> dict[str, str]:
        return {"meta_form": self.meta_form, "table": self.table[0], "totals": self.totals[0],
                "totals_form": self.totals_form, "number_label": self.number_label, "date_label": self.date_label,
                "due_label": self.due_form[0], "po_label": self.po_label,
                "decoy": self.decoy[0] if self.decoy else "none", "abn_label": self.abn_label,
                "party_label": self.party_label, "date_format": self.date_format, "money": self.money,
                "payment_form": self.payment_form, "extra": self.extra, "font": self.font,
                "wrap": str(self.wrap), "discount": str(self.discount)}


def _pick(rng: random.Random, blind: bool, dim: str, shared: tuple, only: tuple, used: set[str]):  # type: ignore[no-untyped-def]
    if blind and only and rng.random() < BLIND_SHARE:
        used.add(dim)
        return rng.choice(only)
    return rng.choice(shared)


def draw_parts(rng: random.Random, split: str) -> PartsB:
    blind = split == "b_blind"
    used: set[str] = set()
    pick = lambda dim, shared, only=(): _pick(rng, blind, dim, shared, only, used)  # noqa: E731
    decoy = pick("decoy", (*_DECOYS, None, None), _B_DECOYS)
    parts = PartsB(
        title=rng.choice(_TITLES), number_label=pick("number_label", _NUMBER_LABELS, _B_NUMBER_LABELS),
        date_label=pick("date_label", _DATE_LABELS, _B_DATE_LABELS), due_form=pick("due_form", _DUE_FORMS, _B_DUE_FORMS),
        po_label=pick("po_label", _PO_LABELS, _B_PO_LABELS), decoy=decoy, decoy_value=None,
        meta_form=rng.choice(_META_FORMS), colon=rng.random() < 0.5,
        abn_label=pick("abn_label", _ABN_LABELS, _B_ABN_LABELS), abn_spaced=rng.random() < 0.7,
        party_label=pick("party_label", _PARTY_LABELS, _B_PARTY_LABELS), customer_abn=rng.random() < 0.35,
        extra=rng.choice(_EXTRAS), table=pick("table", _TABLES, _B_TABLES),
        free_mark=pick("free_mark", _FREE_MARKS, _B_FREE_MARKS),
        code_prefix=rng.choice(("", "P", "SKU-", "A", "ITM")), money=pick("money", _MONEY, _B_MONEY),
        tax_marks=pick("tax_marks", _TAX_MARKS, _B_TAX_MARKS), totals=pick("totals", _TOTALS, _B_TOTALS),
        totals_form=rng.choice(_TOTALS_FORMS), payment_form=pick("payment_form", _PAYMENT_FORMS, _B_PAYMENT_FORMS),
        font=rng.choice(("Helvetica", "Helvetica", "Times", "Courier")),
        date_format=pick("date_format", _DATE_FORMATS, _B_DATE_FORMATS),
        wrap=rng.random() < 0.3, discount=rng.random() < 0.2, ship_to=rng.random() < 0.25)
    if decoy is not None:
        parts.decoy_value = _decoy_value(rng, decoy[1])
    parts.blind_only, parts.blind_dims = bool(used), used
    return parts


def _decoy_value(rng: random.Random, kind: str) -> str:
    return {"code": lambda: f"C{rng.randint(1000, 99999)}", "digits": lambda: str(rng.randint(100000, 99999999)),
            "date": lambda: "DATE", "job": lambda: f"J{rng.randint(1000, 99999)}",
            "quote": lambda: f"Q-{rng.randint(100, 9999)}", "connote": lambda: f"CN{rng.randint(100000, 9999999)}",
            "person": lambda: rng.choice(_PEOPLE), "period": lambda: "PERIOD"}[kind]()


# ---------------------------------------------------------------- dates and money

def _date_fn(fmt: str):  # type: ignore[no-untyped-def]
    def ordinal(d):  # type: ignore[no-untyped-def]
        suffix = "th" if 11 <= d.day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        return f"{d.day}{suffix} {_MON[d.month - 1]} {d.year}"
    return {
        "dmy": pl.date_dmy, "d/m/yy": lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}", "long": pl.date_long,
        "d-mon-yyyy": pl.date_dash, "iso": lambda d: d.isoformat(),
        "mon-d-yyyy": lambda d: f"{_MON[d.month - 1][:3]} {d.day}, {d.year}",
        "d.m.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", "ordinal": ordinal,
        "weekday-long": lambda d: f"{('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday')[d.weekday()]}, "
                                  f"{d.day} {_MON[d.month - 1]} {d.year}",
        "d mon yy": lambda d: f"{d.day} {_MON[d.month - 1][:3]} {d.year % 100:02d}",
    }[fmt]


def _money_text(v: Decimal, form: str, places: int = 2) -> str:
    body = format(abs(v), f",.{places}f") if form != "nocomma" else format(abs(v), f".{places}f")
    text = {"dollar": f"${body}", "plain": body, "aud-prefix": f"AUD {body}", "aud-suffix": f"{body} AUD",
            "dollar-aud": f"${body} AUD", "nocomma": body, "a-dollar": f"A${body}", "aud-dollar": f"AUD${body}"}[form]
    return f"-{text}" if v < 0 else text


# ---------------------------------------------------------------- the invoice

def _line_b(rng: random.Random, wrap: bool) -> tuple[DocLine, str]:
    """A line and its unit word; a wrapped description holds a newline where it breaks."""
    free = rng.random() < 0.12
    desc, unit = rng.choice(_FREE_ITEMS if free else _ITEMS)
    if wrap and rng.random() < 0.4:
        desc = f"{desc}\n{rng.choice(_DETAILS).format(n=rng.randint(10, 999))}"
    if unit in ("hrs",):
        qty = Decimal(rng.randint(1, 32)) / 4
        price = Decimal(rng.choice((85, 95, 110, 125, 145, 180, 220, 350)))
    elif unit == "kWh":
        qty = Decimal(rng.randint(50, 4000))
        price = (Decimal(rng.randint(1800, 4200)) / 10000).quantize(Decimal("0.0001"))
    elif unit == "days":
        qty = Decimal(rng.choice((28, 30, 31, 90, 92)))
        price = (Decimal(rng.randint(8000, 14000)) / 100000).quantize(Decimal("0.00001")).quantize(Decimal("0.0001"))
    else:
        qty = rng.choice((Decimal(1), Decimal(1), Decimal(rng.randint(2, 60)), Decimal(rng.randint(1, 20)) / 2))
        scale = rng.choice((10, 100, 100, 1000, 3000))
        price = (Decimal(rng.randint(50, 100 * scale)) / 100).quantize(CENT)
    amount = (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return DocLine(desc, qty, price, amount, "FRE" if free else "GST"), unit


def _discount(rng: random.Random, lines: tuple[DocLine, ...]) -> DocLine:
    base = sum((ln.amount for ln in lines if ln.tax_code == "GST"), Decimal(0)) or Decimal(100)
    off = max(Decimal("1.00"), (base * Decimal(rng.choice((2, 5, 5, 10))) / 100).quantize(CENT))
    return DocLine(rng.choice(_DISCOUNTS), Decimal(1), -off, -off, "GST")


def _invoice(rng: random.Random, parts: PartsB) -> tuple[DocInvoice, dict[str, str]]:
    inv = random_invoice(rng)
    n = rng.randint(25, 45) if rng.random() < MULTIPAGE_SHARE else rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 10, 14))
    drawn = [_line_b(rng, parts.wrap) for _ in range(n)]
    lines = tuple(ln for ln, _ in drawn)
    units = {ln.description: u for ln, u in drawn}
    if parts.discount:
        lines = (*lines, _discount(rng, lines))
        units[lines[-1].description] = "ea"
    inv = retotal(inv, lines)
    if inv.total <= 0:
        inv = retotal(inv, lines[:-1])
    if parts.payment_form == "bpay-only":
        inv = replace(inv, payment=None)
    if parts.decoy_value == "DATE":
        parts.decoy_value = "@date"
    return inv, units


class _UnseenB(_Unseen):
    name = "unseen_b"

    def __init__(self, inv: DocInvoice, parts: PartsB, units: dict[str, str], seed: int) -> None:
        self.units = units
        self.biller = f"{seed % 900000 + 100000}"
        self.crn = f"{seed % 10**9:09d}{seed % 7}"
        real, parts.date_format = parts.date_format, "dmy"  # the base class knows fewer date forms
        super().__init__(inv, parts)  # type: ignore[arg-type]
        parts.date_format = real
        self.d = _date_fn(real)
        self.table_style = self.rng.choice((*_LOOKS, pl._TableStyle(header_fill=(210, 225, 240), grid=False)))  # type: ignore[misc]
        p = self.p
        if p.decoy_value == "@date":
            p.decoy_value = self.d(inv.issue_date - timedelta(days=self.rng.randint(1, 12)))
        elif p.decoy_value == "PERIOD":
            start = inv.issue_date - timedelta(days=30)
            p.decoy_value = f"{self.d(start)} to {self.d(inv.issue_date - timedelta(days=1))}"

    # -- wording -------------------------------------------------------------
    def m(self, v: Decimal) -> str:
        return _money_text(v.quantize(CENT), self.p.money)

    def customer_block(self, x: float, y: float, w: float) -> float:
        if not self.p.ship_to:
            return super().customer_block(x, y, w)
        half = w / 2 - 2
        y_end = super().customer_block(x, y, half)
        c, x2 = self.inv.customer, x + w / 2 + 2
        self.font_set("B", 9.5)
        self.text_at(x2, y, half, 5, self.lab("Deliver To"))
        self.font_set("", 9)
        yy = self.wrap_at(x2, y + 5.5, half, 4.4, c.name)
        return max(y_end, self.lines_at(x2, yy, half, 4.4, [c.address[0]]))

    def first_page_header(self) -> float:
        form, M = self.p.meta_form, pl.MARGIN
        if form not in ("banner", "sidebar"):
            return super().first_page_header()
        rows, T = self.meta_rows(), self.title()
        if form == "banner":
            y = self.letterhead(M, M, 110, "L")
            self.pdf.set_fill_color(30, 45, 60)
            self.font_set("B", 14, (255, 255, 255))
            self.text_at(M, y + 3, pl.CONTENT_W, 9, "  " + T, fill=True)
            y += 15
            per = 4 if len(rows) > 3 else len(rows)
            w = pl.CONTENT_W / per
            for i, (k, v) in enumerate(rows):
                x, yy = M + (i % per) * w, y + (i // per) * 11
                self.font_set("B", 7.5, (100, 100, 100))
                self.text_at(x, yy, w - 2, 4, k.upper())
                self.font_set("", self.fit(v, w - 2, 9.5, ""))
                self.text_at(x, yy + 4, w - 2, 5, v)
            y += ((len(rows) + per - 1) // per) * 11 + 3
            y_c = self.customer_block(M, y, 95)
            return max(y_c, self.due_box(y)) + 6
        # sidebar: letterhead right, title + meta down the left, customer under the letterhead
        y_r = self.letterhead(110, M, pl.RIGHT - 110, "R")
        self.font_set("B", self.fit(T, 90, 18))
        self.text_at(M, M, 90, 9, T)
        lw = max(self.sw(self.lab(k), "B") for k, _ in rows) + 3
        y_l = self.kv_rows(M, M + 13, [(self.lab(k), v) for k, v in rows], lw, 88 - lw, 5.2, 9)
        y_c = self.customer_block(110, max(y_r, M + 13) + 4, pl.RIGHT - 110)
        return max(y_l, self.due_box(y_c + 2), y_c) + 6

    # -- table ---------------------------------------------------------------
    def cell_value(self, kind: str, i: int, ln: DocLine) -> str:
        free = ln.tax_code != "GST"
        p = self.p
        if kind == "desc":
            suffix = p.free_mark[1] if free and self.marking == p.free_mark[0] else ""
            return ln.description + suffix
        if kind == "unit":
            return self.units.get(ln.description, "ea")
        if kind == "qtyu":
            return f"{pl.fmt_qty(ln.quantity)} {self.units.get(ln.description, 'ea')}"
        if kind == "price":
            places = max(2, min(4, -ln.unit_price.normalize().as_tuple().exponent))  # type: ignore[operator]
            text = _money_text(ln.unit_price, p.money if p.money.startswith(("dollar", "a-", "nocomma")) else "plain",
                               places)
            return text.replace(" AUD", "")
        return super().cell_value(kind, i, ln)

    def columns(self) -> list[pl._Col]:
        cols = super().columns()
        if not self.p.wrap:
            return cols
        # wrapped descriptions: a narrower description column, so long ones take two lines too
        desc = next(c for c in cols if c.wrap)
        spare = max(0.0, desc.width - 70)
        out = []
        for c in cols:
            if c.wrap:
                out.append(replace(c, width=desc.width - spare))
            elif c.align == "R" and c is cols[-1]:
                out.append(replace(c, width=c.width + spare))
            else:
                out.append(c)
        return out

    # -- totals --------------------------------------------------------------
    def figure(self, role: str) -> Decimal:
        if role == "paid":
            return Decimal(0)
        return super().figure(role)

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        return [(label, self.m(self.figure(role)), role in ("total", "balance"))
                for role, label in self.p.totals[1] if role != "includes"]

    def includes_note(self) -> str | None:
        return next((label.format(tax=self.m(self.inv.tax)) for role, label in self.p.totals[1]
                     if role == "includes"), None)

    def draw_totals(self, y: float) -> float:
        form = self.p.totals_form
        rows = self.totals_rows()
        if form == "stacked":
            y = self.ensure_space(y, 40)
            w = 30.0
            x = pl.RIGHT - w * len(rows)
            for i, (label, value, bold) in enumerate(rows):
                self.font_set("B", 8)
                self.text_at(x + i * w, y, w, 5, label, align="R")
                self.font_set("B" if bold else "", 9.5)
                self.text_at(x + i * w, y + 5, w, 6, value, align="R")
            y += 13
        elif form == "ruled":
            y = self.ensure_space(y, 6 * len(rows) + 30)
            x, lw, vw = pl.RIGHT - 90, 60, 30
            for label, value, bold in rows:
                self.rule(y, x1=x, width=0.2, color=(150, 150, 150))
                self.font_set("B" if bold else "", 9.5)
                self.text_at(x, y + 0.5, lw, 6, label, align="R")
                self.text_at(x + lw, y + 0.5, vw, 6, value, align="R")
                y += 7
        else:
            p = self.p
            saved = p.totals_form
            p.totals_form = {"right": "right", "left": "left", "boxes": "boxes", "inline": "inline"}[form]
            marking = self.marking
            self.marking = "none-drawn"  # notes are drawn below, once
            extra = p.extra
            p.extra = "none"
            y = super().draw_totals(y)
            p.totals_form, self.marking, p.extra = saved, marking, extra
        notes = []
        note = self.includes_note()
        if note:
            notes.append(note)
        if self.marking == self.p.free_mark[0] and self.p.free_mark[2]:
            notes.append(self.p.free_mark[2])
        elif self.marking == "column" and self.rng.random() < 0.5:
            notes.append(f"Tax codes: {self.p.tax_marks[0]} = GST applies, {self.p.tax_marks[1]} = GST free")
        if notes:
            self.font_set("", 8.5)
            y = self.lines_at(pl.MARGIN, y + 2, pl.CONTENT_W, 4.6, notes)
        return y

    # -- payment and extras ----------------------------------------------------
    def draw_payment(self, y: float) -> float:
        pay, form = self.inv.payment, self.p.payment_form
        y = self.ensure_space(y, 34)
        if self.p.extra in ("bpay", "remit-bpay") or form == "bpay-only":
            y = self.draw_bpay(y) + 3
        if pay is None:
            return y
        bsb = pl.fmt_bsb(pay.bsb, self.rng.choice(("-", " ", "-", "")))
        acct = pl.fmt_account(pay.account_number) if self.rng.random() < 0.4 else pay.account_number
        ref, bank = self.payment_ref(), self.rng.choice(_BANKS)
        aw = self.rng.choice(_ACCT_WORDS)
        self.font_set("", 9)
        if form == "lines":
            self.font_set("B", 10)
            self.text_at(pl.MARGIN, y, 100, 5, self.rng.choice(("How to Pay", "Payment Options", "Bank Details",
                                                                 "Electronic Funds Transfer")))
            self.font_set("", 9)
            rows = [f"Bank: {bank}", f"BSB: {bsb}", f"{aw}: {acct}", f"Account Name: {pay.account_name}"]
            if self.rng.random() < 0.5:
                rows.append(f"Reference: {ref}")
            return self.lines_at(pl.MARGIN, y + 6, 120, 4.6, rows)
        if form == "table":
            cols = [("Bank", bank), ("BSB No", bsb), ("Account No", acct), ("Account Name", pay.account_name)]
            ws = [max(self.sw(k, "B", 8), self.sw(v)) + 6 for k, v in cols]
            x = pl.MARGIN
            for (k, v), w in zip(cols, ws):
                self.font_set("B", 8)
                self.text_at(x, y, w, 5, k, border="B")
                self.font_set("", 9)
                self.text_at(x, y + 5, w, 6, v)
                x += w
            return y + 13
        if form == "bank-first":
            self.font_set("B", 9)
            self.text_at(pl.MARGIN, y, 100, 5, "Direct Deposit")
            self.font_set("", 9)
            return self.kv_rows(pl.MARGIN, y + 5.5, [("Bank", bank), ("Account Name", pay.account_name),
                                                      ("BSB", bsb), ("Account Number", acct)], 32, 80, 4.8, 9,
                                label_style="")
        text = {
            "oneline": f"EFT: BSB {bsb}  {aw} {acct}  Name {pay.account_name}",
            "combined": f"Pay by EFT to {bank} account {pay.account_name}, BSB {bsb} Account Number {acct}",
            "slash": f"Bank details: {pay.account_name}  BSB/Account: {bsb} / {acct}",
            "sentence": f"Payment can be made by direct deposit to {pay.account_name}, BSB {bsb}, account {acct}. "
                        f"Please quote {ref} as your reference.",
            "bpay-only": "",
            "b-acct-hash": f"EFT to {pay.account_name}: BSB # {bsb}  Acct # {acct}",
            "b-direct-credit": f"Direct Credit - {bank} - {pay.account_name} - BSB {bsb} - Account {acct}",
        }[form]
        return self.wrap_at(pl.MARGIN, y, pl.CONTENT_W, 4.6, text) if text else y

    def draw_bpay(self, y: float) -> float:
        self.pdf.set_draw_color(40, 40, 120)
        self.pdf.set_line_width(0.3)
        self.pdf.rect(pl.MARGIN, y, 80, 16)
        self.font_set("B", 9, (20, 20, 110))
        self.text_at(pl.MARGIN + 2, y + 1, 76, 4.5, "BPAY")
        self.font_set("", 8.5)
        self.text_at(pl.MARGIN + 2, y + 5.5, 76, 4.5, f"Biller Code: {self.biller}")
        self.text_at(pl.MARGIN + 2, y + 10, 76, 4.5, f"Ref: {self.crn}")
        self.pdf.set_text_color(0, 0, 0)
        return y + 17

    def draw_remit(self, y: float) -> float:
        y = self.ensure_space(y, 42)
        self.font_set("", 8, (120, 120, 120))
        self.text_at(pl.MARGIN, y, pl.CONTENT_W, 4, "- " * 20 + " cut here " + "- " * 20, align="C")
        self.font_set("B", 10)
        self.text_at(pl.MARGIN, y + 6, 100, 5, self.rng.choice(("REMITTANCE ADVICE", "Payment Slip", "HOW TO PAY")))
        rows = [("Customer", self.inv.customer.name), ("Invoice", self.inv.invoice_number),
                ("Total Due", self.m(self.inv.total))]
        if self.inv.due_date:
            rows.append(("Due", self.d(self.inv.due_date)))
        end = self.kv_rows(pl.MARGIN, y + 12, rows, 30, 80, 5, 9)
        self.font_set("B", 8)
        self.text_at(pl.RIGHT - 60, y + 12, 60, 5, self.rng.choice(("Amount enclosed", "Amount Paid", "AMOUNT ENCLOSED")),
                     border=1, align="C")
        self.font_set("", 10)
        self.text_at(pl.RIGHT - 60, y + 17, 60, 9, "$", border=1)
        if self.p.extra == "remit-bpay":
            end = self.draw_bpay(end + 2)
        return end

    def render(self) -> bytes:
        self.pdf.add_page()
        y = self.draw_table(self.first_page_header())
        y = self.draw_payment(self.draw_totals(y + 4) + 6)
        y = self.draw_notes(y + 4)
        if self.p.extra in ("remit", "remit-bpay"):
            self.draw_remit(y + 8)
        return bytes(self.pdf.output())


def gst_marking(parts: PartsB, inv: DocInvoice) -> str:
    kinds = {k for k, _ in parts.table[1]}
    if not any(ln.tax_code != "GST" for ln in inv.lines):
        return "none"
    return "column" if "tax" in kinds else "gst-amount" if "gst" in kinds else parts.free_mark[0]


def as_printed(inv: DocInvoice, parts: PartsB) -> DocInvoice:
    """The truth as printed: a wrapped description is its lines joined by a space; a worded
    GST-free marker is part of the description, a footnote symbol is not."""
    suffix = parts.free_mark[1]
    worded = gst_marking(parts, inv) == parts.free_mark[0] and any(ch.isalpha() for ch in suffix)
    lines = tuple(replace(ln, description=ln.description.replace("\n", " ") + (
        suffix if worded and ln.tax_code != "GST" else "")) for ln in inv.lines)
    return replace(inv, lines=lines)


def generate_with_parts(split: str, n: int, seed: int = 0) -> list[tuple[GeneratedInvoice, PartsB]]:
    """`n` documents of `split` with the parts each was drawn from; deterministic for a seed."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use 'b_tune' or 'b_blind'")
    rng = random.Random(f"unseen-b:{split}:{seed}")  # separate streams per split
    out = []
    for i in range(n):
        parts = draw_parts(random.Random(rng.randrange(2**32)), split)
        inv, units = _invoice(rng, parts)
        _check_invoice(inv)
        pdf = _UnseenB(inv, parts, units, rng.randrange(2**31)).render()
        out.append((GeneratedInvoice(f"{split}-{i:04d}", split, parts.name(), as_printed(inv, parts), pdf), parts))
    return out


def generate(split: str, n: int, seed: int = 0) -> list[GeneratedInvoice]:
    return [g for g, _ in generate_with_parts(split, n, seed)]
