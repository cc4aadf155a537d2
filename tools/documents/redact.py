"""Redaction before any document text leaves the process for an LLM (ARCHITECTURE.md §7).

Pure functions. `redact(text)` replaces, in this order:
1. IBANs (mod-97 valid) → `[IBAN_n:DE****3000]`: country and last four stay so the model can still
   tell which account it is looking at;
2. BSB + account pairs ("062-000 1234 5678", "BSB 062000 Acc 12345678") and account numbers after
   an "Account"/"Acct"/"Acc"/"A/C" label (also on the next line) → `[ACCOUNT_n]`. The BSB itself
   stays: it names a branch, not a person;
3. payment-card numbers (13-19 digits in card groupings, Luhn valid) → `[CARD_n]`;
4. tax file numbers: any 8-9 digit value labelled "TFN"/"tax file number" (checksum or not: a
   mistyped TFN is still private), and unlabelled 9-digit (3-3-3 or contiguous) or 8-digit numbers
   that pass the ATO check-digit test → `[TFN_n]`.

After the model replies, `restore` puts the originals back into its JSON values, so an extraction
still carries the real account number the model never saw. Card numbers are never restored (they
have no place in an invoice extraction). Unlabelled TFN matches are inevitably sometimes other
numbers (1 in 11 random 9-digit numbers pass the checksum); because TFN tokens are restored, such a
false positive costs the model context, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.documents.layout_values import iban_is_valid

__all__ = ["Redacted", "luhn_is_valid", "redact", "restore", "tfn_is_valid"]

_TFN_WEIGHTS_9 = (1, 4, 3, 7, 5, 8, 6, 9, 10)
_TFN_WEIGHTS_8 = (10, 7, 8, 4, 6, 3, 5, 1)

# Digits that are not part of a longer run, even one written with single spaces or dashes.
_BEFORE = r"(?<![\d.,])(?<!\d[ \-])"
_AFTER = r"(?![ \-]?\d|[.,]\d)"
_ACCT_VALUE = r"(\d{2,}(?:[ \-]\d{2,}){0,3})" + r"(?![\d]|[.,]\d)"
_ACCT_LABEL = r"\b(?:account|acct|acc|a/c)\b\.?[ \t]*(?:no\b\.?|number|num\b\.?|#)?[ \t]*[:.#\-]?[ \t]*\n?[ \t]*"

_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")
_PAIR = re.compile(
    r"(?:\bBSB\b\.?[ \t]*(?:no\b\.?|number|#)?[ \t]*[:.#\-]?[ \t]*(\d{3}[ \-]?\d{3})|(?<![\d.,])(\d{3}-\d{3}))"
    r"(?!\d)[ \t]*[,/]?[ \t]*(?:" + _ACCT_LABEL + r")?" + _ACCT_VALUE, re.IGNORECASE)
_LABELLED_ACCOUNT = re.compile(_ACCT_LABEL + _ACCT_VALUE, re.IGNORECASE)
_CARD = re.compile(_BEFORE + r"(\d{13,19}|\d{4}([ \-])\d{4}\2\d{4}\2\d{1,7}|\d{4}([ \-])\d{6}\3\d{4,5})" + _AFTER)
_TFN_LABELLED = re.compile(
    r"\b(?:TFN|tax[ \t]+file[ \t]+(?:no\b\.?|number))[ \t]*(?:no\b\.?|number|#)?[ \t]*[:.#\-]?\s*"
    r"(\d{3}[ \-]?\d{3}[ \-]?\d{2,3})(?!\d)", re.IGNORECASE)
_TFN_BARE = re.compile(_BEFORE + r"(\d{3} \d{3} \d{3}|\d{3} \d{3} \d{2}|\d{8,9})" + _AFTER)


def tfn_is_valid(digits: str) -> bool:
    """The ATO check-digit test: weighted sum divisible by 11 (9-digit and older 8-digit TFNs)."""
    if not digits.isdigit() or len(digits) not in (8, 9) or set(digits) == {"0"}:
        return False
    weights = _TFN_WEIGHTS_9 if len(digits) == 9 else _TFN_WEIGHTS_8
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 == 0


def luhn_is_valid(digits: str) -> bool:
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@dataclass(frozen=True)
class Redacted:
    text: str
    replacements: dict[str, str]               # token → original, for tokens `restore` puts back
    counts: dict[str, int] = field(default_factory=dict)   # kind → how many values were hidden


@dataclass
class _Tokens:
    replacements: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    _seen: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, kind: str, original: str, restorable: bool, shown: str = "") -> str:
        """One token per distinct value, so the same account twice reads as the same account."""
        key = (kind, original)
        if key not in self._seen:
            n = self.counts.get(kind, 0) + 1
            self.counts[kind] = n
            token = f"[{kind}_{n}{':' + shown if shown else ''}]"
            self._seen[key] = token
            if restorable:
                self.replacements[token] = original
        return self._seen[key]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _trim_groups(value: str, max_digits: int = 12) -> str:
    """Drop trailing digit groups until the value is a plausible account number length."""
    groups = re.split(r"([ \-])", value)
    while len(groups) > 1 and len(_digits("".join(groups))) > max_digits:
        groups = groups[:-2]
    return "".join(groups)


def _replace_group(m: re.Match[str], group: int, token: str, value: str | None = None) -> str:
    """The whole match with `group` (or its leading `value`) swapped for `token`."""
    start, end = m.span(group)
    if value is not None:
        end = start + len(value)
    return m.string[m.start():start] + token + m.string[end:m.end()]


def _accounts(text: str, tokens: _Tokens) -> str:
    def account(m: re.Match[str], group: int) -> str:
        value = _trim_groups(m[group])
        digits = _digits(value)
        if not 5 <= len(digits) <= 12 or re.fullmatch(r"\d{3}-\d{3}", value):
            return m[0]  # too short/long for an account, or a BSB after an "Account:" label
        return _replace_group(m, group, tokens.token("ACCOUNT", digits, True), value)

    text = _PAIR.sub(lambda m: account(m, 3), text)
    return _LABELLED_ACCOUNT.sub(lambda m: account(m, 1), text)


def redact(text: str) -> Redacted:
    tokens = _Tokens()

    def iban(m: re.Match[str]) -> str:
        compact = m[1].replace(" ", "")
        for end in range(len(compact), 14, -1):  # the match may run into the next word
            if iban_is_valid(compact[:end]):
                value = compact[:end]
                shown = f"{value[:2]}****{value[-4:]}"
                # Re-align the shortened value to the spaced original.
                consumed, count = 0, 0
                while count < end:
                    count += m[1][consumed] != " "
                    consumed += 1
                return tokens.token("IBAN", value, True, shown) + m[1][consumed:]
        return m[0]

    def sub(kind: str, restorable: bool, check: Callable[[str], bool]) -> Callable[[re.Match[str]], str]:
        def replace(m: re.Match[str]) -> str:
            digits = _digits(m[1])
            if not check(digits):
                return m[0]
            return _replace_group(m, 1, tokens.token(kind, digits, restorable))
        return replace

    text = _IBAN.sub(iban, text)
    text = _accounts(text, tokens)
    text = _CARD.sub(sub("CARD", False, luhn_is_valid), text)
    text = _TFN_LABELLED.sub(sub("TFN", True, lambda d: len(d) in (8, 9)), text)
    text = _TFN_BARE.sub(sub("TFN", True, tfn_is_valid), text)
    return Redacted(text=text, replacements=dict(tokens.replacements), counts=dict(tokens.counts))


def restore(value: Any, replacements: dict[str, str]) -> Any:
    """Put originals back into every string inside a parsed JSON value (dicts, lists, strings)."""
    if isinstance(value, str):
        if "[" in value:
            for token, original in replacements.items():
                value = value.replace(token, original)
        return value
    if isinstance(value, list):
        return [restore(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: restore(v, replacements) for k, v in value.items()}
    return value
