"""Bank feeds, statement lines and reconciliations (tables in memory.bank_schema).

The store only stores: reading files, matching and deciding are in tools.bank and services.bank.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import Clock
from memory import audit
from memory.bank_schema import (
    BankFeed,
    BankImport,
    BankLineRow,
    BankMatchedEntry,
    BankModelRow,
    BankReconciliation,
    BankRuleRow,
)
from memory.ledger_store import LedgerStore, guarded
from memory.schema import AccountRow, Journal, JournalLineRow
from tools.bank.model import BankLine, Statement, line_basis, line_key
from tools.ledger.problems import LedgerError, Problem


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    feed_id: int
    account_code: str
    lines_read: int
    lines_new: int
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class LedgerEntry:
    """A ledger line on a bank account that no bank line has claimed yet."""

    journal_line_id: int
    journal_id: int
    date: date
    amount: Decimal          # signed as the bank sees it: a debit to the bank account is money in
    narration: str
    description: str
    source_type: str
    counter_accounts: tuple[str, ...]  # the journal's other accounts (what the money was for)


UNNAMED = "LEDGER"            # a feed's identifier until someone gives the account's number


def normalise_identifier(identifier: str) -> str:
    """Account numbers as statements print them: '062-000 1234 5678', '062000 12345678' are one."""
    return "".join(ch for ch in identifier.upper() if ch.isalnum())


def line_from_row(row: BankLineRow) -> BankLine:
    return BankLine(posted=row.posted, amount=row.amount, description=row.description,
                    bank_id=row.bank_id, payee=row.payee, reference=row.reference,
                    balance=row.balance, kind=row.kind)


class BankStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor
        self.ledger = LedgerStore(session, clock, actor)

    def _audit(self, action: str, entity_type: str, entity_id: object, payload: dict) -> None:
        audit.append(self.session, self.clock, actor=self.actor, action=action,
                     entity_type=entity_type, entity_id=entity_id, payload=payload)

    # -- feeds --------------------------------------------------------------------------------
    def feeds(self) -> list[BankFeed]:
        return list(self.session.scalars(select(BankFeed).order_by(BankFeed.id)))

    def feed_code(self, feed: BankFeed) -> str:
        return self.session.get(AccountRow, feed.account_id).code  # type: ignore[union-attr]

    def feed_code_of(self, feed_id: int) -> str:
        feed = self.session.get(BankFeed, feed_id)
        if feed is None:
            raise LedgerError.single("unknown_bank_feed", f"There is no bank feed {feed_id}")
        return self.feed_code(feed)

    def feed_for_account(self, account_code: str) -> BankFeed | None:
        account_id = self.ledger.account_id(account_code)
        return self.session.scalar(select(BankFeed).where(BankFeed.account_id == account_id))

    def find_feed(self, identifier: str | None) -> BankFeed | None:
        if not identifier:
            return None
        return self.session.scalar(
            select(BankFeed).where(BankFeed.identifier == normalise_identifier(identifier)))

    def add_feed(self, account_code: str, identifier: str, *, name: str = "",
                 currency: str = "AUD") -> BankFeed:
        account = self.ledger.accounts().get(account_code)
        if account is None:
            raise LedgerError.single("unknown_account", f"There is no account {account_code!r}")
        is_card = account.type == "liability" and "card" in account.name.lower()
        if not (account.type == "asset" and account.subtype == "bank") and not is_card:
            raise LedgerError.single("not_a_bank_account",
                                     f"Account {account_code} {account.name} is not a bank or card account")
        feed = BankFeed(account_id=self.ledger.account_id(account_code),
                        identifier=normalise_identifier(identifier), name=name or account.name,
                        currency=currency, created_at=self.clock.now())
        with guarded(self.session):
            self.session.add(feed)
            self.session.flush()
            self._audit("bank.feed_added", "bank_feed", feed.id,
                        {"account": account_code, "identifier": feed.identifier})
        return feed

    def name_feed(self, feed: BankFeed, identifier: str) -> BankFeed:
        """Give a feed linked from a file that did not name its account (LEDGER-<code>) the
        account's real number."""
        if not feed.identifier.startswith(UNNAMED):
            raise LedgerError.single("account_mismatch", f"The {feed.name} feed is already "
                                                         f"for account {feed.identifier}")
        before, feed.identifier = feed.identifier, normalise_identifier(identifier)
        with guarded(self.session):
            self.session.flush()
            self._audit("bank.feed_named", "bank_feed", feed.id,
                        {"before": before, "identifier": feed.identifier})
        return feed

    # -- imports ------------------------------------------------------------------------------
    def previous_import(self, feed_id: int, before: date | None) -> BankImport | None:
        """The latest earlier statement of this feed with a known end (for gap checks)."""
        query = select(BankImport).where(BankImport.feed_id == feed_id,
                                         BankImport.period_end.is_not(None))
        if before is not None:
            query = query.where(BankImport.period_end < before)
        return self.session.scalar(query.order_by(BankImport.period_end.desc(), BankImport.id.desc()))

    def record_statement(self, feed: BankFeed, statement: Statement, *, filename: str, sha256: str,
                         problems: Sequence[Problem]) -> ImportResult:
        """Store a statement's lines that this feed does not hold yet; all or nothing."""
        seen: Counter[str] = Counter()
        keyed: list[tuple[str, BankLine]] = []
        for ln in statement.lines:
            base = line_basis(feed.identifier, ln)
            keyed.append((line_key(feed.identifier, ln, seen[base], basis=base), ln))
            seen[base] += 1
        keys = [k for k, _ in keyed]
        existing: set[str] = set()
        for start in range(0, len(keys), 500):  # keep the IN list within every database's limits
            existing.update(self.session.scalars(select(BankLineRow.line_key).where(
                BankLineRow.feed_id == feed.id, BankLineRow.line_key.in_(keys[start:start + 500]))))
        fresh = [(k, ln) for k, ln in keyed if k not in existing]
        with guarded(self.session):
            record = BankImport(
                feed_id=feed.id, filename=filename[:300], file_sha256=sha256, format=statement.format,
                period_start=statement.period_start, period_end=statement.period_end,
                opening_balance=statement.opening_balance, closing_balance=statement.closing_balance,
                lines_read=len(keyed), lines_new=len(fresh),
                problems=json.dumps([{"code": p.code, "message": p.message} for p in problems]),
                imported_by=self.actor, imported_at=self.clock.now())
            self.session.add(record)
            self.session.flush()
            self.session.bulk_insert_mappings(BankLineRow, [  # type: ignore[arg-type]
                {"feed_id": feed.id, "line_key": k, "import_id": record.id, "posted": ln.posted,
                 "amount": ln.amount, "description": ln.description[:500], "payee": ln.payee[:200],
                 "reference": ln.reference[:200], "bank_id": ln.bank_id, "balance": ln.balance,
                 "kind": ln.kind[:40], "status": "open", "suggestions": "[]"}
                for k, ln in fresh])
            self._audit("bank.statement_imported", "bank_import", record.id,
                        {"feed": feed.identifier, "format": statement.format, "read": len(keyed),
                         "new": len(fresh), "sha256": sha256})
        return ImportResult(record.id, feed.id, self.feed_code(feed), len(keyed), len(fresh),
                            tuple(problems))

    def imports(self, feed_id: int | None = None) -> list[BankImport]:
        query = select(BankImport).order_by(BankImport.id)
        if feed_id is not None:
            query = query.where(BankImport.feed_id == feed_id)
        return list(self.session.scalars(query))

    # -- lines --------------------------------------------------------------------------------
    def line(self, line_id: int) -> BankLineRow:
        row = self.session.get(BankLineRow, line_id)
        if row is None:
            raise LedgerError.single("unknown_bank_line", f"There is no bank line {line_id}")
        return row

    def lines(self, *, status: str | None = None, feed_id: int | None = None,
              date_from: date | None = None, date_to: date | None = None) -> list[BankLineRow]:
        query = select(BankLineRow).order_by(BankLineRow.posted, BankLineRow.id)
        if status:
            query = query.where(BankLineRow.status == status)
        if feed_id is not None:
            query = query.where(BankLineRow.feed_id == feed_id)
        if date_from:
            query = query.where(BankLineRow.posted >= date_from)
        if date_to:
            query = query.where(BankLineRow.posted <= date_to)
        return list(self.session.scalars(query))

    def save_suggestions(self, rows: Iterable[tuple[BankLineRow, list[dict]]]) -> None:
        now = self.clock.now()
        for row, suggestions in rows:
            row.suggestions = json.dumps(suggestions, sort_keys=True)
            row.suggested_at = now
        self.session.flush()

    def status_counts(self) -> dict[str, int]:
        return dict(self.session.execute(
            select(BankLineRow.status, func.count()).group_by(BankLineRow.status)).all())

    # -- ledger entries on bank accounts ------------------------------------------------------
    def unclaimed_entries(self, account_code: str, date_from: date | None = None) -> list[LedgerEntry]:
        account_id = self.ledger.account_id(account_code)
        claimed = select(BankMatchedEntry.journal_line_id)
        query = (select(JournalLineRow, Journal)
                 .join(Journal, Journal.id == JournalLineRow.journal_id)
                 .where(JournalLineRow.account_id == account_id,
                        JournalLineRow.id.not_in(claimed))
                 .order_by(Journal.date, JournalLineRow.id))
        if date_from is not None:
            query = query.where(Journal.date >= date_from)
        pairs = list(self.session.execute(query).all())
        codes = {row.id: row.code for row in self.session.scalars(select(AccountRow))}
        others: dict[int, list[str]] = {}
        journal_ids = list({j.id for _, j in pairs})
        for start in range(0, len(journal_ids), 500):
            for jl in self.session.scalars(select(JournalLineRow).where(
                    JournalLineRow.journal_id.in_(journal_ids[start:start + 500]),
                    JournalLineRow.account_id != account_id)):
                others.setdefault(jl.journal_id, []).append(codes[jl.account_id])
        return [LedgerEntry(jl.id, j.id, j.date, jl.amount, j.narration, jl.description,
                            j.source_type or "", tuple(dict.fromkeys(others.get(j.id, ()))))
                for jl, j in pairs]

    # -- reconciliations ----------------------------------------------------------------------
    def reconciliation_for(self, line_id: int) -> BankReconciliation | None:
        return self.session.scalar(select(BankReconciliation).where(
            BankReconciliation.bank_line_id == line_id))

    def by_idempotency_key(self, key: str) -> BankReconciliation | None:
        return self.session.scalar(select(BankReconciliation).where(
            BankReconciliation.idempotency_key == key))

    def record_reconciliation(self, row: BankLineRow, *, method: str, decided_by: str,
                              confidence: float | None, account_code: str | None,
                              tax_code: str | None, corrected: bool, evidence: dict,
                              journal_ids: Sequence[int], entry_line_ids: Sequence[int],
                              idempotency_key: str) -> BankReconciliation:
        if row.status != "open":
            raise LedgerError.single("already_reconciled", f"Bank line {row.id} is already reconciled")
        rec = BankReconciliation(
            bank_line_id=row.id, method=method, decided_by=decided_by, confidence=confidence,
            account_code=account_code, tax_code=tax_code, corrected=corrected,
            evidence=json.dumps(evidence, sort_keys=True, default=str),
            journal_ids=json.dumps(list(journal_ids)), idempotency_key=idempotency_key,
            created_at=self.clock.now())
        with guarded(self.session):
            self.session.add(rec)
            self.session.flush()
            for entry_id in entry_line_ids:
                self.session.add(BankMatchedEntry(journal_line_id=entry_id, reconciliation_id=rec.id))
            row.status = "reconciled"
            self.session.flush()
            self._audit("bank.line_reconciled", "bank_line", row.id,
                        {"method": method, "decided_by": decided_by, "journals": list(journal_ids),
                         "entries": list(entry_line_ids), "account": account_code})
        return rec

    def reconciliations(self) -> list[tuple[BankReconciliation, BankLineRow]]:
        rows = self.session.execute(
            select(BankReconciliation, BankLineRow)
            .join(BankLineRow, BankLineRow.id == BankReconciliation.bank_line_id)
            .order_by(BankLineRow.posted, BankLineRow.id))
        return [(rec, line) for rec, line in rows]

    def reconciled_to(self, feed_id: int, as_of: date | None = None) -> date | None:
        """The last date up to which every line of the feed (up to `as_of`) is reconciled."""
        upto = [BankLineRow.feed_id == feed_id] + ([BankLineRow.posted <= as_of] if as_of else [])
        first_open = self.session.scalar(select(func.min(BankLineRow.posted)).where(
            *upto, BankLineRow.status == "open"))
        if first_open is not None:
            upto.append(BankLineRow.posted < first_open)
        return self.session.scalar(select(func.max(BankLineRow.posted)).where(*upto))

    # -- rules and models ---------------------------------------------------------------------
    def rules(self, status: str | None = None) -> list[BankRuleRow]:
        query = select(BankRuleRow).order_by(BankRuleRow.id)
        if status:
            query = query.where(BankRuleRow.status == status)
        return list(self.session.scalars(query))

    def rule(self, rule_id: int) -> BankRuleRow:
        row = self.session.get(BankRuleRow, rule_id)
        if row is None:
            raise LedgerError.single("unknown_bank_rule", f"There is no bank rule {rule_id}")
        return row

    def add_rule(self, name: str, rule: dict, *, status: str, source: str,
                 backtest: dict | None = None) -> BankRuleRow:
        now = self.clock.now()
        row = BankRuleRow(name=name[:200], rule=json.dumps(rule, sort_keys=True, default=str),
                          status=status, source=source, backtest=json.dumps(backtest or {}, default=str),
                          created_by=self.actor, created_at=now, updated_at=now)
        with guarded(self.session):
            self.session.add(row)
            self.session.flush()
            self._audit("bank.rule_added", "bank_rule", row.id,
                        {"name": name, "status": status, "source": source})
        return row

    def set_rule_status(self, row: BankRuleRow, status: str) -> None:
        old = row.status
        with guarded(self.session):
            row.status, row.updated_at = status, self.clock.now()
            self.session.flush()
            self._audit("bank.rule_status", "bank_rule", row.id, {"from": old, "to": status})

    def latest_model(self) -> BankModelRow | None:
        return self.session.scalar(select(BankModelRow).order_by(BankModelRow.version.desc()))

    def save_model(self, model: dict, examples: int) -> BankModelRow:
        latest = self.latest_model()
        row = BankModelRow(version=(latest.version + 1) if latest else 1, examples=examples,
                           model=json.dumps(model, sort_keys=True), trained_at=self.clock.now())
        with guarded(self.session):
            self.session.add(row)
            self.session.flush()
            self._audit("bank.model_trained", "bank_model", row.version, {"examples": examples})
        return row
