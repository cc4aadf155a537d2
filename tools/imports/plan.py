"""What an import would change, worked out against a snapshot of the books before anything is
written: the dry run prints it, the real run applies exactly it. Pure.

Idempotency comes from natural keys the books already have: an account by its code, a contact by
ABN (else by name), a bill or sale by (contact, kind, number), the opening balances by their
journal's idempotency key. What is already there is "unchanged"; what is there but different (an
account code of another type, an invoice number with another total) refuses the import, naming
the row, because changing posted books is not an import's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from tools.imports.model import (
    ExportFile,
    ImportedAccount,
    ImportedContact,
    ImportedInvoice,
    ImportProblem,
    ImportRefused,
    OpeningBalance,
)


@dataclass(frozen=True)
class KnownContact:
    id: int
    name: str
    abn: str | None
    supplier: bool
    customer: bool
    bank: tuple[str, str] | None        # (bsb, account number) now on file


@dataclass(frozen=True)
class BooksSnapshot:
    accounts: Mapping[str, str]                          # code → type
    roles: Mapping[str, str]                             # role → code
    contacts: tuple[KnownContact, ...]
    invoices: Mapping[tuple[str, int, str], Decimal]     # (kind, contact id, number) → total
    journal_keys: frozenset[str]
    lock_date: date | None = None


@dataclass(frozen=True)
class ContactChange:
    contact: ImportedContact
    existing_id: int | None          # None: create
    supplier: bool
    customer: bool
    bank_changes: bool
    roles_change: bool


@dataclass(frozen=True)
class ImportPlan:
    system: str
    files: tuple[ExportFile, ...]
    new_accounts: tuple[ImportedAccount, ...]
    unchanged_accounts: tuple[str, ...]
    aliases: Mapping[str, str]                # the old books' system account → ours
    contacts: tuple[ContactChange, ...]       # to create or update
    unchanged_contacts: tuple[str, ...]
    new_invoices: tuple[ImportedInvoice, ...]
    unchanged_invoices: tuple[str, ...]
    opening: tuple[OpeningBalance, ...]       # to post (empty: none, or already posted)
    opening_key: str | None
    opening_date: date | None
    notes: tuple[str, ...] = field(default=())
    contact_ids: Mapping[str, int] = field(default_factory=dict)   # name (lower) → existing id

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_accounts or self.contacts or self.new_invoices or self.opening)


def opening_key(system: str, as_at: date, lines: Sequence[OpeningBalance]) -> str:
    body = ";".join(f"{b.account_code}={b.amount}" for b in sorted(lines, key=lambda b: b.account_code))
    return f"import:{system}:opening:{as_at.isoformat()}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"


def plan_import(system: str, files: Sequence[ExportFile], books: BooksSnapshot, *,
                as_at: date | None) -> ImportPlan:
    problems: list[ImportProblem] = []

    def refuse(code: str, message: str, file: str, row: int | None) -> None:
        where = f"{file} row {row}" if row is not None else file
        problems.append(ImportProblem(code, f"{where}: {message}", file, row))

    for f in files:
        if f.system != system:
            refuse("wrong_system", f"is a {f.system.upper()} export, not {system.upper()}", f.file, None)
    # Accounts: new by code; the old books' system accounts map onto ours.
    new_accounts: dict[str, ImportedAccount] = {}
    unchanged, aliases = [], {}
    for f in files:
        for a in f.accounts:
            if a.role and a.role in books.roles:
                aliases[a.code] = books.roles[a.role]
                continue
            if a.code in books.accounts:
                if books.accounts[a.code] != a.type:
                    refuse("account_type_differs", f"account {a.code} {a.name} is {a.type} in the "
                           f"export but {books.accounts[a.code]} here", a.source.file, a.source.row)
                unchanged.append(a.code)
            elif a.code in new_accounts and new_accounts[a.code].type != a.type:
                refuse("account_twice", f"account {a.code} appears twice with different types",
                       a.source.file, a.source.row)
            else:
                new_accounts.setdefault(a.code, a)
    known_codes = set(books.accounts) | set(new_accounts)

    def code_of(code: str) -> str:
        return aliases.get(code, code)

    # Invoices: across files an identical copy is one invoice (overlapping exports).
    invoices: dict[tuple[str, str, str], ImportedInvoice] = {}
    for f in files:
        for inv in f.invoices:
            key = (inv.kind, inv.contact_name.lower(), inv.number)
            if key in invoices and invoices[key] != replace(inv, source=invoices[key].source):
                refuse("invoice_twice", f"{inv.contact_name} {inv.number} differs from the copy at "
                       f"{invoices[key].source.file} row {invoices[key].source.row}",
                       inv.source.file, inv.source.row)
            invoices.setdefault(key, inv)
            for ln in inv.lines:
                if code_of(ln.account_code) not in known_codes:
                    refuse("unknown_account", f"{inv.number}: there is no account {ln.account_code} "
                           "(import the chart of accounts with it)", inv.source.file, inv.source.row)
            if books.lock_date and inv.issue_date <= books.lock_date:
                refuse("period_locked", f"{inv.number} is dated {inv.issue_date}, on or before the "
                       f"lock date {books.lock_date}", inv.source.file, inv.source.row)
    contacts = _contacts(files, invoices.values(), books, known_codes, code_of, refuse)
    # Opening balances: one balanced journal, dated as at the conversion date.
    opening = [b for f in files for b in f.opening]
    key = None
    if opening:
        key, opening = _opening(system, opening, invoices.values(), books, as_at, code_of,
                                known_codes, refuse)
    if problems:
        raise ImportRefused(problems)
    by_id = {c.id: c for c in books.contacts}
    new_inv, same_inv = [], []
    for inv in invoices.values():
        cid = next((c.existing_id for c in contacts if c.contact.name.lower() == inv.contact_name.lower()), None)
        cid = cid or _match(books.contacts, inv.contact_name, None)
        held = books.invoices.get((inv.kind, cid, inv.number)) if cid in by_id else None
        if held is None:
            new_inv.append(replace(inv, lines=tuple(replace(ln, account_code=code_of(ln.account_code))
                                                    for ln in inv.lines)))
        elif held != inv.total:
            raise ImportRefused.at("invoice_differs", f"{inv.contact_name} {inv.number} is already in "
                                   f"the books at ${held:,.2f}, not ${inv.total:,.2f}",
                                   inv.source.file, inv.source.row)
        else:
            same_inv.append(f"{inv.contact_name} {inv.number}")
    changes = tuple(c for c in contacts if c.existing_id is None or c.bank_changes or c.roles_change)
    notes = tuple(s for f in files for s in (f"{f.file}: {x}" for x in f.skipped))
    notes += tuple(f"account {old} is the old books' own {books_role(books, new)} account: "
                   f"its lines and balance go to {new}" for old, new in sorted(aliases.items()))
    return ImportPlan(system, tuple(files), tuple(new_accounts.values()), tuple(sorted(set(unchanged))),
                      aliases, changes,
                      tuple(c.contact.name for c in contacts if c not in changes), tuple(new_inv),
                      tuple(same_inv), tuple(opening), key, as_at if opening else None, notes,
                      {c.contact.name.lower(): c.existing_id for c in contacts
                       if c.existing_id is not None})


def books_role(books: BooksSnapshot, code: str) -> str:
    return next((r.replace("_", " ") for r, c in books.roles.items() if c == code), "system")


def _match(known: tuple[KnownContact, ...], name: str, abn: str | None) -> int | None:
    if abn:
        found = next((c.id for c in known if c.abn == abn), None)
        if found is not None:
            return found
    same = [c.id for c in known if c.name.strip().lower() == name.strip().lower()]
    return same[0] if len(same) == 1 else None


def _contacts(files, invoices, books, known_codes, code_of, refuse) -> list[ContactChange]:
    by_name: dict[str, ImportedContact] = {}
    for f in files:
        for c in f.contacts:
            earlier = by_name.get(c.name.lower())
            if earlier is not None and replace(earlier, source=c.source) != c:
                refuse("contact_twice", f"{c.name} appears twice with different details (first at "
                       f"row {earlier.source.row})", c.source.file, c.source.row)
            if c.default_account and code_of(c.default_account) not in known_codes:
                refuse("unknown_account", f"{c.name}: there is no account {c.default_account}",
                       c.source.file, c.source.row)
            by_name.setdefault(c.name.lower(), c)
    billed = {i.contact_name.lower() for i in invoices if i.kind == "bill"}
    sold = {i.contact_name.lower() for i in invoices if i.kind == "sale"}
    for inv in invoices:   # a contact the invoices name but no contacts file lists
        by_name.setdefault(inv.contact_name.lower(), ImportedContact(inv.contact_name, inv.source))
    out = []
    known = {c.id: c for c in books.contacts}
    for key, c in by_name.items():
        supplier = c.supplier or key in billed or c.account_number is not None
        customer = c.customer or key in sold
        if c.default_account:
            c = replace(c, default_account=code_of(c.default_account))
        cid = _match(books.contacts, c.name, c.abn)
        if cid is None:
            out.append(ContactChange(c, None, supplier, customer, c.account_number is not None, False))
            continue
        k = known[cid]
        bank = (c.bsb, c.account_number) if c.account_number else None
        out.append(ContactChange(c, cid, supplier, customer, bank is not None and bank != k.bank,
                                 (supplier and not k.supplier) or (customer and not k.customer)))
    return out


def _opening(system, opening, invoices, books, as_at, code_of, known_codes, refuse):
    if as_at is None:
        first = opening[0].source
        refuse("opening_date_missing", "the export carries opening balances: say the date they are "
               "as at (--as-at)", first.file, first.row)
        return None, []
    seen: dict[str, OpeningBalance] = {}
    for b in opening:
        if b.account_code in seen:
            refuse("opening_twice", f"account {b.account_code} has an opening balance at row "
                   f"{seen[b.account_code].source.row} already", b.source.file, b.source.row)
        seen[b.account_code] = b
        if code_of(b.account_code) not in known_codes:
            refuse("unknown_account", f"there is no account {b.account_code}", b.source.file, b.source.row)
    net = sum((b.amount for b in opening), Decimal(0))
    if net != 0:
        rows = ", ".join(f"row {b.source.row} ({b.account_code} {b.amount:+,.2f})" for b in opening)
        refuse("opening_unbalanced", f"the opening balances do not balance: debits exceed credits "
               f"by ${net:,.2f} ({rows})", opening[0].source.file, None)
    for inv in invoices:
        if inv.issue_date <= as_at:
            refuse("before_opening", f"{inv.number} is dated {inv.issue_date}, on or before the opening "
                   f"balances' date {as_at}: it is already in those balances", inv.source.file,
                   inv.source.row)
    if books.lock_date and as_at <= books.lock_date:
        refuse("period_locked", f"opening balances as at {as_at} fall on or before the lock date",
               opening[0].source.file, None)
    key = opening_key(system, as_at, opening)
    if key in books.journal_keys:
        return key, []
    return key, [replace(b, account_code=code_of(b.account_code)) for b in opening]
