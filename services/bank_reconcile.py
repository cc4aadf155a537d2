"""Reconciling the bank: every open line is first paired with the ledger entries already on its
account (tools.bank.entries), then matched or categorised by the kernel (tools.bank.reconcile:
open bills and invoices, transfers, the rules, the learned categoriser). A line whose best
suggestion reaches the calibrated threshold is reconciled with no person (services.bank_decide
posts the journal, with its evidence); every other line keeps its suggestions for a person.

One transaction for the run's reading and suggestions, and one savepoint per reconciled line: a
line that cannot be posted (a locked period, a bill paid meanwhile) stays open with the reason,
and the others are not lost. Re-running is safe: a reconciled line is never proposed again, and
each posting carries the line's idempotency key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from memory.bank_schema import BankFeed, BankLineRow
from memory.bank_store import BankStore, line_from_row
from memory.db import read_only, unit_of_work
from memory.payments_store import written_run_references
from memory.trading_store import TradingStore
from services import bank_decide, bank_learning
from services.bank_evidence import candidate_dict, entry_dict
from services.context import BooksContext
from tools.bank.balances import ReconciliationStatement
from tools.bank.entries import EntryRef, match_entries
from tools.bank.reconcile import OpenItem, OwnAccount, ReconcileConfig, reconcile
from tools.ledger.problems import LedgerError

ZERO = Decimal("0.00")


@dataclass
class FeedRun:
    account: str
    lines: int = 0
    auto: dict[str, int] = field(default_factory=dict)   # method -> lines reconciled with no person
    exceptions: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)  # could not post, and why


@dataclass
class ReconcileRun:
    threshold: float
    feeds: list[FeedRun] = field(default_factory=list)
    model_version: int | None = None

    @property
    def auto_total(self) -> int:
        return sum(sum(f.auto.values()) for f in self.feeds)

    def as_dict(self) -> dict[str, object]:
        return {"threshold": self.threshold, "model_version": self.model_version,
                "auto": self.auto_total, "exceptions": sum(f.exceptions for f in self.feeds),
                "feeds": [{"account": f.account, "lines": f.lines, "auto": f.auto,
                           "exceptions": f.exceptions, "refused": f.refused} for f in self.feeds]}

    def as_text(self) -> str:
        out = []
        for f in self.feeds:
            methods = ", ".join(f"{n} by {m}" for m, n in sorted(f.auto.items())) or "none"
            out.append(f"{f.account}: {f.lines} open line(s); reconciled with no person: {methods}; "
                       f"{f.exceptions} for a person (`backoffice bank exceptions`)")
            out += [f"  not posted: line #{r['line']}: {r['message']}" for r in f.refused]
        return "\n".join(out) or "no bank feeds yet"


def config_from(ctx: BooksContext) -> ReconcileConfig:
    s = ctx.settings
    return ReconcileConfig(tolerance_amount=s.bank_tolerance_amount,
                           tolerance_fraction=s.bank_tolerance_fraction)


def open_items(session: Session, trading: TradingStore) -> list[OpenItem]:
    """Unpaid posted bills and sales invoices, with what is still outstanding on each. A bill in
    a written payment run also carries the run's reference, which the bank's line for the ABA
    file quotes (one debit for the file, or one per payee)."""
    roles = trading.ledger.roles()
    in_runs = written_run_references(session)
    out: list[OpenItem] = []
    for kind, direction, role in (("bill", "out", "accounts_payable"), ("sale", "in", "accounts_receivable")):
        for inv, outstanding in trading.open_invoices(kind):
            contact = trading.contacts.get(inv.contact_id)
            out.append(OpenItem(item_id=f"{kind}:{inv.id}", kind=kind, direction=direction,  # type: ignore[arg-type]
                                amount=outstanding, contact=contact.name, number=inv.number,
                                date=inv.issue_date, due=inv.due_date, account_code=roles[role],
                                contact_id=contact.id,
                                references=tuple(r for r in (
                                    inv.reference, in_runs.get(inv.id) if kind == "bill" else None)
                                    if r)))
    return out


def own_accounts(store: BankStore) -> list[OwnAccount]:
    """Every fed account, named as transfer narratives name it (the last digits, 'XX1234')."""
    out = []
    for feed in store.feeds():
        digits = "".join(ch for ch in feed.identifier if ch.isdigit())
        ids = tuple(dict.fromkeys(x for x in (feed.identifier, digits[-8:], digits[-4:],
                                              f"XX{digits[-4:]}") if x))
        out.append(OwnAccount(store.feed_code(feed), feed.name, ids))
    return out


def reconcile_all(ctx: BooksContext, *, actor: str, auto: bool = True,
                  date_to: date | None = None) -> ReconcileRun:
    threshold = ctx.settings.bank_auto_confidence
    run = ReconcileRun(threshold)
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        categoriser, run.model_version = bank_learning.current_categoriser(store)
        rules = bank_learning.active_rules(store)
        aliases = bank_learning.entry_aliases(store)
        owned = own_accounts(store)
        items = open_items(session, TradingStore(session, ctx.clock, actor))
        for feed in store.feeds():
            run.feeds.append(_reconcile_feed(ctx, store, feed, items, owned, rules, categoriser,
                                             aliases, threshold=threshold if auto else 2.0,
                                             date_to=date_to))
    return run


def _reconcile_feed(ctx: BooksContext, store: BankStore, feed: BankFeed, items: list[OpenItem],
                    owned: list[OwnAccount], rules: list, categoriser,  # type: ignore[no-untyped-def]
                    aliases: dict[str, frozenset[str]], *, threshold: float,
                    date_to: date | None) -> FeedRun:
    code = store.feed_code(feed)
    rows = store.lines(status="open", feed_id=feed.id, date_to=date_to)
    run = FeedRun(code, lines=len(rows))
    if not rows:
        return run
    entries = store.unclaimed_entries(code, date_from=min(r.posted for r in rows).replace(day=1)
                                      if rows else None)
    # A transfer's entry names the other account as narratives do ("XX1234"), so the far
    # side's "TRANSFER FROM XX1234" agrees with the entry its near side posted.
    names = {a.account_code: " ".join(a.identifiers) for a in owned}
    refs = [EntryRef(e.journal_line_id, e.date, e.amount, " ".join(
        [e.narration, e.description, *(names[c] for c in e.counter_accounts if c in names)]))
        for e in entries]
    by_id = {e.journal_line_id: e for e in entries}
    lines = [line_from_row(r) for r in rows]
    paired = match_entries([(ln.posted, ln.amount, ln.text) for ln in lines], refs, aliases=aliases)
    rest = [n for n in range(len(rows)) if n not in paired]
    proposals = reconcile([lines[n] for n in rest], items, rules=rules, own_accounts=owned,
                          categoriser=categoriser, config=config_from(ctx),
                          keys=[rows[n].line_key for n in rest], bank_account_code=code)
    suggestions: dict[int, list[dict]] = {n: [entry_dict(m, by_id[m.entry_id])] for n, m in paired.items()}
    for n, proposal in zip(rest, proposals):
        suggestions[n] = [candidate_dict(c) for c in proposal.candidates]
    store.save_suggestions((rows[n], suggestions[n]) for n in range(len(rows)))
    for n, row in enumerate(rows):
        best = bank_decide.auto_choice(row, suggestions[n], threshold)
        if best is None:
            run.exceptions += 1
            continue
        try:
            with store.session.begin_nested():
                bank_decide.apply(store, row, best, decided_by="auto", corrected=False)
        except LedgerError as err:
            run.refused.append({"line": str(row.id), "message": str(err)})
            run.exceptions += 1
            continue
        run.auto[best["kind"]] = run.auto.get(best["kind"], 0) + 1
    return run


def exceptions(ctx: BooksContext, *, limit: int = 50) -> list[dict]:
    with read_only(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, "read")
        rows = store.lines(status="open")[:limit]
        return [line_view(r) for r in rows]


def line_view(row: BankLineRow) -> dict:
    line = line_from_row(row)
    return {"id": row.id, "posted": row.posted, "amount": row.amount, "text": line.text,
            "balance": row.balance, "status": row.status,
            "suggestions": json.loads(row.suggestions or "[]")}


def feed_status(ctx: BooksContext) -> list[dict]:
    with read_only(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, "read")
        out = []
        for feed in store.feeds():
            rows = store.lines(feed_id=feed.id)
            rec = reconciliation_statement(store, feed, rows)
            out.append({"account": store.feed_code(feed), "name": feed.name,
                        "identifier": feed.identifier, "lines": len(rows),
                        "open": sum(1 for r in rows if r.status == "open"),
                        "reconciled_to": store.reconciled_to(feed.id),
                        "bank_balance": rec.bank_balance if rec else None,
                        "statement": None if rec is None else {
                            "as_of": rec.as_of, "bank_balance": rec.bank_balance,
                            "open_lines": rec.open_lines, "ledger_balance": rec.ledger_balance,
                            "unclaimed_entries": rec.unclaimed_entries,
                            "difference": rec.difference}})
        return out


def reconciliation_statement(store: BankStore, feed: BankFeed, rows: list[BankLineRow]
                             ) -> ReconciliationStatement | None:
    """The account's bank reconciliation at its last statement line (None before any line, or
    when no statement says what the balance was)."""
    if not rows:
        return None
    as_of = rows[-1].posted
    bank = rows[-1].balance
    if bank is None:     # lines without running balances (OFX, QIF): the statement's closing
        ends = [i for i in store.imports(feed.id) if i.closing_balance is not None
                and i.period_end is not None and i.period_end >= as_of]
        if not ends:
            return None
        bank = min(ends, key=lambda i: i.period_end).closing_balance
    code = store.feed_code(feed)
    starts = [i.period_start or as_of for i in store.imports(feed.id)] + [rows[0].posted]
    unclaimed = [e for e in store.unclaimed_entries(code, date_from=min(starts)) if e.date <= as_of]
    return ReconciliationStatement(
        as_of, bank, store.ledger.movement(code, date(1900, 1, 1), as_of),
        sum((r.amount for r in rows if r.status == "open"), ZERO),
        sum((e.amount for e in unclaimed), ZERO))


def bank_summary(session: Session, clock, as_of: date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """For the month-end report: per feed, reconciled to which date and how many lines open."""
    store = BankStore(session, clock, "read")
    feeds = []
    for feed in store.feeds():
        rows = store.lines(feed_id=feed.id, date_to=as_of)
        feeds.append({"account": store.feed_code(feed), "name": feed.name,
                      "reconciled_to": store.reconciled_to(feed.id),
                      "open": sum(1 for r in rows if r.status == "open"),
                      "open_amount": sum((r.amount for r in rows if r.status == "open"), Decimal("0.00"))})
    return {"feeds": feeds}
