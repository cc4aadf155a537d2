"""Which column of a bank CSV holds what: a ColumnMapping, the big four Australian banks' layouts,
and loading a mapping from a small JSON or TOML file.

A column is named by its header text (matched ignoring case and surrounding spaces) or by its
0-based position, which a file without a header row needs. A mapping file looks like:

    {"date": "Posted", "debit": "Withdrawal", "credit": "Deposit", "description": ["Payee", "Memo"],
     "balance": "Balance", "date_format": "%m/%d/%Y", "currency": "AUD", "name": "ing"}
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tools.bank.model import BankFileError
from tools.bank.values import compile_date_format

Column = str | int  # a header name or a 0-based position

SIGNS = ("in_positive", "out_positive")


@dataclass(frozen=True)
class ColumnMapping:
    date: Column
    amount: Column | None = None          # one signed amount column ...
    debit: Column | None = None           # ... or money out and money in in two columns
    credit: Column | None = None
    direction: Column | None = None       # a "debit"/"credit" (DR/CR) column signing `amount`
    description: tuple[Column, ...] = ()  # joined with a space
    balance: Column | None = None         # running balance after the row
    reference: Column | None = None
    payee: Column | None = None
    bank_id: Column | None = None         # the bank's unique transaction id, if it has one
    kind: Column | None = None            # the bank's transaction type
    account: Column | None = None         # rows of several accounts become several statements
    date_format: str | tuple[str, ...] = "%d/%m/%Y"  # strftime-style; several are tried in turn
    decimal: str = "."
    thousands: str = ","
    delimiter: str | None = None          # None: the most common of , ; tab | in the first line
    header: bool = True                   # the first row (after skip_rows) names the columns
    skip_rows: int = 0                    # lines before the header (a bank's title block)
    sign: str = "in_positive"             # "out_positive": the file shows money out as positive
    currency: str | None = None
    name: str = "mapped"                  # the statement's format is "csv:" + name
    debit_words: tuple[str, ...] = ("debit", "dr", "d", "withdrawal", "db")  # for `direction`

    def __post_init__(self) -> None:
        if isinstance(self.description, (str, int)):
            object.__setattr__(self, "description", (self.description,))
        if isinstance(self.date_format, str):
            object.__setattr__(self, "date_format", (self.date_format,))
        problems = []
        if (self.amount is None) == (self.debit is None and self.credit is None):
            problems.append("give either an amount column or debit/credit columns")
        if self.direction is not None and self.amount is None:
            problems.append("a direction column signs an amount column")
        if self.sign not in SIGNS:
            problems.append(f"sign must be one of {', '.join(SIGNS)}")
        if not self.header and any(isinstance(c, str) for c in self.columns().values()):
            problems.append("a file without a header row needs column positions, not names")
        if self.decimal == self.thousands:
            problems.append("the decimal and thousands separators must differ")
        for fmt in self.date_format:
            try:
                compile_date_format(fmt)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise BankFileError("mapping_invalid", "The column mapping is not usable: "
                                + "; ".join(problems) + ".")

    def columns(self) -> dict[str, Column]:
        """Every column the mapping uses, by role ("description.0" for the first description)."""
        named = {role: getattr(self, role) for role in _SINGLE_COLUMNS
                 if getattr(self, role) is not None}
        named.update({f"description.{i}": c for i, c in enumerate(self.description)})
        return named


_SINGLE_COLUMNS = ("date", "amount", "debit", "credit", "direction", "balance", "reference",
                   "payee", "bank_id", "kind", "account")

# The big four's exports as internet banking writes them.
# CommBank: no header; date, signed amount ("-12.50", "+1,200.00"), description, balance.
CBA = ColumnMapping(date=0, amount=1, description=(2,), balance=3, header=False,
                    currency="AUD", name="cba")
# ANZ: no header; date, signed amount, description.
ANZ = ColumnMapping(date=0, amount=1, description=(2,), header=False, currency="AUD", name="anz")
# NAB: "Date,Amount,Account Number,,Transaction Type,Transaction Details,Balance,Category,
# Merchant Name", dates "05 Jan 24" (older exports "05-Jan-24").
NAB = ColumnMapping(date="Date", amount="Amount", account="Account Number",
                    kind="Transaction Type", description=("Transaction Details",),
                    balance="Balance", payee="Merchant Name",
                    date_format=("%d %b %y", "%d-%b-%y", "%d %b %Y", "%d/%m/%Y"),
                    delimiter=",", currency="AUD", name="nab")
# Westpac: "Bank Account,Date,Narrative,Debit Amount,Credit Amount,Balance,Categories,Serial";
# debits are positive numbers in their own column; one file can hold several accounts.
WESTPAC = ColumnMapping(date="Date", account="Bank Account", description=("Narrative",),
                        debit="Debit Amount", credit="Credit Amount", balance="Balance",
                        kind="Categories", reference="Serial", delimiter=",", currency="AUD",
                        name="westpac")


def mapping_from_dict(values: dict[str, Any]) -> ColumnMapping:
    known = {f.name for f in fields(ColumnMapping)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BankFileError("mapping_invalid", f"The column mapping has unknown settings: "
                            f"{', '.join(unknown)} (known: {', '.join(sorted(known))}).")
    if "date" not in values:
        raise BankFileError("mapping_invalid", "The column mapping needs a date column.")
    cleaned = {key: tuple(value) if isinstance(value, list) else value
               for key, value in values.items()}
    try:
        return ColumnMapping(**cleaned)
    except TypeError as exc:
        raise BankFileError("mapping_invalid", f"The column mapping is not usable: {exc}."
                            ) from None


def parse_mapping(text: str, kind: str = "json") -> ColumnMapping:
    """A mapping from JSON or TOML text (kind "json" or "toml")."""
    try:
        values = tomllib.loads(text) if kind == "toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise BankFileError("mapping_invalid", f"The column mapping is not valid {kind.upper()}: "
                            f"{exc}.") from None
    if not isinstance(values, dict):
        raise BankFileError("mapping_invalid", "The column mapping must be an object of settings.")
    return mapping_from_dict(values)


def load_mapping(path: str | Path) -> ColumnMapping:
    """A mapping from a .json or .toml file."""
    path = Path(path)
    return parse_mapping(path.read_text(encoding="utf-8"),
                         "toml" if path.suffix.lower() == ".toml" else "json")
