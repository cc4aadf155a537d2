"""QIF (Quicken Interchange Format): one Statement per account in the file.

A QIF file is lines of one-letter fields (D date, T amount, P payee, M memo, N number or
reference, L category, S/E/$ splits) with "^" ending each transaction; "!Account" records name the
account the following "!Type:Bank" (Cash, CCard, Oth A, Oth L) transactions belong to.

Dates carry no order: "02/08/2015" is 2 August in Australia and 8 February in the US. The file
decides: a first number above 12 means day first, a second above 12 means month first. When no
date settles it, day first (the Australian way) is assumed and the statement says so in a
warning. Quicken writes 2000s years after an apostrophe ("1/05'24"). A transaction named
"Opening Balance" whose category is its own account ("[Cheque]") is Quicken's opening balance,
not a bank line. Investment lists (!Type:Invst) are not bank statements and are left out, with a
warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tools.bank.model import BankFileError, BankLine, Statement
from tools.bank.text import decode_text
from tools.bank.values import clean, make_date, read_amount
from tools.ledger.problems import Problem

_CASH_TYPES = frozenset({"bank", "cash", "ccard", "oth a", "oth l"})
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})([/.\-']) ?(\d{2}|\d{4})")


@dataclass
class _Account:
    name: str | None
    records: list[dict[str, tuple[str, int]]] = field(default_factory=list)


def read_qif(data: bytes) -> tuple[Statement, ...]:
    accounts, skipped = _sections(decode_text(data))
    day_first, warning = _date_order([r["D"] for a in accounts for r in a.records if "D" in r])
    warnings = tuple(w for w in (warning, skipped) if w)
    statements = tuple(_statement(account, day_first, warnings)
                       for account in accounts if account.records)
    if not statements:
        raise BankFileError("qif_no_transactions", "The QIF file has no bank, cash or card "
                            "transactions" + (" (it holds investment transactions only)"
                                              if skipped else "") + ".")
    return statements


def _sections(text: str) -> tuple[list[_Account], Problem | None]:
    """Accounts in order of appearance, each with its transaction records: field letter →
    (value, line number). The first value of a letter wins (splits repeat S/E/$, ignored)."""
    accounts: dict[str | None, _Account] = {}
    current: str | None = None
    list_type = ""           # the !Type of the records being read, "account" after !Account
    record: dict[str, tuple[str, int]] = {}
    invest = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("!"):
            header = line[1:].lower()
            if header.startswith("type:"):
                list_type = header[5:].strip()
            elif header == "account":
                list_type = "account"
            record = {}  # "!Option:AutoSwitch" and the like change nothing else
            continue
        if line == "^":
            if list_type == "account":
                current = clean(record.get("N", ("", 0))[0]) or None
            elif list_type in _CASH_TYPES and record:
                accounts.setdefault(current, _Account(current)).records.append(record)
            elif list_type.startswith("invst") and record:
                invest += 1
            record = {}
            continue
        record.setdefault(line[0], (line[1:].strip(), number))
    if record and list_type in _CASH_TYPES:
        raise BankFileError("qif_truncated", "The QIF file ends in the middle of a transaction "
                            "(no closing ^): it looks cut off. Export it again.",
                            row=record[next(iter(record))][1])
    skipped = Problem("qif_investments_skipped", f"{invest} investment transaction"
                      f"{'' if invest == 1 else 's'} in the file were left out: only bank, cash "
                      "and card accounts are imported.") if invest else None
    return list(accounts.values()), skipped


def _date_order(dates: list[tuple[str, int]]) -> tuple[bool, Problem | None]:
    """True for day first. Raises when the file's dates contradict each other."""
    day_first_row = month_first_row = None
    ambiguous = False
    for text, number in dates:
        match = _DMY.fullmatch(text.replace(" ", ""))
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 and day_first_row is None:
            day_first_row = number
        elif second > 12 and month_first_row is None:
            month_first_row = number
        elif first != second and first <= 12 and second <= 12:
            ambiguous = True
    if day_first_row and month_first_row:
        raise BankFileError("qif_inconsistent_dates", f"The QIF file writes dates day first (line "
                            f"{day_first_row}) and month first (line {month_first_row}); it "
                            "cannot be read safely.", row=month_first_row)
    if month_first_row:
        return False, None
    if ambiguous and not day_first_row:
        return True, Problem("qif_date_order_assumed", "No date in the file shows whether it is "
                             "written day first or month first; day first (dd/mm/yyyy) was "
                             "assumed. Check a few dates against the bank.")
    return True, None


def _date(text: str, day_first: bool) -> date | None:
    compact = text.replace(" ", "")
    iso = _ISO.fullmatch(compact)
    if iso:
        return make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    match = _DMY.fullmatch(compact)
    if match is None:
        return None
    first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(4))
    if year < 100:
        # Quicken's apostrophe marks the 2000s; otherwise the usual pivot at 69.
        year += 2000 if match.group(3) == "'" or year < 69 else 1900
    return make_date(year, second, first) if day_first else make_date(year, first, second)


def _statement(account: _Account, day_first: bool, warnings: tuple[Problem, ...]) -> Statement:
    lines: list[BankLine] = []
    opening: Decimal | None = None
    for index, record in enumerate(account.records):
        line = _line(record, day_first)
        if index == 0 and _is_opening_balance(record, account.name):
            opening = line.amount
            continue
        lines.append(line)
    posted = [line.posted for line in lines]
    return Statement(format="qif", account=account.name, currency=None, lines=tuple(lines),
                     opening_balance=opening, period_start=min(posted) if posted else None,
                     period_end=max(posted) if posted else None, warnings=warnings)


def _is_opening_balance(record: dict[str, tuple[str, int]], account: str | None) -> bool:
    payee = record.get("P", ("", 0))[0].strip().lower()
    category = record.get("L", ("", 0))[0].strip()
    return payee == "opening balance" and category.startswith("[") and (
        account is None or category.strip("[]") == account)


def _line(record: dict[str, tuple[str, int]], day_first: bool) -> BankLine:
    first_row = min(number for _, number in record.values())
    date_text, date_row = record.get("D", ("", first_row))
    posted = _date(date_text, day_first)
    if posted is None:
        raise BankFileError("qif_bad_date", f"Line {date_row}: the date {date_text!r} is "
                            "missing or not a real date.", row=date_row)
    amount_text, amount_row = record.get("T") or record.get("U") or ("", first_row)
    amount = read_amount(amount_text)
    if amount is None:
        raise BankFileError("qif_bad_amount", f"Line {amount_row}: the amount {amount_text!r} is "
                            "missing or not a number.", row=amount_row)
    payee, memo = clean(record.get("P", ("", 0))[0]), clean(record.get("M", ("", 0))[0])
    return BankLine(posted=posted, amount=amount, description=memo or payee, payee=payee,
                    reference=clean(record.get("N", ("", 0))[0]))
