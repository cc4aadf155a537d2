"""Line items from a positioned text layer: find the table's header row, take its column x-positions,
and read each row by putting words into columns.

Why word-level rather than gap-split cells: in tight layouts (Courier, narrow columns) a right-aligned
quantity and a left-aligned description can sit closer than a double space, so cells cannot be told
apart by gaps. Column types help instead: numbers go to numeric columns near their header, taken from
the row's right end (and left end, for Qty/Item columns before the description); the words left in the
middle are the description. Rows without an amount that sit just under a row continue its description
(wrapped text). Each page's repeated header restarts the table, so multi-page invoices join up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from core.text_layer import Line, Page, Word
from tools.documents.layout_columns import (
    NUMERIC_KINDS,
    inclusive_amount,
    parsed_rows,
    product_matches,
    rename,
    resolve_roles,
)
from tools.documents.layout_values import is_number_token, parse_amount

# Header vocabulary, longest phrases first within each kind. Kinds: desc, qty, price, amount, tax, code.
_HEADERS: tuple[tuple[str, str], ...] = tuple(
    (kind, phrase) for kind, phrases in (
        ("price", ("unit price ex gst", "unit price excl gst", "unit ex gst", "unit price", "unit cost",
                   "unit rate", "price each", "unit $", "rate", "price", "each", "einzelpreis", "nettopreis",
                   "preis", "prix unitaire", "prijs", "unit amount")),
        ("amount", ("amount ex gst", "amount excl gst", "total ex gst", "total excl gst", "line amount",
                    "line total", "ext. price", "ext price", "extended", "net amount", "amount aud",
                    "amount eur", "amount usd", "amount", "total", "value", "fee", "cost", "subtotal", "betrag",
                    "nettobetrag", "gesamtpreis", "gesamt", "montant", "bedrag", "line value")),
        ("qty", ("hrs/qty", "quantity", "qty", "qté", "units", "unit", "hours", "hrs", "menge", "anzahl",
                 "aantal", "quantité")),
        ("tax", ("tax code", "gst rate", "gst", "tax", "vat", "mwst", "ust", "steuersatz", "btw", "tva",
                 "vat %", "tax %")),
        ("desc", ("description of services", "item description", "product / service", "product/service",
                  "description", "particulars", "details", "charges", "product", "service", "item", "items",
                  "bezeichnung", "beschreibung", "artikel", "omschrijving", "désignation", "designation")),
        ("code", ("item code", "item no", "item #", "code", "sku", "art-nr", "pos", "no.", "#", "line")),
        ("uom", ("unit of measure", "uom", "u/m")),
    ) for phrase in phrases)
_HEADER_INDEX: dict[str, list[tuple[str, list[str]]]] = {}
for _kind, _phrase in _HEADERS:
    _words = _phrase.split()
    _HEADER_INDEX.setdefault(_words[0], []).append((_kind, _words))
for _v in _HEADER_INDEX.values():
    _v.sort(key=lambda kw: -len(kw[1]))

_TAX_VALUE = re.compile(r"^(?:gst|fre|gst[\s-]?free|free|n-t|inp|cap|exempt|y|n|yes|no|s|z|e|\d{1,2}(?:[.,]\d+)?\s?%|"
                        r"gst\s?inc|taxable|nil|\*)$", re.IGNORECASE)
_TOTALS_START = re.compile(r"^(?:sub[\s-]?total|total|gst\b|tax\b|amount due|balance|net total|gross total|"
                           r"fees \(|plus gst|invoice total|grand total|summe|rechnungssumme|nettobetrag|"
                           r"steuerbetrag|gesamt)", re.IGNORECASE)
_MONEY = re.compile(r"\d[.,]\d{2}(?!\d)")
_QUALIFIERS = {"inc", "incl", "including", "ex", "excl", "excluding", "exkl", "inkl", "exclusief", "inclusief"}
_UNIT_WORDS = {"stk", "stk.", "pcs", "ea", "each", "hrs", "hr", "h", "kg", "m", "lm", "x", "st", "pc", "units"}
# Units of measure a quantity may be printed with, in its own "Unit" column or after the number
# under the quantity's header ("3 ctn"); only taken where the table's columns put them.
_MEASURES = _UNIT_WORDS | {"unit", "hours", "hour", "days", "day", "wk", "wks", "week", "weeks", "mth", "mths", "month",
               "months", "yr", "yrs", "m2", "m3", "sqm", "kl", "kwh", "mwh", "box", "boxes", "ctn", "ctns", "pk",
               "pack", "pr", "pair", "doz", "roll", "rolls", "len", "sht", "set", "sets", "lot", "bag", "bags",
               "seat", "seats", "user", "users", "job", "jobs", "plt", "pallet", "pallets", "rm", "trip", "km",
               "min", "mins", "ltr", "litre", "litres", "tonne", "tonnes", "carton", "cartons"}
_UNIT_WORD = re.compile(r"[A-Za-z][A-Za-z0-9/]{0,5}\.?")  # what a unit-of-measure cell holds: ea, hrs, m3, kWh


@dataclass
class Column:
    kind: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class RowDraft:
    cells: dict[str, str]
    desc: list[str] = field(default_factory=list)
    y1: float = 0.0
    page: int = 0
    line: int = 0


@dataclass(frozen=True)
class TableRow:
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    tax_code: str | None
    page: int
    line: int = 0  # index of the row's first line over all pages (layout_fields.Doc.lines)


def header_columns(line: Line) -> list[Column] | None:
    """Columns if `line` looks like a line-item table header, else None."""
    words = line.words
    cols: list[Column] = []
    i = 0
    unknown = numbered = 0
    while i < len(words):
        low = words[i].text.lower().rstrip(":")
        match = None
        for kind, phrase in _HEADER_INDEX.get(low, ()):
            span = words[i:i + len(phrase)]
            seq = [w.text.lower().rstrip(":") for w in span]
            apart = any(b.x0 - a.x1 > 1.0 * a.size for a, b in pairwise(span))
            if seq == phrase and not apart:  # "Item   Description" are two columns
                match = (kind, len(phrase))
                break
        if match and match[0] == "tax" and cols and i > 0 and \
                words[i - 1].text.lower().rstrip(".") in _QUALIFIERS:
            match = None  # "Prijs incl. BTW", "Amount ex GST": the tax word qualifies the cell before
        if match:
            kind, n = match
            cols.append(Column(kind, words[i].x0, words[i + n - 1].x1))
            i += n
            continue
        # Not a header word: "(AUD)", "$", "ex", "GST" continuing the previous header cell.
        if cols and words[i].x0 - cols[-1].x1 < 1.2 * words[i].size:
            cols[-1].x1 = words[i].x1
        elif any(c.kind == "desc" for c in cols) and re.fullmatch(r"[A-Za-z][A-Za-z/.]*", words[i].text) \
                and words[i].text.lower().rstrip(".") not in _QUALIFIERS | {"gst", "tax", "aud"} and numbered < 2:
            # a cell we do not know right of the description ("Seats", "Pieces"): a numeric
            # column whose role the rows' arithmetic decides (layout_columns.resolve_roles)
            cols.append(Column(f"num{numbered}", words[i].x0, words[i].x1))
            numbered += 1
        else:
            unknown += 1
        i += 1
    kinds = [c.kind for c in cols]
    if "desc" not in kinds and "item" not in kinds:
        return None
    if sum(k in ("qty", "price", "amount", "tax", "code", "uom") for k in kinds) < 2:
        return None  # the numeric columns must mostly be ones we know
    if unknown > 1 or len(cols) < 3 or "amount" not in kinds and "price" not in kinds:
        return None
    # "Item" is the description unless another column is the description.
    descs = [c for c in cols if c.kind == "desc"]
    if len(descs) > 1:
        for c in descs:
            if c is not descs[-1]:
                c.kind = "code"
    # With no amount column, the last price-like column is the line amount.
    if "amount" not in [c.kind for c in cols]:
        prices = [c for c in cols if c.kind == "price"]
        prices[-1].kind = "amount"
    if [c.kind for c in cols].count("amount") > 1:
        amounts = [c for c in cols if c.kind == "amount"]
        for c in amounts[:-1]:
            c.kind = "price" if "price" not in [x.kind for x in cols] else "other"
    return cols


def _cells(words: tuple[Word, ...]) -> list[list[Word]]:
    """Words grouped into cells at gaps wider than ~1 em."""
    groups: list[list[Word]] = []
    for w in words:
        if groups and w.x0 - groups[-1][-1].x1 <= 0.9 * max(w.size, groups[-1][-1].size):
            groups[-1].append(w)
        else:
            groups.append([w])
    return groups


def _multiplies(line: Line) -> bool:
    """Do two of the row's last figures multiply to the last one (qty x price = amount)?"""
    nums = [v for w in _merge_tokens(line.words)[-5:] if _numeric(w.text)
            and (v := parse_amount(re.sub(r"\s*[A-Za-z.]+$", "", w.text))) is not None]
    if len(nums) < 3:
        return False
    # the amount may be followed by the line's GST or its GST-inclusive amount
    return any(product_matches(a, b, c) for k, c in enumerate(nums) if k >= 2 and c
               for i, a in enumerate(nums[:k]) for b in nums[i + 1:k])


def _known_kind(words: list[Word]) -> str | None:
    """The kind of a header cell in our vocabulary: the whole cell ("Unit ex GST"), else the cell
    without its tax qualifiers ("Rate (ex GST)" → Rate). A qualifier alone ("Ex GST") is unknown."""
    texts = [w.text.lower().strip(":()$") for w in words]
    bare = [t for t in texts if t and t not in ("ex", "excl", "inc", "incl", "aud", "gst", "$")]
    for candidate in (texts, bare):
        if not candidate:
            continue
        for kind, phrase in _HEADER_INDEX.get(candidate[0], ()):
            if candidate[:len(phrase)] == phrase and len(phrase) == len(candidate):
                return kind
    return None


def generic_header(line: Line, following: list[Line]) -> list[Column] | None:
    """A table header in words we do not know ("Charges  Units  Rate  Cost"), recognised by its
    shape: 3-8 short cells without digits or total labels, with a row under it that ends in money
    aligned under the header's right-hand cells and has words under the first. Unknown cells right
    of the description become numeric columns whose roles the rows' arithmetic decides."""
    from tools.documents.layout_money import classify_label

    groups = _cells(line.words)
    if not 3 <= len(groups) <= 8 or any(len(g) > 4 for g in groups):
        return None
    texts = [" ".join(w.text for w in g) for g in groups]
    known = [_known_kind(g) for g in groups]
    if any(re.search(r"\d", t) or not re.search(r"[A-Za-z]", t) or k is None and classify_label(t) in
           ("subtotal", "total", "paid") for t, k in zip(texts, known, strict=True)):
        return None
    row = next((ln for ln in following if _MONEY.search(ln.text)), None)
    if row is None or not re.search(r"[A-Za-z]{3}", row.text) or row.words[-1].x1 < groups[-1][0].x0 - 2:
        return None
    if sum(k is not None for k in known) < 2 and not _multiplies(row):
        return None  # a shape alone is too weak: two header words we know, or qty x price = amount
    cols: list[Column] = []
    numeric = 0
    has_desc = "desc" in known
    for g, kind in zip(groups, known, strict=True):
        if kind is None:
            kind = f"num{numeric}" if has_desc else "desc"
            numeric += has_desc
            has_desc = True
        cols.append(Column(kind, g[0].x0, g[-1].x1))
    kinds = [c.kind for c in cols]
    if kinds.count("desc") != 1 or len(set(kinds)) != len(kinds):
        return None
    if "amount" not in kinds:
        last = next(c for c in reversed(cols) if c.kind in NUMERIC_KINDS)
        last.kind = "amount"
    return cols


def _merge_tokens(words: tuple[Word, ...]) -> list[Word]:
    """Join tokens that belong together: '$' + '12.00', '19' + '%', 'GST' + 'Free', '20' + 'Stk'."""
    out: list[Word] = []
    for w in words:
        if out:
            prev = out[-1]
            close = w.x0 - prev.x1 < 0.8 * max(w.size, prev.size)
            low = w.text.lower()
            join = close and (
                prev.text in ("$", "€", "AUD", "A$", "EUR", "-") and is_number_token(w.text)
                or w.text in ("%", "€", "EUR", "AUD", "NZD", "USD") and is_number_token(prev.text)
                or prev.text.lower() == "gst" and low in ("free", "exempt", "inc")
                or low in _UNIT_WORDS and is_number_token(prev.text) and not prev.text.endswith("%"))
            if join:
                sep = "" if w.text == "%" else " "
                out[-1] = Word(prev.text + sep + w.text, prev.x0, min(prev.y0, w.y0), w.x1,
                               max(prev.y1, w.y1), prev.size)
                continue
        out.append(w)
    return out


def _numeric(text: str) -> bool:
    t = re.sub(r"\s*(?:" + "|".join(_UNIT_WORDS) + r")\.?$", "", text, flags=re.IGNORECASE)
    return is_number_token(t)


def _fits(w: Word, col: Column, tol: float) -> bool:
    """Is `w` horizontally where a value of `col` would be? Numbers may be right-, centre- or
    left-aligned under their header, and longer than it."""
    return w.x1 >= col.x0 - tol and w.x0 <= col.x1 + tol * 0.6


def _nearest(w: Word, cols: list[Column]) -> Column:
    cx = (w.x0 + w.x1) / 2
    return min(cols, key=lambda c: min(abs(cx - c.cx), abs(w.x1 - c.x1)))


def _assign(line: Line, cols: list[Column]) -> tuple[dict[str, str], list[str]] | None:
    words = _merge_tokens(line.words)
    desc_i = next((i for i, c in enumerate(cols) if c.kind == "desc"), 0)
    cells: dict[str, str] = {}
    tol = 45.0
    # Right end: numbers/tax codes into the columns right of the description, right to left.
    right_cols = list(range(len(cols) - 1, desc_i, -1))
    j = len(words) - 1
    for ci in right_cols:
        if j < 0:
            break
        w = words[j]
        col = cols[ci]
        if col.kind == "uom":
            if _UNIT_WORD.fullmatch(w.text) and not _numeric(w.text) and _fits(w, col, 12):
                cells["uom"] = w.text
                j -= 1
            continue
        if col.kind == "qty" and _UNIT_WORD.fullmatch(w.text) and w.text.lower().rstrip(".") in _MEASURES \
                and _fits(w, col, 6) and j > 0 and _numeric(words[j - 1].text):
            cells["uom"] = w.text
            if any(c.kind == "qty" for c in cols[desc_i + 1:ci]):
                j -= 1  # a "Unit" column holding ea / hrs beside the Qty column
                continue
            if _fits(words[j - 1], col, tol):
                cells["qty"] = words[j - 1].text  # "3 ctn" under the quantity's header
                j -= 2
                continue
        ok = _TAX_VALUE.match(w.text) if col.kind == "tax" else _numeric(w.text)
        if col.kind == "tax" and not ok and _numeric(w.text):
            if _MONEY.search(w.text) and _nearest(w, cols) is col:
                cells["tax_amount"] = w.text  # a per-line GST amount under the GST header
                j -= 1
                continue
            ok = None  # tax column empty in this row; let a number fall to the next column
        if ok and _fits(w, col, tol):
            cells[col.kind] = w.text
            j -= 1
    # Left end: columns before the description (Qty, Item, Code).
    i = 0
    for ci in range(desc_i):
        if i > j:
            break
        w = words[i]
        if (_numeric(w.text) or cols[ci].kind == "code" and re.fullmatch(r"[\w\-./]{1,14}", w.text)) \
                and _fits(w, cols[ci], tol) and w.x1 < cols[desc_i].x0 + 2:
            cells[cols[ci].kind] = w.text
            i += 1
    desc = [w.text for w in words[i:j + 1]]
    return cells, desc


def _is_totals(text: str, decimal_comma: bool) -> bool:
    from tools.documents.layout_money import classify_label, pairs_on_one_line
    from tools.documents.layout_values import find_amounts

    if _TOTALS_START.match(text):
        return True
    amounts = find_amounts(text, decimal_comma=decimal_comma)
    return bool(amounts) and (classify_label(text[:amounts[-1][1]]) not in (None, "paid")
                              or len(amounts) >= 2 and bool(pairs_on_one_line(text, amounts, 0)))


def read_table(pages: tuple[Page, ...], *, decimal_comma: bool = False) -> list[TableRow]:
    """Every line item under every table header in the document, in order."""
    rows: list[RowDraft] = []
    index = table_start = -1
    for page in pages:
        cols: list[Column] | None = None
        current: RowDraft | None = None
        last_y1 = 0.0
        for k, line in enumerate(page.lines):
            index += 1
            if cols is None:
                cols = header_columns(line) or generic_header(line, page.lines[k + 1:k + 4])
                last_y1, table_start = line.y1, len(rows)
                continue
            # "Tax return preparation 1 x 950.00 = 950.00" starts like a totals label but is an item
            totals_line = (_is_totals(line.text, decimal_comma) or _totals_labels_row(line)) and not _multiplies(line)
            if totals_line or header_columns(line) is not None:
                if totals_line:
                    cols = None
                current = None
                continue
            gap = line.y0 - last_y1
            desc_col = next((c for c in cols if c.kind == "desc"), None)
            cells, desc = _assign(line, cols)
            if _closes_table(line, cells, cols, rows[table_start:], decimal_comma):
                cols, current = None, None  # a totals block in words we do not know
                continue
            if "amount" in cells and desc and not any(re.search(r"[^\W\d_]", d) for d in desc):
                cols, current = None, None  # only figures, no words: a totals row, not an item
                continue
            if "amount" in cells and _MONEY.search(cells["amount"]) \
                    and parse_amount(cells["amount"], decimal_comma=decimal_comma) is not None:
                current = RowDraft(cells, desc, line.y1, page.number, index)
                rows.append(current)
                last_y1 = line.y1
                continue
            cont_ok = (current is not None and desc and not cells and gap < 1.2 * line.size
                       and desc_col is not None and line.x0 >= desc_col.x0 - 6)
            if cont_ok and current is not None:
                current.desc.extend(desc)
                last_y1 = line.y1
                continue
            if gap > 3 * line.size + 8 and rows and current is not None:
                cols = None  # the table has ended (notes, footer); a new header may follow
                current = None
    _settle_roles(rows, decimal_comma)
    symbols = _footnote_symbols(pages)
    marked = [_gst_free_marker(" ".join(r.desc), symbols) for r in rows]
    out = []
    for r, (desc, free) in zip(rows, marked, strict=True):
        r.desc = desc.split()
        amount, tax = _num(r, "amount", decimal_comma), normalise_tax_code(r.cells.get("tax"))
        if tax is None and any(f for _, f in marked):
            tax = "FRE" if free else "GST"  # a GST-free marker on some lines: the rest are taxable
        gst = _num(r, "tax_amount", decimal_comma)
        if gst is not None and tax is None:
            tax = "GST" if gst > 0 else "FRE"
        if gst is not None and amount is not None and r.cells.get("inclusive"):
            amount -= gst
        out.append(TableRow(" ".join(r.desc) or None, _num(r, "qty", decimal_comma),
                            _num(r, "price", decimal_comma), amount, tax, r.page, r.line))
    return out


def _totals_labels_row(line: Line) -> bool:
    """A row of totals labels over their amounts ("Net   Tax   Gross")."""
    from tools.documents.layout_money import classify_label

    groups = _cells(line.words)
    return len(groups) >= 2 and all(classify_label(" ".join(w.text for w in g)) for g in groups)


def _closes_table(line: Line, cells: dict[str, str], cols: list[Column], table: list[RowDraft],
                  decimal_comma: bool) -> bool:
    """Is this amount-only line the table's total rather than a line item? Its words start under
    the numeric columns, not under the description, or its amount is the sum of the rows above."""
    if set(cells) != {"amount"} or not table:
        return False
    desc_i = next((i for i, c in enumerate(cols) if c.kind == "desc"), None)
    if desc_i is not None and desc_i + 1 < len(cols) and not _numeric(line.words[0].text) \
            and line.words[0].x0 >= cols[desc_i + 1].x0 - 4:
        return True
    amount = _num(RowDraft(cells), "amount", decimal_comma)
    above = [_num(r, "amount", decimal_comma) for r in table]
    itemised = len(table) > 1 or any(k in table[0].cells for k in ("qty", "price"))
    return itemised and amount is not None and None not in above and \
        amount == sum((a for a in above if a is not None), Decimal(0))


_FREE_MARK = re.compile(r"\s*(?:\*|\((?:gst[\s-]?free|gst\s+exempt|no\s+gst|fre|tax[\s-]?free)\)|"
                        r"-\s*gst[\s-]?free|gst[\s-]?free)\s*$", re.IGNORECASE)


_FOOTNOTE = re.compile(r"^\s*([#^~\u2020])\s*(?:=|-|:)?\s*(.*)$")


def _footnote_symbols(pages: tuple[Page, ...]) -> set[str]:
    """Symbols a footnote explains as GST-free ("# No GST applies", "^ denotes a GST-free
    supply"); a star is GST-free even without its footnote."""
    out = {"*"}
    for page in pages:
        for line in page.lines:
            m = _FOOTNOTE.match(line.text)
            if m and re.search(r"\b(?:gst|tax)\b", m.group(2), re.IGNORECASE):
                out.add(m.group(1))
    return out


def _gst_free_marker(desc: str, symbols: set[str] = frozenset({"*"})) -> tuple[str, bool]:  # type: ignore[assignment]
    """The description and whether it marks the line GST-free: a footnote symbol is dropped
    ("Milk 2L *", "Eggs #" under "# No GST applies"), words are kept as printed ("Bank fee
    (GST-free)")."""
    tail = desc.rstrip()
    if len(tail) > 2 and tail[-1] in symbols and tail[-2] == " ":
        return tail[:-1].rstrip(), True
    m = _FREE_MARK.search(desc)
    if m is None or not desc[:m.start()].strip():
        return desc, False
    return (desc[:m.start()].rstrip() if m.group(0).strip() == "*" else desc), True


def _settle_roles(rows: list[RowDraft], decimal_comma: bool) -> None:
    """Rename numeric columns to the roles the rows' arithmetic agrees with (layout_columns), and
    mark rows whose amount includes the line's GST (qty x price + GST = amount)."""
    kinds = {k for r in rows for k in r.cells if k in NUMERIC_KINDS}
    parse = lambda kind, text: _num(RowDraft({kind: text}), kind, decimal_comma)
    roles = resolve_roles(parsed_rows([r.cells for r in rows], kinds, parse), kinds)
    for r in rows:
        r.cells = rename(r.cells, roles)
    if not any("tax_amount" in r.cells for r in rows):
        return
    values = parsed_rows([r.cells for r in rows], {"qty", "price", "amount", "tax_amount"}, parse)
    inclusive = [v for v in values if {"qty", "price", "amount", "tax_amount"} <= v.keys()
                 and v["tax_amount"] and inclusive_amount(v["qty"], v["price"], v["tax_amount"], v["amount"])]
    if inclusive and len(inclusive) * 2 > sum(bool(v.get("tax_amount")) for v in values):
        for r, v in zip(rows, values, strict=True):
            if "tax_amount" in v and "amount" in v:
                r.cells["inclusive"] = "1"


def _num(row: RowDraft, kind: str, decimal_comma: bool) -> Decimal | None:
    v = row.cells.get(kind)
    if v is None:
        return None
    if kind == "qty":
        v = re.sub(r"\s*[A-Za-z.]+$", "", v)  # "20 Stk" -> 20
    return parse_amount(v, decimal_comma=decimal_comma)


def normalise_tax_code(value: str | None) -> str | None:
    """'10%', 'GST', 'Y', 'Yes', 'S' → GST; 'GST Free', 'FRE', 'N', '0%', 'Z', 'E' → FRE."""
    if value is None:
        return None
    v = value.strip().lower().replace(" ", "")
    if v in ("gst", "10%", "10.0%", "10.00%", "y", "yes", "s", "taxable", "gstinc", "*"):
        return "GST"
    if v in ("fre", "gstfree", "gst-free", "free", "n", "no", "0%", "0.0%", "0.00%", "z", "e", "exempt", "nil"):
        return "FRE"
    return value.strip().upper()
