"""Bank statement writers the bank-rec eval keeps for its HELD-OUT format: ISO 20022 camt.053
(and a Westpac CSV export). No training month of any business is ever written in these formats
(the demo feed writes CommBank CSV and OFX), so the held-out months of the business that uses
them test the reader and the matcher on wording laid out differently: camt puts the counterparty
in its own element (RltdPties/Cdtr|Dbtr/Nm), the narrative in RmtInf/Ustrd and the remitter's
reference in Refs/EndToEndId, so a line's text is "payee narrative reference", not the one
narrative string a CommBank row carries.

Pure: lines in, bytes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

CAMT_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass(frozen=True)
class StatementLine:
    """One line as a bank file states it (money in positive)."""
    posted: date
    amount: Decimal
    narrative: str                 # what the bank prints
    payee: str = ""                # the counterparty, when the format has a field for it
    reference: str = ""            # the remitter's reference
    bank_id: str = ""              # the bank's own transaction id
    kind: str = ""                 # e.g. PMNT/ICDT/ESCT, or a CSV category


def _x(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _amount(value: Decimal) -> str:
    return f"{abs(value):.2f}"


def _camt_kind(line: StatementLine) -> tuple[str, str, str]:
    if line.kind:
        parts = (line.kind.split("/") + ["", "", ""])[:3]
        return parts[0] or "PMNT", parts[1] or "MCOP", parts[2] or "OTHR"
    return ("PMNT", "RCDT", "ESCT") if line.amount > 0 else ("PMNT", "ICDT", "ESCT")


def write_camt053(account: str, lines: Sequence[StatementLine], *, opening: Decimal,
                  statement_id: str, created: date, currency: str = "AUD",
                  period: tuple[date, date] | None = None) -> bytes:
    """A camt.053.001.02 statement: OPBD and CLBD balances, one booked Ntry per line."""
    start, end = period or (min(ln.posted for ln in lines), max(ln.posted for ln in lines))
    closing = opening + sum((ln.amount for ln in lines), Decimal("0.00"))

    def balance(code: str, value: Decimal, when: date) -> str:
        sign = "CRDT" if value >= 0 else "DBIT"
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
                f'<Amt Ccy="{currency}">{_amount(value)}</Amt><CdtDbtInd>{sign}</CdtDbtInd>'
                f"<Dt><Dt>{when.isoformat()}</Dt></Dt></Bal>")

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<Document xmlns="{CAMT_NS}"><BkToCstmrStmt>',
           (f"<GrpHdr><MsgId>{_x(statement_id)}</MsgId><CreDtTm>{created.isoformat()}T06:00:00"
           "</CreDtTm></GrpHdr>"),
           f"<Stmt><Id>{_x(statement_id)}</Id><CreDtTm>{created.isoformat()}T06:00:00</CreDtTm>",
           (f"<FrToDt><FrDtTm>{start.isoformat()}T00:00:00</FrDtTm>"
           f"<ToDtTm>{end.isoformat()}T23:59:59</ToDtTm></FrToDt>"),
           f"<Acct><Id><Othr><Id>{_x(account)}</Id></Othr></Id><Ccy>{currency}</Ccy></Acct>",
           balance("OPBD", opening, start), balance("CLBD", closing, end)]
    for n, ln in enumerate(lines, 1):
        credit = ln.amount > 0
        domain, family, sub = _camt_kind(ln)
        party = ""
        if ln.payee:
            role = "Dbtr" if credit else "Cdtr"
            party = f"<RltdPties><{role}><Nm>{_x(ln.payee)}</Nm></{role}></RltdPties>"
        refs = f"<Refs><EndToEndId>{_x(ln.reference)}</EndToEndId></Refs>" if ln.reference else ""
        bank_id = ln.bank_id or f"{statement_id}-{n:05d}"
        out.append(
            f'<Ntry><Amt Ccy="{currency}">{_amount(ln.amount)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{ln.posted.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{ln.posted.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{_x(bank_id)}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}"
            f"</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls>{refs}{party}"
            f"<RmtInf><Ustrd>{_x(ln.narrative)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    out.append("</Stmt></BkToCstmrStmt></Document>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def write_westpac_csv(account: str, lines: Sequence[StatementLine], *, opening: Decimal) -> bytes:
    """Westpac's export: a header row, newest first, debits and credits in their own columns
    (both positive), the running balance, a category and a serial (the reference)."""
    rows, balance = [], opening
    for ln in lines:
        balance += ln.amount
        debit = _amount(ln.amount) if ln.amount < 0 else ""
        credit = _amount(ln.amount) if ln.amount > 0 else ""
        category = ln.kind or ("DEP" if ln.amount > 0 else "PAYMENT")
        rows.append(",".join(_csv_cell(c) for c in (
            account, f"{ln.posted:%d/%m/%Y}", ln.narrative, debit, credit, f"{balance:.2f}",
            category, ln.reference)))
    header = "Bank Account,Date,Narrative,Debit Amount,Credit Amount,Balance,Categories,Serial"
    return ("\n".join([header, *reversed(rows)]) + "\n").encode("utf-8")


def write_qif(lines: Sequence[StatementLine], *, width: int = 32) -> bytes:
    """A bank's QIF export (no account named, no balances): the narrative cut at `width`
    characters as the payee (P), the whole narrative as the memo (M) when it is longer."""
    out = ["!Type:Bank"]
    for ln in lines:
        payee = ln.payee or ln.narrative[:width].rstrip()
        out += [f"D{ln.posted:%d/%m/%Y}", f"T{ln.amount:.2f}", f"P{payee}"]
        if ln.narrative != payee:
            out.append(f"M{ln.narrative}")
        if ln.reference:
            out.append(f"N{ln.reference}")
        out.append("^")
    return ("\n".join(out) + "\n").encode("utf-8")
