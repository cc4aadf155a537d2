"""OFX and QFX (Quicken's OFX): bank and credit-card statements, one Statement per account.

The header (OFX 1.x "OFXHEADER:100 ... CHARSET:1252" lines or the OFX 2.x "<?OFX ...?>"
declaration) is read by ofxtools, which also tells us the character set. Files without a proper
header are common (ofxparse's "fail_nice" fixtures, CSV-to-OFX converters writing two header
lines): then we find <OFX> ourselves and guess the encoding. The body is read by our own tolerant
tree (ofx_tree explains why not ofxtools' validator).

Quirks handled: SGML value elements without end tags, empty values (<NAME></NAME>, <BALAMT> </...>),
CDATA payees (Suncorp), entities (&amp;), several STMTRS in one file or in one STMTTRNRS, dates
with a time zone ("[+10:AEST]"), decimal commas, FITIDs that repeat (dropped as ids, see
values.unique_ids). A transaction without a readable date or amount is an error, never skipped.
"""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from ofxtools.header import OFXHeaderError, parse_header

from tools.bank.model import BankFileError, BankLine, Statement
from tools.bank.ofx_tree import Node, parse_tree
from tools.bank.text import decode_text, refuse_if_not_text
from tools.bank.values import amount_reader, clean, compact_date, unique_ids

_STATEMENTS = frozenset({"STMTRS", "CCSTMTRS"})
_OFX_START = re.compile(rb"<OFX>", re.IGNORECASE)
_DECLARED = re.compile(rb"CHARSET:\s*([\w-]+)|encoding=[\"']([\w-]+)", re.IGNORECASE)
_CODECS = {"1252": "cp1252", "WINDOWS-1252": "cp1252", "ISO-8859-1": "latin-1",
           "8859-1": "latin-1", "US-ASCII": "utf-8", "USASCII": "utf-8", "NONE": "utf-8",
           "UTF-8": "utf-8"}
_read_point = amount_reader(".", "")
_read_comma = amount_reader(",", "")  # the OFX spec allows a decimal comma


def read_ofx(data: bytes) -> tuple[Statement, ...]:
    root = parse_tree(_body(data))
    statements = tuple(_statement(node) for node in root.find_all(_STATEMENTS))
    if not statements:
        raise BankFileError("ofx_no_statements", "The OFX file holds no bank or credit-card "
                            f"statement{_server_says(root)}; it may hold only a sign-on reply, "
                            "transfers or investments, which are not imported.")
    return statements


def _body(data: bytes) -> str:
    refuse_if_not_text(data)
    try:
        _header, body = parse_header(io.BytesIO(data))
        return body
    except (OFXHeaderError, UnicodeDecodeError, ValueError, KeyError):
        pass  # no header, a partial one, or a charset the header lied about: find <OFX> ourselves
    start = _OFX_START.search(data)
    if start is None:
        raise BankFileError("ofx_malformed", "The file has no <OFX> element, so it is not an OFX "
                            "or QFX bank file.")
    declared = _DECLARED.search(data, 0, start.start())
    codec = None
    if declared:
        codec = _CODECS.get((declared.group(1) or declared.group(2)).decode().upper())
    raw = data[start.start():]
    if codec:
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_text(raw)


def _server_says(root: Node) -> str:
    """The bank's own status message, when it sent an error instead of a statement."""
    for status in root.find_all(frozenset({"STATUS"})):
        code, message = status.text("CODE"), status.text("MESSAGE")
        if code and code != "0":
            return f" (the bank replied with error {code}{': ' + message if message else ''})"
    return ""


def _statement(node: Node) -> Statement:
    account_node = node.child("BANKACCTFROM", "CCACCTFROM")
    tranlist = node.child("BANKTRANLIST")
    lines = _lines(tranlist) if tranlist is not None else []
    period_start = compact_date(tranlist.text("DTSTART")) if tranlist is not None else None
    period_end = compact_date(tranlist.text("DTEND")) if tranlist is not None else None
    closing, as_of = _balance(node.child("LEDGERBAL"))
    return Statement(
        format="ofx", account=_account(account_node), currency=node.text("CURDEF").upper() or None,
        lines=tuple(lines), opening_balance=_opening(closing, as_of, period_end, lines),
        closing_balance=closing, period_start=period_start, period_end=period_end)


def _account(node: Node | None) -> str | None:
    """The account number; an Australian BSB (a six-digit BANKID) goes in front, as on paper."""
    if node is None:
        return None
    number = clean(node.text("ACCTID"))
    bank = clean(node.text("BANKID")).replace("-", "")
    if bank.isdigit() and len(bank) == 6 and number:
        return f"{bank} {number}"
    return number or None


def _balance(node: Node | None) -> tuple[Decimal | None, date | None]:
    if node is None or not node.text("BALAMT"):
        return None, None
    return _amount(node.text("BALAMT"), "The ledger balance"), compact_date(node.text("DTASOF"))


def _opening(closing: Decimal | None, as_of: date | None, period_end: date | None,
             lines: list[BankLine]) -> Decimal | None:
    """OFX states no opening balance. It follows from the ledger balance only when that balance
    is as at the end of the listed transactions: on or after the last one and no later than the
    list's end date, so no transaction can fall between the list and the balance."""
    if closing is None or as_of is None or period_end is None or as_of > period_end:
        return None
    if lines and as_of < max(line.posted for line in lines):
        return None
    return closing - sum((line.amount for line in lines), Decimal(0))


def _lines(tranlist: Node) -> list[BankLine]:
    transactions = tranlist.transactions()
    ids = unique_ids(t.get("FITID") for t in transactions)
    dates: dict[str, date | None] = {}
    lines = []
    for number, (values, bank_id) in enumerate(zip(transactions, ids), start=1):
        posted_text = values.get("DTPOSTED", "")
        posted = dates.get(posted_text)
        if posted is None:
            posted = dates[posted_text] = compact_date(posted_text)
        amount_text = values.get("TRNAMT", "")
        amount = _read_point(amount_text)
        name = clean(values.get("NAME"))
        if posted is None or amount is None:
            _refuse(number, values, name, posted_text, amount_text)
        memo = clean(values.get("MEMO"))
        reference = values.get("REFNUM") or values.get("CHECKNUM") or ""
        lines.append(BankLine(
            posted=posted, amount=amount if amount is not None else _amount(amount_text, ""),
            description=memo or name, bank_id=bank_id, payee=name,
            reference="" if reference.strip("0 ") == "" else clean(reference),
            kind=values.get("TRNTYPE", "").upper()))
    return lines


def _refuse(number: int, values: dict[str, str], name: str, posted: str, amount: str) -> None:
    """Raise for a transaction without a readable date or amount (a decimal comma is fine)."""
    label = values.get("FITID") or name
    where = f"Transaction {number}" + (f" ({label})" if label else "")
    if not posted:
        raise BankFileError("ofx_missing_date", f"{where} has no posting date (DTPOSTED), so "
                            "the file cannot be imported as it is.", row=number)
    if compact_date(posted) is None:
        raise BankFileError("ofx_bad_date", f"{where} has the date {posted!r}, which is "
                            "not a real date.", row=number)
    if not amount:
        raise BankFileError("ofx_bad_amount", f"{where} has no amount.", row=number)
    _amount(amount, where, number)


def _amount(text: str, where: str, row: int | None = None) -> Decimal:
    value = _read_point(text)
    if value is None and "," in text:
        value = _read_comma(text)
    if value is None:
        raise BankFileError("ofx_bad_amount", f"{where}: the amount {text!r} is not a number.",
                            row=row)
    return value
