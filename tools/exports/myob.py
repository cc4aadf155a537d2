"""Bills as service purchases and journals as general journal entries, in the import files MYOB
AccountRight reads (File > Import Data > Purchases > Service Purchases; > General Journal Entries),
with AccountRight's field names in the header row, so the Import Assistant matches each field.

A transaction is several lines, one per purchase or journal line, and a blank line ends it.
Dates are dd/mm/yyyy (the Australian date convention the import follows); account numbers are
AccountRight's five digits, the class digit then the four-digit code ("6-6100"); tax codes are
AccountRight's own (GST, CAP, FRE, INP, N-T are Backoffice's too). Purchase amounts are
tax-exclusive with each line's GST given, and the purchase is marked a bill ("B") with its due
date as days after the purchase date. Journal lines carry GST on their own lines, so every line
is N-T with no GST. MYOB fields are single-line text: newlines become spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from tools.exports.csvtext import csv_bytes
from tools.exports.model import (
    ExportBill,
    ExportFile,
    PostedJournal,
    line_taxes,
    money,
    one_line,
)
from tools.ledger.model import Account

PURCHASE_COLUMNS = (
    "Co./Last Name", "First Name", "Addr 1 - Line 1", "           - Line 2", "           - Line 3",
    "           - Line 4", "Inclusive", "Purchase No.", "Date", "Supplier Invoice No.",
    "Description", "Account No.", "Amount", "Inc-Tax Amount", "Job", "Comment", "Journal Memo",
    "Tax Code", "Non-GST Amount", "GST Amount", "Import Duty Amount", "Currency Code",
    "Terms - Payment is Due", "           - Discount Days", "           - Balance Due Days",
    "           - % Discount", "Amount Paid", "Purchase Status",
)
JOURNAL_COLUMNS = (
    "Journal Number", "Date", "Memo", "GST (BAS) Reporting", "Inclusive", "Account Number",
    "Debit Ex-Tax Amount", "Debit Inc-Tax Amount", "Credit Ex-Tax Amount", "Credit Inc-Tax Amount",
    "Job", "Tax Code", "Non-GST Amount", "GST Amount", "Import Duty Amount", "Allocation Memo",
)
CLASS_DIGIT = {"asset": "1", "liability": "2", "equity": "3", "revenue": "4", "expense": "6"}
TAX_CODES = frozenset({"GST", "CAP", "FRE", "INP", "N-T"})
NAME_LIMIT, INVOICE_NO_LIMIT = 50, 20  # a company card's name; a supplier invoice number
IN_A_GIVEN_NUMBER_OF_DAYS = "2"


def myob_date(on: date) -> str:
    return on.strftime("%d/%m/%Y")


def myob_account(account: Account) -> str:
    """AccountRight's number: the class digit, a separator, the four digits ("5-5000")."""
    digit = CLASS_DIGIT[account.type]
    if account.type == "expense" and account.code.startswith("5"):
        digit = "5"  # cost of sales
    return f"{digit}-{account.code}" if len(account.code) == 4 else account.code


def _address(text: str | None) -> list[str]:
    lines = [one_line(part) for part in (text or "").splitlines() if part.strip()]
    if len(lines) > 4:
        lines = lines[:3] + [", ".join(lines[3:])]
    return lines + [""] * (4 - len(lines))


def _purchase_rows(bill: ExportBill, numbers: dict[str, str]) -> Iterable[Sequence[str] | None]:
    address = _address(bill.contact.address)
    days = str((bill.due_date - bill.issue_date).days)
    memo = one_line(f"Purchase; {bill.contact.name} {bill.number}")
    for line, tax in zip(bill.lines, line_taxes(bill)):
        yield (one_line(bill.contact.name), "", *address, "", f"B{bill.id:07d}",
               myob_date(bill.issue_date), one_line(bill.number), one_line(line.description),
               numbers.get(line.account_code, line.account_code), money(line.amount),
               money(line.amount + tax), "", one_line(bill.reference), memo, line.tax_code,
               "0.00", money(tax), "0.00", bill.currency, IN_A_GIVEN_NUMBER_OF_DAYS, "0", days,
               "0", "0.00", "B")
    yield None


def myob_purchases_csv(bills: Sequence[ExportBill], accounts: Iterable[Account]) -> ExportFile:
    numbers = {a.code: myob_account(a) for a in accounts}
    rows = [row for bill in bills for row in _purchase_rows(bill, numbers)]
    warnings = [f"{b.contact.name!r}: MYOB keeps {NAME_LIMIT} characters of a card's name"
                for b in bills if len(one_line(b.contact.name)) > NAME_LIMIT]
    warnings += [f"{b.number!r}: MYOB keeps {INVOICE_NO_LIMIT} characters of a supplier invoice "
                 "number" for b in bills if len(one_line(b.number)) > INVOICE_NO_LIMIT]
    unknown = sorted({ln.tax_code for b in bills for ln in b.lines} - TAX_CODES)
    if unknown:
        warnings.append(f"tax codes MYOB may not hold: {', '.join(unknown)}")
    return ExportFile(csv_bytes(PURCHASE_COLUMNS, rows), sum(r is not None for r in rows),
                      len(bills), tuple(warnings))


def journal_number(posted: PostedJournal) -> str:
    return f"GJ{posted.id:06d}"  # eight characters, the field's limit


def _journal_rows(posted: PostedJournal, numbers: dict[str, str]) -> Iterable[Sequence[str] | None]:
    j = posted.journal
    memo = one_line(j.narration)
    for ln in j.lines:
        debit, credit = (money(ln.debit), "") if ln.amount > 0 else ("", money(ln.credit))
        yield (journal_number(posted), myob_date(j.date), memo, "", "",
               numbers.get(ln.account_code, ln.account_code), debit, debit, credit, credit, "",
               "N-T", "0.00", "0.00", "0.00", one_line(ln.description))
    yield None


def myob_journals_csv(journals: Sequence[PostedJournal], accounts: Iterable[Account]) -> ExportFile:
    numbers = {a.code: myob_account(a) for a in accounts}
    rows = [row for p in journals for row in _journal_rows(p, numbers)]
    return ExportFile(csv_bytes(JOURNAL_COLUMNS, rows), sum(r is not None for r in rows),
                      len(journals))
