"""The layout-aware field extractor: one positioned text layer (PDF text or OCR) in, one `Extraction` out.

It works from labels, positions and validation, never from per-supplier templates:
* header fields from label → value by position (tools.documents.layout_fields), validated by type
  (a date parses, an ABN passes the ATO checksum, an invoice number has a digit);
* totals chosen as the combination that adds up (tools.documents.layout_money);
* line items from the table's header columns (tools.documents.layout_table);
* the supplier from the letterhead: large type near the top, a legal suffix, the block holding the
  supplier's ABN, and never the customer's block (pass `own_abn`, the business's own ABN).
Per-field confidence says how the value was found and whether it cross-checks.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from core.text_layer import PdfText
from tools.documents.layout_arithmetic import (
    AmountRow,
    boxed_amounts,
    by_arithmetic,
    candidate_rows,
    conflicting_totals,
    derived_tax,
)
from tools.documents.layout_columns import lines_multiply
from tools.documents.layout_fields import HOW_CONFIDENCE, Cell, Doc, label_values
from tools.documents.layout_money import (
    Totals,
    choose_totals,
    find_currency,
    find_payment,
    money_rows,
    stacked_amounts,
)
from tools.documents.layout_table import header_columns, read_table
from tools.documents.layout_terms import due_in_terms, terms_days
from tools.documents.layout_values import (
    decimal_comma_hint,
    find_abns,
    find_dates,
    find_emails,
    parse_date,
)
from tools.documents.model import DocumentType, Extraction, Issue, Line, Method, Payment, Supplier
from tools.ledger.abn import abn_is_valid

if TYPE_CHECKING:
    from core.ocr import OcrText

__all__ = ["extract_fields"]

_NUMBER_LABEL = re.compile(
    r"(?:\b(?:tax\s+)?invoice\s*(?:no\b\.?|number|num\b\.?|nr\b\.?|#|id\b)|\binv\.?\s*(?:no\b\.?|number|#)|"
    r"\bdocument\s*(?:no\b\.?|number|#)|\bcredit\s*note\s*(?:no\b\.?|number|#)|\bcn\s*(?:no\b\.?|number)|"
    r"\badjustment\s*note\s*(?:no\b\.?|number)|\bbill\s*(?:no\b\.?|number)|\brechnungs-?\s*(?:nummer|nr\b\.?)|"
    r"\brechnung\s*nr\b\.?|\bfactuurnummer|\bfacture\s*n[o°])", re.IGNORECASE)
# German title lines: "Handelsrechnung (380) Nr. 471102 vom 05.03.2018".
_TITLE_NR = r"^\S*(?:rechnung|gutschrift|rechnungskorrektur)(?:\s+\w+){0,2}(?:\s*\([^)]*\))*\s*nr\b\.?:?"
_NUMBER_TITLE = re.compile(_TITLE_NR, re.IGNORECASE)
_ISSUE_TITLE = re.compile(_TITLE_NR + r"\s*\S+\s+vom\b", re.IGNORECASE)
_NUMBER_GENERIC = re.compile(r"(?:^(?:tax\s+)?invoice\b|(?<![-.])\bnr\b\.?|^no\b\.?|^number\b)", re.IGNORECASE)
_ISSUE_LABEL = re.compile(
    r"(?:\b(?:tax\s+)?invoice\s+date|\binv\.?\s*date|\bdate\s+of\s+(?:issue|invoice)|\bissue\s*date|"
    r"\bissued(?:\s+on)?|\bdate\s+issued|\btax\s+date|\bdocument\s+date|\bbilling\s+date|\brechnungsdatum|"
    r"\bfactuurdatum|\bdate\s+de\s+(?:la\s+)?facture|\binvoice\s+dated)", re.IGNORECASE)
_DATE_GENERIC = re.compile(r"(?:^date\b|^datum\b|\bvom\b|^dated\b)", re.IGNORECASE)
_DUE_LABEL = re.compile(r"(?:\bdue\s*date|\bpayment\s+due(?:\s+date)?|\bdate\s+due|\bdue\s+by|\bpay\s+by|"
                        r"\bpayable\s+by|^due\b|\bfällig(?:keit)?(?:sdatum)?|\bzahlbar\s+bis|\bvervaldatum|"
                        r"\béchéance)", re.IGNORECASE)
_PO_LABEL = re.compile(
    r"(?:\bcustomer\s+po\b|\bpurchase\s+order(?:\s*(?:no\b\.?|number|#))?|\border\s*(?:no\b\.?|number|#|ref\b\.?)|"
    r"\bp\.?\s?o\.?\s*(?:no\b\.?|number|#)|^p\.?o\.?\b(?!\s*box\b)|\byour\s+(?:ref(?:erence)?|order(?:\s+no\b\.?)?)|"
    r"\bcustomer\s+order|\b(?:customer|client|cust\.?|buyer|purchaser)\s+(?:ref(?:erence)?|order)\b\.?"
    r"(?:\s*(?:no\b\.?|number|#))?|\b(?:job|work)\s+ref(?:erence)?\s*/\s*p\.?o\b|\bp/o\b|"
    r"\bbestellnummer|\bihre\s+bestellung)", re.IGNORECASE)
_PO_GENERIC = re.compile(r"^(?:reference|ref\.?)$", re.IGNORECASE)
_PAYMENT_ROW = re.compile(r"\bBSB\b|\baccount\s+(?:no|number|name)\b|\bacct\b", re.IGNORECASE)
_CUSTOMER_LABEL = re.compile(r"^(?:bill(?:ed)?\s+to|invoice\s+to|sold\s+to|ship\s+to|deliver\s+to|customer|"
                             r"client|to|attention|attn|rechnungsempfänger|käufer|kunde)\b\s*:?", re.IGNORECASE)
_ID_WORD = re.compile(r"(?:\bno\b\.?|\bnumber\b|#|\bref(?:erence)?\b\.?|\bid\b)", re.IGNORECASE)
_OTHER_ID = re.compile(r"\b(?:customer|client|cust|account|acct|a/c|abn|a\.b\.n|acn|phone|ph|tel|mobile|fax|"
                       r"quote|quotation|job|order|po|p\.o|licen[cs]e|lic|reg|bsb|member|contract|delivery|"
                       r"docket|page|unit|your|payment|remittance|tracking|consignment)\b", re.IGNORECASE)
_CUSTOMER_ID = re.compile(r"\s*(?:no\b\.?|number|id\b|code|#|ref(?:erence)?\b|acc(?:oun)?t)", re.IGNORECASE)
# Whole words only: "Telco", "Pageant" or "Totally Tiles" are names, not labels.
_TITLE_WORDS = re.compile(r"\b(?:(?:tax\s+invoice|invoice|credit\s+note|adjustment\s+note|statement|receipt|quote|"
                          r"rechnung|gutschrift|page|bill\s+to|invoice\s+to|date|abn|a\.b\.n|phone|ph|tel|fax|"
                          r"email|e-mail|customer|due|terms|total|gst|po|description)\b|www\.|https?:)",
                          re.IGNORECASE)
_LEGAL = re.compile(r"(?:\b(?:pty\.?\s*ltd\.?|pty\.?\s*limited|ltd\.?|limited|pty|inc\.?|llc|gmbh|ag|b\.v\.|bv|"
                    r"s\.a\.|sarl|plc|co\.?|trust|group|partners|services|solutions|holdings)|&\s*co\.?)\s*$", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)\s+\d{4}\b|\b(?:st|street|rd|road|ave|dr|pde|hwy|"
                      r"lane|level|unit|shop|suite|po box)\b\.?", re.IGNORECASE)
_CREDIT = re.compile(r"\b(?:credit\s+note|adjustment\s+note|credit\s+memo|gutschrift)\b", re.IGNORECASE)
# A title that says the document is something else: a statement lists invoices, a quote offers one.
_NOT_INVOICE = re.compile(r"^(?:monthly\s+|account\s+|customer\s+)?(?:statement(?:\s+of\s+account)?|quot(?:e|ation)|"
                          r"remittance\s+advice|delivery\s+docket|packing\s+slip)\W*$", re.IGNORECASE)
_INVOICE_TITLE = re.compile(r"(?:tax\s+)?invoice|credit\s+note|adjustment\s+note|rechnung|(?:tax\s+)?invoice\s*/\s*\w+",
                            re.IGNORECASE)
_ID_TOKEN = re.compile(r"^[A-Za-z0-9][\w\-/.#]*$")


def _first_token(value: str) -> str | None:
    """An identifier-looking first token with a digit (invoice and order numbers)."""
    value = re.sub(r"^(?:no\.?|number|nr\.?|#)\s*[:.]?\s*", "", value.strip(), flags=re.IGNORECASE).lstrip("#: ")
    words = value.split()
    token = words[0] if words else ""
    if token.isdigit() and len(words) > 1 and _ADDRESS.search(value):
        return None  # "287 Elizabeth St": the street number of an address beside the label
    # "INV 12345", "FRE 260504": a short letters-only prefix belongs to the number after it.
    if re.fullmatch(r"[A-Za-z]{2,5}", token) and len(words) > 1 and re.fullmatch(r"[\w\-/]*\d[\w\-/]*", words[1]):
        token = f"{token} {words[1]}"
    token = token.rstrip(".,;:")
    if not token or len(token) > 30 or not any(ch.isdigit() for ch in token) or \
            not _ID_TOKEN.match(token.replace(" ", "-")):
        return None
    dates = find_dates(token)
    if dates and dates[0][2] - dates[0][1] == len(token) or re.fullmatch(r"[\d,.]*\d[.,]\d{2}", token):
        return None  # a date or an amount, not an identifier
    return token


def _best(cands: list[tuple[float, object, str]]) -> tuple[object, float, str] | None:
    if not cands:
        return None
    score, value, how = max(cands, key=lambda c: c[0])
    return value, score, how


def _labelled(doc: Doc, patterns: list[tuple[re.Pattern[str], float]], parse, lines: range | None = None
              ) -> tuple[object, float, str] | None:
    """The best-scoring parsed value over all labels; earlier labels in reading order win ties."""
    cands: list[tuple[float, object, str]] = []
    for pattern, weight in patterns:
        for rank, (how, text, cell) in enumerate(label_values(doc, pattern, lines=lines)):
            value = parse(text)
            if value is not None:
                cands.append((HOW_CONFIDENCE[how] * weight - rank * 1e-4, value, how))
    return _best(cands)


def _block_lines(doc: Doc, anchor: int, x0: float, up: bool) -> set[int]:
    """Lines of the text block holding line `anchor` at column x0 (same page, small gaps)."""
    out = {anchor}
    step = -1 if up else 1
    prev = doc.lines[anchor]
    i = anchor + step
    while 0 <= i < len(doc.lines) and len(out) < 8:
        row = doc.lines[i]
        if row.page != prev.page or abs(row.line.y0 - prev.line.y0) > 2.4 * prev.line.size:
            break
        if any(abs(c.x0 - x0) < 4 for c in row.cells):
            out.add(i)
            prev = row
        i += step
    return out


def _customer_lines(doc: Doc, own_abn: str | None, limit: int) -> set[int]:
    """Lines that belong to the customer's block: under a 'Bill To' style label, or around our own ABN."""
    out: set[int] = set()
    for row in doc.lines[:limit]:
        for cell in row.cells:
            m = _CUSTOMER_LABEL.match(cell.text)
            if m and _CUSTOMER_ID.match(cell.text[m.end():]):
                continue  # "Customer No CUST1543" is our account with them, not our address block
            if m and len(cell.text) < 40:
                rest = cell.text[m.end():].strip()
                x0 = cell.x0
                nxt = row.index + 1
                if rest:
                    out.add(row.index)
                right = doc.right_of(cell)
                if right is not None and not rest:
                    out |= _block_lines(doc, row.index, right.x0, up=False)
                elif nxt < len(doc.lines):
                    for c in doc.lines[nxt].cells:
                        if abs(c.x0 - x0) < 30 and c.x0 < cell.x1 + 30:
                            out |= _block_lines(doc, nxt, c.x0, up=False)
                            break
    if own_abn:
        for row in doc.lines:
            for c in row.cells:
                if own_abn in re.sub(r"\D", "", c.text):
                    out |= _block_lines(doc, row.index, c.x0, up=True)
    return out


def _supplier_name(doc: Doc, header_end: int, customer: set[int], abn_line: int | None
                   ) -> tuple[str | None, float, Cell | None]:
    first_page = doc.pages[0].number if doc.pages else 1
    candidates: list[tuple[float, Cell]] = []
    sizes = sorted({round(c.size, 1) for r in doc.lines[:header_end] for c in r.cells}, reverse=True)
    from_label = None
    for row in doc.lines[:header_end]:
        for cell in row.cells:
            if re.match(r"^(?:from|supplier|seller|verkäufer|vendor)\s*:?$", cell.text, re.IGNORECASE):
                from_label = doc.right_of(cell) or doc.below(cell)
    for row in doc.lines[:header_end]:
        if row.page != first_page or row.index in customer:
            continue
        for cell in row.cells:
            text = cell.text.strip()
            letters = sum(ch.isalpha() for ch in text)
            if letters < 3 or letters < 0.6 * len(text.replace(" ", "")) or "@" in text:
                continue
            if _TITLE_WORDS.search(text) and not _LEGAL.search(text) or _ADDRESS.search(text) and not _LEGAL.search(text):
                continue
            if ":" in text and not _LEGAL.search(text):
                continue
            score = 0.0
            rank = sizes.index(round(cell.size, 1)) if round(cell.size, 1) in sizes else 9
            score += max(0, 3 - rank) * 1.2
            if _LEGAL.search(text):
                score += 2.0
            if row.index < 4:
                score += 0.8
            if abn_line is not None and cell.page == doc.lines[abn_line].page and 0 <= abn_line - row.index <= 7:
                score += 1.5
            if from_label is not None and from_label.line == row.index:
                score += 4
            if len(re.findall(re.escape(text), doc.text)) > 1:
                score += 0.5
            candidates.append((score, cell))
    if not candidates:
        return None, 0.0, None
    score, cell = max(candidates, key=lambda t: (t[0], -t[1].line))
    name = _wrapped_name(doc, cell, customer)
    conf = 0.9 if score >= 5 else 0.75 if score >= 3 else 0.5
    return name, conf, cell


def _abn_labelled(doc: Doc, line: int) -> bool:
    """'ABN' on the ABN's own line, or as the label just above it."""
    def has(i: int) -> bool:
        return 0 <= i < len(doc.lines) and bool(re.search(r"\ba\.?b\.?n\b", doc.lines[i].text, re.IGNORECASE))
    return has(line) or has(line - 1) and len(doc.lines[line - 1].text) < 40


_ELEVEN_DIGITS = re.compile(r"(?<!\d)(\d{2}[ \u00a0]?\d{3}[ \u00a0]?\d{3}[ \u00a0]?\d{3})(?!\d)")
_ABN_LABEL_BEFORE = re.compile(r"\bA\.?B\.?N\b\.?\s*(?:no\.?|number)?\s*[:#]?\s*$", re.IGNORECASE)


def _unchecked_abn(doc: Doc, customer: set[int], own_abn: str | None) -> str | None:
    """An 11-digit number labelled 'ABN' (right before it, or alone on the short line above) outside
    the customer's block that fails the ATO checksum - a typo, or a made-up ABN: reported as read,
    so validation says the ABN is invalid rather than that the invoice shows none. Only when there
    is exactly one such number."""
    found: set[str] = set()
    for row in doc.lines:
        if row.index in customer:
            continue
        above = doc.lines[row.index - 1].text if row.index > 0 else ""
        label_above = len(above) < 40 and re.search(r"\bA\.?B\.?N\b", above, re.IGNORECASE)
        for m in _ELEVEN_DIGITS.finditer(row.text):
            before = row.text[:m.start()]
            if _ABN_LABEL_BEFORE.search(before) or (label_above and not before.strip()):
                found.add(re.sub(r"\D", "", m[1]))
    found = {abn for abn in found if abn != own_abn and not abn_is_valid(abn)}
    return found.pop() if len(found) == 1 else None


def _pick_abn(doc: Doc, abns: list[tuple[str, int, bool]], name_cell: Cell | None
              ) -> tuple[str, int, bool] | None:
    """The supplier's ABN among several: the one in the supplier name's block wins; one in a block
    headed by another business name (the customer's) loses; then labelled, then first."""
    if len({a[0] for a in abns}) <= 1:
        return abns[0] if abns else None

    def score(a: tuple[str, int, bool]) -> tuple[float, int]:
        value, line, labelled = a
        s = 1.0 if labelled else 0.0
        row = doc.lines[line]
        cell = next((c for c in row.cells if value in re.sub(r"\D", "", c.text)), row.cells[0])
        block = _block_lines(doc, line, cell.x0, up=True)
        if name_cell is not None and (name_cell.line in block or abs(name_cell.line - line) <= 1):
            s += 3
        elif name_cell is not None and min(block) != line and any(
                _ADDRESS.search(c.text) for i in block for c in doc.lines[i].cells if abs(c.x0 - cell.x0) < 4):
            s -= 2  # an ABN closing some other party's name-and-address block: the customer's
        return s, -line

    return max(abns, key=score)


def _same_block(a: Cell, b: Cell) -> bool:
    """b continues a's text on the next line: same type size, overlapping, close below."""
    return (abs(a.size - b.size) < 0.6 and b.x0 < a.x1 and b.x1 > a.x0
            and -0.4 * a.size <= b.y0 - a.y1 < 0.6 * a.size
            and not _ADDRESS.search(b.text) and not any(ch.isdigit() for ch in b.text) and "@" not in b.text
            and not _TITLE_WORDS.search(b.text))


def _next_in_block(doc: Doc, cell: Cell, step: int, customer: set[int]) -> Cell | None:
    """The cell continuing `cell` one text line up (step -1) or down (+1); other columns' lines
    may sit in between, so look a few lines away."""
    for i in range(cell.line + step, cell.line + 4 * step, step):
        if not 0 <= i < len(doc.lines) or doc.lines[i].page != cell.page:
            return None
        if i in customer and not _right_of_block(doc, cell, customer):
            return None
        for c in doc.lines[i].cells:
            if _same_block(c, cell) if step < 0 else _same_block(cell, c):
                return c
    return None


def _block_x(doc: Doc, customer: set[int]) -> float | None:
    """Where the customer's block starts on the page (its lines' first cells)."""
    return min((r.cells[0].x0 for r in doc.lines if r.index in customer and r.cells), default=None)


def _right_of_block(doc: Doc, cell: Cell, customer: set[int]) -> bool:
    """A cell in a column well right of the customer's block: the supplier's letterhead may share
    the block's lines."""
    block_x = _block_x(doc, customer)
    return block_x is not None and cell.x0 > block_x + 150


def _wrapped_name(doc: Doc, cell: Cell, customer: set[int]) -> str:
    """A long name wraps onto further lines in the same type; join them (up and down)."""
    parts = [cell.text]
    top = bottom = cell
    while (up := _next_in_block(doc, top, -1, customer)) is not None and len(parts) < 3:
        parts.insert(0, up.text)
        top = up
    while (down := _next_in_block(doc, bottom, 1, customer)) is not None and len(parts) < 3:
        parts.append(down.text)
        bottom = down
    return " ".join(parts)


def _beside(doc: Doc, abn: tuple[str, int, bool], customer: set[int]) -> bool:
    """An ABN on a line of the customer's block but in a column well to its right: the customer's
    address shares the line with the supplier's letterhead."""
    row = doc.lines[abn[1]]
    cell = next((c for c in row.cells if abn[0] in re.sub(r"\D", "", c.text)), None)
    return cell is not None and cell is not row.cells[0] and _right_of_block(doc, cell, customer)


def _supplier_email(doc: Doc, customer: set[int]) -> str | None:
    """The first email outside the customer's block. A customer row can carry the supplier's
    details in another column ("Bill to" on the left, the supplier's contact on the right), so a
    cell well to the right of the customer block's column still counts."""
    block_x = min((r.cells[0].x0 for r in doc.lines if r.index in customer and r.cells), default=None)
    for row in doc.lines:
        for cell in row.cells:
            for found in find_emails(cell.text):
                beside = block_x is not None and cell.x0 > block_x + 150 and cell is not row.cells[0]
                if row.index not in customer or beside:
                    return found
    return None


def _number_fallback(doc: Doc, head: range, pay_ref: str | None, po: object
                     ) -> tuple[object, float, str] | None:
    """The invoice number under a label we do not know ("Doc Ref", "Bill #"): an identifier after
    a number-ish word near the top that is nothing else we know (order, account, customer, ABN,
    phone, quote, job). Weak on its own; stronger when the payment reference quotes it."""
    cands: list[tuple[float, object, str]] = []
    for rank, (how, text, cell) in enumerate(label_values(doc, _ID_WORD, lines=head)):
        label = cell.text.split(":")[0]
        if _OTHER_ID.search(label) or _PO_LABEL.search(label) or _DUE_LABEL.search(label):
            continue
        value = _first_token(text)
        if value is None or value == po or find_abns(text):
            continue
        quoted = pay_ref is not None and value == pay_ref
        # under a label we do not know the value is never trusted enough to post unseen
        cands.append(((0.75 if quoted else 0.6) - rank * 1e-4, value, "derived" if quoted else how))
    return _best(cands)


def _other_document(doc: Doc) -> str | None:
    """The title of a document that is not an invoice ("Statement of Account", "Quotation"),
    when no line near the top calls it an invoice."""
    top = doc.lines[:12]
    if any(_INVOICE_TITLE.fullmatch(c.text.strip(" :")) for r in top for c in r.cells):
        return None
    for row in top:
        for cell in row.cells:
            m = _NOT_INVOICE.match(cell.text.strip())  # the whole cell: a title, not a label
            if m:
                return m.group(0).strip(" :")
    return None


def _reading_issues(text: PdfText | OcrText) -> list[Issue]:
    out = []
    if text.hidden_spans:
        quoted = "; ".join(f'"{s[:120]}"' for s in text.hidden_spans[:5])
        out.append(Issue(code="hidden_text", message=f"The document contains text a reader cannot see: {quoted}"))
    out.extend(Issue(code="pages_not_read", message=note) for note in text.notes)
    return out


def extract_fields(text: PdfText | OcrText, *, own_abn: str | None = None) -> Extraction:
    """Read an invoice's fields from a positioned text layer (`PdfText` from read_pdf, or the
    `OcrText` from OCR) without templates. `own_abn` is the receiving business's ABN, so it is
    never mistaken for the supplier's. Missing values are None with an Issue; never raises.

    Issues it may add: no_text, missing_field, totals_unconfirmed, totals_conflict, not_an_invoice, hidden_text (text a reader
    cannot see: white, tiny, off-page or invisible; the spans are quoted for the injection
    check) and pages_not_read (a long PDF was capped)."""
    method = Method.OCR if getattr(text, "method", "pdf_text") == "ocr" else Method.PDF_TEXT
    reading_issues = _reading_issues(text)
    if not text.has_text:
        return Extraction(method=method, confidence={"overall": 0.0}, issues=(Issue(
            code="no_text", message="No readable text was found in the document."), *reading_issues))
    doc = Doc(text.pages)
    full = doc.text
    dec_comma = decimal_comma_hint(full)
    month_first = bool(re.search(r"\bUSD\b|\bUS\$", full)) and not find_abns(full)
    conf: dict[str, float] = {}
    issues: list[Issue] = list(reading_issues)

    header_lines = {r.index for r in doc.lines if header_columns(r.line) is not None}
    table_start = min(header_lines, default=None)
    first_page_end = next((r.index for r in doc.lines if r.page != doc.lines[0].page), len(doc.lines))
    header_end = table_start if table_start is not None else first_page_end
    head = range(max(header_end, min(first_page_end, 12)))

    # -- invoice number, dates, PO --------------------------------------------------
    number = _labelled(doc, [(_NUMBER_LABEL, 1.0), (_NUMBER_TITLE, 1.0), (_NUMBER_GENERIC, 0.8)], _first_token)
    parse_d = lambda s: parse_date(s, month_first=month_first)
    issue = _labelled(doc, [(_ISSUE_LABEL, 1.0), (_ISSUE_TITLE, 1.0), (_DATE_GENERIC, 0.9)], parse_d)
    due = _labelled(doc, [(_DUE_LABEL, 1.0)], parse_d)
    if issue is None:
        dates = [d for r in doc.lines[head.start:head.stop] for d, _, _ in find_dates(r.text, month_first=month_first)]
        if dates:
            issue = (dates[0], HOW_CONFIDENCE["pattern"], "pattern")
    if due is None:
        m = re.search(r"\bdue\b[^.\n]{0,80}?\bby\s+([^.\n]{6,30})", full, re.IGNORECASE)
        d = parse_d(m.group(1)) if m else None
        if d is not None:
            due = (d, 0.85, "pattern")
    if due is None:
        due = due_in_terms(doc, parse_d)
    if due is None and issue is not None:
        days = terms_days(doc)
        if days is not None:
            due = (issue[0] + timedelta(days=days), 0.8, "derived")  # type: ignore[operator]
    if issue is not None and due is not None and due[0] < issue[0]:  # type: ignore[operator]
        due = (due[0], 0.4, due[2])
    po = _labelled(doc, [(_PO_LABEL, 1.0)], _first_token)
    if po is None:
        not_payment = [i for i in head if not _PAYMENT_ROW.search(doc.lines[i].text)]
        po = _labelled(doc, [(_PO_GENERIC, 0.8)], _first_token, lines=not_payment)
    if po is not None and number is not None and po[0] == number[0]:
        po = None

    # -- lines and totals -----------------------------------------------------------
    rows = read_table(text.pages, decimal_comma=dec_comma)
    lines = tuple(Line(description=r.description, quantity=r.quantity, unit_price=r.unit_price,
                       amount=r.amount, tax_code=r.tax_code) for r in rows)
    line_sum = sum((r.amount for r in rows if r.amount is not None), Decimal(0)) if rows else None
    stacked = stacked_amounts(doc, decimal_comma=dec_comma)
    table_lines = {r.line for r in rows} | header_lines
    labelled = list(dict.fromkeys([*money_rows(doc, decimal_comma=dec_comma),
                                   *((k, v, i) for k, v, i in stacked if k),
                                   *boxed_amounts(doc, skip=table_lines, decimal_comma=dec_comma)]))
    totals = choose_totals(labelled, line_sum)
    candidates = candidate_rows(doc, labelled, start=table_start or 0, skip={r.line for r in rows},
                                decimal_comma=dec_comma)
    candidates += [AmountRow(None, v, i) for k, v, i in stacked if k is None]
    if not totals.consistent:
        taxable = (sum((r.amount for r in rows if r.amount is not None and r.tax_code == "GST"), Decimal(0))
                   if rows and all(r.tax_code in ("GST", "FRE") for r in rows) else None)
        found = by_arithmetic(candidates, line_sum, taxable) or derived_tax(candidates, line_sum, taxable)
        if found is not None:
            c = found.confidence
            totals = Totals(found.subtotal, found.tax, found.total,
                            {"subtotal": c, "tax": c, "total": c}, True)
    conf.update({k: v for k, v in totals.confidence.items()})
    if not totals.consistent and totals.total is not None:
        issues.append(Issue(code="totals_unconfirmed", field="total",
                            message="The subtotal, tax and total read from the document do not add up."))
    others = conflicting_totals(candidates, totals.total)
    if others:
        conf["total"] = min(conf.get("total", 0.0), 0.4)
        shown = ", ".join(f"{v:,.2f}" for v in others)
        issues.append(Issue(code="totals_conflict", field="total", message=(
            f"The document states more than one total: {totals.total:,.2f} and {shown}, "
            "and no payment on it explains the difference.")))
    if lines:
        # each line's own arithmetic as well as their sum: a misplaced column still sums
        conf["lines"] = (0.97 if totals.consistent and totals.subtotal is not None and line_sum == totals.subtotal
                         and lines_multiply(rows) else 0.5)

    # -- parties --------------------------------------------------------------------
    customer = _customer_lines(doc, own_abn, header_end if header_end else len(doc.lines))
    abns = [(abn, row.index, _abn_labelled(doc, row.index))
            for row in doc.lines for abn, _, _ in find_abns(row.text)]
    supplier_abns = [a for a in abns if a[0] != own_abn and (a[1] not in customer or _beside(doc, a, customer))]
    hint = supplier_abns[0][1] if len({a[0] for a in supplier_abns}) == 1 else None
    name, name_conf, name_cell = _supplier_name(doc, max(header_end, 1), customer, hint)
    abn_pick = _pick_abn(doc, supplier_abns, name_cell)
    email = _supplier_email(doc, customer)
    unchecked = None if abn_pick else _unchecked_abn(doc, customer, own_abn)
    supplier = Supplier(name=name, abn=abn_pick[0] if abn_pick else unchecked, email=email)
    if supplier.abn:
        conf["supplier.abn"] = 0.5 if unchecked else 0.97 if abn_pick and abn_pick[2] else 0.85
    if name:
        conf["supplier.name"] = name_conf
    if email:
        conf["supplier.email"] = 0.85

    pay = find_payment(doc, 0)
    payment = None
    if any((pay.bsb, pay.account_number, pay.iban)):
        payment = Payment(bsb=pay.bsb, account_number=pay.account_number, account_name=pay.account_name,
                          iban=pay.iban, reference=pay.reference)
        for key, val in (("payment.bsb", pay.bsb), ("payment.account_number", pay.account_number),
                         ("payment.iban", pay.iban)):
            if val:
                conf[key] = 0.9

    if number is None:
        number = _number_fallback(doc, head, pay.reference, po[0] if po else None)
    for key, found in (("invoice_number", number), ("issue_date", issue), ("due_date", due),
                       ("purchase_order", po)):
        if found is not None:
            conf[key] = round(min(0.99, float(found[1])), 3)
    for key, found in (("invoice_number", number), ("issue_date", issue), ("total", totals.total)):
        if found is None:
            issues.append(Issue(code="missing_field", field=key, message=f"Could not find the {key.replace('_', ' ')}."))
    if method is Method.OCR:  # a misread character is possible anywhere: scale by OCR's own confidence
        factor = 0.9 * min(1.0, max(0.0, getattr(text, "mean_confidence", 80.0) / 100.0 + 0.05))
        conf = {k: round(v * factor, 3) for k, v in conf.items()}
    key_conf = [conf.get(k, 0.0) for k in ("invoice_number", "issue_date", "total", "supplier.name")]
    conf["overall"] = round(min(key_conf) * 0.5 + sum(key_conf) / len(key_conf) * 0.5, 3)
    # The whole reading is only as sure as its weakest part: line items that were not found or do
    # not add up to the subtotal, and bank details read without their BSB, cap it.
    if not lines or conf.get("lines", 0.0) < 0.9:
        conf["overall"] = min(conf["overall"], 0.7)
    if conf.get("invoice_number", 0.0) < 0.8:  # its label unknown: no surer than the number
        conf["overall"] = min(conf["overall"], conf.get("invoice_number", 0.0))
    if payment is not None and payment.account_number and not payment.iban and (
            not payment.bsb or payment.account_number == payment.bsb):
        conf["payment.account_number"] = 0.5
        conf["overall"] = min(conf["overall"], 0.7)
    top = " ".join(r.text for r in doc.lines[:12])
    doc_type = DocumentType.CREDIT_NOTE if _CREDIT.search(top) else DocumentType.INVOICE
    other = _other_document(doc)
    if other:
        doc_type = DocumentType.OTHER
        issues.append(Issue(code="not_an_invoice", message=(
            f"This looks like a {other.lower()}, not an invoice: it is held for a person, and no "
            "bill is made from it.")))
    return Extraction(
        document_type=doc_type,
        supplier=supplier,
        invoice_number=number[0] if number else None,  # type: ignore[arg-type]
        issue_date=issue[0] if issue else None,  # type: ignore[arg-type]
        due_date=due[0] if due else None,  # type: ignore[arg-type]
        currency=find_currency(full, bool(supplier.abn)),
        purchase_order=po[0] if po else None,  # type: ignore[arg-type]
        subtotal=totals.subtotal, tax=totals.tax, total=totals.total,
        lines=lines, payment=payment, confidence=conf, issues=tuple(issues), method=method,
    )

