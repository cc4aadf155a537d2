"""Random but realistic Australian supplier invoices for developing and evaluating the extractor.

`generate(split, n, seed)` returns `GeneratedInvoice`s: the `DocInvoice` (ground truth), the layout
it was drawn in, and the PDF bytes. Everything is seeded and deterministic.

Two splits, never mixed:
* ``dev`` - the five demo house styles (demo.pdf_layouts) with varied wordings, money
  formats and fonts (evals.generators.styles) plus a configurable layout.
* ``heldout`` - layouts that exist only for evaluation (evals.generators.heldout_layouts). The
  extractor must not be tuned on them; the benchmark reports them separately.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from demo.documents import DocInvoice, DocLine, DocParty, DocPayment, _check_invoice
from tools.ledger.abn import complete_abn

CENT = Decimal("0.01")

_FIRST = ("Harbour", "Southern", "Coastal", "Blue Gum", "Redgum", "Ironbark", "Bluestone", "Wattle",
          "Kookaburra", "Sandstone", "Riverina", "Outback", "Pacific", "Golden Wattle", "Summit",
          "Northside", "Bayview", "Mountain Ash", "Eastern", "Silver Fern", "Jacaranda", "Banksia",
          "Murray", "Hunter Valley", "Yarra", "Derwent", "Swan River", "Cape York", "Pilbara")
_TRADE = ("Plumbing", "Electrical", "Cleaning Services", "Office Supplies", "Logistics", "Catering",
          "Timber & Hardware", "IT Solutions", "Signs", "Packaging", "Print & Design", "Accounting",
          "Legal", "Landscaping", "Security", "Air Conditioning", "Freight", "Coffee Roasters",
          "Linen Hire", "Pest Control", "Glass & Glazing", "Couriers", "Wholesale Produce")
_SUFFIX = ("Pty Ltd", "Pty Ltd", "Pty Ltd", "Pty. Ltd.", "Limited", "Pty Limited", "& Co", "Group Pty Ltd",
           "Trading Co", "Holdings Pty Ltd", "")
_STREETS = ("George St", "King St", "Wharf Rd", "Parramatta Rd", "Industrial Dr", "High St", "Station St",
            "Victoria Pde", "Smith St", "Bourke St", "Hay St", "Elizabeth St", "Commercial Rd")
_PLACES = (("Pyrmont", "NSW", "2009"), ("Alexandria", "NSW", "2015"), ("Richmond", "VIC", "3121"),
           ("Fortitude Valley", "QLD", "4006"), ("Osborne Park", "WA", "6017"), ("Mile End", "SA", "5031"),
           ("Hobart", "TAS", "7000"), ("Fyshwick", "ACT", "2609"), ("Winnellie", "NT", "0820"),
           ("Geelong", "VIC", "3220"), ("Newcastle West", "NSW", "2302"), ("Townsville", "QLD", "4810"))
_ITEMS = ("Copper pipe 15mm x 3m", "Labour - licensed electrician", "A4 copy paper 80gsm (carton)",
          "Toner cartridge HP 58A", "Monthly cleaning service - office", "Window cleaning external",
          "Pallet freight Sydney to Melbourne", "Catering platter - sandwiches", "Barista coffee beans 1kg",
          "Hardwood decking 90x19 per lm", "Site visit and quote", "Call-out fee", "Software licence - annual",
          "Managed IT support (per user)", "Laptop Dell Latitude 5440", "Corflute sign 600x900",
          "Shrink wrap roll 500mm", "Cardboard boxes (bundle of 25)", "Brochure printing DL x 1000",
          "Bookkeeping services - March", "Contract review", "Garden maintenance", "Mulch (cubic metre)",
          "Security patrol - weekend", "Split system service", "Refrigerant top-up R32", "Courier - same day",
          "Fresh produce - weekly order", "Linen hire - tablecloths", "Pest treatment - termite inspection",
          "Glass replacement 6mm toughened", "Fuel levy", "Disposal fee", "Travel time",
          "Consulting - project management", "Cable Cat6 305m box", "LED downlight 10W warm white",
          "Hand towel rolls (carton of 16)", "Milk 2L (crate)", "Safety boots size 10")
_GST_FREE = ("Fresh produce - weekly order", "Milk 2L (crate)", "Bank fee", "Council inspection fee",
             "Stamp duty", "Fresh fruit box", "Bread rolls (dozen)", "Water rates pass-through")
_EXTRA = ("including installation and testing", "as per quote Q-{n}", "for the period 1-31 March",
          "delivered to rear loading dock, Shop 4", "with 12 month warranty on parts and 3 months on labour",
          "urgent same-day service requested by site manager")


@dataclass(frozen=True)
class GeneratedInvoice:
    name: str        # e.g. "dev-0007-classic"
    split: str
    layout: str
    invoice: DocInvoice
    pdf: bytes


def _abn(rng: random.Random) -> str:
    while True:
        abn = complete_abn(f"{rng.randrange(100_000_000, 999_999_999)}")
        if abn:
            return abn


def _party(rng: random.Random, customer: bool = False) -> DocParty:
    if customer:
        name = rng.choice(("Harbour & Vine Homewares Pty Ltd", "Brightwater Cafe Pty Ltd",
                           "Greenleaf Dental Group", "Mosman Physio Pty Ltd", "Tidewater Bakery"))
    else:
        name = " ".join(x for x in (rng.choice(_FIRST), rng.choice(_TRADE), rng.choice(_SUFFIX)) if x)
    slug = "".join(ch for ch in name.lower().split(" pty")[0] if ch.isalnum())[:18]
    domain = rng.choice((".com.au", ".com.au", ".net.au", ".au", ".com"))
    email = f"{rng.choice(('accounts', 'billing', 'invoices', 'admin', 'ar'))}@{slug}{domain}"
    place = rng.choice(_PLACES)
    unit = rng.choice(("", "", f"Unit {rng.randint(1, 20)}, ", f"Level {rng.randint(1, 9)}, "))
    address = (f"{unit}{rng.randint(1, 400)} {rng.choice(_STREETS)}", f"{place[0]} {place[1]} {place[2]}")
    phone = f"0{rng.choice('2378')} {rng.randint(9000, 9999)} {rng.randint(1000, 9999)}"
    return DocParty(name, _abn(rng), email, address, phone)


def _money(rng: random.Random) -> Decimal:
    scale = rng.choice((10, 100, 100, 1000, 5000))
    return (Decimal(rng.randint(50, 100 * scale)) / 100).quantize(CENT)


def _line(rng: random.Random) -> DocLine:
    free = rng.random() < 0.12
    desc = rng.choice(_GST_FREE if free else _ITEMS)
    if rng.random() < 0.15:
        desc = f"{desc} {rng.choice(_EXTRA).format(n=rng.randint(100, 999))}"
    qty = rng.choice((Decimal(1), Decimal(1), Decimal(rng.randint(2, 48)), Decimal(rng.randint(1, 40)) / 4))
    price = _money(rng)
    if rng.random() < 0.05:
        price = (Decimal(rng.randint(1000, 9999)) / 10000).quantize(Decimal("0.0001"))  # e.g. per kWh
    amount = (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
    return DocLine(desc, qty, price, amount, "FRE" if free else "GST")


def random_invoice(rng: random.Random) -> DocInvoice:
    supplier = _party(rng)
    n_lines = rng.choice((1, 2, 3, 4, 5, 6, 8)) if rng.random() < 0.8 else rng.randint(9, 40)
    lines = tuple(_line(rng) for _ in range(n_lines))
    subtotal = sum((ln.amount for ln in lines), Decimal(0))
    taxable = sum((ln.amount for ln in lines if ln.tax_code == "GST"), Decimal(0))
    tax = (taxable * Decimal("0.1")).quantize(CENT, rounding=ROUND_HALF_UP)
    issue = date(2025, 7, 1) + timedelta(days=rng.randint(0, 364))
    terms = rng.choice((7, 14, 14, 30, 30, 30, 0, None))
    prefix = rng.choice(("INV-", "INV", "", "TI-", "A", "SI-", "00", "INV/2026/"))
    number = f"{prefix}{rng.randint(100, 999999)}"
    po = rng.choice((None, None, f"PO-{rng.randint(1000, 99999)}", f"PO{rng.randint(10000, 99999)}",
                     f"{rng.randint(4500000000, 4500999999)}"))
    payment = None
    if rng.random() < 0.9:
        bsb = f"{rng.choice(('062', '063', '082', '083', '033', '032', '012', '013', '484', '633'))}{rng.randint(0, 999):03d}"
        acct = str(rng.randint(10_000_000, 999_999_999)) if rng.random() < 0.7 else f"{rng.randint(100000, 9999999)}"
        ref = rng.choice((None, number, f"C{rng.randint(1000, 9999)}"))
        payment = DocPayment(bsb, acct, supplier.name.replace(" Pty Ltd", ""), ref)
    inv = DocInvoice(
        supplier=supplier, customer=_party(rng, customer=True), invoice_number=number,
        issue_date=issue, due_date=None if terms is None else issue + timedelta(days=terms),
        purchase_order=po, lines=lines, subtotal=subtotal, tax=tax, total=subtotal + tax,
        payment=payment, notes=rng.choice((None, None, "Thank you for your business.",
                                           "Goods remain the property of the supplier until paid in full.")))
    _check_invoice(inv)
    return inv


def generate(split: str, n: int, seed: int = 0) -> list[GeneratedInvoice]:
    """`n` invoices of one split ("dev" or "heldout"), deterministic for a given seed."""
    from evals.generators import heldout_layouts, styles  # late: fpdf is only needed here

    if split == "dev":
        render, names = styles.render, styles.DEV_STYLES
    elif split == "heldout":
        render, names = heldout_layouts.render, heldout_layouts.HELDOUT_STYLES
    else:
        raise ValueError(f"unknown split {split!r}; use 'dev' or 'heldout'")
    # Different seed streams per split, so the two splits never share documents.
    rng = random.Random(f"{split}:{seed}")
    out: list[GeneratedInvoice] = []
    for i in range(n):
        inv = random_invoice(rng)
        style = names[i % len(names)]
        variant = rng.randrange(1_000_000)
        out.append(GeneratedInvoice(f"{split}-{i:04d}-{style}", split, style, inv,
                                    render(inv, style, variant)))
    return out


def expected_fields(inv: DocInvoice) -> dict[str, object]:
    """The header fields the benchmark scores, as the extractor should report them."""
    return {
        "supplier.name": inv.supplier.name, "supplier.abn": inv.supplier.abn,
        "invoice_number": inv.invoice_number, "issue_date": inv.issue_date, "due_date": inv.due_date,
        "purchase_order": inv.purchase_order, "subtotal": inv.subtotal, "tax": inv.tax,
        "total": inv.total, "payment.bsb": inv.payment.bsb if inv.payment else None,
        "payment.account_number": inv.payment.account_number if inv.payment else None,
    }
