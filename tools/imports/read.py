"""Bytes to rows: the encoding (UTF-8 with or without BOM, UTF-16 by its BOM, else cp1252), the
delimiter (Xero writes commas, MYOB tabs), and values (AU dates, amounts with $ , and brackets).

A file that is not text (NUL bytes outside UTF-16, or bytes no encoding explains) is refused, typed,
before any row is looked at; so is a row with more cells than the header has columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from tools.imports.model import ImportRefused

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Table:
    file: str
    header: tuple[str, ...]                   # as printed
    keys: tuple[str, ...]                     # normalised: lower case, no '*', single spaces
    rows: tuple[tuple[int, Mapping[str, str]], ...]   # (line number, normalised key → cell)


def normalise_header(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("*", "").strip()).lower()


def decode(data: bytes, file: str) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRefused.at("file_too_large", f"is {len(data)} bytes, above the {MAX_BYTES} limit", file)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportRefused.at("not_text", f"starts as UTF-16 but is not ({exc.reason})", file) from None
    if b"\x00" in data:
        raise ImportRefused.at("not_text", "is not a text export (it holds NUL bytes): export the "
                               "report as CSV or TXT and import that", file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRefused.at("not_text", f"is neither UTF-8 nor Windows-1252 text (byte "
                               f"{exc.start})", file) from None
    # Control characters other than tab/newline do not occur in a real export: a binary file.
    if re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ImportRefused.at("not_text", "is not a text export (it holds control bytes)", file)
    return text


def read_table(data: bytes, file: str) -> Table:
    text = decode(data, file)
    lines = text.splitlines()
    offset = 0
    if lines and lines[0].strip() == "{}":   # MYOB's marker line before the header
        offset = 1
    body = "\n".join(lines[offset:])
    first = lines[offset] if len(lines) > offset else ""
    if not first.strip():
        raise ImportRefused.at("empty_file", "has no header row", file)
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    header = tuple(next(reader))
    keys = tuple(normalise_header(h) for h in header)
    seen: set[str] = set()
    for k, printed in zip(keys, header):
        if k in seen and k:
            raise ImportRefused.at("duplicate_column", f"the column {printed!r} appears twice", file, 1 + offset)
        seen.add(k)
    rows: list[tuple[int, Mapping[str, str]]] = []
    for cells in reader:
        line = reader.line_num + offset
        if not any(c.strip() for c in cells):
            continue   # MYOB separates multi-line records with a blank line
        if len(cells) > len(keys) and any(c.strip() for c in cells[len(keys):]):
            raise ImportRefused.at("row_too_long", f"has {len(cells)} cells but the header has "
                                   f"{len(keys)} columns", file, line)
        rows.append((line, {k: (cells[i].strip() if i < len(cells) else "")
                            for i, k in enumerate(keys) if k}))
    return Table(file, header, keys, tuple(rows))


def parse_amount(text: str, file: str, row: int, column: str) -> Decimal:
    raw = (text or "").strip()
    if not raw:
        return Decimal(0)
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = raw.strip("()").replace("$", "").replace(",", "").replace(" ", "")
    if cleaned.endswith("-"):    # some exports print 12.00- for a credit
        negative, cleaned = True, cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ImportRefused.at("bad_amount", f"{column} {raw!r} is not an amount", file, row) from None
    if not value.is_finite():
        raise ImportRefused.at("bad_amount", f"{column} {raw!r} is not an amount", file, row)
    return -value if negative else value


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%d.%m.%Y")


def parse_date(text: str, file: str, row: int, column: str) -> date:
    raw = (text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ImportRefused.at("bad_date", f"{column} {raw!r} is not a date (day/month/year)", file, row)


def unknown_columns(table: Table, known: frozenset[str], patterns: tuple[str, ...] = ()) -> list[str]:
    return [printed for printed, key in zip(table.header, table.keys)
            if key and key not in known and not any(re.fullmatch(p, key) for p in patterns)]


def refuse_unknown(table: Table, known: frozenset[str], what: str, patterns: tuple[str, ...] = ()) -> None:
    unknown = unknown_columns(table, known, patterns)
    if unknown:
        raise ImportRefused.at("unknown_columns", f"the {what} has columns this import does not know: "
                               f"{', '.join(repr(u) for u in unknown)}; nothing was imported (remove "
                               "them, or tell us what they hold)", table.file, 1)
