"""Who a bank line is with, and which documents it names, from Australian bank-feed text (pure).

Feed text carries a lot around the name: "VISA PURCHASE 12/03 BUNNINGS WAREHOUSE 3 Card xx1234
Value Date: 12/03/2025". `normalise_payee` keeps the name ("BUNNINGS WAREHOUSE"): card and EFTPOS
markers, masked card numbers, receipt numbers, dates, references, store numbers and what follows
them, trailing suburbs/states/countries and company suffixes (PTY LTD, P/L) go, case and
punctuation are folded. Feeds cut names at 18-20 characters, so `payee_similarity` lets a word
match its own prefix ("WAREHOUS" ~ "WAREHOUSE") and compares the names run together as well as
word by word ("OFFICE WORKS" ~ "OFFICEWORKS"). Words such as GROUP or SERVICES say little and are
left out of the comparison, and two names that share only later words ("ACME PLUMBING",
"HARBOUR PLUMBING") share a trade, not a name: they stay below 0.5.

`find_references` finds what a payer quotes: invoice/bill/PO numbers ("INV-10234", "Inv#10234"),
BPAY CRNs, "REF 4471", "PAYMENT 10234" and bare 5-10 digit runs. `reference_keys` turns a document
number or a found reference into the keys the two are compared by ("INV-010234" → {"INV010234",
"10234"}), so "INV 10234" in a narrative finds bill "INV-10234".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from tools.matching.similarity import similarity

__all__ = ["find_references", "normalise_payee", "normalise_text", "payee_similarity",
           "payee_tokens", "reference_keys", "token_similarity"]

_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC"
_DATES = re.compile(
    r"\bVALUE\s+DATE\s*:?|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b"
    rf"|\b\d{{1,2}}\s?(?:{_MONTHS})(?:\s?\d{{2,4}})?\b|\b\d{{1,2}}:\d{{2}}(?::\d{{2}})?\b")
# Masked card numbers ("Card xx1234", "4567XXXXXXXX1234", "****1234") and the word "CARD" with them.
_CARD = re.compile(r"\b(?:CARD\s*(?:NO\.?|NUMBER)?\s*)?[X*\d]*[X*]{2,}[X*\d]*\d{2,4}\b|\*{2,}\d{2,4}")
_REFERENCE_PHRASE = re.compile(
    r"\b(?:INV(?:OICE)?|BILL|PO|REF(?:ERENCE)?|RECEIPT|RCPT|CRN|PRN|TAX\s+INV(?:OICE)?)\b"
    r"\s*(?:NO\.?|NUM(?:BER)?)?\s*[#:.-]?\s*[A-Z]*\d[\w/-]*")
_MARKERS = re.compile(
    r"\b(?:DEBIT\s+CARD\s+PURCHASE|VISA\s+DEBIT\s+PURCHASE|VISA\s+PURCHASE|EFTPOS\s+PURCHASE"
    r"|MASTERCARD\s+PURCHASE|CARD\s+PURCHASE|EFTPOS|VISA|MASTERCARD|MCARD|POS|PURCHASE"
    r"|AUTHORI[SZ]ATION|DIRECT\s+DEBIT|DIRECT\s+CREDIT|DEPOSIT|OSKO\s+PAYMENT|OSKO|NPP|PAYID"
    r"|BPAY|INTERNET\s+TRANSFER|ONLINE\s+TRANSFER|TRANSFER\s+(?:TO|FROM)|TFR\s+(?:TO|FROM)"
    r"|PAYMENT\s+(?:TO|FROM)|PAYMENT|PAYMENTS|APPLE\s+PAY|GOOGLE\s+PAY|CONTACTLESS|TAP\s+AND\s+PAY"
    r"|WITHDRAWAL|WDL|ONLINE|THANK\s+YOU|DD|DR|CR)\b"
    r"|\b(?:SQ|SP|PAYPAL|ZLR|IZ|LS)\s*\*")
_SUFFIXES = re.compile(
    r"\bP\s*/\s*L\b|\bPTY\b|\bLTD\b|\bLIMITED\b|\bINC\b|\bINCORPORATED\b|\bCORP(?:ORATION)?\b"
    r"|\bTHE\s+TRUSTEE\s+FOR\b|\bATF\b|\bTHE\b")
_TRADING_AS = re.compile(r"^.*?\b(?:T\s*/\s*A|TRADING\s+AS)\b")
_WORDS = re.compile(r"[A-Z0-9]+")
_STATES = frozenset({"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT", "AU", "AUS", "AUSTRALIA",
                     "NZ", "NZL", "US", "USA", "GB", "GBR", "UK", "IE", "SG", "SGP"})
_PLACES = frozenset({
    "SYDNEY", "MELBOURNE", "BRISBANE", "PERTH", "ADELAIDE", "HOBART", "DARWIN", "CANBERRA",
    "GEELONG", "NEWCASTLE", "WOLLONGONG", "PARRAMATTA", "CHATSWOOD", "RICHMOND", "FITZROY",
    "COLLINGWOOD", "CARLTON", "SOUTHBANK", "DOCKLANDS", "FOOTSCRAY", "BOX HILL", "NORTH SYDNEY",
    "SURRY HILLS", "BONDI", "MANLY", "GOLD COAST", "SUNSHINE COAST", "CAIRNS", "TOWNSVILLE",
    "TOOWOOMBA", "BALLARAT", "BENDIGO", "LAUNCESTON", "FREMANTLE", "MOORABBIN", "DANDENONG",
    "RINGWOOD", "BLACKBURN", "PENRITH", "LIVERPOOL", "BANKSTOWN", "HORNSBY", "SOUTH YARRA",
    "ST KILDA", "PRAHRAN", "HAWTHORN", "ALEXANDRIA", "MASCOT", "BURWOOD", "DONCASTER", "CBD",
    "DUBLIN", "SINGAPORE", "LONDON", "SAN FRANCISCO", "AMSTERDAM", "LUXEMBOURG", "HTTPS", "WWW"})
# Words too common in business names to say which business it is (dropped when comparing).
_GENERIC = frozenset({"AND", "OF", "CO", "COMPANY", "GROUP", "HOLDINGS", "ENTERPRISES",
                      "SERVICES", "SERVICE", "AUSTRALIA", "AUSTRALIAN", "TRADING", "TRUST",
                      "FAMILY", "INTERNATIONAL", "SOLUTIONS", "AUST"})

_LABELLED = re.compile(
    r"\b(INV(?:OICE)?|BILL|PO|SI|CN|REF(?:ERENCE)?|RECEIPT|RCPT|CRN|PRN|PAYMENT|PMT|BPAY)"
    r"\s*(?:NO\.?|NUM(?:BER)?)?\s*[#:.-]?\s*([A-Z]{0,4}[-/]?\d[\dA-Z/-]*)")
_DOCUMENT_LABELS = frozenset({"INV", "INVOICE", "BILL", "PO", "SI", "CN"})
_BARE_RUN = re.compile(r"(?<![\dA-Z])\d{5,20}(?![\dA-Z])")
_BATCH_CODE = re.compile(r"[A-Z]{1,3}\d{5,}")
_LONG_RUN_ALLOWED = re.compile(r"\b(?:BPAY|CRN|PRN)\b")


def _fold(text: str) -> str:
    """Upper case without accents, so "Café Ñandú" and "CAFE NANDU" are the same words."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()


@lru_cache(maxsize=65536)
def normalise_text(text: str | None) -> str:
    """Folded text with punctuation as spaces and apostrophes dropped: what rules search in."""
    folded = _fold(text or "").replace("'", "").replace("\u2019", "")
    return " ".join(_WORDS.findall(folded))


def _strip_places(tokens: list[str]) -> list[str]:
    while len(tokens) > 1:
        if len(tokens) > 2 and f"{tokens[-2]} {tokens[-1]}" in _PLACES:
            del tokens[-2:]
        elif tokens[-1] in _STATES or tokens[-1] in _PLACES:
            tokens.pop()
        else:
            break
    return tokens


@lru_cache(maxsize=65536)
def normalise_payee(text: str | None) -> str:
    """The payee's name as a bank feed shows it, without the noise: "VISA PURCHASE BUNNINGS
    WAREHOUSE 3 Card xx1234 Value Date: 12/03/2025" → "BUNNINGS WAREHOUSE"."""
    folded = _fold(text or "").replace("'", "").replace("\u2019", "")
    folded = _TRADING_AS.sub(" ", folded)
    for pattern in (_DATES, _CARD, _REFERENCE_PHRASE, _MARKERS, _SUFFIXES):
        folded = pattern.sub(" ", folded)
    tokens = _WORDS.findall(folded)
    while tokens and tokens[0].isdigit() and len(tokens[0]) >= 3:
        tokens.pop(0)                          # a leading receipt or trace number
    for at, token in enumerate(tokens):
        # A store number after the name: what follows is the suburb, often cut short ("0312 RI").
        if at and token.isdigit() and (len(token) >= 3 or len(tokens) - at <= 3):
            tokens = tokens[:at]
            break
    # Long numbers, and a settlement or batch code after the name ("SQUARE AUSTRALIA SQ260322").
    tokens = [t for at, t in enumerate(tokens) if not (t.isdigit() and len(t) >= 5)
              and not (at and _BATCH_CODE.fullmatch(t))]
    return " ".join(_strip_places(tokens))


def payee_tokens(text: str | None) -> tuple[str, ...]:
    """The words of the normalised payee, in order."""
    return tuple(normalise_payee(text).split())


def _words_match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 3 and long_.startswith(short)   # a name cut short by the feed


@lru_cache(maxsize=65536)
def token_similarity(bank: tuple[str, ...], name: tuple[str, ...]) -> float:
    """How well the words of a feed's payee match a contact's name, in [0, 1] (see module doc)."""
    a = tuple(t for t in bank if t not in _GENERIC) or bank
    b = tuple(t for t in name if t not in _GENERIC) or name
    if not a or not b:
        return 0.0
    joined_a, joined_b = "".join(a), "".join(b)
    if joined_a == joined_b:
        return 1.0
    if min(len(joined_a), len(joined_b)) >= 6 and (joined_b.startswith(joined_a)
                                                   or joined_a.startswith(joined_b)):
        return 0.9
    matched, leading = 0.0, False
    unmatched_b = list(b)
    for at, word in enumerate(a):
        hit = next((w for w in unmatched_b if _words_match(word, w)), None)
        if hit is None and len(word) == 1:           # an initial: "SMITH J" ~ "JOHN SMITH"
            hit = next((w for w in unmatched_b if w[0] == word), None)
            if hit is not None:
                matched -= 0.5
        if hit is not None:
            matched += 1
            leading = leading or at == 0 or hit == b[0]
            unmatched_b.remove(hit)
    shorter, longer = min(len(a), len(b)), max(len(a), len(b))
    score = 0.6 * matched / shorter + 0.4 * matched / longer
    if not leading:
        # Only later words in common ("ACME PLUMBING" / "HARBOUR PLUMBING"): a trade, not a name.
        score = min(score, 0.45)
    if _words_match(a[0], b[0]) and min(len(a[0]), len(b[0])) >= 4:
        # The first word is the brand ("BUNNINGS WAREHOUSE" ~ "Bunnings Group"); weaker when both
        # names go on to say different things ("ACME PLUMBING" / "ACME ELECTRICAL").
        score = max(score, 0.8 if shorter == 1 else 0.7)
    return max(score, min(similarity(frozenset(a), frozenset(b)), 0.45 if not leading else 1.0))


def payee_similarity(bank_text: str | None, contact_name: str | None) -> float:
    """How well a bank line's text names a contact, in [0, 1]; both sides are normalised."""
    return token_similarity(payee_tokens(bank_text), payee_tokens(contact_name))


def reference_keys(reference: str | None) -> frozenset[str]:
    """The keys a document number or quoted reference is compared by: the number run together
    ("INV-10234" → "INV10234") and, when it ends in 4 or more digits, those digits without
    leading zeros ("10234"), which is how payers often quote it."""
    compact = "".join(_WORDS.findall(_fold(reference or "")))
    if not compact:
        return frozenset()
    keys = {compact}
    digits = re.search(r"(\d+)$", compact)
    if digits:
        core = digits.group(1).lstrip("0")
        if len(core) >= 4:
            keys.add(core)
    return frozenset(keys)


@lru_cache(maxsize=65536)
def find_references(text: str | None) -> tuple[str, ...]:
    """Invoice/bill/PO numbers, BPAY CRNs and other references quoted in a narrative, in the
    order found: document numbers keep their label run together ("Inv#10234" → "INV10234"),
    other labels give the value ("REF 4471" → "4471"), bare runs of 5-10 digits are kept as
    they are (11-20 digits when the text says BPAY, CRN or PRN). Dates are not references."""
    folded = _DATES.sub(" ", _fold(text or ""))
    folded = _CARD.sub(" ", folded)
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    for m in _LABELLED.finditer(folded):
        label, value = m.group(1), m.group(2).replace("/", "").replace("-", "")
        if label.startswith("INVOICE"):
            label = "INV"
        found.append(f"{label}{value}" if label in _DOCUMENT_LABELS and not value[0].isalpha()
                     else value)
        taken.append(m.span())
    long_allowed = bool(_LONG_RUN_ALLOWED.search(folded))
    for m in _BARE_RUN.finditer(folded):
        if any(start <= m.start() < end for start, end in taken):
            continue
        if len(m.group()) <= 10 or long_allowed:
            found.append(m.group())
    return tuple(dict.fromkeys(found))
