"""The ledger's storage: organisation, chart, journals (post, reverse), lock date, trial balance.

Every write checks the domain rules first (tools.ledger.rules), then lets the database's own rules
have the last word; either refusal is a LedgerError and nothing of the change is left behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from memory import audit
from memory.db import rule_violation
from memory.schema import (
    AccountRow, Contact, Journal as JournalRow, JournalLineRow, Organisation, TaxCodeRow,
)
from core.clock import Clock
from tools.ledger.abn import normalise_abn
from tools.ledger.chart import standard_accounts, standard_tax_codes
from tools.ledger.model import Account, Journal, JournalLine, TrialBalance
from tools.ledger.problems import LedgerError, Problem
from tools.ledger.rules import reversal_of, trial_balance, validate_journal


@contextmanager
def guarded(session: Session) -> Iterator[None]:
    """A savepoint around one change: a refusal rolls back exactly that change, typed."""
    try:
        with session.begin_nested():
            yield
    except StatementError as exc:
        typed = rule_violation(exc)
        if typed is None:
            raise
        raise typed from exc


def account_from_row(row: AccountRow) -> Account:
    return Account(row.code, row.name, row.type, row.subtype, row.tax_code,  # type: ignore[arg-type]
                   row.role, row.active)


def journal_from_row(row: JournalRow, codes: dict[int, str]) -> Journal:
    return Journal(
        date=row.date, narration=row.narration,
        lines=tuple(JournalLine(codes[ln.account_id], ln.amount, ln.description, ln.tax_code,
                                ln.contact_id) for ln in row.lines),
        source_type=row.source_type, source_ref=row.source_ref,
        idempotency_key=row.idempotency_key, reverses_journal_id=row.reverses_journal_id,
    )


class LedgerStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor
        self._account_rows: dict[str, AccountRow] | None = None

    # -- organisation and chart ---------------------------------------------------------------
    def organisation(self) -> Organisation:
        org = self.session.get(Organisation, 1)
        if org is None:
            raise LedgerError.single("no_organisation", "No organisation is set up in this database yet")
        return org

    def create_organisation(self, name: str, abn: str | None, *, gst_registered: bool = True,
                            state: str | None = None) -> Organisation:
        if self.session.get(Organisation, 1) is not None:
            raise LedgerError.single("organisation_exists", "This database already has an organisation")
        org = Organisation(id=1, name=name, abn=normalise_abn(abn) if abn else None,
                           gst_registered=gst_registered, financial_year_start_month=7, state=state)
        with guarded(self.session):
            self.session.add(org)
            for tax in standard_tax_codes():
                self.session.add(TaxCodeRow(code=tax.code, name=tax.name, rate=tax.rate))
            self.session.flush()  # accounts refer to tax codes
            for acc in standard_accounts():
                self.session.add(AccountRow(code=acc.code, name=acc.name, type=acc.type,
                                            subtype=acc.subtype, tax_code=acc.tax_code,
                                            role=acc.role, active=True))
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="organisation.created",
                         entity_type="organisation", entity_id=1,
                         payload={"name": name, "abn": org.abn, "gst_registered": gst_registered})
        self._account_rows = None
        return org

    def _rows(self) -> dict[str, AccountRow]:
        if self._account_rows is None:
            self._account_rows = {a.code: a for a in self.session.scalars(select(AccountRow))}
        return self._account_rows

    def accounts(self) -> dict[str, Account]:
        return {code: account_from_row(row) for code, row in sorted(self._rows().items())}

    def account_id(self, code: str) -> int:
        row = self._rows().get(code)
        if row is None:
            raise LedgerError.single("unknown_account", f"There is no account {code!r}")
        return row.id

    def add_account(self, code: str, name: str, type: str, *, subtype: str = "",
                    tax_code: str | None = None, source: str = "manual") -> int:
        """A new account in the chart (never a system role: those come with the standard chart)."""
        if not code.strip() or not name.strip():
            raise LedgerError.single("bad_account", "An account needs a code and a name")
        if code in self._rows():
            raise LedgerError.single("duplicate_account", f"There is already an account {code!r}")
        row = AccountRow(code=code.strip(), name=name.strip()[:150], type=type, subtype=subtype,
                         tax_code=tax_code, role=None, active=True)
        with guarded(self.session):
            self.session.add(row)
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="account.created",
                         entity_type="account", entity_id=row.id,
                         payload={"code": row.code, "name": row.name, "type": type,
                                  "tax_code": tax_code, "source": source})
        self._account_rows = None
        return row.id

    def roles(self) -> dict[str, str]:
        """System role → account code, e.g. "accounts_payable" → "2100"."""
        return {row.role: code for code, row in self._rows().items() if row.role}

    def tax_rates(self) -> dict[str, Decimal]:
        return {t.code: t.rate for t in self.session.scalars(select(TaxCodeRow))}

    # -- lock date ----------------------------------------------------------------------------
    def lock_date(self) -> date | None:
        return self.organisation().lock_date

    def set_lock_date(self, new: date | None, reason: str = "") -> None:
        org = self.organisation()
        old = org.lock_date
        with guarded(self.session):
            org.lock_date = new
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="ledger.lock_date_changed",
                         entity_type="organisation", entity_id=1,
                         payload={"from": old, "to": new, "reason": reason})

    # -- journals -----------------------------------------------------------------------------
    def post(self, journal: Journal) -> int:
        """Post a journal and return its id. Same idempotency key and content: the earlier id."""
        if journal.idempotency_key:
            existing = self.session.scalar(
                select(JournalRow).where(JournalRow.idempotency_key == journal.idempotency_key))
            if existing is not None:
                if journal_from_row(existing, self._codes()) != journal:
                    raise LedgerError.single(
                        "idempotency_conflict",
                        f"Idempotency key {journal.idempotency_key!r} was already used for a "
                        "different journal")
                return existing.id
        problems = validate_journal(journal, self.accounts(), self.lock_date(), self.tax_rates())
        problems += self._unknown_contacts(journal)
        if problems:
            raise LedgerError(problems)
        with guarded(self.session):
            row = JournalRow(
                date=journal.date, narration=journal.narration, source_type=journal.source_type,
                source_ref=journal.source_ref, status="draft",
                reverses_journal_id=journal.reverses_journal_id,
                idempotency_key=journal.idempotency_key, created_by=self.actor,
                created_at=self.clock.now(),
            )
            self.session.add(row)
            self.session.flush()
            self.session.add_all(
                JournalLineRow(journal_id=row.id, line_no=n, account_id=self.account_id(ln.account_code),
                               amount=ln.amount, description=ln.description, tax_code=ln.tax_code,
                               contact_id=ln.contact_id)
                for n, ln in enumerate(journal.lines, start=1)
            )
            self.session.flush()
            # The database checks balance and lock date again as the status changes.
            self.session.execute(update(JournalRow).where(JournalRow.id == row.id)
                                 .values(status="posted"))
            audit.append(self.session, self.clock, actor=self.actor, action="journal.posted",
                         entity_type="journal", entity_id=row.id,
                         payload={"date": journal.date, "narration": journal.narration,
                                  "source": journal.source_type, "ref": journal.source_ref,
                                  "lines": [[ln.account_code, str(ln.amount)] for ln in journal.lines]})
        self.session.expire(row)
        return row.id

    def _unknown_contacts(self, journal: Journal) -> tuple[Problem, ...]:
        wanted = {ln.contact_id for ln in journal.lines if ln.contact_id is not None}
        if not wanted:
            return ()
        found = set(self.session.scalars(select(Contact.id).where(Contact.id.in_(wanted))))
        return tuple(Problem("unknown_contact", f"There is no contact {cid}")
                     for cid in sorted(wanted - found))

    def reverse(self, journal_id: int, on: date, narration: str | None = None) -> int:
        original = self.session.get(JournalRow, journal_id)
        if original is None or original.status != "posted":
            raise LedgerError.single("unknown_journal", f"There is no posted journal {journal_id}")
        already = self.session.scalar(
            select(JournalRow.id).where(JournalRow.reverses_journal_id == journal_id))
        if already is not None:
            raise LedgerError.single(
                "already_reversed", f"Journal {journal_id} was already reversed by journal {already}")
        return self.post(reversal_of(journal_id, journal_from_row(original, self._codes()), on,
                                     narration))

    def journal(self, journal_id: int) -> Journal:
        row = self.session.get(JournalRow, journal_id)
        if row is None:
            raise LedgerError.single("unknown_journal", f"There is no journal {journal_id}")
        return journal_from_row(row, self._codes())

    def journals(self, date_from: date | None = None, date_to: date | None = None
                 ) -> list[tuple[int, Journal]]:
        query = select(JournalRow).where(JournalRow.status == "posted")
        if date_from:
            query = query.where(JournalRow.date >= date_from)
        if date_to:
            query = query.where(JournalRow.date <= date_to)
        codes = self._codes()
        rows = self.session.scalars(query.order_by(JournalRow.date, JournalRow.id))
        return [(row.id, journal_from_row(row, codes)) for row in rows]

    def movement(self, account_code: str, date_from: date, date_to: date) -> Decimal:
        """Net posted movement (debit positive) on one account between two dates inclusive."""
        total = self.session.scalar(
            select(func.sum(JournalLineRow.amount))
            .join(JournalRow, JournalRow.id == JournalLineRow.journal_id)
            .where(JournalRow.status == "posted", JournalLineRow.account_id == self.account_id(account_code),
                   JournalRow.date >= date_from, JournalRow.date <= date_to))
        return total if total is not None else Decimal("0.00")

    def trial_balance(self, as_of: date | None = None) -> TrialBalance:
        query = (select(JournalLineRow.account_id, func.sum(JournalLineRow.amount))
                 .join(JournalRow, JournalRow.id == JournalLineRow.journal_id)
                 .where(JournalRow.status == "posted").group_by(JournalLineRow.account_id))
        if as_of:
            query = query.where(JournalRow.date <= as_of)
        sums: dict[int, Decimal] = {row[0]: row[1] for row in self.session.execute(query)}
        zero = Decimal("0.00")
        return trial_balance(
            ((account_from_row(row), sums.get(row.id, zero)) for row in self._rows().values()), as_of)

    def _codes(self) -> dict[int, str]:
        return {row.id: code for code, row in self._rows().items()}
