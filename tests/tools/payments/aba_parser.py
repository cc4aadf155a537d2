"""An ABA (Cemtex direct entry) reader for tests, written from the published layout and not from
the writer: every field is cut at its published position and checked against its rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime


class AbaInvalid(AssertionError):
    pass


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise AbaInvalid(message)


def _cut(record: str, first: int, last: int) -> str:
    """Characters `first`..`last`, 1-based and inclusive, as the format's tables number them."""
    return record[first - 1:last]


def _blank(record: str, first: int, last: int, n: int) -> None:
    _need(_cut(record, first, last).strip() == "", f"record {n}: {first}-{last} must be blank")


def _left_text(value: str, n: int, what: str) -> str:
    _need(value == value.lstrip() and value.strip() != "", f"record {n}: {what} must be "
          "left justified and not blank")
    return value.rstrip()


def _bsb(value: str, n: int, what: str) -> str:
    _need(re.fullmatch(r"\d{3}-\d{3}", value) is not None, f"record {n}: {what} {value!r} is not nnn-nnn")
    return value


def _account(value: str, n: int, what: str) -> str:
    _need(re.fullmatch(r" *\d+", value) is not None and len(value) == 9,
          f"record {n}: {what} {value!r} is not right justified digits, blank filled")
    return value.strip()


def _zero_filled(value: str, n: int, what: str) -> int:
    _need(value.isdigit(), f"record {n}: {what} {value!r} is not zero filled digits")
    return int(value)


@dataclass
class Header:
    reel: int
    bank: str
    user_name: str
    apca_id: str
    description: str
    process_on: date


@dataclass
class Detail:
    bsb: str
    account: str
    indicator: str
    code: str
    cents: int
    title: str
    reference: str
    trace_bsb: str
    trace_account: str
    remitter: str
    withholding_cents: int


@dataclass
class Totals:
    net: int
    credit: int
    debit: int
    count: int


@dataclass
class AbaFile:
    header: Header
    details: list[Detail]
    totals: Totals


def parse(data: bytes) -> AbaFile:
    text = data.decode("ascii")
    _need(text.endswith("\r\n"), "the file must end with CR LF")
    records = text[:-2].split("\r\n")
    _need(all("\n" not in r and "\r" not in r for r in records), "every record ends with CR LF")
    for n, r in enumerate(records, start=1):
        _need(len(r) == 120, f"record {n} is {len(r)} characters, not 120")
    _need(len(records) >= 3, "a file has a descriptive record, details and a total record")
    h = records[0]
    _need(h[0] == "0", "the first record is type 0")
    _blank(h, 2, 18, 1)
    _need(_cut(h, 19, 20) == "01", "reel sequence number 01")
    bank = _cut(h, 21, 23)
    _need(re.fullmatch(r"[A-Z]{3}", bank) is not None, "financial institution abbreviation")
    _blank(h, 24, 30, 1)
    user = _left_text(_cut(h, 31, 56), 1, "user name")
    apca = _cut(h, 57, 62)
    _need(apca.isdigit(), "APCA user id: 6 digits, zero filled")
    description = _left_text(_cut(h, 63, 74), 1, "description")
    process_on = datetime.strptime(_cut(h, 75, 80), "%d%m%y").date()
    _blank(h, 81, 120, 1)
    details = []
    for n, r in enumerate(records[1:-1], start=2):
        _need(r[0] == "1", f"record {n} is type 1")
        code = _cut(r, 19, 20)
        _need(code in ("50", "13", "51", "52", "53", "54", "55", "56", "57"),
              f"record {n}: transaction code {code}")
        _need(_cut(r, 18, 18) in (" ", "N", "W", "X", "Y"), f"record {n}: indicator")
        details.append(Detail(
            bsb=_bsb(_cut(r, 2, 8), n, "BSB"), account=_account(_cut(r, 9, 17), n, "account"),
            indicator=_cut(r, 18, 18), code=code,
            cents=_zero_filled(_cut(r, 21, 30), n, "amount"),
            title=_left_text(_cut(r, 31, 62), n, "account title"),
            reference=_cut(r, 63, 80).rstrip(),
            trace_bsb=_bsb(_cut(r, 81, 87), n, "trace BSB"),
            trace_account=_account(_cut(r, 88, 96), n, "trace account"),
            remitter=_left_text(_cut(r, 97, 112), n, "remitter name"),
            withholding_cents=_zero_filled(_cut(r, 113, 120), n, "withholding tax")))
    t = records[-1]
    last = len(records)
    _need(t[0] == "7", "the last record is type 7")
    _need(_cut(t, 2, 8) == "999-999", "total record BSB filler 999-999")
    _blank(t, 9, 20, last)
    _blank(t, 51, 74, last)
    _blank(t, 81, 120, last)
    totals = Totals(net=_zero_filled(_cut(t, 21, 30), last, "net total"),
                    credit=_zero_filled(_cut(t, 31, 40), last, "credit total"),
                    debit=_zero_filled(_cut(t, 41, 50), last, "debit total"),
                    count=_zero_filled(_cut(t, 75, 80), last, "record count"))
    credits = sum(d.cents for d in details if d.code != "13")
    debits = sum(d.cents for d in details if d.code == "13")
    _need(totals.credit == credits, f"credit total {totals.credit} != {credits}")
    _need(totals.debit == debits, f"debit total {totals.debit} != {debits}")
    _need(totals.net == abs(credits - debits), "net total")
    _need(totals.count == len(details), f"count {totals.count} != {len(details)} type 1 records")
    return AbaFile(Header(1, bank, user, apca, description, process_on), details, totals)
