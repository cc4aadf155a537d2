"""SWIFT MT940 (end-of-day statement) and MT942 (interim report), one Statement per :20: block.

The PyPI library `mt-940` reads the tags. We hand it decoded text ourselves (its own entry point
would open a file if the data happened to name one) and one statement block at a time, because
it merges every block of a file into one set of balances. Options.all() switches on its fixes:
a reversal of a credit (RC) is money out, long :86: details are kept whole, a BOM is dropped.

Per block: the account (:25:), opening balance (:60F: or :60M:, signed by its C/D mark), closing
balance (:62F: or :62M:), lines from :61: (booking date, signed amount, the bank reference after
"//" as the line id) with the :86: text (or its structured SEPA fields) as description.
ASN Bank's :61: (an IBAN as customer reference, a second line) and GLS's long references need
the library's variant tags: a block that fails with the standard tag is tried with those.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any

import mt940
from mt940.models import Transactions

from tools.bank.model import BankFileError, BankLine, Statement
from tools.bank.text import decode_text
from tools.bank.values import clean, unique_ids

_BLOCK_START = re.compile(r"(?m)^(?=:20:)")
_ANY_TAG = re.compile(r"(?m)^:(25|28C?|6[0-5][FM]?|86):")
_STATEMENT_TAG_VARIANTS: tuple[dict[Any, Any] | None, ...] = (
    None, {61: mt940.tags.StatementASNB()}, {61: mt940.tags.StatementGLS()})
_OPTIONS = mt940.Options.all()

# The library logs every line its pattern rejects at ERROR level, with the line's text: bank data
# in the application log, and noise for the lines a variant tag then reads. Failures reach the
# user as BankFileError instead.
logging.getLogger("mt940.tags").setLevel(logging.CRITICAL)
_PARSE_ERRORS = (RuntimeError, ValueError, ArithmeticError, KeyError, TypeError, IndexError,
                 AttributeError)


def read_mt940(data: bytes) -> tuple[Statement, ...]:
    # cp852 after cp1252: the Central European banks in the corpus (mBank, Raiffeisen) use it.
    text = decode_text(data, fallbacks=("cp1252", "cp852")).replace("\r\n", "\n")
    blocks = [b for b in _BLOCK_START.split(text) if b.lstrip().startswith(":20:")]
    if not blocks and _ANY_TAG.search(text):
        blocks = [text]  # a statement without its :20: reference line: still readable
    if not blocks:
        raise BankFileError("mt940_malformed", "The file has no MT940 statement tags (:20:, "
                            ":25:, :60F:, :61:), so it is not an MT940 or MT942 statement.")
    return tuple(_statement(_parse(block, number), block)
                 for number, block in enumerate(blocks, start=1))


def _parse(block: str, number: int) -> Transactions:
    failure: Exception | None = None
    for tags in _STATEMENT_TAG_VARIANTS:
        parsed = Transactions(tags=tags, options=_OPTIONS)
        try:
            parsed.parse(block)
            return parsed
        except _PARSE_ERRORS as exc:
            failure = failure or exc
    raise BankFileError("mt940_malformed", f"Statement {number} of the MT940 file could not be "
                        f"read: {_explain(failure)}", row=number)


def _explain(exc: Exception | None) -> str:
    """The library says "Unable to parse <tag object> from '<text>'"; keep the text."""
    args = getattr(exc, "args", ())
    if len(args) >= 3 and isinstance(args[2], str):
        return f"the line {clean(args[2])[:60]!r} is not valid MT940."
    return f"{clean(str(exc))[:120] or type(exc).__name__}."


def _statement(parsed: Transactions, block: str) -> Statement:
    info = parsed.data
    opening = info.get("final_opening_balance") or info.get("intermediate_opening_balance")
    closing = info.get("final_closing_balance") or info.get("intermediate_closing_balance")
    lines = _lines(parsed)
    interim = opening is None and closing is None and bool(re.search(r"(?m)^:(13D|34F):", block))
    first, last = _dates(lines)
    return Statement(
        format="mt942" if interim else "mt940",
        account=clean(info.get("account_identification")) or None,
        currency=parsed.currency or None, lines=lines,
        opening_balance=_amount(opening), closing_balance=_amount(closing),
        period_start=_date(getattr(opening, "date", None)) or first,
        period_end=_date(getattr(closing, "date", None)) or last)


def _lines(parsed: Transactions) -> tuple[BankLine, ...]:
    records = [t.data for t in parsed]
    ids = unique_ids(r.get("bank_reference") for r in records)
    lines = []
    for number, (record, bank_id) in enumerate(zip(records, ids), start=1):
        amount = getattr(record.get("amount"), "amount", None)
        posted = _date(record.get("entry_date") or record.get("date"))
        if amount is None or posted is None:
            raise BankFileError("mt940_malformed", f"Line {number} (:61:) of the MT940 file has "
                                "no readable date or amount.", row=number)
        lines.append(BankLine(
            posted=posted, amount=amount, bank_id=bank_id,
            description=(clean(record.get("purpose")) or clean(record.get("transaction_details"))
                         or clean(record.get("posting_text")) or clean(record.get("extra_details"))),
            payee=clean(record.get("applicant_name")),
            reference=_reference(record), kind=clean(record.get("id"))))
    return tuple(lines)


def _reference(record: dict[str, Any]) -> str:
    for key in ("end_to_end_reference", "customer_reference"):
        value = clean(record.get(key))
        if value and value.upper() not in ("NONREF", "NOTPROVIDED"):
            return value
    return ""


def _amount(balance: Any) -> Decimal | None:
    amount = getattr(balance, "amount", None)
    return getattr(amount, "amount", None)


def _date(value: Any) -> date | None:
    return date(value.year, value.month, value.day) if value else None


def _dates(lines: tuple[BankLine, ...]) -> tuple[date | None, date | None]:
    if not lines:
        return None, None
    posted = [line.posted for line in lines]
    return min(posted), max(posted)
