"""What an export holds, as immutable values, and the typed refusal that names file and row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Kind = Literal["bill", "sale"]
AccountType = Literal["asset", "liability", "equity", "revenue", "expense"]


@dataclass(frozen=True)
class ImportProblem:
    code: str
    message: str          # for a bookkeeper: says the file, the row and what to fix
    file: str = ""
    row: int | None = None  # the 1-based line of the file (the header is line 1)


class ImportRefused(Exception):
    """An export that will not be imported; nothing of it was written."""

    def __init__(self, problems: tuple[ImportProblem, ...] | list[ImportProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def at(cls, code: str, message: str, file: str, row: int | None = None) -> ImportRefused:
        where = f"{file} row {row}" if row is not None else file
        return cls((ImportProblem(code, f"{where}: {message}", file, row),))


@dataclass(frozen=True)
class Source:
    file: str
    row: int


@dataclass(frozen=True)
class ImportedAccount:
    code: str
    name: str
    type: AccountType
    subtype: str
    tax_code: str | None
    source: Source
    role: str | None = None   # a system account of the old books (its payables, GST...): ours is used


@dataclass(frozen=True)
class ImportedContact:
    name: str
    source: Source
    abn: str | None = None
    email: str | None = None
    address: str | None = None
    bsb: str | None = None
    account_number: str | None = None
    account_name: str | None = None
    supplier: bool = False
    customer: bool = False
    default_account: str | None = None
    payment_terms_days: int | None = None


@dataclass(frozen=True)
class ImportedLine:
    description: str
    quantity: Decimal
    unit_price: Decimal     # GST-exclusive, as DocumentLine wants it
    account_code: str
    tax_code: str           # one of ours: GST, CAP, FRE, INP, N-T


@dataclass(frozen=True)
class ImportedInvoice:
    kind: Kind
    contact_name: str
    number: str
    issue_date: date
    due_date: date | None
    lines: tuple[ImportedLine, ...]
    total: Decimal          # what the old system says it came to, GST included
    amount_paid: Decimal
    source: Source          # its first row
    reference: str | None = None


@dataclass(frozen=True)
class OpeningBalance:
    account_code: str
    amount: Decimal         # debit positive, credit negative
    source: Source


@dataclass(frozen=True)
class ExportFile:
    """One file read: which export it is and what it held."""

    file: str
    system: Literal["xero", "myob"]
    kind: Literal["accounts", "contacts", "invoices", "opening_balances"]
    rows: int
    accounts: tuple[ImportedAccount, ...] = ()
    contacts: tuple[ImportedContact, ...] = ()
    invoices: tuple[ImportedInvoice, ...] = ()
    opening: tuple[OpeningBalance, ...] = ()
    skipped: tuple[str, ...] = ()   # rows read but not imported, each saying why
