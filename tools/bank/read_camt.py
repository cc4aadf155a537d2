"""ISO 20022 camt.053 (statement), camt.052 (intraday report), camt.054 (debit/credit notice).

Parsed with the repo's hardened XML parser (no DTDs, no entities, size and element caps). The
namespace (camt.053.001.02 ... .001.08 and later) is stripped once, so one set of paths reads every
version. One Statement per Stmt / Rpt / Ntfctn; one line per Ntry, the amount that hit the
account (a batch of several transactions stays one line, as on the bank's statement).

Signs come from CdtDbtInd alone: per ISO 20022 a reversal (RvslInd) already carries the direction
of the reversing entry. Opening balance: Bal type OPBD, else PRCD (previous closing, the same
figure); closing: CLBD. Entries still pending (Sts PDNG, INFO) are not on the account yet and are
left out, with a warning. The counterparty is the creditor of a payment out and the debtor of a
payment in; AcctSvcrRef (the bank's reference) is the line id.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from tools.bank.model import BankFileError, BankLine, Statement
from tools.bank.values import amount_reader, clean, compact_date, unique_ids
from tools.documents.xml_safety import XmlRefused, parse_xml
from tools.ledger.problems import Problem

MIB = 1024 * 1024
_MAX_ELEMENTS = 5_000_000  # ~100,000 entries of ~50 elements; the byte cap bounds it first
_MESSAGES = {"BkToCstmrStmt": ("camt053", "Stmt"), "BkToCstmrAcctRpt": ("camt052", "Rpt"),
             "BkToCstmrDbtCdtNtfctn": ("camt054", "Ntfctn")}
_OPENING, _CLOSING = ("OPBD", "PRCD"), ("CLBD",)
_NOT_BOOKED = ("PDNG", "INFO", "FUTR")
_VERSION = re.compile(r"V\d\d$")
_read_amount = amount_reader(".", "")


def read_camt(data: bytes, *, max_bytes: int = 50 * MIB) -> tuple[Statement, ...]:
    root = _parse(data, max_bytes)
    # Version 1 of each message names its root with the version: BkToCstmrAcctRptV01.
    message = next((child for child in root if _VERSION.sub("", child.tag) in _MESSAGES), None)
    if message is None:
        raise BankFileError("camt_unknown_message", "The XML is not a camt.052, camt.053 or "
                            "camt.054 bank-to-customer message.")
    format_name, record_tag = _MESSAGES[_VERSION.sub("", message.tag)]
    created = compact_date(message.findtext("GrpHdr/CreDtTm") or "")
    records = message.findall(record_tag)
    if not records:
        raise BankFileError("camt_no_statements", f"The {format_name[:4]}.{format_name[4:]} file "
                            f"has no {record_tag} element, so there is no statement in it.")
    return tuple(_statement(record, format_name, created) for record in records)


def _parse(data: bytes, max_bytes: int) -> ET.Element:
    try:
        root = parse_xml(data, max_bytes=max_bytes, max_elements=_MAX_ELEMENTS)
    except XmlRefused as exc:
        if exc.code == "xml_malformed":
            raise BankFileError("camt_malformed", "The camt file is not well-formed XML (cut off "
                                "or damaged); download it again.") from None
        if exc.code == "xml_too_large":
            raise BankFileError("file_too_large", exc.message) from None
        raise BankFileError(exc.code, "The camt file uses XML features bank statements never "
                            f"need and that can hide an attack ({exc.code}); it was not read."
                            ) from None
    for element in root.iter():  # one set of paths for every camt version
        if element.tag[:1] == "{":
            element.tag = element.tag.rpartition("}")[2]
    return root


def _statement(record: ET.Element, format_name: str, created: date | None) -> Statement:
    warnings: list[Problem] = []
    created = compact_date(record.findtext("CreDtTm") or "") or created
    lines = _lines(record, created, warnings)
    opening, opening_date = _balance(record, _OPENING)
    closing, closing_date = _balance(record, _CLOSING)
    posted = [line.posted for line in lines]
    start = compact_date(record.findtext("FrToDt/FrDtTm") or "") or opening_date
    end = compact_date(record.findtext("FrToDt/ToDtTm") or "") or closing_date
    return Statement(
        format=format_name, account=_account(record), currency=_currency(record),
        lines=tuple(lines), opening_balance=opening, closing_balance=closing,
        period_start=start or (min(posted) if posted else None),
        period_end=end or (max(posted) if posted else None), warnings=tuple(warnings))


def _account(record: ET.Element) -> str | None:
    number = (record.findtext("Acct/Id/IBAN") or record.findtext("Acct/Id/Othr/Id")
              or record.findtext("Acct/Id/PrtryAcct/Id"))  # version 1's proprietary account
    return clean(number) or None


def _currency(record: ET.Element) -> str | None:
    found = record.findtext("Acct/Ccy")
    if not found:
        amount = record.find("Bal/Amt")
        if amount is None:
            amount = record.find("Ntry/Amt")
        found = amount.get("Ccy") if amount is not None else None
    return clean(found).upper() or None


def _balance(record: ET.Element, codes: tuple[str, ...]) -> tuple[Decimal | None, date | None]:
    """The first balance whose type is the first of `codes` present (OPBD before PRCD)."""
    by_code = {}
    for balance in record.findall("Bal"):
        code = balance.findtext("Tp/CdOrPrtry/Cd") or balance.findtext("Tp/CdOrPrtry/Prtry") or ""
        by_code.setdefault(code.strip().upper(), balance)
    for code in codes:
        balance = by_code.get(code)
        if balance is not None:
            amount = _signed(balance, f"The {code} balance")
            when = balance.findtext("Dt/Dt") or balance.findtext("Dt/DtTm") or ""
            return amount, compact_date(when)
    return None, None


def _signed(element: ET.Element, where: str, row: int | None = None) -> Decimal:
    text = element.findtext("Amt") or ""
    amount = _read_amount(text)
    if amount is None:
        raise BankFileError("camt_bad_amount", f"{where} has the amount {text.strip()!r}, which "
                            "is not a number.", row=row)
    indicator = (element.findtext("CdtDbtInd") or "").strip().upper()
    if indicator not in ("CRDT", "DBIT"):
        raise BankFileError("camt_bad_amount", f"{where} does not say whether it is a credit or "
                            "a debit (CdtDbtInd).", row=row)
    return -amount if indicator == "DBIT" and amount else amount


def _lines(record: ET.Element, created: date | None, warnings: list[Problem]) -> list[BankLine]:
    entries, pending, undated = [], 0, 0
    for entry in record.findall("Ntry"):
        status = (entry.findtext("Sts/Cd") or entry.findtext("Sts") or "BOOK").strip().upper()
        if status in _NOT_BOOKED:
            pending += 1
        else:
            entries.append(entry)
    ids = unique_ids(_bank_reference(entry) for entry in entries)
    lines = []
    for number, (entry, bank_id) in enumerate(zip(entries, ids), start=1):
        amount = _signed(entry, f"Entry {number}", number)
        posted = _date(entry, "BookgDt") or _date(entry, "ValDt")
        if posted is None:
            if created is None:
                raise BankFileError("camt_missing_date", f"Entry {number} has neither a booking "
                                    "nor a value date.", row=number)
            posted, undated = created, undated + 1
        details = entry.findall("NtryDtls/TxDtls")
        lines.append(BankLine(
            posted=posted, amount=amount, bank_id=bank_id, balance=None,
            payee=_counterparty(details, credit=amount > 0),
            reference=_reference(details),
            description=_description(entry, details), kind=_kind(entry)))
    if pending:
        warnings.append(Problem("camt_pending_skipped", f"{pending} pending entr"
                                f"{'y was' if pending == 1 else 'ies were'} left out: they are "
                                "not booked to the account yet."))
    if undated:
        warnings.append(Problem("camt_date_assumed", f"{undated} entr"
                                f"{'y has' if undated == 1 else 'ies have'} no booking or value "
                                f"date; the message's date {created} was used."))
    return lines


def _date(entry: ET.Element, tag: str) -> date | None:
    return compact_date(entry.findtext(f"{tag}/Dt") or entry.findtext(f"{tag}/DtTm") or "")


def _bank_reference(entry: ET.Element) -> str | None:
    found = entry.findtext("AcctSvcrRef")
    if not found:
        refs = entry.findall("NtryDtls/TxDtls/Refs/AcctSvcrRef")
        found = refs[0].text if len(refs) == 1 else None
    return found


def _party(details: ET.Element, role: str) -> str:
    return clean(details.findtext(f"RltdPties/{role}/Nm")
                 or details.findtext(f"RltdPties/{role}/Pty/Nm"))


def _counterparty(details: list[ET.Element], *, credit: bool) -> str:
    """Who paid us (the debtor) or whom we paid (the creditor); blank for a batch of several."""
    roles = ("Dbtr", "UltmtDbtr") if credit else ("Cdtr", "UltmtCdtr")
    names = {next((n for n in (_party(d, r) for r in roles) if n), "") for d in details}
    return names.pop() if len(names) == 1 else ""


def _reference(details: list[ET.Element]) -> str:
    for d in details:
        for path in ("RmtInf/Strd/CdtrRefInf/Ref", "Refs/EndToEndId"):
            value = clean(d.findtext(path))
            if value and value.upper() != "NOTPROVIDED":
                return value
    return ""


def _description(entry: ET.Element, details: list[ET.Element]) -> str:
    texts = [clean(u.text) for d in details for u in d.findall("RmtInf/Ustrd")]
    texts += [clean(d.findtext("AddtlTxInf")) for d in details]
    texts.append(clean(entry.findtext("AddtlNtryInf")))
    return " ".join(dict.fromkeys(t for t in texts if t))


def _kind(entry: ET.Element) -> str:
    domain = entry.find("BkTxCd/Domn")
    if domain is not None:
        parts = (domain.findtext("Cd"), domain.findtext("Fmly/Cd"), domain.findtext("Fmly/SubFmlyCd"))
        return "/".join(clean(p) for p in parts if p and p.strip())
    return clean(entry.findtext("BkTxCd/Prtry/Cd"))
