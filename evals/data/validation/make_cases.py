"""Rebuild evals/data/validation/cases.jsonl: defect variants of generated Australian invoices, each
with its clean twin.

Run from the repository root:  .venv/bin/python -m evals.data.validation.make_cases

Deterministic: every pair draws from its own seeded stream ("validation-2026:<defect>:<k>"), so
adding pairs or defects never changes the existing ones. The documents are not stored: the suite
renders them at run time from the invoice data written here (see evals/suites/validation.py).

Each pair: a base invoice (evals.generators.invoices.random_invoice), a clean context (the supplier
in the master with the invoice's bank details, three other suppliers, an older bill from the same
supplier and two from others, today a few days after the issue date) and one defect, written into
the document or into the context. The twin is the base invoice in the clean context. Mixed supplies
(GST-free lines) are drawn only in layouts that mark each line's GST status, and in UBL.

Traps for false alarms, on twins and defects alike: GST rounded per line on half the invoices (the
ATO allows it; it can differ from 10% of the subtotal by cents), the supplier's name in the master
as a bookkeeper typed it (upper case, without "Pty Ltd", with "The"), bank details in the master
written with a dash and spaces, and near-miss bills beside duplicates (the same number from another
supplier; the same total from the same supplier exactly 7 days earlier).
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = "validation-2026"
PAIRS_PER_DEFECT = 8
# Rotated per defect so every defect meets every layout and UBL.
FORMAT_CYCLE = ("classic", "ubl", "modern", "compact", "trade", "letterhead", "ubl", "modern")
CODED = frozenset({"classic", "modern", "letterhead", "ubl"})  # show each line's GST status
CENT = Decimal("0.01")
MAX_DRAWS = 200


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# -- helpers over demo.documents.DocInvoice --------------------------------------------------

def taxable(inv: Any) -> Decimal:
    return sum((ln.amount for ln in inv.lines if ln.tax_code == "GST"), Decimal(0))


def all_taxable(inv: Any) -> Any:
    """The invoice with every line taxable (for layouts that cannot mark GST-free lines)."""
    if all(ln.tax_code == "GST" for ln in inv.lines):
        return inv
    lines = tuple(dataclasses.replace(ln, tax_code="GST") for ln in inv.lines)
    tax = q(inv.subtotal * Decimal("0.1"))
    return dataclasses.replace(inv, lines=lines, tax=tax, total=inv.subtotal + tax)


def per_line_gst(inv: Any) -> Any:
    """GST rounded line by line, as the ATO allows (may differ from 10% of the sum by cents)."""
    tax = sum((q(ln.amount * Decimal("0.1")) for ln in inv.lines if ln.tax_code == "GST"),
              Decimal(0))
    return dataclasses.replace(inv, tax=tax, total=inv.subtotal + tax)


def master_name(name: str, rng: random.Random) -> str:
    """The supplier's name as the bookkeeper typed it into the master (same business)."""
    import re

    bare = re.sub(r"\s+(Pty\.? ?Ltd\.?|Pty Limited|Limited|Group Pty Ltd|Holdings Pty Ltd)$", "",
                  name)
    return rng.choice((name, name, name.upper(), bare, f"The {bare}"))


def spec(inv: Any) -> dict[str, Any]:
    data = dataclasses.asdict(inv)
    assert data.pop("currency") == "AUD" and data.pop("document_type") == "invoice"
    return data


def domain(email: str | None) -> str | None:
    return email.split("@", 1)[1].lower() if email and "@" in email else None


def other_abn(rng: random.Random, *avoid: str | None) -> str:
    from evals.generators.invoices import _abn

    while True:
        abn = _abn(rng)
        if abn not in avoid:
            return abn


def invalid_abn(abn: str, rng: random.Random) -> tuple[str, str]:
    from tools.ledger.abn import abn_is_valid

    if rng.random() < 0.5:
        for i in rng.sample(range(10), 10):
            if abn[i] != abn[i + 1]:
                swapped = abn[:i] + abn[i + 1] + abn[i] + abn[i + 2:]
                if not abn_is_valid(swapped):
                    return swapped, "digits_transposed"
    bumped = abn[:-1] + str((int(abn[-1]) + rng.randint(1, 9)) % 10)
    assert not abn_is_valid(bumped)
    return bumped, "last_digit_wrong"


def renumber(number: str, rng: random.Random) -> str:
    """The same invoice number as someone else keyed it ("INV-00123" → "inv 123")."""
    from tools.documents.duplicates import normalise_invoice_number

    digits = "".join(ch for ch in number if ch.isdigit()).lstrip("0") or "0"
    letters = "".join(ch for ch in number if ch.isalpha())
    options = [f"inv {digits}" if not letters or letters.upper() == "INV" else f"{letters} {digits}",
               f"Invoice No. {number}", number.lower().replace("-", " "), f"0{number}",
               number.replace("-", "").replace("/", "")]
    rng.shuffle(options)
    key = normalise_invoice_number(number)
    for opt in options:
        if opt != number and normalise_invoice_number(opt) == key:
            return opt
    return f"Invoice {number}"


def new_number(number: str, rng: random.Random) -> str:
    from tools.documents.duplicates import normalise_invoice_number

    while True:
        other = f"INV-{rng.randint(100, 999999)}"
        if normalise_invoice_number(other) != normalise_invoice_number(number):
            return other


# -- the clean context -----------------------------------------------------------------------------

def supplier_row(contact_id: int, party: Any, payment: Any, rng: random.Random) -> dict[str, Any]:
    row = {"contact_id": contact_id, "name": master_name(party.name, rng), "abn": party.abn,
           "email": party.email,
           "domain": domain(party.email)}
    if payment is not None:
        row.update(bsb=payment.bsb, account_number=payment.account_number,
                   account_name=payment.account_name)
    else:  # bank details on file; the invoice just does not print them
        row.update(bsb=f"{rng.randint(10, 999):03d}{rng.randint(0, 999):03d}",
                   account_number=str(rng.randint(10_000_000, 99_999_999)))
    return row


def fillers(rng: random.Random, inv: Any, n: int = 3) -> list[Any]:
    from evals.generators.invoices import _party
    from tools.documents.suppliers_match import normalise_name

    out: list[Any] = []
    taken_names = {normalise_name(inv.supplier.name)}
    taken_domains = {domain(inv.supplier.email)}
    while len(out) < n:
        p = _party(rng)
        if normalise_name(p.name) in taken_names or domain(p.email) in taken_domains:
            continue
        taken_names.add(normalise_name(p.name))
        taken_domains.add(domain(p.email))
        out.append(p)
    return out


def clean_context(inv: Any, rng: random.Random) -> dict[str, Any]:
    others = fillers(rng, inv)
    suppliers = [supplier_row(1, inv.supplier, inv.payment, rng)]
    for i, p in enumerate(others, 2):
        suppliers.append(supplier_row(i, p, None, rng))
    history = {"ref": "bill 1001", "contact_id": 1, "supplier_abn": inv.supplier.abn,
               "number": new_number(inv.invoice_number, rng),
               "total": str(q(inv.total * Decimal("0.73")) + 1),
               "issue_date": (inv.issue_date - timedelta(days=rng.randint(35, 90))).isoformat(),
               "content_hash": None, "note": "an older bill from the same supplier"}
    prior = [history]
    for i, p in enumerate(others[:2], 2):
        prior.append({"ref": f"bill {1000 + i * 7}", "contact_id": i, "supplier_abn": p.abn,
                      "number": f"{rng.randint(1000, 99999)}",
                      "total": str(Decimal(rng.randint(5000, 900000)) / 100),
                      "issue_date": (inv.issue_date - timedelta(days=rng.randint(1, 60))).isoformat(),
                      "content_hash": None, "note": "another supplier's bill"})
    return {"today": (inv.issue_date + timedelta(days=rng.randint(1, 25))).isoformat(),
            "own_abn": inv.customer.abn, "suppliers": suppliers, "prior_invoices": prior}


# -- defects: (invoice, clean context, rng, k, fmt) → (invoice, context, variant, expected,
#    allowed, twin context) or None when this base does not suit the defect -----------------------

Made = tuple[Any, dict[str, Any], str, tuple[str, ...], tuple[str, ...], dict[str, Any]]


def gst_wrong(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    base = taxable(inv)
    free = inv.subtotal - base
    variant = ("rate_15", "gst_on_free", "plus_amount", "halved")[k % 4]
    if variant == "gst_on_free" and (free < 20 or fmt not in CODED):
        variant = "plus_amount"
    tax = {"rate_15": lambda: q(base * Decimal("0.15")),
           "gst_on_free": lambda: q(inv.subtotal * Decimal("0.1")),
           "plus_amount": lambda: inv.tax + Decimal(rng.randint(100, 5000)) / 100,
           "halved": lambda: q(inv.tax / 2)}[variant]()
    if abs(tax - inv.tax) < 1:
        return None
    bad = dataclasses.replace(inv, tax=tax, total=inv.subtotal + tax)
    return bad, ctx, variant, ("gst_mismatch",), (), ctx


def totals_off(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    variant = ("plus_ten", "transposed", "minus_50c", "gst_added_twice")[k % 4]
    total = inv.total
    if variant == "plus_ten":
        total += 10
    elif variant == "minus_50c":
        total -= Decimal("0.50")
    elif variant == "gst_added_twice":
        total += inv.tax
    else:
        text = f"{inv.total:.2f}"
        spots = [i for i in range(len(text) - 4) if text[i] != text[i + 1]
                 and text[i].isdigit() and text[i + 1].isdigit()]
        if not spots:
            return None
        i = rng.choice(spots)
        total = Decimal(text[:i] + text[i + 1] + text[i] + text[i + 2:])
    if abs(total - inv.total) < Decimal("0.05"):
        return None
    bad = dataclasses.replace(inv, total=total)
    allowed = ("einvoice_arithmetic",) if fmt == "ubl" else ("totals_unconfirmed",)
    return bad, ctx, variant, ("totals_mismatch",), allowed, ctx


def lines_off(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    variant = ("quantity_changed", "line_dropped")[k % 2]
    j = rng.randrange(len(inv.lines))
    lines = list(inv.lines)
    if variant == "line_dropped":
        if len(lines) < 2 or lines[j].amount < 1:
            return None
        del lines[j]
    else:
        ln = lines[j]
        qty = ln.quantity + rng.randint(1, 5)
        lines[j] = dataclasses.replace(ln, quantity=qty, amount=q(qty * ln.unit_price))
    line_sum = sum((ln.amount for ln in lines), Decimal(0))
    if abs(line_sum - inv.subtotal) < 1 or abs(line_sum - inv.total) <= CENT:
        return None
    bad = dataclasses.replace(inv, lines=tuple(lines))
    # Lines that no longer add up also change the GST they imply; the totals themselves still agree.
    if fmt == "ubl":  # e-invoices: the reader checks BR-CO-10 (lines = line total) itself
        return bad, ctx, variant, ("einvoice_arithmetic",), ("gst_mismatch",), ctx
    return bad, ctx, variant, ("lines_subtotal_mismatch",), ("gst_mismatch",), ctx


def abn_invalid(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    abn, variant = invalid_abn(inv.supplier.abn, rng)
    bad = dataclasses.replace(inv, supplier=dataclasses.replace(inv.supplier, abn=abn))
    # Matched by email domain or name, the (invalid) ABN differs from the one on file.
    return bad, ctx, variant, ("abn_invalid",), ("supplier_abn_differs",), ctx


def duplicate(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    from evals.generators.invoices import _abn

    filler = ctx["suppliers"][1]
    near = [  # near misses that must not count, in both the twin's context and the defect's
        {"ref": "bill 2001", "contact_id": filler["contact_id"], "supplier_abn": filler["abn"],
         "number": inv.invoice_number, "total": str(q(inv.total * Decimal("1.5"))),
         "issue_date": (inv.issue_date - timedelta(days=20)).isoformat(), "content_hash": None,
         "note": "near miss: the same number from another supplier"},
        {"ref": "bill 2002", "contact_id": 1, "supplier_abn": inv.supplier.abn,
         "number": new_number(inv.invoice_number, rng), "total": str(inv.total),
         "issue_date": (inv.issue_date - timedelta(days=7)).isoformat(), "content_hash": None,
         "note": "near miss: the same total from the same supplier 7 days earlier (a weekly "
                 "service; the window is exclusive)"},
    ]
    twin_ctx = {**ctx, "prior_invoices": [*ctx["prior_invoices"], *near]}
    variant = ("same_number", "same_total_in_window", "same_file")[k % 3]
    if variant == "same_number":
        dup = {"ref": "bill 3001", "contact_id": 1, "supplier_abn": inv.supplier.abn,
               "number": renumber(inv.invoice_number, rng), "total": str(inv.total),
               "issue_date": (inv.issue_date - timedelta(days=rng.randint(0, 40))).isoformat(),
               "content_hash": None, "note": "the duplicate: the same invoice keyed differently"}
    elif variant == "same_total_in_window":
        gap = rng.randint(1, 6) * rng.choice((-1, 1))
        dup = {"ref": "bill 3002", "contact_id": 1, "supplier_abn": inv.supplier.abn,
               "number": new_number(inv.invoice_number, rng), "total": str(inv.total),
               "issue_date": (inv.issue_date + timedelta(days=gap)).isoformat(),
               "content_hash": None, "note": f"the duplicate: re-issued {gap:+d} days apart"}
    else:
        dup = {"ref": "bill 3003", "contact_id": None, "supplier_abn": _abn(rng),
               "number": "FWD-1", "total": "1.00",
               "issue_date": (inv.issue_date - timedelta(days=3)).isoformat(),
               "content_hash": "@document",
               "note": "the duplicate: the identical file, recorded from a forwarded copy"}
    bad_ctx = {**twin_ctx, "prior_invoices": [*twin_ctx["prior_invoices"], dup]}
    return inv, bad_ctx, variant, ("duplicate_suspected",), (), twin_ctx


def _with_master(ctx: dict[str, Any], **changes: Any) -> dict[str, Any]:
    rows = [dict(r) for r in ctx["suppliers"]]
    rows[0].update(changes)
    return {**ctx, "suppliers": rows}


def bank_details_changed(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int,
                         fmt: str) -> Made | None:
    pay = inv.payment
    if pay is None:
        return None
    variant = ("bsb_changed", "account_changed", "both_changed")[k % 3]
    old_bsb = f"{rng.choice(('062', '083', '033', '012', '484'))}{rng.randint(0, 999):03d}"
    old_account = str(rng.randint(10_000_000, 999_999_999))
    if old_bsb == pay.bsb or old_account.lstrip("0") == pay.account_number.lstrip("0"):
        return None
    change = {"bsb_changed": {"bsb": old_bsb}, "account_changed": {"account_number": old_account},
              "both_changed": {"bsb": old_bsb, "account_number": old_account}}[variant]
    # The twin's master holds the same details, written as people write them.
    twin_ctx = _with_master(ctx, bsb=f"{pay.bsb[:3]}-{pay.bsb[3:]}",
                            account_number=" ".join((pay.account_number[:3],
                                                     pay.account_number[3:])))
    return inv, _with_master(ctx, **change), variant, ("bank_details_changed",), (), twin_ctx


def bank_details_new(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int,
                     fmt: str) -> Made | None:
    if inv.payment is None:
        return None
    bad = _with_master(ctx, bsb=None, account_number=None, account_name=None)
    return inv, bad, "none_on_file", ("bank_details_new",), (), ctx


def due_before_issue(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int,
                     fmt: str) -> Made | None:
    if inv.due_date is None:
        return None
    bad = dataclasses.replace(inv, due_date=inv.issue_date - timedelta(days=rng.randint(1, 30)))
    return bad, ctx, "due_earlier", ("due_before_issue",), (), ctx


def date_future(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int, fmt: str) -> Made | None:
    from datetime import date

    today = date.fromisoformat(ctx["today"])
    issue = today + timedelta(days=rng.randint(3, 60))
    due = None if inv.due_date is None else issue + (inv.due_date - inv.issue_date)
    bad = dataclasses.replace(inv, issue_date=issue, due_date=due)
    return bad, ctx, "dated_ahead", ("date_future",), (), ctx


def supplier_unknown(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int,
                     fmt: str) -> Made | None:
    bad = {**ctx, "suppliers": ctx["suppliers"][1:],
           "prior_invoices": [p for p in ctx["prior_invoices"] if p["contact_id"] != 1]}
    return inv, bad, "not_in_master", ("supplier_unknown",), (), ctx


def supplier_abn_differs(inv: Any, ctx: dict[str, Any], rng: random.Random, k: int,
                         fmt: str) -> Made | None:
    abn = other_abn(rng, inv.supplier.abn, inv.customer.abn)
    bad = _with_master(ctx, abn=abn)
    bad["prior_invoices"] = [{**p, "supplier_abn": abn} if p["contact_id"] == 1 else p
                             for p in bad["prior_invoices"]]
    return inv, bad, "other_abn_on_file", ("supplier_abn_differs",), (), ctx


MAKERS: dict[str, Callable[..., Made | None]] = {
    "gst_wrong": gst_wrong, "totals_off": totals_off, "lines_off": lines_off,
    "abn_invalid": abn_invalid, "duplicate": duplicate,
    "bank_details_changed": bank_details_changed, "bank_details_new": bank_details_new,
    "due_before_issue": due_before_issue, "date_future": date_future,
    "supplier_unknown": supplier_unknown, "supplier_abn_differs": supplier_abn_differs,
}


def make_pair(defect: str, di: int, k: int) -> list[dict[str, Any]]:
    from evals.generators.invoices import random_invoice

    fmt = FORMAT_CYCLE[(k + di) % len(FORMAT_CYCLE)]
    rng = random.Random(f"{SEED}:{defect}:{k}")
    for draw in range(MAX_DRAWS):
        inv = random_invoice(rng)
        if fmt not in CODED:
            inv = all_taxable(inv)
        if rng.random() < 0.5:
            inv = per_line_gst(inv)
        ctx = clean_context(inv, rng)
        made = MAKERS[defect](inv, ctx, rng, k, fmt)
        if made is not None:
            break
    else:
        raise RuntimeError(f"no base invoice suits {defect} #{k}")
    bad, bad_ctx, variant, expected, allowed, twin_ctx = made
    pair = f"{defect}-{k:02d}"
    layout = None if fmt == "ubl" else fmt
    provenance = (f"evals/data/validation/make_cases.py: random_invoice(random.Random("
                  f"'{SEED}:{defect}:{k}')), draw {draw}; defect {defect}/{variant}")
    common: dict[str, Any] = {
        "pair": pair, "defect": defect, "variant": variant, "layout": layout,
        "format": "ubl" if layout is None else "pdf", "provenance": provenance}
    defect_case: dict[str, Any] = {
        "id": pair, "role": "defect", **common, "invoice": spec(bad),
        "base": spec(inv) if fmt == "ubl" else None, "context": bad_ctx,
        "expected_codes": list(expected), "allowed_codes": list(allowed)}
    twin: dict[str, Any] = {
        "id": f"{pair}-twin", "role": "twin", **common, "invoice": spec(inv), "base": None,
        "context": twin_ctx, "expected_codes": [], "allowed_codes": []}
    return [defect_case, twin]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(type(value))


def main() -> None:
    from evals.suites.validation import DEFECTS, ValidationCase, case_summary

    cases = []
    for di, defect in enumerate(DEFECTS):
        for k in range(PAIRS_PER_DEFECT):
            cases += make_pair(defect, di, k)
    with (HERE / "cases.jsonl").open("w", encoding="utf-8") as fh:
        for case in cases:
            line = json.dumps(case, default=_json, ensure_ascii=False, sort_keys=True)
            ValidationCase.model_validate_json(line)
            fh.write(line + "\n")
    summary = case_summary([ValidationCase.model_validate_json(json.dumps(c, default=_json))
                            for c in cases])
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
