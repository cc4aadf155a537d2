"""Importing bank statements: read the file (tools.bank.read), find the feed it belongs to, check
its balances, and store the lines the feed does not hold yet (memory.bank_store).

A file is all or nothing: every statement in it is checked before any is stored, and a refusal
(an unreadable file, an unknown account, balances that do not add up, another currency) names the
file and the reason. A gap between this statement and the one before is reported, not refused: the
missing statement may simply not have been imported yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from memory.bank_store import UNNAMED, BankStore, ImportResult, normalise_identifier
from memory.db import unit_of_work
from services.context import BooksContext
from tools.bank.balances import check_balances, find_gaps
from tools.bank.model import BankFileError, Statement
from tools.bank.read import read_statements
from tools.ledger.problems import LedgerError, Problem

REFUSING = frozenset({"balance_mismatch", "running_balance_break"})


class BankImportError(Exception):
    """A statement file that was not imported; nothing of it was stored."""

    def __init__(self, code: str, message: str, *, filename: str = "") -> None:
        self.code, self.message, self.filename = code, message, filename
        super().__init__(f"{filename}: {message}" if filename else message)


@dataclass(frozen=True)
class FileImport:
    filename: str
    statements: tuple[ImportResult, ...]

    @property
    def lines_new(self) -> int:
        return sum(s.lines_new for s in self.statements)

    @property
    def lines_read(self) -> int:
        return sum(s.lines_read for s in self.statements)


def import_statement_file(ctx: BooksContext, data: bytes, filename: str, *, actor: str,
                          account_code: str | None = None, fmt: str | None = None,
                          account_number: str | None = None) -> FileImport:
    """Import one statement file, all or nothing. `account_number` (BSB and number, as the bank
    prints it) names the account when the file does not (a bank CSV): transfer narratives on the
    other accounts quote it ("TRANSFER FROM XX1234")."""
    try:
        statements = read_statements(data, filename, format=fmt)
    except BankFileError as err:
        where = f" (row {err.row})" if err.row else ""
        raise BankImportError(err.code, err.message + where, filename=filename) from None
    if not statements:
        raise BankImportError("no_statement", "The file holds no bank statement", filename=filename)
    sha = hashlib.sha256(data).hexdigest()
    results: list[ImportResult] = []
    try:
        with unit_of_work(ctx.sessions) as session:
            store = BankStore(session, ctx.clock, actor)
            for st in statements:
                results.append(_import_one(store, st, filename=filename, sha=sha,
                                           account_code=account_code,
                                           account_number=account_number))
    except LedgerError as err:
        raise BankImportError(err.codes[0], str(err), filename=filename) from None
    return FileImport(filename, tuple(results))


def import_statement_files(ctx: BooksContext, paths: list[Path], *, actor: str,
                           account_code: str | None = None, fmt: str | None = None,
                           account_number: str | None = None) -> list[FileImport]:
    """Each file on its own: a refused file does not stop the others (the caller reports it)."""
    return [import_statement_file(ctx, p.read_bytes(), p.name, actor=actor,
                                  account_code=account_code, fmt=fmt,
                                  account_number=account_number) for p in paths]


def _import_one(store: BankStore, st: Statement, *, filename: str, sha: str,
                account_code: str | None, account_number: str | None) -> ImportResult:
    if not st.account and account_number:
        st = replace(st, account=account_number)
    feed = _feed(store, st, account_code)
    if st.currency and st.currency.upper() != feed.currency:
        raise LedgerError.single(
            "currency_mismatch", f"The statement is in {st.currency.upper()} but the {feed.name} "
                                 f"feed is in {feed.currency}; foreign-currency accounts are not supported")
    problems = list(check_balances(st))
    refusing = [p for p in problems if p.code in REFUSING]
    if refusing:
        raise LedgerError(refusing)
    previous = store.previous_import(feed.id, st.period_start)
    problems += find_gaps(previous.period_end if previous else None,
                          previous.closing_balance if previous else None, st)
    problems += st.warnings
    return store.record_statement(feed, st, filename=filename, sha256=sha, problems=problems)


def _feed(store: BankStore, st: Statement, account_code: str | None):  # type: ignore[no-untyped-def]
    by_identifier = store.find_feed(st.account)
    if account_code is None:
        if by_identifier is not None:
            return by_identifier
        named = f"account {st.account}" if st.account else "an account the file does not name"
        known = ", ".join(f"{store.feed_code(f)} ({f.identifier})" for f in store.feeds()) or "none yet"
        raise LedgerError.single(
            "unknown_bank_account",
            f"The statement is for {named}, which is not linked to an account in the chart "
            f"(linked: {known}); import it with --account CODE")
    own = store.feed_for_account(account_code)
    if by_identifier is not None and own is not None and by_identifier.id != own.id:
        raise LedgerError.single(
            "account_mismatch", f"The statement is for {st.account}, which feeds account "
                                f"{store.feed_code(by_identifier)}, not {account_code}")
    if by_identifier is not None:
        return by_identifier
    if own is not None:
        if st.account and own.identifier.startswith(UNNAMED):
            return store.name_feed(own, st.account)
        if st.account and normalise_identifier(st.account) != own.identifier:
            raise LedgerError.single(
                "account_mismatch", f"Account {account_code} is fed by {own.identifier}; this "
                                    f"statement is for {st.account}")
        return own
    return store.add_feed(account_code, st.account or f"{UNNAMED}-{account_code}")


def problems_as_dicts(problems: tuple[Problem, ...]) -> list[dict[str, str]]:
    return [{"code": p.code, "message": p.message} for p in problems]
