"""The demo company's bank statements for a period, generated from its books, with ground truth.

What the bank shows is what the books hold on the bank accounts (one line per ledger line on
1100 Business Cheque Account, and on 1110 Business Savings Account if any), worded and dated as a
CommBank feed would (a few business days' processing now and then, never before the ledger date),
plus what the books do not hold yet: card spending, fees on overseas charges, savings interest,
the monthly sweep to savings, the director's drawings and a few payments nobody can explain.
Every line carries its truth: the journal line it is (an entry), a transfer between the two
accounts, the account and tax code it belongs to (a category), or unknown (a person must look).

The books are only read. The rng decides everything else, so one seed gives one feed.
Statements: the cheque account monthly (written as CommBank CSV, which names no account), the
savings account quarterly (written as OFX 1.02, which does).
"""

from __future__ import annotations

import csv
import html
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from demo import bank_feed_text as t
from demo.company import POS_CUSTOMER
from memory.schema import (
    AccountRow,
    Contact,
    Invoice,
    Journal,
    JournalLineRow,
    Organisation,
    Payment,
    PayRun,
)
from tools.bank.model import BankLine, Statement

D = Decimal
ZERO = D("0.00")
CHEQUE, SAVINGS = "1100", "1110"
IDENTIFIERS = {CHEQUE: f"062-000 1012 {t.CHEQUE_TAIL}", SAVINGS: f"062-000 1034 {t.SAVINGS_TAIL}"}
FORMATS = {CHEQUE: "csv:cba", SAVINGS: "ofx"}
KEEP_ABOVE = D("40000")  # the sweep to savings aims to leave this much in the cheque account

Kind = Literal["entry", "transfer", "category", "unknown"]


@dataclass(frozen=True)
class LineTruth:
    kind: Kind
    journal_line_id: int | None = None   # the ledger line an entry is
    account_code: str | None = None      # a category's account; a transfer's other bank account
    tax_code: str | None = None          # a category's tax code


@dataclass(frozen=True)
class GeneratedStatement:
    account_code: str
    identifier: str                      # the account number as the bank prints it
    statement: Statement
    truth: tuple[LineTruth, ...]         # one per statement.lines, in the same order

    @property
    def filename(self) -> str:
        st = self.statement
        ext = "csv" if st.format.startswith("csv") else "ofx"
        return f"{self.account_code}_{st.period_start:%Y-%m-%d}_{st.period_end:%Y-%m-%d}.{ext}"


@dataclass(frozen=True)
class BankFeedSet:
    statements: tuple[GeneratedStatement, ...]

    def for_account(self, code: str) -> tuple[GeneratedStatement, ...]:
        return tuple(s for s in self.statements if s.account_code == code)


@dataclass
class _Draft:
    posted: date
    amount: Decimal
    text: str
    truth: LineTruth


@dataclass(frozen=True)
class _Entry:
    """A ledger line on a bank account and what the books say about it."""
    line_id: int
    on: date
    amount: Decimal
    narration: str
    source_type: str
    invoice_kind: str | None = None
    number: str = ""
    contact_id: int | None = None
    contact: str = ""
    period_end: date | None = None


@dataclass
class _Books:
    opening: dict[str, Decimal] = field(default_factory=dict)
    entries: dict[str, list[_Entry]] = field(default_factory=dict)
    abn: str = ""


def generate_bank_feed(session: Session, rng: random.Random, *, start: date,
                       end: date) -> BankFeedSet:
    books = _read_books(session, start, end)
    styles = _styles(rng, books.entries[CHEQUE])
    cheque = [_entry_line(rng, e, end, styles, books.abn) for e in books.entries[CHEQUE]]
    savings = [_entry_line(rng, e, end, {}, books.abn) for e in books.entries[SAVINGS]]
    months = list(_periods(start, end, 1))
    for first, last in months:
        cheque += _card_spending(rng, first, last)
        cheque += _drawings_and_unknowns(rng, first, last)
    _sweeps(rng, months, books.opening[CHEQUE], cheque, savings)
    _interest(months, books.opening[SAVINGS], savings)
    return BankFeedSet(
        _statements(CHEQUE, cheque, books.opening[CHEQUE], _periods(start, end, 1))
        + _statements(SAVINGS, savings, books.opening[SAVINGS], _periods(start, end, 3)))


# -- reading the books ------------------------------------------------------------------------

def _read_books(session: Session, start: date, end: date) -> _Books:
    books = _Books(abn=session.scalar(select(Organisation.abn)) or "")
    for code in (CHEQUE, SAVINGS):
        on_account = (select(JournalLineRow.id, JournalLineRow.amount, Journal.id, Journal.date,
                             Journal.narration, Journal.source_type)
                      .join(Journal, Journal.id == JournalLineRow.journal_id)
                      .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
                      .where(AccountRow.code == code, Journal.status == "posted"))
        before = session.scalar(select(func.sum(JournalLineRow.amount))
                                .join(Journal, Journal.id == JournalLineRow.journal_id)
                                .join(AccountRow, AccountRow.id == JournalLineRow.account_id)
                                .where(AccountRow.code == code, Journal.status == "posted",
                                       Journal.date < start))
        rows = session.execute(on_account.where(Journal.date >= start, Journal.date <= end)
                               .order_by(Journal.date, Journal.id, JournalLineRow.line_no)).all()
        opening = D(before or 0) + sum((r[1] for r in rows if r[5] == "opening"), ZERO)
        books.opening[code] = opening.quantize(D("0.01"))
        rows = [r for r in rows if r[5] != "opening"]
        journal_ids = sorted({r[2] for r in rows})
        payments = {p[0]: p[1:] for p in session.execute(
            select(Payment.journal_id, Invoice.kind, Invoice.number, Contact.id, Contact.name)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Contact, Contact.id == Invoice.contact_id)
            .where(Payment.journal_id.in_(journal_ids)))}
        runs = dict(session.execute(select(PayRun.journal_id, PayRun.period_end)
                                    .where(PayRun.journal_id.in_(journal_ids))).all())
        books.entries[code] = [
            _Entry(r[0], r[3], r[1], r[4], r[5], *payments.get(r[2], (None, "", None, "")),
                   period_end=runs.get(r[2]))
            for r in rows]
    return books


# -- the books' own lines, as the bank words and dates them ----------------------------------

def _styles(rng: random.Random, entries: list[_Entry]) -> dict[int, tuple[str, bool, str]]:
    """Per contact, fixed for the year: the name the bank prints, whether it pays by Osko (a
    customer), and its direct-entry user id."""
    contacts = sorted({(e.contact_id, e.contact) for e in entries if e.contact_id is not None})
    return {cid: (t.bank_name(name, rng.randint(18, 25)), rng.random() < 0.3,
                  f"{rng.randint(100000, 999999)}") for cid, name in contacts}


def _entry_line(rng: random.Random, e: _Entry, end: date,
                styles: dict[int, tuple[str, bool, str]], abn: str) -> _Draft:
    name, osko, remitter = styles.get(e.contact_id or 0, (t.bank_name(e.contact, 22), False, ""))
    after, roll = 0, True
    if e.invoice_kind == "bill" and e.amount < 0:
        text = t.bill_payment(rng, name, e.number)
        after = rng.choice([1, 2, 3]) if rng.random() < 0.25 else 0
    elif e.invoice_kind == "sale" and e.amount > 0 and (e.contact == POS_CUSTOMER
                                                        or e.number.startswith("POS-")):
        text = t.pos_settlement(rng, e.on)
        after = 1 if rng.random() < 0.2 else 0  # Sunday's takings settle on Monday, or later
    elif e.invoice_kind == "sale" and e.amount > 0:
        text = t.receipt(rng, osko, remitter, name, e.number)
        roll = not osko  # Osko is real time, weekends too
        after = rng.choice([1, 2]) if roll and rng.random() < 0.3 else 0
    elif e.source_type == "payroll":
        text = t.wages(rng, e.on, e.period_end)
    elif e.source_type == "super":
        text = t.superannuation(rng, e.on)
        after = rng.choice([1, 2, 3]) if rng.random() < 0.3 else 0
    elif e.source_type == "bas":
        text = t.ato(rng, abn, e.amount > 0)
        after = rng.choice([1, 2]) if rng.random() < 0.3 else 0
    elif e.narration.startswith("Bank fees"):
        text = t.account_fee(rng)
    elif e.narration.startswith("Loan repayment"):
        text = t.loan_repayment(rng)
    else:
        text = t.other_entry(e.narration)
    posted = t.next_business_day(e.on, after) if roll else e.on
    if posted > end:  # it would fall after the period: the bank was quick this time
        posted = e.on
    return _Draft(posted, e.amount, text, LineTruth("entry", journal_line_id=e.line_id))


# -- what the books do not hold ---------------------------------------------------------------

def _day_in(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _cents(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    return D(rng.randint(int(low * 100), int(high * 100))) / 100


def _card_spending(rng: random.Random, first: date, last: date) -> list[_Draft]:
    out: list[_Draft] = []
    for m in t.MERCHANTS:
        if rng.random() >= m.chance:
            continue
        count = rng.randint(*m.per_month)
        for _ in range(count):
            if m.day is not None:
                bought = first.replace(day=min(m.day, 28))
                if not first <= bought <= last:
                    continue
            else:
                bought = _day_in(rng, first, last)
            posted = min(bought + timedelta(days=rng.choice([0, 1, 1, 2])), last)
            outlet = m.outlets[0] if rng.random() < 0.6 else rng.choice(m.outlets)
            if m.usd:
                usd = _cents(rng, m.low, m.high)
                aud = (usd / D(rng.randint(6350, 6700)) * 10000).quantize(D("0.01"))
                out.append(_Draft(posted, -aud, t.fx_purchase(outlet, usd, bought),
                                  LineTruth("category", account_code=m.account, tax_code=m.tax)))
                rate, account, tax = t.FX_FEE
                out.append(_Draft(posted, -(aud * rate).quantize(D("0.01")), t.fx_fee(rng, bought),
                                  LineTruth("category", account_code=account, tax_code=tax)))
            else:
                out.append(_Draft(posted, -_cents(rng, m.low, m.high),
                                  t.card_purchase(rng, outlet, bought),
                                  LineTruth("category", account_code=m.account, tax_code=m.tax)))
    return out


def _drawings_and_unknowns(rng: random.Random, first: date, last: date) -> list[_Draft]:
    out = [_Draft(t.next_business_day(_day_in(rng, first, last)), -rng.choice(t.DRAWING_AMOUNTS),
                  t.drawing(rng), LineTruth("category", account_code="3100", tax_code="N-T"))
           for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.6:  # a few a year that nobody can explain
        bought = _day_in(rng, first, last)
        text, amount = t.unknown(rng, bought)
        out.append(_Draft(t.next_business_day(bought), amount, text, LineTruth("unknown")))
    return [d for d in out if d.posted <= last]


def _sweeps(rng: random.Random, months: list[tuple[date, date]], opening: Decimal,
            cheque: list[_Draft], savings: list[_Draft]) -> None:
    """Once a month a round amount moves from cheque to savings, when there is money to spare."""
    for first, last in months:
        on = t.next_business_day(first.replace(day=min(rng.randint(18, 26), last.day)))
        if not first <= on <= last:
            continue
        # The owner looks three weeks ahead (the BAS, the rent, a pay run) before sweeping.
        ahead = on + timedelta(days=21)
        balance = opening + sum((d.amount for d in cheque if d.posted < on), ZERO)
        lowest = balance
        for d in sorted((d for d in cheque if on <= d.posted <= ahead), key=lambda d: d.posted):
            balance += d.amount
            lowest = min(lowest, balance)
        spare = (lowest - KEEP_ABOVE) * D(rng.randint(30, 60)) / 100
        amount = min(D(40000), (spare / 1000).quantize(D(1), rounding=ROUND_FLOOR) * 1000)
        amount = max(amount, D(2000))  # a tight month still puts a little away
        if lowest - amount < KEEP_ABOVE / 4:
            continue
        cheque.append(_Draft(on, -amount, t.transfer_out(),
                             LineTruth("transfer", account_code=SAVINGS)))
        savings.append(_Draft(on, amount, t.transfer_in(),
                              LineTruth("transfer", account_code=CHEQUE)))


def _interest(months: list[tuple[date, date]], opening: Decimal, savings: list[_Draft]) -> None:
    """Interest on the daily closing balance, credited on the last day of each month."""
    for first, last in months:
        accrued = ZERO
        day = first
        while day <= last:
            closing = opening + sum((d.amount for d in savings if d.posted <= day), ZERO)
            accrued += max(closing, ZERO) * t.interest_rate(day) / 365
            day += timedelta(days=1)
        amount = accrued.quantize(D("0.01"))
        month_end = (last + timedelta(days=1)).day == 1  # a period cut mid-month credits none yet
        if amount > 0 and month_end:
            savings.append(_Draft(last, amount, t.INTEREST,
                                  LineTruth("category", account_code="4200", tax_code="INP")))


# -- statements -------------------------------------------------------------------------------

def _periods(start: date, end: date, months: int) -> Iterator[tuple[date, date]]:
    """Calendar months (or quarters, from July) clipped to start..end."""
    first = start.replace(day=1)
    if months == 3:
        first = first.replace(month=first.month - (first.month - 1) % 3)
    while first <= end:
        nxt = date(first.year + (first.month + months - 1) // 12,
                   (first.month + months - 1) % 12 + 1, 1)
        yield max(first, start), min(nxt - timedelta(days=1), end)
        first = nxt


def _statements(code: str, drafts: list[_Draft], opening: Decimal,
                periods: Iterator[tuple[date, date]]) -> tuple[GeneratedStatement, ...]:
    ordered = sorted(enumerate(drafts), key=lambda p: (p[1].posted, p[1].amount < 0, p[0]))
    out, balance, fitid = [], opening, 0
    for first, last in periods:
        lines, truth, start_balance = [], [], balance
        for _, d in ordered:
            if not first <= d.posted <= last:
                continue
            balance += d.amount
            fitid += 1
            if code == SAVINGS:
                kind = {"transfer": "XFER", "category": "INT"}.get(d.truth.kind, "")
                kind = kind or ("CREDIT" if d.amount > 0 else "DEBIT")
                lines.append(BankLine(d.posted, d.amount, d.text, bank_id=_fitid(d.posted, fitid),
                                      payee=d.text[:32].rstrip(), balance=balance, kind=kind))
            else:
                lines.append(BankLine(d.posted, d.amount, d.text, balance=balance))
            truth.append(d.truth)
        st = Statement(FORMATS[code], IDENTIFIERS[code], "AUD", tuple(lines), start_balance,
                       balance, first, last)
        out.append(GeneratedStatement(code, IDENTIFIERS[code], st, tuple(truth)))
    return tuple(out)


def _fitid(posted: date, n: int) -> str:
    return f"{posted:%Y%m%d}{n:06d}"


# -- files ------------------------------------------------------------------------------------

def write_statements(feed: BankFeedSet, folder: Path) -> list[Path]:
    """Each statement as the bank's file: CommBank CSV (newest first, as CommBank writes it) for
    the cheque account, OFX 1.02 for the savings account. A month without lines writes no CSV
    (an empty CommBank export is not a statement)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for gs in feed.statements:
        if gs.statement.format == "ofx":
            data = _ofx(gs)
        elif gs.statement.lines:
            data = _cba_csv(gs.statement)
        else:
            continue
        path = folder / gs.filename
        path.write_bytes(data)
        paths.append(path)
    return paths


def _cba_csv(st: Statement) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for line in reversed(st.lines):
        writer.writerow([f"{line.posted:%d/%m/%Y}", f"{line.amount:+.2f}", line.description,
                         f"{line.balance:+.2f}"])
    return buffer.getvalue().encode("utf-8")


def _ofx(gs: GeneratedStatement) -> bytes:
    st = gs.statement
    bsb, number = gs.identifier.replace("-", "").split(" ", 1)
    end = f"{st.period_end:%Y%m%d}"
    out = ["OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII",
           "CHARSET:1252", "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", "",
           "<OFX>", "<SIGNONMSGSRSV1>", "<SONRS>", "<STATUS>", "<CODE>0", "<SEVERITY>INFO",
           "</STATUS>", f"<DTSERVER>{end}120000[+10:AEST]", "<LANGUAGE>ENG", "<FI>", "<ORG>CBA",
           f"<FID>{bsb}", "</FI>", "</SONRS>", "</SIGNONMSGSRSV1>", "<BANKMSGSRSV1>",
           "<STMTTRNRS>", "<TRNUID>1", "<STATUS>", "<CODE>0", "<SEVERITY>INFO", "</STATUS>",
           "<STMTRS>", "<CURDEF>AUD", "<BANKACCTFROM>", f"<BANKID>{bsb}",
           f"<ACCTID>{number.replace(' ', '')}", "<ACCTTYPE>SAVINGS", "</BANKACCTFROM>",
           "<BANKTRANLIST>", f"<DTSTART>{st.period_start:%Y%m%d}", f"<DTEND>{end}"]
    for line in st.lines:
        out += ["<STMTTRN>", f"<TRNTYPE>{line.kind}", f"<DTPOSTED>{line.posted:%Y%m%d}",
                f"<TRNAMT>{line.amount:.2f}", f"<FITID>{line.bank_id}",
                f"<NAME>{html.escape(line.payee, quote=False)}"]
        if line.description != line.payee:
            out.append(f"<MEMO>{html.escape(line.description, quote=False)}")
        out.append("</STMTTRN>")
    out += ["</BANKTRANLIST>", "<LEDGERBAL>", f"<BALAMT>{st.closing_balance:.2f}",
            f"<DTASOF>{end}", "</LEDGERBAL>", "</STMTRS>", "</STMTTRNRS>", "</BANKMSGSRSV1>",
            "</OFX>", ""]
    return "\r\n".join(out).encode("ascii")


def write_truth(feed: BankFeedSet, path: Path) -> Path:
    """The ground truth per file and line (lines oldest first, as in Statement.lines)."""
    files = []
    for gs in feed.statements:
        st = gs.statement
        files.append({
            "file": gs.filename, "account_code": gs.account_code, "identifier": gs.identifier,
            "format": st.format, "period_start": st.period_start.isoformat(),
            "period_end": st.period_end.isoformat(), "opening_balance": str(st.opening_balance),
            "closing_balance": str(st.closing_balance), "written": bool(st.lines)
            or st.format == "ofx",
            "lines": [{"date": line.posted.isoformat(), "amount": str(line.amount),
                       "text": line.description, "balance": str(line.balance),
                       "truth": {"kind": tr.kind, "journal_line_id": tr.journal_line_id,
                                 "account_code": tr.account_code, "tax_code": tr.tax_code}}
                      for line, tr in zip(st.lines, gs.truth, strict=True)]})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"statements": files}, indent=1) + "\n", encoding="utf-8")
    return path
