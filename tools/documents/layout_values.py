"""Value parsers for the layout extractor: dates, money, ABNs, BSBs, IBANs, emails.

Pure functions over strings. Australian conventions first (day before month, "1,234.50"), with
European ones recognised too ("31.12.2024", "1.234,50 €"), because suppliers are not all local.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from tools.ledger.abn import abn_is_valid

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
        "january jan januar janv janvier januari enero gennaio", "february feb febr februar fevrier février februari",
        "march mar märz maerz marz mars maart", "april apr avril",
        "may mai mei", "june jun juni juin", "july jul juli juillet",
        "august aug aout août augustus", "september sep sept septembre",
        "october oct oktober okt octobre", "november nov novembre", "december dec dezember dez décembre decembre"),
        start=1):
    for _n in _names.split():
        _MONTHS[_n] = _i
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/.\-])(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/]|\.\d)")
_DAY_MONTH = re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\.?[\s\-/]*({_MONTH_RE})\.?[\s\-/,]*'?(\d{{4}}|\d{{2}})(?!\d)",
                        re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})(?!\d)", re.IGNORECASE)


def _mk(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000
    if not 1990 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, *, month_first: bool = False) -> list[tuple[date, int, int]]:
    """Every date in `text` as (date, start, end), in order. Day-first unless the numbers only
    make sense month-first (or `month_first` is set, for US documents)."""
    found: list[tuple[date, int, int]] = []
    for m in _ISO.finditer(text):
        d = _mk(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _NUMERIC.finditer(text):
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        d = _mk(y, a, b) if month_first else _mk(y, b, a)
        if d is None:
            d = _mk(y, b, a) if month_first else _mk(y, a, b)
        if d:
            found.append((d, m.start(), m.end()))
    for m in _DAY_MONTH.finditer(text):
        d = _mk(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _MONTH_DAY.finditer(text):
        d = _mk(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
        if d:
            found.append((d, m.start(), m.end()))
    found.sort(key=lambda t: t[1])
    # Drop matches nested inside an earlier, longer one.
    out: list[tuple[date, int, int]] = []
    for item in found:
        if out and item[1] < out[-1][2]:
            continue
        out.append(item)
    return out


def parse_date(text: str, *, month_first: bool = False) -> date | None:
    found = find_dates(text, month_first=month_first)
    return found[0][0] if found else None


# ---------------------------------------------------------------- money

_CUR = r"(?:AUD|EUR|USD|NZD|GBP|INR|A\$|AU\$|\$|€|£|₹|Rs\.?)"
MONEY_RE = re.compile(
    rf"(?<![\w.,/-])(?:\(\s*)?-?\s?(?:{_CUR}\s?)?-?\s?"
    r"(\d{1,3}(?:[,.\u00a0' ]\d{3})+|\d+)([.,]\d{2,4})(?!\d)"
    rf"(?:\s?-)?(?:\s?\))?(?:\s?(?:{_CUR}))?")


def decimal_comma_hint(text: str) -> bool:
    """True when the document writes money as 1.234,50 rather than 1,234.50."""
    comma = len(re.findall(r"\d,\d{2}(?![\d.,])", text))
    dot = len(re.findall(r"\d\.\d{2}(?![\d.,])", text))
    return comma > dot


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal | None:
    """A money or quantity string to Decimal: '$1,234.50', '1234.50', 'AUD 1,234.50', '1.234,50 €',
    '(12.00)' and '12.00-' (negative). None when it is not a number."""
    s = text.strip()
    neg = s.startswith(("(", "-")) or s.endswith(("-", ")")) or "-$" in s or "- " in s[:3]
    s = re.sub(r"[^\d.,]", "", s.replace("\u00a0", "").replace("'", "").replace(" ", ""))
    if not s or not s[0].isdigit() and not (s[0] in ".," and len(s) > 1):
        return None
    s = s.strip(".,")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
    elif dots + commas == 0:
        dec = None
    else:
        sep = "." if dots else ","
        tail = len(s) - s.rfind(sep) - 1
        if dots + commas > 1:
            dec = None  # only thousands separators
        elif tail == 3 and (sep == "," and not decimal_comma or sep == "." and decimal_comma):
            dec = None
        else:
            dec = sep
    if dec is None:
        s = s.replace(".", "").replace(",", "")
    else:
        whole, _, frac = s.rpartition(dec)
        s = whole.replace(".", "").replace(",", "") + "." + frac
    try:
        value = Decimal(s)
    except InvalidOperation:
        return None
    return -value if neg else value


def find_amounts(text: str, *, decimal_comma: bool = False) -> list[tuple[Decimal, int, int]]:
    """Money-looking tokens (with 2-4 decimals) in text, as (value, start, end)."""
    out = []
    for m in MONEY_RE.finditer(text):
        v = parse_amount(m.group(0), decimal_comma=decimal_comma)
        if v is not None:
            out.append((v, m.start(), m.end()))
    return out


def is_number_token(text: str) -> bool:
    return bool(re.fullmatch(rf"\(?-?\s?{_CUR}?\s?-?[\d.,'\u00a0 ]*\d[\d.,]*\s?-?\)?\s?{_CUR}?%?", text.strip()))


# ---------------------------------------------------------------- identifiers

_ABN = re.compile(r"(?<![\d-])(\d{2}([ \u00a0.\-]?)\d{3}\2\d{3}\2\d{3})(?![\d-])")  # 51 824 753 556, 51-824-753-556
_BSB = re.compile(r"(?<!\d)(\d{3})[-\s\u00a0]?(\d{3})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)\b")
_BIC = re.compile(r"\b([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")


def find_abns(text: str) -> list[tuple[str, int, int]]:
    """Valid ABNs (ATO checksum) in text as (11 digits, start, end)."""
    out = []
    for m in _ABN.finditer(text):
        digits = re.sub(r"\D", "", m[1])
        if abn_is_valid(digits):
            out.append((digits, m.start(), m.end()))
    return out


def find_bsb(text: str) -> str | None:
    m = _BSB.search(text)
    return m[1] + m[2] if m else None


def find_emails(text: str) -> list[str]:
    return [e.rstrip(".") for e in _EMAIL.findall(text)]


def iban_is_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def find_iban(text: str) -> str | None:
    for m in _IBAN.finditer(text.upper()):
        s = m[1].replace(" ", "")
        # The greedy match may swallow a following word; shorten until the checksum holds.
        for end in range(len(s), 14, -1):
            if iban_is_valid(s[:end]):
                return s[:end]
    return None


def find_bic(text: str) -> str | None:
    m = re.search(r"(?:BIC|SWIFT)[\s:/-]*(?:code)?[\s:]*([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b", text)
    return m[1] if m else None
