"""Vocabulary and part-drawing for the compositional "unseen" invoice layouts (unseen_layouts.py).

Every vocabulary list is split into ``shared`` entries (drawn by both the ``tune`` and the
``blind`` split) and ``blind`` entries (drawn ONLY by the blind split).

    BLIND-ONLY ENTRIES: nobody may tune the extractor on them, read them to add a label to a
    regex, or look at which of them the extractor misses. They exist so the blind split measures
    wordings and forms the extractor has never been adjusted for.

A blind document is "novel" with probability NOVEL_SHARE: it then draws every part from shared +
blind-only entries (and is forced to use at least one blind-only entry); otherwise it draws from
the shared entries only, like a tune document.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

NOVEL_SHARE = 0.6


@dataclass(frozen=True)
class Vocab:
    shared: tuple
    blind: tuple = ()   # BLIND-ONLY: never tune the extractor on these


# ---------------------------------------------------------------- labels and wordings

META_FORMS = Vocab(("kv", "strip", "dotted", "beside", "grid"),
                   blind=("stacked", "inline"))  # BLIND-ONLY
TITLES = Vocab(("TAX INVOICE", "Tax Invoice", "INVOICE", "Invoice"),
               blind=("TAX INVOICE - ORIGINAL", "Invoice (Tax)"))  # BLIND-ONLY
NUMBER_LABELS = Vocab(("Invoice No.", "Invoice #", "Tax Invoice Number", "Invoice Number", "Invoice No",
                       "Tax Invoice No.", "Inv. #"),
                      blind=("Doc No.", "Bill Number", "Reference No", "Document Number", "Invoice Ref"))  # BLIND-ONLY
DATE_LABELS = Vocab(("Date", "Invoice Date", "Date of Issue", "Issued", "Issue Date"),
                    blind=("Tax Point", "Dated", "Date Issued", "Invoice Dt"))  # BLIND-ONLY
# (label, value template): {date} is the due date, {days} the terms in days.
DUE_FORMS = Vocab((("Due", "{date}"), ("Payment Due", "{date}"), ("Please pay by", "{date}"),
                   ("Due Date", "{date}"), ("Terms", "Net {days} (due {date})")),
                  blind=(("Pay By", "{date}"), ("Payment Due Date", "{date}"),   # BLIND-ONLY
                         ("Terms", "{days} days - due {date}"), ("Due for payment", "{date}")))
PO_LABELS = Vocab(("Customer Ref", "Your Ref", "Order No.", "PO Number", "Purchase Order", "Your Order No."),
                  blind=("Client Ref", "Job Ref / PO", "P/O No.", "Cust. Order"))  # BLIND-ONLY
# References that are NOT the purchase order: (label, value template, {n} = digits).
DECOYS = Vocab((None, None, ("Account No", "C{n4}"), ("Job No.", "J-{n4}"), ("Customer No", "CUST{n4}"),
                ("Quote No.", "Q{n5}")),
               blind=(("Site Ref", "S{n4}"), ("Account Code", "AC-{n4}"), ("Contract No", "CT{n5}")))  # BLIND-ONLY
ABN_LABELS = Vocab(("ABN", "ABN:", "A.B.N."),
                   blind=("A.B.N:", "Australian Business Number", "ABN No."))  # BLIND-ONLY
PARTY_LABELS = Vocab(("Bill To", "Invoice To", "Customer", "Sold To"),
                     blind=("Client", "Charge To", "Deliver & Invoice To"))  # BLIND-ONLY
DATE_FORMATS = Vocab(("long", "dmy", "d-mon-yy", "iso", "d-mon-yyyy"),
                     blind=("mon-d-yyyy", "d.m.yyyy"))  # BLIND-ONLY
MONEY_STYLES = Vocab(("plain", "dollar"),
                     blind=("dollar-space", "aud"))  # BLIND-ONLY

# ---------------------------------------------------------------- tables
# A table: (key, ((column kind, header), ...)). Kinds: code, desc, qty, price, tax (a marker),
# gst (the line's GST amount), amount (ex GST: DocLine.amount), inc (the line including GST).
TABLES = Vocab((
    ("charges-units-rate-cost", (("desc", "Charges"), ("qty", "Units"), ("price", "Rate"), ("amount", "Cost"))),
    ("desc-qty-unitprice-amount", (("desc", "Description"), ("qty", "Qty"), ("price", "Unit Price"),
                                   ("amount", "Amount"))),
    ("service-hrs-rate-amount", (("desc", "Service"), ("qty", "Hrs"), ("price", "Rate"), ("amount", "Amount"))),
    ("particulars-quantity-each-extended", (("desc", "Particulars"), ("qty", "Quantity"), ("price", "Each"),
                                            ("amount", "Extended"))),
    ("item-desc-qty-price-gst-total", (("code", "Item"), ("desc", "Description"), ("qty", "Qty"),
                                       ("price", "Price"), ("tax", "GST"), ("amount", "Total"))),
    ("qty-desc-unitprice-amountexgst", (("qty", "Qty"), ("desc", "Description"), ("price", "Unit Price"),
                                        ("amount", "Amount (ex GST)"))),
    ("desc-qty-rate-gst$-amountexgst", (("desc", "Description"), ("qty", "Qty"), ("price", "Rate"),
                                        ("gst", "GST $"), ("amount", "Amount (ex GST)"))),
    ("desc-qty-price-value", (("desc", "Description"), ("qty", "Qty"), ("price", "Price"), ("amount", "Value"))),
    ("desc-amount-qty-rate", (("desc", "Description"), ("amount", "Amount"), ("qty", "Qty"), ("price", "Rate"))),
    ("desc-qty-unitexgst-exgst-gst-incgst", (("desc", "Description"), ("qty", "Qty"), ("price", "Unit ex GST"),
                                             ("amount", "Ex GST"), ("gst", "GST"), ("inc", "Inc GST"))),
), blind=(  # BLIND-ONLY: never tune the extractor on these
    ("details-no-priceeach-linetotal", (("desc", "Details"), ("qty", "No."), ("price", "Price Each"),
                                        ("amount", "Line Total"))),
    ("code-product-ordered-unit$-exgst-gst-incgst", (("code", "Code"), ("desc", "Product"), ("qty", "Ordered"),
                                                     ("price", "Unit $"), ("amount", "Ex GST"), ("gst", "GST"),
                                                     ("inc", "Inc GST"))),
    ("work-time-hourly-charge", (("desc", "Work Performed"), ("qty", "Time"), ("price", "Hourly Rate"),
                                 ("amount", "Charge"))),
    ("qty-itemcode-goods-unit-nett", (("qty", "Qty"), ("code", "Item Code"), ("desc", "Goods"), ("price", "Unit"),
                                      ("amount", "Nett"))),
    ("activity-quantity-amount-unitprice", (("desc", "Activity"), ("qty", "Quantity"), ("amount", "Amount"),
                                            ("price", "Unit Price"))),
))
# Text in a tax column: (taxable, GST-free).
TAX_MARKS = Vocab((("10%", "0%"), ("GST", "Free"), ("Y", "N")),
                  blind=(("T", "E"), ("Taxable", "GST-free")))  # BLIND-ONLY
# How a GST-free line is marked when the table has no tax or GST column: (key, suffix, footnote).
FREE_MARKS = Vocab((("star", " *", "* GST-free supply"), ("text", " (GST-free)", None)),
                   blind=(("hash", " #", "# denotes a GST-free item"), ("caret", " ^", "^ No GST applies")))  # BLIND-ONLY

# ---------------------------------------------------------------- totals
# (key, ((role, label), ...)). Roles: sub, tax, total, balance (= total), and zero rows
# (paid, freight, deposit) that are printed as 0.00, so the truth stays consistent.
TOTALS = Vocab((
    ("ex-gst-payable", (("sub", "Total charges (ex GST)"), ("tax", "GST"), ("total", "Total amount payable"))),
    ("subtotal-gst10-total-inc", (("sub", "Subtotal"), ("tax", "GST (10%)"), ("total", "Total (inc GST)"))),
    ("net-tax-gross", (("sub", "Net"), ("tax", "Tax"), ("total", "Gross"))),
    ("excl-totalgst-invoicetotal-due", (("sub", "Amount excl. GST"), ("tax", "Total GST"),
                                        ("total", "Invoice Total"), ("balance", "Amount Due"))),
    ("subtotal-plusgst-balanceowing", (("sub", "Sub Total"), ("tax", "Plus GST"), ("total", "Balance Owing"))),
    ("subtotal-freight-gst-total", (("sub", "Subtotal"), ("freight", "Freight"), ("tax", "GST"),
                                    ("total", "Total"))),
    ("exgst-gst-incgst-paid-balance", (("sub", "Total ex GST"), ("tax", "GST"), ("total", "Total inc GST"),
                                       ("paid", "Less: Paid"), ("balance", "Balance Due"))),
), blind=(  # BLIND-ONLY: never tune the extractor on these
    ("goods-gstpayable-totalpayable", (("sub", "Goods & Services"), ("tax", "GST Payable"),
                                       ("total", "Total Payable"))),
    ("nett-g.s.t.-amountpayable", (("sub", "Nett Amount"), ("tax", "G.S.T."), ("total", "Amount Payable"))),
    ("supply-gst10-totalaud", (("sub", "Value of Supply"), ("tax", "GST 10%"), ("total", "TOTAL AUD"))),
    ("excltax-gstamt-incltax-deposit-topay", (("sub", "Excl. Tax"), ("tax", "GST Amount"), ("total", "Incl. Tax"),
                                              ("deposit", "Less Deposit"), ("balance", "To Pay"))),
))
TOTALS_FORMS = Vocab(("right", "left", "boxes"),
                     blind=("leaders", "inline"))  # BLIND-ONLY
# Payment wording: key of a form the renderer knows.
PAYMENT_FORMS = Vocab(("lines", "one-line", "table"),
                      blind=("sentence", "slash"))  # BLIND-ONLY
# An extra that repeats the (same) total elsewhere: nothing, a box by the meta block, a remittance slip.
EXTRAS = Vocab((None, None, "due-box", "remit"),
               blind=("pay-now-banner",))  # BLIND-ONLY

VOCABS: dict[str, Vocab] = {
    "meta_form": META_FORMS, "title": TITLES, "number_label": NUMBER_LABELS, "date_label": DATE_LABELS,
    "due_form": DUE_FORMS, "po_label": PO_LABELS, "decoy": DECOYS, "abn_label": ABN_LABELS,
    "party_label": PARTY_LABELS, "date_format": DATE_FORMATS, "money": MONEY_STYLES, "table": TABLES,
    "tax_marks": TAX_MARKS, "free_mark": FREE_MARKS, "totals": TOTALS, "totals_form": TOTALS_FORMS,
    "payment_form": PAYMENT_FORMS, "extra": EXTRAS,
}


@dataclass(frozen=True)
class Parts:
    """The parts one document was assembled from (values as drawn from VOCABS)."""

    meta_form: str
    title: str
    number_label: str
    date_label: str
    due_form: tuple[str, str]
    po_label: str
    decoy: tuple[str, str] | None
    abn_label: str
    party_label: str
    date_format: str
    money: str
    table: tuple[str, tuple[tuple[str, str], ...]]
    tax_marks: tuple[str, str]
    free_mark: tuple[str, str, str | None]
    totals: tuple[str, tuple[tuple[str, str], ...]]
    totals_form: str
    payment_form: str
    extra: str | None
    font: str = "Helvetica"
    abn_spaced: bool = True
    colon: bool = True
    customer_abn: bool = False
    decoy_value: str | None = None
    code_prefix: str = ""
    novel: bool = False
    blind_only: tuple[str, ...] = field(default=())   # names of the VOCABS drawn from blind-only entries

    def name(self) -> str:
        return f"{self.meta_form}/{self.table[0]}/{self.totals[0]}"

    def describe(self) -> dict[str, str]:
        """One short string per part, for counting results by part."""
        return {"meta_form": self.meta_form, "table": self.table[0], "totals": self.totals[0],
                "totals_form": self.totals_form, "number_label": self.number_label,
                "date_label": self.date_label, "due_label": self.due_form[0], "po_label": self.po_label,
                "decoy": self.decoy[0] if self.decoy else "none", "abn_label": self.abn_label,
                "date_format": self.date_format, "money": self.money, "payment_form": self.payment_form,
                "extra": self.extra or "none", "font": self.font}


def draw_parts(rng: random.Random, split: str) -> Parts:
    """Draw every part independently. ``tune`` draws shared entries only; ``blind`` may draw
    blind-only entries (for a share NOVEL_SHARE of its documents, each using at least one)."""
    if split not in ("tune", "blind"):
        raise ValueError(f"unknown split {split!r}; use 'tune' or 'blind'")
    novel = split == "blind" and rng.random() < NOVEL_SHARE
    forced = rng.choice(sorted(VOCABS)) if novel else None
    drawn: dict[str, object] = {}
    blind_only: list[str] = []
    for name, vocab in VOCABS.items():
        value = rng.choice(vocab.shared + vocab.blind if novel else vocab.shared)
        drawn[name] = value
        if value in vocab.blind:
            blind_only.append(name)
    if novel and not blind_only:  # make sure a novel document really has something new
        drawn[forced] = rng.choice(VOCABS[forced].blind)  # type: ignore[index]
        blind_only.append(forced)  # type: ignore[arg-type]
    n = rng.randint(1000, 99999)
    decoy = drawn["decoy"]
    return Parts(
        **drawn,  # type: ignore[arg-type]
        font=rng.choice(("Helvetica", "Helvetica", "Times", "Courier")),
        abn_spaced=rng.random() < 0.6, colon=rng.random() < 0.6, customer_abn=rng.random() < 0.4,
        decoy_value=decoy[1].format(n4=f"{n % 10000:04d}", n5=f"{n:05d}") if decoy else None,  # type: ignore[index]
        code_prefix=rng.choice(("", "SKU-", "P", "IT-")), novel=novel, blind_only=tuple(blind_only))
