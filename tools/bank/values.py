"""Money and dates as banks write them, read fast and strictly.

Each reader builds its parsers once per file (`amount_reader`, `date_reader`): the patterns are
compiled once, and every distinct string is converted once and cached, because a statement repeats
the same dates (and often the same amounts) thousands of times. Both return None for text they
cannot read, so the caller can say which row or element was wrong.

Strict means: a thousands separator must group digits in threes, so "12,50" in a file we read as
"1,234.50"-style is refused rather than read as 1250; "NaN", "1e5" and the like are never money.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

AmountReader = Callable[[str], "Decimal | None"]
DateReader = Callable[[str], "date | None"]

MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_CURRENCY_MARKS = ("AU$", "A$", "$", "AUD", "€", "£", "EUR", "USD")
_MINUS = "-\u2212"  # ASCII hyphen-minus and the Unicode minus sign that spreadsheets write


def amount_reader(decimal: str = ".", thousands: str = ",") -> AmountReader:
    """A function reading "-1,234.50", "+12.50", "(12.50)", "$12.50", "12.50 DR", "12.50-"."""
    d, t = re.escape(decimal), re.escape(thousands) if thousands else ""
    grouped = rf"\d{{1,3}}(?:{t}\d{{3}})+|" if thousands else ""
    number = re.compile(rf"(?:{grouped}\d+)(?:{d}\d+)?|{d}\d+")
    plain = re.compile(rf"\s*([+-]?)((?:{grouped}\d+)(?:{d}\d+)?)\s*").fullmatch
    cache: dict[str, Decimal | None] = {}

    def read(text: str) -> Decimal | None:
        try:
            return cache[text]
        except KeyError:
            pass
        simple = plain(text)  # the usual "-1,234.50": no need for the general rules below
        if simple:
            digits = simple.group(2)
            if thousands:
                digits = digits.replace(thousands, "")
            if decimal != ".":
                digits = digits.replace(decimal, ".")
            value = Decimal(digits)
            value = cache[text] = -value if simple.group(1) == "-" and value else value
        else:
            value = cache[text] = _read_amount(text, number, decimal, thousands)
        return value

    return read


def _read_amount(text: str, number: re.Pattern[str], decimal: str,
                 thousands: str) -> Decimal | None:
    s = text.strip()
    negative = False
    if len(s) > 2 and s[0] == "(" and s[-1] == ")":  # accountants' negative
        negative, s = True, s[1:-1].strip()
    tail = s[-2:].upper()
    if tail in ("CR", "DR") and len(s) > 2 and not s[-3].isalpha():
        negative ^= tail == "DR"
        s = s[:-2].strip()
    for _ in range(2):  # a sign and a currency mark, in either order: "-$12.50", "$-12.50"
        if not s:
            return None
        if s[0] in _MINUS or s[0] == "+":
            negative ^= s[0] != "+"
            s = s[1:].strip()
        elif s[-1] in _MINUS or s[-1] == "+":  # "12.50-", as some mainframe exports write
            negative ^= s[-1] != "+"
            s = s[:-1].strip()
        for mark in _CURRENCY_MARKS:
            if s.startswith(mark):
                s = s[len(mark):].strip()
                break
    if not number.fullmatch(s):
        return None
    if thousands:
        s = s.replace(thousands, "")
    if decimal != ".":
        s = s.replace(decimal, ".")
    value = Decimal(s)
    return -value if negative and value else value


read_amount = amount_reader()  # the common "1,234.56" convention, for readers that need only it

# strftime-style directives a bank CSV uses, as regular expression groups.
_DIRECTIVES = {
    "d": r"(?P<d>\d{1,2})", "m": r"(?P<m>\d{1,2})", "Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})",
    "b": r"(?P<b>[A-Za-z]{3,9}\.?)", "B": r"(?P<b>[A-Za-z]{3,9})",
    "H": r"\d{1,2}", "I": r"\d{1,2}", "M": r"\d{2}", "S": r"\d{2}", "f": r"\d+", "p": r"[AaPp][Mm]",
    "z": r"[+-]\d{2}:?\d{2}|Z", "%": "%",
}


def compile_date_format(fmt: str) -> re.Pattern[str]:
    """"%d/%m/%Y" → a pattern with groups d, m, Y (or y, b). A time after the date is allowed
    ("2021-02-03 13:12" for "%Y-%m-%d"); spaces in the format match any run of spaces."""
    parts: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            j = i + 2 if fmt[i + 1] == "-" and i + 2 < len(fmt) else i + 1  # "%-d": no padding
            if fmt[j] not in _DIRECTIVES:
                raise ValueError(f"unsupported date directive %{fmt[j]} in {fmt!r}")
            parts.append(_DIRECTIVES[fmt[j]])
            i = j + 1
        else:
            parts.append(r"\s+" if ch.isspace() else re.escape(ch))
            i += 1
    pattern = "".join(parts)
    if not any(group in pattern for group in ("?P<Y>", "?P<y>")) or "?P<d>" not in pattern:
        raise ValueError(f"date format {fmt!r} needs a day and a year")
    return re.compile(pattern + r"(?:[T\s].*)?", re.DOTALL)


def date_reader(fmt: str) -> DateReader:
    """A function reading dates in `fmt` (strftime-style), None for text that is not one."""
    pattern = compile_date_format(fmt)
    cache: dict[str, date | None] = {}

    def read(text: str) -> date | None:
        try:
            return cache[text]
        except KeyError:
            value = cache[text] = _read_date(pattern, text.strip())
            return value

    return read


def _read_date(pattern: re.Pattern[str], text: str) -> date | None:
    match = pattern.fullmatch(text)
    if match is None:
        return None
    parts = match.groupdict()
    if parts.get("Y"):
        year = int(parts["Y"])
    else:
        year = int(parts["y"])
        year += 2000 if year < 69 else 1900  # the POSIX pivot strptime uses for %y
    if parts.get("b"):
        month = MONTHS.get(parts["b"][:3].lower())
        if month is None:
            return None
    else:
        month = int(parts["m"])
    return make_date(year, month, int(parts["d"]))


def make_date(year: int, month: int, day: int) -> date | None:
    """date(year, month, day), or None for 30 February and the like."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def compact_date(text: str) -> date | None:
    """The date at the start of "YYYYMMDD[HHMMSS[.xxx]][tz]" (OFX) or "YYYY-MM-DD[Thh:mm]" (ISO).

    The date is taken as the bank wrote it. Converting to UTC first (as some libraries do) moves
    an Australian midnight posting ("20240105000000[+10:AEST]") to the previous day."""
    s = text.strip()
    if len(s) >= 10 and s[4] == "-" and s[7] == "-":
        s = s[:4] + s[5:7] + s[8:10]
    if len(s) < 8 or not s[:8].isdigit():
        return None
    return make_date(int(s[:4]), int(s[4:6]), int(s[6:8]))


def unique_ids(ids: Iterable[str | None]) -> list[str | None]:
    """The ids, with any id that appears twice (or is a placeholder like NONREF) replaced by None.

    A bank id is the dedup key for its line; an id shared by two different lines would make the
    second look like a re-import of the first and drop it. Such lines fall back to the content hash.
    """
    ids = [None if i is None or not i.strip() or i.strip().upper() in _NOT_IDS else i.strip()
           for i in ids]
    seen: dict[str, int] = {}
    for i in ids:
        if i is not None:
            seen[i] = seen.get(i, 0) + 1
    return [i if i is not None and seen[i] == 1 else None for i in ids]


_NOT_IDS = frozenset({"NONREF", "NOTPROVIDED", "NONE", "N/A", "0"})


def clean(text: str | None) -> str:
    """Whitespace collapsed: banks pad fixed-width fields and wrap long narratives."""
    return " ".join(text.split()) if text else ""
