"""Benchmark: reading big bank statements (issue #13: importing 100,000 lines within 5 s end to
end, so reading must take well under 2 s of it).

Run: python -m evals.benchmarks.bank_read_bench [--lines N] [--repeat R]

Generates, in memory, a CommBank-style CSV (newest first, running balances, as CommBank writes it),
an OFX 1.x (SGML) and an OFX 2.x (XML) statement of N lines each, times read_statements on each
(the best of R runs, so another process on the machine does not count against the reader), checks
what was read, and prints lines per second as JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from decimal import Decimal

from tools.bank.read import read_statements

PAYEES = ("BUNNINGS 1234 MELBOURNE AU", "WOOLWORTHS 3012 SYDNEY", "TRANSFER TO XX1234 NETBANK",
          "Direct Credit 123456 ACME PTY LTD", "OFFICEWORKS 0456 BRISBANE", "ATO BPAS 551000")


def _movements(count: int) -> list[tuple[date, Decimal, str]]:
    start = date(2024, 1, 1)
    return [(start + timedelta(days=i // 250),
             Decimal((i * 7919) % 50_000 - 24_000).scaleb(-2),
             f"{PAYEES[i % len(PAYEES)]} {i % 97:02d}") for i in range(count)]


def cba_csv(count: int) -> bytes:
    balance = Decimal("1000.00")
    rows = []
    for posted, amount, text in _movements(count):
        balance += amount
        rows.append(f'{posted:%d/%m/%Y},"{amount:+,.2f}","{text}","{balance:+,.2f}"')
    rows.reverse()  # CommBank lists the newest first
    return ("\r\n".join(rows) + "\r\n").encode()


def ofx(count: int, *, xml: bool) -> bytes:
    close = (lambda tag: f"</{tag}>") if xml else (lambda tag: "")
    trns = []
    for n, (posted, amount, text) in enumerate(_movements(count)):
        kind = "CREDIT" if amount > 0 else "DEBIT"
        trns.append(f"<STMTTRN><TRNTYPE>{kind}{close('TRNTYPE')}<DTPOSTED>{posted:%Y%m%d}"
                    f"000000[+10:AEST]{close('DTPOSTED')}<TRNAMT>{amount}{close('TRNAMT')}"
                    f"<FITID>{n:09d}{close('FITID')}<NAME>{text}{close('NAME')}<MEMO>{text} "
                    f"CARD 1234{close('MEMO')}</STMTTRN>\n")
    total = sum((a for _, a, _ in _movements(count)), Decimal(0))
    header = ('<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220" '
              'SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n' if xml else
              "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
              "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n")
    last = _movements(count)[-1][0]
    body = (f"<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1{close('TRNUID')}<STMTRS>"
            f"<CURDEF>AUD{close('CURDEF')}<BANKACCTFROM><BANKID>062000{close('BANKID')}"
            f"<ACCTID>12345678{close('ACCTID')}<ACCTTYPE>CHECKING{close('ACCTTYPE')}"
            f"</BANKACCTFROM><BANKTRANLIST><DTSTART>20240101{close('DTSTART')}"
            f"<DTEND>{last:%Y%m%d}{close('DTEND')}\n{''.join(trns)}</BANKTRANLIST><LEDGERBAL>"
            f"<BALAMT>{Decimal('1000.00') + total}{close('BALAMT')}<DTASOF>{last:%Y%m%d}"
            f"{close('DTASOF')}</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n")
    return (header + body).encode()


def _time(data: bytes, filename: str, repeat: int, count: int) -> dict[str, object]:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        statements = read_statements(data, filename)
        best = min(best, time.perf_counter() - started)
    lines = sum(len(s.lines) for s in statements)
    assert lines == count, f"{filename}: read {lines} lines, expected {count}"
    return {"format": statements[0].format, "lines": lines, "megabytes": round(len(data) / 1e6, 1),
            "seconds": round(best, 3), "lines_per_second": round(lines / best),
            "opening": str(statements[0].opening_balance),
            "closing": str(statements[0].closing_balance)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = {
        "cba_csv": _time(cba_csv(args.lines), "CommBank.csv", args.repeat, args.lines),
        "ofx_sgml": _time(ofx(args.lines, xml=False), "statement.ofx", args.repeat, args.lines),
        "ofx_xml": _time(ofx(args.lines, xml=True), "statement.qfx", args.repeat, args.lines),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
