"""Totals, payment details and currency from positioned text.

Totals are chosen as a set: every 'label ... amount' line is classified as subtotal, tax or total by
its label, and the extractor keeps the combination where subtotal + tax = total (and, better still,
where the line items add up to the subtotal). A combination that adds up is trusted far more than
any single label, which is what makes odd wordings ("Fees (excl. GST)", "Bruttosumme") safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from tools.documents.layout_fields import Doc, stacked_pairs
from tools.documents.layout_values import find_amounts, find_bic, find_bsb, find_iban

_TAX_WORDS = r"(?:gst|tax|vat|mwst\.?|ust\.?|umsatzsteuer|steuer|steuerbetrag|tva|btw|iva)"
_SUBTOTAL = re.compile(
    rf"^(?:sub[\s-]?total(?:\s*\(?(?:ex|excl?|excluding)\.?\s*{_TAX_WORDS}\)?)?|"
    rf"(?:total|amount|fees|price|value|sum|summe|charges)(?:\s+[a-z]+){{0,2}}\s*\(?(?:ex|excl?|excluding|before|w/o|without|ohne|net of)\.?\s*{_TAX_WORDS}\)?|"
    rf"net(?:t)?\s*(?:amount|total|value|sum)?|total\s+net|taxable\s+(?:amount|value|supplies)|"
    r"nettobetrag|nettosumme|summe\s+netto|rechnungssumme\s+ohne\s+ust\.?|warenwert|positionssumme|"
    r"total\s+ht|montant\s+ht|totaal\s+excl\.?\s*btw|total\s+before\s+tax|untaxed\s+amount)$", re.IGNORECASE)
_TAX = re.compile(
    rf"^(?:(?:(?:total|plus|add|incl?\.?|inkl\.?|zzgl\.?)\s+)?{_TAX_WORDS}(?:\s+(?:amount|total|betrag))?"
    rf"(?:\s*\(?\s*(?:@\s*)?\d{{1,2}}(?:[.,]\d+)?\s*%\s*\)?)?(?:\s+{_TAX_WORDS})?|"
    r"gst\s+included|includes\s+gst(?:\s+of)?|gst\s+component|total\s+gst|steuerbetrag|mehrwertsteuer|"
    r"ust\.?-?betrag|total\s+tva|montant\s+tva)$", re.IGNORECASE)
_TOTAL = re.compile(
    rf"^(?:(?:(?:invoice|grand|gross|final)\s+)?total(?:\s+(?:amount|due|payable|aud|eur|usd|nzd|credit))?"
    rf"(?:\s*\(?(?:inc|incl|including|inkl)\.?\s*{_TAX_WORDS}\)?)?(?:\s+(?:aud|eur|usd|nzd))?|"
    r"(?:amount|balance|total)(?:\s+[a-z]+){0,2}\s+(?:due|payable|owing|to\s+pay)(?:\s+(?:aud|eur|usd|nzd))?|"
    rf"total(?:\s+[a-z]+){{0,2}}\s*\(?(?:inc|incl|including)\.?\s*{_TAX_WORDS}\)?|"
    rf"total\s+due\s*\(?(?:inc|incl)\.?\s*{_TAX_WORDS}\)?|total\s+(?:credit\s+)?(?:inc|incl)\.?\s*{_TAX_WORDS}|"
    r"gross\s+total|bruttosumme|bruttobetrag|gesamtbetrag|gesamtsumme|zahlbetrag|rechnungsbetrag|"
    r"endbetrag|total\s+ttc|te\s+betalen|totaal|amount|please\s+pay|pay\s+this\s+amount)$", re.IGNORECASE)
_PAID = re.compile(r"^(?:amount\s+paid|paid|less\s+paid|payments?(?:\s+received)?|deposit|"
                   r"erhaltene\s+anzahlungen|anzahlung)", re.IGNORECASE)
_CURRENCY_CODES = ("AUD", "EUR", "USD", "NZD", "GBP", "INR", "CHF", "PLN", "SGD", "CAD")


# Spellings of one idea, mapped onto the words the label patterns know.
_SPELLINGS = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"\bg\.\s?s\.\s?t\.?", "GST"), (r"\bgoods\s*(?:and|&)\s*services\s*tax\b", "GST"),
    (r"\b(inc|incl|ex|excl|excluding|including)\.?[\s-]+(?:\d{1,2}\s?%\s+)?(gst|tax|vat)\b", r"\1 \2"),
    (r"^(?:amount\s+of|\d{1,2}\s?%)\s+(gst|tax|vat)\b", r"\1"), (r"^(gst|tax)\s+payable$", r"\1"),
    (r"^sales\s+tax\b", "tax"), (r"^(?:invoice\s+amount|total\s+(?:this|for\s+this)\s+invoice|invoice\s+value)$", "total"),
    (r"^(?:cost|charges)\s+(ex|excl|excluding)\b", r"total \1"),
    (r"^amount\s+(inc|incl|including)\b", r"total \1"),
    # "Total includes GST of": the verb says what the total holds, so the amount is the GST
    # ("Total including GST" is the total)
    (r"^(?:the\s+)?(?:invoice\s+)?(?:total|amount|price|invoice)(?:\s+\w+)?\s+includes\s+(gst|tax)(?:\s+of)?$",
     r"includes \1"),
))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    confidence: dict[str, float]
    consistent: bool


def classify_label(label: str) -> str | None:
    text = re.sub(r"[\s:]+$", "", re.sub(r"\s+", " ", label.replace("(", " ").replace(")", " ").strip())).strip("*")
    text = re.sub(r"\s+(?:aud|\$|€|eur)$", "", text, flags=re.IGNORECASE)
    for pattern, plain in _SPELLINGS:
        text = pattern.sub(plain, text)
    if _PAID.match(text):
        return "paid"
    if _SUBTOTAL.match(text):
        return "subtotal"
    if _TAX.match(text):
        return "tax"
    if _TOTAL.match(text):
        return "total"
    return None


def money_rows(doc: Doc, *, decimal_comma: bool) -> list[tuple[str, Decimal, int]]:
    """(kind, amount, line index) for each 'label ... amount' line whose label names a total."""
    out = []
    for row in doc.lines:
        text = row.text
        amounts = find_amounts(text, decimal_comma=decimal_comma)
        if not amounts:
            continue
        pairs = pairs_on_one_line(text, amounts, row.index) if len(amounts) >= 2 else []
        if pairs:
            out += pairs
            continue
        value, start, _ = amounts[-1]
        label = text[:start]
        # Tax summaries put the rate and base before the tax ("GST 10% on 1,912.15 166.22").
        kind = classify_label(label)
        if kind is None and len(amounts) >= 2:
            kind = classify_label(text[:amounts[0][1]])
            if kind not in (None, "tax"):  # "Total 100.00 (AUD 110.00)": the labelled amount
                value = amounts[0][0]
        if kind is None:
            # "Umsatzsteuer (S) 275,00 7 19,25": a tax breakdown row, last amount is the tax
            m = re.match(r"^(.*?)\s*\(?[A-Z]?\)?\s*$", label)
            kind = classify_label(m.group(1)) if m and m.group(1) != label else None
            if kind not in ("tax", None):
                kind = None
        if kind:
            out.append((kind, value, row.index))
    return out


def pairs_on_one_line(text: str, amounts: list[tuple[Decimal, int, int]], line: int
                       ) -> list[tuple[str, Decimal, int]]:
    """"Subtotal 100.00  GST 10.00  Total 110.00" on one line: each amount labelled by the words
    between it and the amount before; only when every label names a total."""
    out, start = [], 0
    for value, begin, end in amounts:
        kind = classify_label(text[start:begin])
        if kind is None:
            return []
        out.append((kind, value, line))
        start = end
    return out if not text[start:].strip(" )") else []


def stacked_amounts(doc: Doc, *, decimal_comma: bool) -> list[tuple[str | None, Decimal, int]]:
    """(kind or None, amount, line) for totals printed as a row of labels over a row of amounts
    ("Subtotal  GST  Total" over "100.00  10.00  110.00"), left to right. Unknown labels give
    None: the arithmetic may still place them (tools.documents.layout_arithmetic)."""
    out: list[tuple[str | None, Decimal, int]] = []
    for row in doc.lines:
        if find_amounts(row.text, decimal_comma=decimal_comma):
            continue
        pairs = stacked_pairs(doc, row.index)
        found = []
        for label, value in pairs:
            amounts = find_amounts(value.text, decimal_comma=decimal_comma)
            if len(amounts) != 1 or amounts[0][2] - amounts[0][1] < len(value.text.strip(" $")) - 1:
                found = []
                break  # a value that is not one amount: not a totals row
            found.append((classify_label(label.text), amounts[0][0], value.line))
        values = [v for _, v, _ in found]
        adds_up = len(values) >= 3 and any(a + b == c for i, a in enumerate(values)
                                           for j, b in enumerate(values) for c in values[max(i, j) + 1:] if i != j)
        if found and (adds_up or any(kind in ("subtotal", "tax", "total") for kind, _, _ in found)):
            out += found
    return out


def choose_totals(rows: list[tuple[str, Decimal, int]], line_sum: Decimal | None) -> Totals:
    """The (subtotal, tax, total) that adds up, preferring later totals and a subtotal equal to
    the sum of the line items."""
    subs = [v for k, v, _ in rows if k == "subtotal"]
    taxes = [v for k, v, _ in rows if k == "tax"]
    totals = [v for k, v, _ in rows if k == "total"]
    best: tuple[int, Decimal, Decimal, Decimal] | None = None
    for s in subs:
        for t in taxes:
            for g in totals:
                if s + t == g and g != 0:
                    score = 4 + (2 if line_sum is not None and s == line_sum else 0)
                    if best is None or score > best[0] or score == best[0] and g >= best[3]:
                        best = (score, s, t, g)
    if best is not None:
        c = 0.99 if best[0] >= 6 else 0.96
        return Totals(best[1], best[2], best[3], {"subtotal": c, "tax": c, "total": c}, True)
    # No labelled subtotal: derive it from total - tax when the line items agree.
    for g in reversed(totals):
        for t in taxes:
            if line_sum is not None and g - t == line_sum:
                return Totals(line_sum, t, g, {"subtotal": 0.9, "tax": 0.9, "total": 0.95}, True)
    # Tax-free invoice: total equals subtotal or the lines.
    for g in reversed(totals):
        if (g in subs or g == line_sum) and not taxes:
            return Totals(g, Decimal("0.00"), g, {"subtotal": 0.8, "tax": 0.6, "total": 0.85}, True)
    sub = subs[-1] if subs else line_sum
    tax = taxes[-1] if taxes else None
    total = max(totals) if totals else (sub + tax if sub is not None and tax is not None else None)
    conf = {"subtotal": 0.5 if subs else 0.3, "tax": 0.5 if taxes else 0.0, "total": 0.55 if totals else 0.3}
    return Totals(sub, tax, total, conf, False)


# ---------------------------------------------------------------- payment

_ACCOUNT_NO = re.compile(r"\b(?:account|acct|acc|a/c)\.?\s*(?:no\.?|number|num|#)?\s*[:.]?\s*(\d[\d \-]{3,16}\d)\b", re.IGNORECASE)
_ACCOUNT_NAME = re.compile(
    r"\b(?:account\s+name|acct\s+name|a/c\s+name|name|bank|direct\s+credit|payee)\s*[:\-]?\s*"
    r"([A-Za-z][^,;:|]*?)(?=\s*(?:,|;|\||\s{2,}|\bBSB\b|\bAcc|\bRef|$))", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(?:payment\s+reference|reference|ref|quoting\s+reference|use\s+reference|"
                        r"verwendungszweck)\s*(?:no\.?)?\s*[:#]?\s*([A-Z0-9][\w\-/]*\d[\w\-/]*)", re.IGNORECASE)
_BSB_LABEL = r"(?:\bBSB\b|\bbranch(?:\s+(?:code|number|no\.?))?\b|\bbank\s*/\s*state\s*/\s*branch\b)"
_BSB_VALUE = re.compile(_BSB_LABEL + r"\s*(?:no\.?|number|#)?\s*[:.]?\s*(\d{3}[-\s]?\d{3})(?!\d)", re.IGNORECASE)
_BSB_ACCOUNT = re.compile(r"\bBSB\s*(?:/|&|and)\s*(?:account|acct|acc|a/c)\.?\s*(?:no\.?|number|#)?\s*[:.]?\s*"
                          r"(\d{3}[-\s]?\d{3})\s*[/,|]?\s*(\d[\d \-]{3,14}\d)\b", re.IGNORECASE)
_BARE_BSB = re.compile(r"(?<![\d-])(\d{3})-(\d{3})(?![\d-])")
_BANK_LINE = re.compile(r"\bBSB\b|\bbranch\b|\b(?:account|acct|acc|a/c)\.?\s*(?:no|number|#|:)|\bdirect\s+(?:credit|deposit)|"
                        r"\beft\b|\bpayee\b", re.IGNORECASE)
_BANK_WORDS = re.compile(r"\b(?:bank|banking|eft|deposit|direct\s+credit|remit\w*|pay(?:ment)?s?\s+(?:to|by|details?)|"
                         r"transfer|swift|iban)\b", re.IGNORECASE)
_PAY_CONTEXT = re.compile(r"\b(?:bsb|account|acct|acc|eft|remit|deposit|bank|iban|payment|pay)\b", re.IGNORECASE)


def _wrapped_group(m: re.Match[str], text: str, following: list[str]) -> str:
    """The last group of a grouped account number ("703 000" / "206") that wrapped onto the next
    line: the number ends the line and the next line starts with a group of the same length."""
    groups = m.group(1).split()
    if len(groups) < 2 or text[m.end():].strip() or not following:
        return ""
    nxt = re.match(r"(\d+)(?=[\s.,;]|$)", following[0].strip())
    return nxt.group(1) if nxt and len(nxt.group(1)) == len(groups[-1]) else ""


@dataclass(frozen=True)
class PaymentFound:
    bsb: str | None
    account_number: str | None
    account_name: str | None
    iban: str | None
    bic: str | None
    reference: str | None


def find_payment(doc: Doc, start_line: int = 0) -> PaymentFound:
    """BSB, account number, account name, reference, IBAN/BIC from the lines after `start_line`
    (the table's end), falling back to the whole document."""
    def scan(lines: list[str]) -> PaymentFound:
        bsb = acct = name = ref = None
        bsb_at: int | None = None
        accounts: list[tuple[int, str]] = []  # (line, digits) of every labelled account number
        for i, text in enumerate(lines):
            both = _BSB_ACCOUNT.search(text)
            if both and bsb is None:  # "BSB/Account: 062-000 / 12345678"
                bsb, bsb_at = find_bsb(both.group(1)), i
                accounts.append((i, re.sub(r"\D", "", both.group(2))))
            if bsb is None:
                m = _BSB_VALUE.search(text)
                if m:
                    bsb, bsb_at = find_bsb(m.group(1)), i
            for m in _ACCOUNT_NO.finditer(text):
                digits = re.sub(r"\D", "", m.group(1)) + _wrapped_group(m, text, lines[i + 1:i + 2])
                if 5 <= len(digits) <= 12 and digits != bsb:
                    accounts.append((i, digits))
                    break
            if name is None:
                m = re.search(r"\b(?:account\s+name|acct\s+name|a/c\s+name)\s*[:\-]?\s*([A-Za-z0-9][^,;|]*?)"
                              r"(?=\s*(?:,|;|\||\s{2,}|\bBSB\b|$))", text, re.IGNORECASE)
                if m is None and _BANK_LINE.search(text):  # "Bank fee 9.50" is a line item
                    m = _ACCOUNT_NAME.search(text)
                if m and m.group(1).strip() and not re.match(r"(?:no|number|details?)\b", m.group(1), re.IGNORECASE):
                    name = m.group(1).strip()
            if ref is None and (bsb or accounts or _PAY_CONTEXT.search(text)):
                m = _REFERENCE.search(text)
                if m:
                    ref = m.group(1).rstrip(".")
        accounts = [(i, d) for i, d in accounts if d != bsb]
        if bsb is None:  # "Ph 07 9557 8728  Account No: 74790841": the customer's account with the supplier
            accounts = [(i, d) for i, d in accounts if any(_BANK_WORDS.search(t) for t in lines[max(0, i - 2):i + 3])]
        if accounts:
            near = bsb_at if bsb_at is not None else accounts[0][0]
            acct = min(accounts, key=lambda a: (abs(a[0] - near), a[0] < near))[1]
        if bsb is None:  # "Westpac 032-000 123456" under a payment heading: no BSB label
            for text in lines:
                m = _BARE_BSB.search(text) if _BANK_LINE.search(text) or _PAY_CONTEXT.search(text) else None
                if m and not re.search(r"\bABN\b|\bA\.B\.N", text, re.IGNORECASE):
                    bsb = m.group(1) + m.group(2)
                    digits = re.search(r"(?<![\d-])(\d[\d ]{4,14}\d)(?![\d-])", text[m.end():])
                    acct = acct or (re.sub(r"\D", "", digits.group(1)) if digits else None)
                    break
        joined = "\n".join(lines)
        if bsb is None or acct is None:  # a remittance sentence may wrap between the label and value
            flat = " ".join(lines)
            if bsb is None:
                m = _BSB_VALUE.search(flat)
                bsb = find_bsb(m.group(1)) if m else None
            if acct is None and (bsb is not None):
                for m in _ACCOUNT_NO.finditer(flat):
                    digits = re.sub(r"\D", "", m.group(1))
                    if 5 <= len(digits) <= 12 and digits != bsb:
                        acct = digits
                        break
        return PaymentFound(bsb, acct, name, find_iban(joined), find_bic(joined), ref)

    texts = [r.text for r in doc.lines]
    stacked = _stacked_payment(doc)
    if stacked is not None:
        return stacked
    found = scan(texts[start_line:])
    if found.bsb is None and found.iban is None and start_line:
        found = scan(texts)
    return found


def _stacked_payment(doc: Doc) -> PaymentFound | None:
    """Bank details as a little table: "Account Name  BSB  Account Number  Reference" over the
    values."""
    for row in doc.lines:
        pairs = {_pay_label(label.text): value.text.strip() for label, value in stacked_pairs(doc, row.index)}
        bsb = find_bsb(pairs.get("bsb") or "")
        digits = re.sub(r"[\s-]", "", pairs.get("account") or "")
        if bsb and digits.isdigit() and 5 <= len(digits) <= 12:
            return PaymentFound(bsb, digits, pairs.get("name"), None, None, pairs.get("reference"))
    return None


def _pay_label(text: str) -> str | None:
    t = text.strip(" :").casefold()
    if re.fullmatch(r"(?:bsb|branch)(?:\s*(?:no\.?|number|code))?", t):
        return "bsb"
    if re.fullmatch(r"(?:account|acct|acc|a/c)\.?\s*(?:no\.?|number|#)", t):
        return "account"
    if re.fullmatch(r"(?:account|acct|a/c)\s+name|payee|name", t):
        return "name"
    if re.fullmatch(r"(?:payment\s+)?ref(?:erence)?\.?", t):
        return "reference"
    return None


def find_currency(text: str, has_abn: bool) -> str | None:
    counts = {c: len(re.findall(rf"\b{c}\b", text)) for c in _CURRENCY_CODES}
    if "€" in text:
        counts["EUR"] += 2
    if "£" in text:
        counts["GBP"] += 2
    if "₹" in text or re.search(r"\bRs\.?\s?\d", text):
        counts["INR"] += 2
    best = max(counts, key=lambda c: counts[c])
    if counts[best]:
        return best
    if has_abn or "$" in text:
        return "AUD" if has_abn else None
    return None
