"""The bank-rec eval's businesses: a year of books, a year of bank statements and the truth of
every statement line, in the terms of the books the reconciliation runs against.

One business per seed. Its books are the demo's history (demo.history: sales, bills, payroll,
overheads, quarterly BAS and super) on a fresh SQLite database, no lock date. The books are built
TWICE with the same seed:

* complete - every bill and invoice paid as the demo pays it. The bank feed is generated from
  these (demo.bank_feed: one line per ledger line on the bank accounts, worded and dated as the
  bank would, plus card spending, FX fees, drawings, sweeps to savings, interest, unknowns);
* under test - the same, except that a deterministic subset of supplier bills and trade
  invoices are left unpaid (their `record_payment` is skipped; it draws no randomness, so
  everything else is identical): 15% of those paid in the training months, 40% of those paid
  in the held-out months. Their payments are still in the bank, so those lines must be matched
  to the open bill or invoice, not to a ledger entry.

Truth is mapped from the complete books to the books under test by content, never by database
id: a ledger entry by (date, amount, narration), in order; a skipped payment by the invoice's
kind and number.

Added to the held-out months of the books under test (and their bank lines to the cheque
account), each month:
* twins: two open bills of the same amount from two suppliers, and one payment of that amount
  whose text names neither and quotes no reference. Nobody can tell which bill it pays; it must
  not be matched with no person (truth: ambiguous).
* several bills: three bills of one supplier paid by one payment naming the supplier.
* a receipt short by a merchant fee: a trade invoice received 1.75% short (within the 2%
  tolerance), the payer named, the invoice number quoted every other month.

Statements are cut by calendar month for both accounts (the demo writes savings quarterly; a
quarter would straddle the training and held-out months). Training months are written as the demo
writes them (cheque: CommBank CSV, savings: OFX); the held-out months of a business with
`heldout_format` in the formats no training month uses (cheque: QIF, savings: camt.053; see
evals.generators.bank_formats for why the cheque account is not camt).
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from adapters.clock import SteppingClock
from demo import history as h
from demo.bank_feed import (
    CHEQUE,
    IDENTIFIERS,
    SAVINGS,
    BankFeedSet,
    GeneratedStatement,
    LineTruth,
    generate_bank_feed,
    write_statements,
)
from demo.bank_feed_text import bank_name
from demo.company import CUSTOMERS, FY_END, FY_START, ORGANISATION, SUPPLIERS
from evals.generators.bank_formats import StatementLine, write_camt053, write_qif
from memory.contacts_store import ContactsStore
from memory.db import create_db_engine, read_only, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.schema import AccountRow, Contact, Invoice, Journal, JournalLineRow, Payment
from memory.trading_store import TradingStore
from tools.bank.model import BankLine, Statement
from tools.ledger.postings import DocumentLine

D = Decimal
AEST = timezone(timedelta(hours=10))
HELDOUT_FROM = date(2026, 3, 1)            # March to June are held out; July to February train
SKIP_TRAINING, SKIP_HELDOUT = 15, 40       # percent of trade payments left unpaid in the books
FEE_RATE = D("0.0175")
TruthKind = Literal["entry", "match", "transfer", "category", "unknown"]


@dataclass(frozen=True)
class Truth:
    """What a bank line is, in the books under test."""
    kind: TruthKind
    entry: int | None = None               # the journal line (on the bank account) it is
    items: tuple[str, ...] = ()            # "bill:ID" / "sale:ID" it settles, sorted
    account_code: str | None = None        # a category's account; a transfer's other account
    tax_code: str | None = None
    ambiguous: bool = False                # no one could tell which item: never automatic
    note: str = ""                         # what it is, for the report ("bill CER-260300 unpaid")


@dataclass(frozen=True)
class FeedLine:
    account_code: str
    line: BankLine                         # as the bank states it; balance filled in per month
    truth: Truth


@dataclass(frozen=True)
class MonthFile:
    month: date                            # the first of the month
    account_code: str
    filename: str
    data: bytes
    format: str                            # csv:cba, ofx, qif, camt053
    lines: tuple[FeedLine, ...]            # in the order the file states them (oldest first)


@dataclass
class Business:
    seed: int
    database: Path
    files: list[MonthFile]
    skipped: dict[str, str] = field(default_factory=dict)     # "bill:CER-2603..." -> month
    specials: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database}"


def months() -> list[date]:
    return [date(FY_START.year + (FY_START.month + i - 1) // 12, (FY_START.month + i - 1) % 12 + 1, 1)
            for i in range(12)]


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _stable(*parts: object) -> int:
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 100


# -- the books ------------------------------------------------------------------------------

class _Skipping(TradingStore):
    """The demo's trading, except that the payments of `skip` (kind, number) are not recorded."""

    skip: frozenset[tuple[str, str]] = frozenset()

    def record_payment(self, invoice, on, amount, **kw):  # type: ignore[no-untyped-def, override]
        if (invoice.kind, invoice.number) in self.skip:
            return None
        return super().record_payment(invoice, on, amount, **kw)


def build_books(path: Path, seed: int, skip: frozenset[tuple[str, str]] = frozenset()) -> Engine:
    path.unlink(missing_ok=True)
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    clock = SteppingClock(datetime(2026, 6, 30, 17, 0, tzinfo=AEST))
    rng, record = random.Random(seed), h.History()
    with unit_of_work(session_factory(engine)) as session:
        ledger = LedgerStore(session, clock, "demo")
        ledger.create_organisation(ORGANISATION["name"], ORGANISATION["abn"], state=ORGANISATION["state"])
        trading = _Skipping(session, clock, "demo")
        trading.skip = skip
        h.set_up_contacts(ContactsStore(session, clock, "demo"), record)
        h.opening_balances(ledger)
        h.post_sales(trading, rng, record)
        h.post_bills(trading, rng, record, frozenset())
        h.post_payroll(trading, rng, record)
        h.post_monthly_overheads(ledger, record)
        h.settle_quarters(ledger, record)
    return engine


def _bank_entries(session: Session) -> list[tuple[int, date, Decimal, str, int]]:
    """(journal line id, date, amount, narration, journal id) of every ledger line on the two
    bank accounts, in id order."""
    rows = session.execute(
        select(JournalLineRow.id, Journal.date, JournalLineRow.amount, Journal.narration, Journal.id)
        .join(Journal, Journal.id == JournalLineRow.journal_id)
        .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
        .where(AccountRow.code.in_((CHEQUE, SAVINGS)), Journal.status == "posted")
        .order_by(JournalLineRow.id)).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _payments(session: Session) -> dict[int, tuple[str, str, date]]:
    """Journal id of a payment → (invoice kind, number, payment date)."""
    rows = session.execute(select(Payment.journal_id, Invoice.kind, Invoice.number, Payment.date)
                           .join(Invoice, Invoice.id == Payment.invoice_id)).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _skip_set(payments: dict[int, tuple[str, str, date]], seed: int) -> dict[tuple[str, str], date]:
    out = {}
    for kind, number, paid in payments.values():
        if number.startswith("POS-"):   # the weekly takings: paid the day they are invoiced
            continue
        share = SKIP_HELDOUT if paid >= HELDOUT_FROM else SKIP_TRAINING
        if _stable(seed, kind, number) < share:
            out[(kind, number)] = paid
    return out


# -- the business ---------------------------------------------------------------------------

def build_business(folder: Path, seed: int, *, heldout_format: bool = False) -> Business:
    """Both sets of books, the feed, the special cases and the month files, under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    complete = build_books(folder / "complete.db", seed)
    try:
        with read_only(session_factory(complete)) as session:
            feed = generate_bank_feed(session, random.Random(seed * 7919 + 1), start=FY_START,
                                      end=FY_END)
            entries_a = _bank_entries(session)
            payments_a = _payments(session)
    finally:
        complete.dispose()
    skip = _skip_set(payments_a, seed)
    engine = build_books(folder / "books.db", seed, frozenset(skip))
    try:
        with unit_of_work(session_factory(engine)) as session:
            lines = _truths(session, feed, entries_a, payments_a, skip)
            special_lines, notes = _specials(session, seed)
            lines[CHEQUE] += special_lines
    finally:
        engine.dispose()
    business = Business(seed, folder / "books.db", [],
                        {f"{k}:{n}": f"{d:%Y-%m}" for (k, n), d in sorted(skip.items())},
                        notes)
    business.files = month_files(lines, feed, folder / "statements", heldout_format=heldout_format)
    (folder / "complete.db").unlink(missing_ok=True)
    return business


def _truths(session: Session, feed: BankFeedSet, entries_a: list[tuple[int, date, Decimal, str, int]],
            payments_a: dict[int, tuple[str, str, date]], skip: dict[tuple[str, str], date],
            ) -> dict[str, list[FeedLine]]:
    """Every feed line with its truth in the books under test."""
    by_content: dict[tuple[date, Decimal, str], list[int]] = defaultdict(list)
    for line_id, on, amount, narration, _ in _bank_entries(session):
        by_content[(on, amount, narration)].append(line_id)
    invoices = {(i.kind, i.number): i.id for i in session.scalars(select(Invoice))}
    entry_a = {r[0]: r for r in entries_a}
    out: dict[str, list[FeedLine]] = {CHEQUE: [], SAVINGS: []}
    for gs in feed.statements:
        for line, truth in zip(gs.statement.lines, gs.truth, strict=True):
            out[gs.account_code].append(FeedLine(gs.account_code, replace(line, balance=None),
                                                 _truth(truth, entry_a, payments_a, skip,
                                                        by_content, invoices)))
    return out


def _truth(truth: LineTruth, entry_a: dict, payments_a: dict, skip: dict, by_content: dict,
           invoices: dict) -> Truth:
    if truth.kind == "transfer":
        return Truth("transfer", account_code=truth.account_code, note="transfer")
    if truth.kind == "category":
        return Truth("category", account_code=truth.account_code, tax_code=truth.tax_code,
                     note=f"category {truth.account_code} {truth.tax_code}")
    if truth.kind == "unknown":
        return Truth("unknown", note="unknown")
    _, on, amount, narration, journal_id = entry_a[truth.journal_line_id]
    paid = payments_a.get(journal_id)
    if paid is not None and (paid[0], paid[1]) in skip:
        kind, number, _ = paid
        return Truth("match", items=(f"{kind}:{invoices[(kind, number)]}",),
                     note=f"{'bill' if kind == 'bill' else 'invoice'} {number} unpaid in the books")
    ids = by_content[(on, amount, narration)]
    if not ids:
        raise RuntimeError(f"no ledger entry in the books under test for {on} {amount} {narration!r}")
    return Truth("entry", entry=ids.pop(0), note=f"entry {narration[:50]}")


def _specials(session: Session, seed: int) -> tuple[list[FeedLine], list[str]]:
    """The twins, the payment of several bills and the fee-short receipt of each held-out month."""
    clock = SteppingClock(datetime(2026, 6, 30, 18, 0, tzinfo=AEST))
    trading = TradingStore(session, clock, "eval")
    contacts = _contact_ids(session)
    rng = random.Random(seed * 104729 + 3)
    out: list[FeedLine] = []
    notes: list[str] = []
    small = [s for s in SUPPLIERS if not s.uses_purchase_orders and not s.fixed_monthly]
    for n, first in enumerate(m for m in months() if m >= HELDOUT_FROM):
        tag = f"{first:%y%m}"
        # Twins: the same amount from two suppliers; the payment names neither.
        x, y = rng.sample(small, 2)
        price = D(rng.randint(41000, 89000)) / 100
        twins = [trading.create_invoice("bill", contacts[s.name], f"TW{tag}-{k}", first + timedelta(days=2),
                                        [DocumentLine("Sundry services", D(1), price, s.default_account, "GST")],
                                        due_date=first + timedelta(days=16))
                 for k, s in (("A", x), ("B", y))]
        paid_on = first + timedelta(days=17 + rng.randint(0, 4))
        out.append(FeedLine(CHEQUE, BankLine(paid_on, -twins[0].total,
                                             rng.choice([f"INTERNET PAYMENT {rng.randint(100000, 999999)}",
                                                         f"NETBANK BPAY {rng.randint(10000, 99999)}",
                                                         "ONLINE PAYMENT THANK YOU"])),
                            Truth("match", items=(f"bill:{twins[0].id}",), ambiguous=True,
                                  note=f"twins {twins[0].number}/{twins[1].number} "
                                       f"({x.key}/{y.key}) ${twins[0].total}")))
        notes.append(f"{first:%Y-%m} twins {x.key}/{y.key} ${twins[0].total}")
        # One payment for three bills of one supplier.
        z = small[(seed + n) % len(small)]
        bills = [trading.create_invoice("bill", contacts[z.name], f"MB{tag}-{k}", first + timedelta(days=1 + 3 * k),
                                        [DocumentLine("Services", D(1), D(rng.randint(9000, 60000)) / 100,
                                                      z.default_account, "GST")])
                 for k in range(1, 4)]
        total = sum((b.total for b in bills), D("0.00"))
        paid_on = first + timedelta(days=22 + rng.randint(0, 3))
        out.append(FeedLine(CHEQUE, BankLine(paid_on, -total, f"PAYMENT TO {bank_name(z.name, 22)}"),
                            Truth("match", items=tuple(sorted(f"bill:{b.id}" for b in bills)),
                                  note=f"one payment for {', '.join(b.number for b in bills)} ({z.key})")))
        notes.append(f"{first:%Y-%m} three bills {z.key} ${total}")
        # A receipt short by the card processor's fee.
        c = CUSTOMERS[(seed + n) % len(CUSTOMERS)]
        amount = D(rng.randint(120000, 480000)) / 100
        sale = trading.create_invoice("sale", contacts[c.name], f"INV-F{tag}",
                                      first + timedelta(days=3),
                                      [DocumentLine("Homewares - trade order", D(1), amount, "4100", "GST")])
        fee = (sale.total * FEE_RATE).quantize(D("0.01"))
        quoted = f" {sale.number}" if n % 2 == 0 else ""
        out.append(FeedLine(CHEQUE, BankLine(first + timedelta(days=19), sale.total - fee,
                                             f"DIRECT CREDIT {rng.randint(100000, 999999)} "
                                             f"{bank_name(c.name, 20)}{quoted}"),
                            Truth("match", items=(f"sale:{sale.id}",),
                                  note=f"invoice {sale.number} less a ${fee} merchant fee")))
        notes.append(f"{first:%Y-%m} fee-short receipt {sale.number} ${sale.total} - ${fee}")
    return out, notes


def _contact_ids(session: Session) -> dict[str, int]:
    return {c.name: c.id for c in session.scalars(select(Contact))}


# -- the statement files --------------------------------------------------------------------

def month_files(lines: dict[str, list[FeedLine]], feed: BankFeedSet, folder: Path, *,
                heldout_format: bool) -> list[MonthFile]:
    """Each account's lines cut by calendar month, running balances from the feed's opening
    balance, written in the month's format."""
    folder.mkdir(parents=True, exist_ok=True)
    openings = {code: feed.for_account(code)[0].statement.opening_balance for code in (CHEQUE, SAVINGS)}
    out: list[MonthFile] = []
    for code in (CHEQUE, SAVINGS):
        ordered = sorted(lines[code], key=lambda fl: fl.line.posted)   # stable: the feed's order
        balance = openings[code]
        for first in months():
            last = month_end(first)
            chunk = [fl for fl in ordered if first <= fl.line.posted <= last]
            if not chunk:
                continue
            opening = balance
            stated = []
            for fl in chunk:
                balance += fl.line.amount
                stated.append(replace(fl, line=replace(fl.line, balance=balance)))
            out.append(_write(code, first, last, stated, opening, folder,
                              heldout_format and first >= HELDOUT_FROM))
    return sorted(out, key=lambda f: (f.month, f.account_code))


def _write(code: str, first: date, last: date, stated: list[FeedLine], opening: Decimal,
           folder: Path, heldout: bool) -> MonthFile:
    bank_lines = tuple(fl.line for fl in stated)
    name = f"{code}_{first:%Y-%m}"
    if heldout and code == CHEQUE:
        data, fmt, filename = write_qif([_stated(ln) for ln in bank_lines]), "qif", f"{name}.qif"
    elif heldout:
        data = write_camt053(IDENTIFIERS[code], [_stated(ln) for ln in bank_lines], opening=opening,
                             statement_id=f"STMT-{code}-{first:%Y%m}", created=last,
                             period=(first, last))
        fmt, filename = "camt053", f"{name}.xml"
    else:
        fmt = "csv:cba" if code == CHEQUE else "ofx"
        st = Statement(fmt, IDENTIFIERS[code], "AUD", bank_lines, opening, bank_lines[-1].balance,
                       first, last)
        gs = GeneratedStatement(code, IDENTIFIERS[code], st, tuple(LineTruth("unknown") for _ in bank_lines))
        [path] = write_statements(BankFeedSet((gs,)), folder / name)
        data, filename = path.read_bytes(), path.name
    return MonthFile(first, code, filename, data, fmt, tuple(stated))


def _stated(line: BankLine) -> StatementLine:
    return StatementLine(line.posted, line.amount, line.description, reference="",
                         bank_id=line.bank_id or "")

