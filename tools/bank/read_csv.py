"""CSV exports: the big four Australian banks recognised by their header or shape, any other
bank through a ColumnMapping.

Recognising the bank: Westpac and NAB write a header row (their column names are distinctive);
CommBank and ANZ write none, so a first row that starts with a dd/mm/yyyy date and an amount is
CommBank when a fourth column holds a balance, ANZ otherwise.

Rows are never dropped quietly. A row whose date or amount cannot be read stops the import with
its row number, unless it is plainly not a transaction: a blank row, the header repeated, a footer
such as "Closing balance" or "Total" - those are skipped and listed in Statement.warnings.
Lines come out oldest first (CommBank and Westpac write newest first); when every row carries a
running balance that chains, the opening and closing balances follow from it.

Speed: the csv module does the splitting in C; dates and amounts go through cached parsers, so
each distinct string is parsed once (100,000 rows read in well under a second).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import NoReturn

from tools.bank.balances import chain_holds, ends_from_running_balances
from tools.bank.csv_mapping import ANZ, CBA, NAB, WESTPAC, Column, ColumnMapping
from tools.bank.model import BankFileError, BankLine, Statement
from tools.bank.text import decode_text
from tools.bank.values import amount_reader, date_reader, read_amount
from tools.ledger.problems import Problem

_FOOTER = re.compile(r"\b(opening|closing|balance|total|totals|statement|page|end|summary|"
                     r"transactions|brought|carried|forward|disclaimer)\b", re.IGNORECASE)
_AU_DATE = date_reader("%d/%m/%Y")
_NAB_HEADER = {"date", "amount", "transaction details", "balance"}
_WESTPAC_HEADER = {"bank account", "date", "narrative", "debit amount", "credit amount"}


def read_csv(data: bytes, mapping: ColumnMapping | None = None) -> tuple[Statement, ...]:
    text = decode_text(data)
    delimiter = (mapping.delimiter if mapping else ",") or _sniff_delimiter(text)
    rows = _rows(text, delimiter)
    if not any(any(cell.strip() for cell in row) for row in rows):
        raise BankFileError("empty_file", "The CSV file has no rows.")
    if mapping is None:
        mapping = detect_layout(rows)
    return _Reader(mapping, rows).statements()


def detect_layout(rows: list[list[str]]) -> ColumnMapping:
    """The Australian bank whose export this is, from its first row. Raises csv_unknown_layout."""
    first = next(row for row in rows if any(cell.strip() for cell in row))
    header = {cell.strip().lower() for cell in first}
    if _WESTPAC_HEADER <= header:
        return WESTPAC
    if _NAB_HEADER <= header:
        return NAB
    if len(first) >= 3 and _AU_DATE(first[0]) and read_amount(first[1]) is not None:
        if len(first) >= 4 and first[3].strip() and read_amount(first[3]) is not None:
            return CBA
        return ANZ
    shown = ", ".join(cell.strip() for cell in first[:8])
    raise BankFileError("csv_unknown_layout", f"This CSV is not a CommBank, NAB, Westpac or ANZ "
                        f"export (its first row is: {shown[:160]}). Describe its columns with a "
                        "column mapping to import it.")


def _sniff_delimiter(text: str) -> str:
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    return max(",;\t|", key=line.count)


def _rows(text: str, delimiter: str) -> list[list[str]]:
    """All rows. A quoted field still open at the end of the file means the file was cut off."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise BankFileError("csv_truncated", "The CSV file ends inside a quoted field: it "
                                "looks cut off. Download it again.") from None
    # Sloppy quoting ('"ab"c') that the strict reader refuses; the lenient one reads it as Excel.
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:  # e.g. a field of over 128 KB (a quote that never closes)
        raise BankFileError("csv_malformed", f"The CSV file cannot be read: {exc}.") from None


class _Reader:
    """One pass over the rows of one file with one mapping."""

    def __init__(self, mapping: ColumnMapping, rows: list[list[str]]) -> None:
        self.mapping = mapping
        self.rows = rows
        self.warnings: list[Problem] = []
        self.amount = amount_reader(mapping.decimal, mapping.thousands)
        readers = [date_reader(fmt) for fmt in mapping.date_format]
        self.date: Callable[[str], date | None] = readers[0] if len(readers) == 1 else (
            lambda text: next((d for d in (read(text) for read in readers) if d), None))

    def statements(self) -> tuple[Statement, ...]:
        start, header = self._header()
        col = self._positions(header)
        # Positions looked up once, not per row.
        self._balance_at = col.get("balance")
        self._description_at = [col[f"description.{i}"]
                                for i in range(len(self.mapping.description))]
        self._text_at = [(role, col[role]) for role in ("payee", "reference", "bank_id", "kind")
                         if role in col]
        by_account: dict[str | None, list[BankLine]] = {}
        skipped: list[str] = []
        blank = 0
        width = max(col.values()) + 1
        # The columns a row cannot do without; exporters that drop empty trailing cells are fine.
        needed = max(col[r] for r in ("date", "amount", "debit", "credit", "direction")
                     if r in col) + 1
        account_col = col.get("account")
        for index in range(start, len(self.rows)):
            row, number = self.rows[index], index + 1
            if len(row) < width and len(row) >= needed:
                row = row + [""] * (width - len(row))
            line = self._line(row, col) if len(row) >= width else None
            if line is None:
                if not any(cell.strip() for cell in row):
                    blank += 1
                elif self._not_data(row, header):
                    skipped.append(f"row {number} ({_shown(row)})")
                elif len(row) < needed:
                    raise BankFileError("csv_short_row", f"Row {number} has {len(row)} column"
                                        f"{'' if len(row) == 1 else 's'}, the layout needs "
                                        f"{needed}: {_shown(row)!r}. The file may be cut off.",
                                        row=number)
                else:
                    self._refuse(row, col, number)
                continue
            account = row[account_col].strip() or None if account_col is not None else None
            by_account.setdefault(account, []).append(line)
        if skipped:
            many = len(skipped) > 1
            self.warnings.append(Problem("csv_rows_skipped", (
                f"{len(skipped)} row{'s were' if many else ' was'} skipped as not "
                f"{'transactions' if many else 'a transaction'}: {'; '.join(skipped[:5])}"
                + ("…" if len(skipped) > 5 else ""))))
        if blank:
            self.warnings.append(Problem("csv_blank_rows", f"{blank} blank row"
                                         f"{'' if blank == 1 else 's'} skipped."))
        if not by_account:
            raise BankFileError("csv_no_transactions", "The CSV file has no transaction rows.")
        return tuple(self._statement(account, lines) for account, lines in by_account.items())

    def _header(self) -> tuple[int, list[str] | None]:
        """Where data starts, and the header row if the mapping has one."""
        start = self.mapping.skip_rows
        if not self.mapping.header:
            return start, None
        while start < len(self.rows) and not any(c.strip() for c in self.rows[start]):
            start += 1
        if start >= len(self.rows):
            raise BankFileError("csv_no_transactions", "The CSV file has no header row.")
        return start + 1, self.rows[start]

    def _positions(self, header: list[str] | None) -> dict[str, int]:
        names = {}
        if header is not None:
            for position, cell in enumerate(header):
                names.setdefault(cell.strip().lstrip("\ufeff").lower(), position)
        positions = {}
        for role, column in self.mapping.columns().items():
            positions[role] = _position(column, names, role)
        return positions

    def _line(self, row: list[str], col: dict[str, int]) -> BankLine | None:
        """The row as a bank line, or None when its date or amount does not read."""
        posted = self.date(row[col["date"]])
        amount = self._amount(row, col)
        if posted is None or amount is None:
            return None
        if self.mapping.sign == "out_positive":
            amount = -amount
        balance = None
        if self._balance_at is not None:
            balance_text = row[self._balance_at]
            if balance_text and not balance_text.isspace():
                balance = self.amount(balance_text)
                if balance is None:
                    return None
        texts = {role: " ".join(row[at].split()) for role, at in self._text_at}
        return BankLine(
            posted=posted, amount=amount, balance=balance,
            description=" ".join(" ".join(row[at] for at in self._description_at).split()),
            payee=texts.get("payee", ""), reference=texts.get("reference", ""),
            bank_id=texts.get("bank_id") or None, kind=texts.get("kind", ""))

    def _amount(self, row: list[str], col: dict[str, int]) -> Decimal | None:
        if "amount" in col:
            amount = self.amount(row[col["amount"]])
            if amount is not None and "direction" in col and amount > 0 and (
                    row[col["direction"]].strip().lower() in self.mapping.debit_words):
                amount = -amount
            return amount
        debit = row[col["debit"]].strip() if "debit" in col else ""
        credit = row[col["credit"]].strip() if "credit" in col else ""
        if not debit and not credit:
            return None
        out = self.amount(debit) if debit else Decimal(0)
        into = self.amount(credit) if credit else Decimal(0)
        if out is None or into is None:
            return None
        return abs(into) - abs(out)  # banks differ on whether a debit column carries a minus

    def _not_data(self, row: list[str], header: list[str] | None) -> bool:
        """A repeated header, or a footer: no digit where the date goes, and footer words."""
        if header is not None and [c.strip().lower() for c in row] == [
                c.strip().lower() for c in header]:
            return True
        first = next((cell for cell in row if cell.strip()), "")
        return not any(ch.isdigit() for ch in first) and bool(_FOOTER.search(" ".join(row)))

    def _refuse(self, row: list[str], col: dict[str, int], number: int) -> NoReturn:
        date_text = row[col["date"]].strip()
        if self.date(date_text) is None:
            raise BankFileError("csv_bad_date", f"Row {number}: the date {date_text!r} is not a "
                                f"date in the expected form ({' or '.join(self.mapping.date_format)})"
                                f": {_shown(row)!r}.", row=number)
        if "balance" in col and row[col["balance"]].strip() and self._amount(row, col) is not None:
            raise BankFileError("csv_bad_amount", f"Row {number}: the balance "
                                f"{row[col['balance']].strip()!r} is not a number.", row=number)
        shown = [row[col[r]].strip() for r in ("amount", "debit", "credit") if r in col]
        raise BankFileError("csv_bad_amount", f"Row {number}: the amount {' / '.join(shown)!r} is "
                            f"missing or not a number: {_shown(row)!r}.", row=number)

    def _statement(self, account: str | None, lines: list[BankLine]) -> Statement:
        # Oldest first. Newest-first exports (CommBank, Westpac) are reversed, which keeps their
        # running balances chained; a file of one day is in whichever order its balances chain.
        if len(lines) > 1 and (lines[0].posted > lines[-1].posted or (
                lines[0].posted == lines[-1].posted and not chain_holds(lines)
                and chain_holds(lines[::-1]))):
            lines.reverse()
        opening, closing = ends_from_running_balances(lines)
        return Statement(
            format=f"csv:{self.mapping.name}", account=account, currency=self.mapping.currency,
            lines=tuple(lines), opening_balance=opening, closing_balance=closing,
            period_start=min(line.posted for line in lines),
            period_end=max(line.posted for line in lines), warnings=tuple(self.warnings))


def _position(column: Column, names: dict[str, int], role: str) -> int:
    if isinstance(column, int):
        return column
    position = names.get(column.strip().lower())
    if position is None:
        raise BankFileError("csv_missing_column", f"The CSV has no column {column!r} (needed for "
                            f"the {role.split('.')[0]}); its columns are: "
                            f"{', '.join(sorted(names))[:200]}.")
    return position


def _shown(row: list[str]) -> str:
    return ",".join(row)[:80]
