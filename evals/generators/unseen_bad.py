"""Bad inputs for the unseen-layout benchmark: documents that must be held, never booked with a
guessed total. Kinds (BAD_KINDS): ``mismatch`` (subtotal + GST != total as printed), ``conflict``
(the totals block and an "Amount Due" elsewhere disagree), ``credit_note`` (credit / adjustment
notes, amounts maybe negative or in parentheses) and ``statement`` (a statement of account).

Rendered with the unseen layouts' parts (shared vocabulary only) and renderer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from demo import pdf_layouts as pl
from demo.documents import DocInvoice, DocLine, DocParty
from evals.generators.invoices import _party, random_invoice
from evals.generators.unseen_layouts import _Unseen
from evals.generators.unseen_vocab import Parts, draw_parts

BAD_KINDS = ("mismatch", "conflict", "credit_note", "statement")


@dataclass(frozen=True)
class StatementTruth:
    supplier: DocParty
    customer: DocParty
    statement_date: date
    opening_balance: Decimal
    entries: tuple[tuple[date, str, Decimal], ...]  # invoices positive, payments negative
    balance: Decimal


@dataclass(frozen=True)
class BadDocument:
    name: str
    kind: str                                   # one of BAD_KINDS
    truth: DocInvoice | StatementTruth          # as drawn (a credit note: document_type credit_note)
    pdf: bytes
    layout: str
    printed: dict[str, Decimal] = field(default_factory=dict)  # figures printed that differ from the truth


class _Statement(_Unseen):
    def __init__(self, st: StatementTruth, parts: Parts, title: str, account: str) -> None:
        self.st, self.st_title, self.account = st, title, account
        self.rows = [(st.statement_date.replace(day=1), "", "Opening balance", st.opening_balance),
                     *((d, ref, "Invoice" if a > 0 else "Payment received - thank you", a) for d, ref, a in st.entries)]
        dummy = tuple(DocLine("x", Decimal(1), abs(a), abs(a), "GST") for *_, a in self.rows)
        inv = DocInvoice(st.supplier, st.customer, account, st.statement_date, None, None, dummy, st.balance,
                         Decimal(0), st.balance, None)
        super().__init__(inv, parts)

    def title(self) -> str:
        return self.st_title

    def number_label(self) -> str:
        return "Account No"

    def meta_rows(self) -> list[tuple[str, str]]:
        return [("Statement Date", self.d(self.st.statement_date)), ("Account No", self.account),
                ("Terms", "30 days from end of month")]

    def columns(self) -> list[pl._Col]:
        balances, run = [], Decimal(0)
        for *_, a in self.rows:
            run += a
            balances.append(run)
        r = self.rows
        date_w = max(self.sw(self.d(row[0]), "", self.table_style.size) for row in r) + 4
        return [pl._Col("Date", date_w, "L", lambda i, ln: self.d(r[i][0])),
                pl._Col("Reference", 28, "L", lambda i, ln: r[i][1]),
                pl._Col("Details", 80 - date_w, "L", lambda i, ln: r[i][2], wrap=True),
                pl._Col("Debit", 24, "R", lambda i, ln: self.m(r[i][3]) if r[i][3] > 0 else ""),
                pl._Col("Credit", 24, "R", lambda i, ln: self.m(-r[i][3]) if r[i][3] < 0 else ""),
                pl._Col("Balance", 24, "R", lambda i, ln: self.m(balances[i]))]

    def totals_rows(self) -> list[tuple[str, str, bool]]:
        label = self.rng.choice(("Balance due", "Total Due", "Closing Balance", "Amount Now Due"))
        return [("Current", self.m(self.st.balance), False), ("30 Days", self.m(Decimal(0)), False),
                ("60 Days", self.m(Decimal(0)), False), (label, self.m(self.st.balance), True)]


def _statement(rng: random.Random, parts: Parts) -> tuple[StatementTruth, bytes, Parts]:
    supplier, customer = _party(rng), _party(rng, customer=True)
    when = date(2025, 8, 1) + timedelta(days=rng.randint(0, 300))
    when = when.replace(day=28)
    opening = Decimal(rng.randint(0, 500000)) / 100
    entries = []
    for _ in range(rng.randint(2, 7)):
        amount = Decimal(rng.randint(5000, 900000)) / 100
        entries.append((when - timedelta(days=rng.randint(1, 27)), f"INV-{rng.randint(1000, 99999)}", amount))
    if opening:
        entries.append((when - timedelta(days=rng.randint(1, 27)), "PMT", -opening))
    entries.sort()
    st = StatementTruth(supplier, customer, when, opening, tuple(entries), opening + sum(a for *_, a in entries))
    parts = replace(parts, totals_form=rng.choice(("boxes", "right")), extra=None)
    title = rng.choice(("STATEMENT", "Statement of Account", "ACCOUNT STATEMENT"))
    return st, _Statement(st, parts, title, f"C{rng.randint(1000, 9999)}").render(), parts


def generate_bad(n: int, seed: int = 0) -> list[BadDocument]:
    """`n` documents that must be held, cycling through BAD_KINDS; parts from the shared vocabulary."""
    rng = random.Random(f"unseen-bad:{seed}")
    out = []
    for i in range(n):
        kind = BAD_KINDS[i % len(BAD_KINDS)]
        inv = random_invoice(rng)
        parts = draw_parts(random.Random(rng.randrange(2**32)), "tune")
        name = f"bad-{i:04d}-{kind}"
        if kind == "statement":
            st, pdf, parts = _statement(rng, parts)
            out.append(BadDocument(name, kind, st, pdf, f"statement/{parts.meta_form}/{parts.totals_form}"))
            continue
        printed: dict[str, Decimal] = {}
        if kind == "mismatch":
            delta = Decimal(rng.choice(("1.00", "10.00", "100.00", "-10.00", "9.00", "0.90")))
            if rng.random() < 0.5:
                printed = {"total": inv.total + delta, "balance": inv.total + delta}
            else:
                printed = {"tax": inv.tax + delta if inv.tax + delta > 0 else inv.tax + abs(delta)}
            layout = _Unseen(inv, parts, printed=printed)
        elif kind == "conflict":
            parts = replace(parts, extra=rng.choice(("due-box", "remit")))
            printed = {"elsewhere": inv.total + Decimal(rng.choice(("100.00", "-50.00", "1000.00", "12.50")))}
            layout = _Unseen(inv, parts, elsewhere=printed["elsewhere"])
        else:
            inv = replace(inv, document_type="credit_note", due_date=None, payment=None)
            total_label = rng.choice(("Total Credit", "Credit Total (inc GST)", "Total credited", "Amount Credited"))
            parts = replace(parts, extra=None, totals=("credit", (("sub", "Subtotal"), ("tax", "GST"),
                                                                  ("total", total_label))))
            words = (rng.choice(("CREDIT NOTE", "Adjustment Note", "Tax Adjustment Note", "Credit Note")),
                     rng.choice(("Credit Note No.", "Adjustment Note No.", "CN Number", "Credit Note #")),
                     f"INV-{rng.randint(1000, 99999)}", rng.choice(("minus", "parens", "plain")))
            layout = _Unseen(inv, parts, credit=words)
        out.append(BadDocument(name, kind, inv, layout.render(), parts.name(), printed))
    return out
