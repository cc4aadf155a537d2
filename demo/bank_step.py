"""The demo's bank: a year of statements generated from the books (demo.bank_feed), written to
HOME/bank/ as the bank's own files (CommBank CSV for the cheque account, OFX for savings),
imported month by month and reconciled by the real bank services.

Through March, before the quarter is locked, a bookkeeper works each month's exceptions. The
demo's stand-in for that person reads the statement's truth (HOME/demo/bank_truth.json): it
accepts the suggestion that is right when one is offered, else matches the ledger entry or
categorises the line, and leaves a line nobody can explain open, as a person waiting for an
answer would. What it decides teaches the categoriser, the payee aliases and the rule proposals,
as a person's decisions do. April to June reconcile with no person: what clears the threshold
posts itself; the rest waits in `backoffice bank exceptions`.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.settings import Settings
from demo.bank_feed import GeneratedStatement, LineTruth, generate_bank_feed, write_statements, write_truth
from demo.company import FY_END, FY_START, LOCK_DATE
from memory.bank_schema import BankLineRow, BankReconciliation
from memory.bank_store import BankStore
from memory.db import read_only, unit_of_work
from services import bank_decide
from services.bank_import import import_statement_file
from services.bank_reconcile import reconcile_all
from tools.ledger.problems import LedgerError

BANK_SEED = 20260701          # its own stream: the rest of the demo draws what it always drew
BOOKKEEPER = "demo:bookkeeper"
RUN = "demo:bank"


@dataclass
class BankSummary:
    files: int = 0
    lines: int = 0
    auto: int = 0                       # reconciled with no person, the whole year
    by_person: int = 0                  # the bookkeeper's decisions, July to March
    open: int = 0                       # waiting for a person now
    after_lock: int = 0                 # lines April to June
    after_lock_auto: int = 0            # ... reconciled with no person
    refused: list[str] = field(default_factory=list)
    folder: Path | None = None

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "lines": self.lines, "auto": self.auto,
                "by_person": self.by_person, "open": self.open,
                "after_lock": {"lines": self.after_lock, "auto": self.after_lock_auto},
                "refused": self.refused, "folder": str(self.folder) if self.folder else None}

    def as_text(self) -> str:
        if not self.files:
            return "  bank         not reconciled"
        rate = self.after_lock_auto / self.after_lock if self.after_lock else 0.0
        return (f"  bank         {self.files} statements, {self.lines} lines: {self.auto} reconciled "
                f"with no person, {self.by_person} by the bookkeeper before the lock, {self.open} "
                f"waiting; April-June {self.after_lock_auto} of {self.after_lock} with no person "
                f"({rate:.0%})\n               statements in {self.folder}")


@dataclass(frozen=True)
class _Context:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock


def reconcile_demo_bank(settings: Settings, sessions: sessionmaker[Session], clock: Clock
                        ) -> BankSummary:
    """Generate, write, import and reconcile the demo year's statements (see the module doc).
    Run before the lock date is set: the bookkeeper's categorising posts into those months."""
    home = settings.home.resolve()
    with read_only(sessions) as session:
        feed = generate_bank_feed(session, random.Random(BANK_SEED), start=FY_START, end=FY_END)
    folder = home / "bank"
    paths = {p.name: p for p in write_statements(feed, folder)}
    write_truth(feed, home / "demo" / "bank_truth.json")
    ctx = _Context(settings, sessions, clock)
    summary = BankSummary(folder=folder)
    truths: dict[int, LineTruth] = {}
    pending = sorted((gs for gs in feed.statements if gs.filename in paths),
                     key=lambda gs: (gs.statement.period_end, gs.account_code))
    for month_end in _month_ends():
        while pending and pending[0].statement.period_end <= month_end:
            truths.update(_import(ctx, pending.pop(0), paths, summary))
        reconcile_all(ctx, actor=RUN, date_to=month_end)
        if month_end <= LOCK_DATE:
            summary.by_person += _bookkeeper(ctx, truths, month_end)
    _count(ctx, summary)
    return summary


def _month_ends() -> list[date]:
    out, year, month = [], FY_START.year, FY_START.month
    while date(year, month, 1) <= FY_END:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        out.append(date.fromordinal(date(year, month, 1).toordinal() - 1))
    return out


def _import(ctx: _Context, gs: GeneratedStatement, paths: dict[str, Path],
            summary: BankSummary) -> dict[int, LineTruth]:
    """Import one statement file; its stored lines paired with their truth by what they say."""
    done = import_statement_file(ctx, paths[gs.filename].read_bytes(), gs.filename, actor=RUN,
                                 account_code=gs.account_code, account_number=gs.identifier)
    summary.files += 1
    by_content: dict[tuple, list[LineTruth]] = defaultdict(list)
    for line, truth in zip(gs.statement.lines, gs.truth):
        by_content[(line.posted, line.amount, " ".join(line.description.split()))].append(truth)
    with read_only(ctx.sessions) as session:
        rows = session.scalars(select(BankLineRow).where(BankLineRow.import_id.in_(
            [s.import_id for s in done.statements])).order_by(BankLineRow.id))
        return {r.id: by_content[(r.posted, r.amount, " ".join(r.description.split()))].pop(0)
                for r in rows}


def _bookkeeper(ctx: _Context, truths: dict[int, LineTruth], month_end: date) -> int:
    """The person's month: every open line up to `month_end` decided as its truth says."""
    with read_only(ctx.sessions) as session:
        queue = [(r.id, r.suggestions) for r in BankStore(session, ctx.clock, RUN).lines(
            status="open", date_to=month_end)]
    decided = 0
    for line_id, raw in queue:
        truth = truths.get(line_id)
        if truth is None or truth.kind == "unknown":
            continue
        suggestions = json.loads(raw or "[]")
        choice = next((n for n, s in enumerate(suggestions, 1) if _is_right(s, truth)), None)
        try:
            if choice is not None:
                bank_decide.accept(ctx, line_id, actor=BOOKKEEPER, choice=choice)
            elif truth.kind == "entry":
                bank_decide.match(ctx, line_id, [f"entry:{truth.journal_line_id}"], actor=BOOKKEEPER)
            else:
                bank_decide.categorise(ctx, line_id, str(truth.account_code), truth.tax_code,
                                       actor=BOOKKEEPER)
        except LedgerError:
            continue                      # the books refuse it: the line stays for a person
        decided += 1
    return decided


def _is_right(suggestion: dict, truth: LineTruth) -> bool:
    kind = suggestion.get("kind")
    if truth.kind == "entry":
        return kind == "entry" and str(suggestion.get("entry")) == str(truth.journal_line_id)
    if truth.kind == "transfer":
        return kind in ("transfer", "categorise", "rule") and suggestion.get("account_code") == truth.account_code
    return (kind in ("categorise", "rule") and suggestion.get("account_code") == truth.account_code
            and (truth.tax_code is None or suggestion.get("tax_code") == truth.tax_code))


def _count(ctx: _Context, summary: BankSummary) -> None:
    with read_only(ctx.sessions) as session:
        rows = list(BankStore(session, ctx.clock, RUN).lines())
        decided = {r.bank_line_id: r.decided_by for r in session.scalars(select(BankReconciliation))}
    summary.lines = len(rows)
    summary.open = sum(1 for r in rows if r.status == "open")
    summary.auto = sum(1 for by in decided.values() if by == "auto")
    late = [r for r in rows if r.posted > LOCK_DATE]
    summary.after_lock = len(late)
    summary.after_lock_auto = sum(1 for r in late if decided.get(r.id) == "auto")
