"""Matching bank lines to what the ledger already holds on that bank account.

A business that keeps its books (or moved them in) has most bank lines in the ledger already: a
bill paid, a pay run, the BAS. Reconciling such a line posts nothing; it claims the ledger entry.
A pair is proposed when the amount is the same to the cent and the bank date falls a few days
around the ledger date (banks post later, rarely earlier). Confidence comes from how unambiguous
the pair is (one entry for the line and one line for the entry), how close the dates are and how
much of the entry's wording the bank text shares; each entry is claimed once, best pairs first.
An amount to the cent that is not whole dollars, with one entry for the line and one line for
the entry, is itself strong evidence (a coincidence of $23,379.84 is not credible); more so the
larger it is. The bank's channel words (BPAY, NETBANK, ONLINE) say nothing about what a line is,
the bank's numbers count only when the entry has them too, and a few Australian names are read
as one ("TAX OFFICE" is the ATO, a clearing house or QuickSuper is super).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.bank.payee import normalise_payee

_WORD = re.compile(r"[A-Z0-9]{3,}")
_NOISE = frozenset({"PTY", "LTD", "THE", "AND", "FOR", "PAYMENT", "PAYMENTS", "PAID", "FROM",
                    "TRANSFER", "RECEIVED", "RECEIPT", "DIRECT", "CREDIT", "DEBIT", "BANK", "BPAY",
                    "NETBANK", "ONLINE", "INTERNET", "OSKO", "EFTPOS", "VISA", "PURCHASE", "CARD",
                    "VALUE", "DATE"})
# One name for what banks and ledgers word differently.
_SAME_NAME = ((re.compile(r"\b(?:AUSTRALIAN\s+)?TAX(?:ATION)?\s+OFFICE\b"), " ATO "),
              (re.compile(r"\bSUPERANNUATION\b|\bQUICKSUPER\b|\bCLEARING\s+H(?:OU)?SE\b"), " SUPER "))
DISTINCT = 0.03           # a unique pair of an amount with cents
DISTINCT_LARGE = 0.06     # ... of $1,000 or more


@dataclass(frozen=True)
class EntryRef:
    entry_id: int          # the journal line on the bank account
    date: date
    amount: Decimal        # signed as the bank sees it: money in +
    text: str              # the journal's narration and the line's description


@dataclass(frozen=True)
class EntryMatch:
    entry_id: int
    confidence: float
    reasons: tuple[str, ...]


def _words(text: str) -> set[str]:
    upper = text.upper()
    for pattern, name in _SAME_NAME:
        upper = pattern.sub(name, upper)
    return {w for w in _WORD.findall(upper) if w not in _NOISE}


def _shared(line_words: set[str], entry_words: set[str]) -> float:
    """Share of the bank text's words the entry has, allowing a truncated word ("FEE" of
    "FEES"). The bank's own numbers (trace and customer reference numbers) count only as hits."""
    numbers = {w for w in line_words if w.isdigit()}
    hits = len(numbers & entry_words) + sum(
        1 for w in line_words - numbers if w in entry_words
        or any(e.startswith(w) for e in entry_words))
    counted = len(line_words - numbers) + len(numbers & entry_words)
    return hits / counted if counted else 0.0


def entry_words(text: str) -> frozenset[str]:
    """The words of an entry that say what it is (not its numbers): what an alias remembers."""
    return frozenset(w for w in _words(text) if not w.isdigit())


def _alias_agrees(alias: frozenset[str] | None, entry_text: str) -> bool:
    """Earlier lines from this payee settled entries worded like this one."""
    if not alias:
        return False
    words = entry_words(entry_text)
    return bool(words) and len(words & alias) >= max(1, len(words) // 2)


def match_entries(lines: Sequence[tuple[date, Decimal, str]], entries: Sequence[EntryRef], *,
                  days_before: int = 3, days_after: int = 7,
                  aliases: Mapping[str, frozenset[str]] | None = None) -> dict[int, EntryMatch]:
    """Line index → the ledger entry it settles. `lines` are (posted, amount, text). `aliases`
    (normalised payee → words of the entries its earlier lines settled) let a bank's own name
    for a counterparty ("SQUARE AUSTRALIA" for the POS takings) count as agreeing words."""
    aliases = aliases or {}
    by_amount: dict[Decimal, list[EntryRef]] = defaultdict(list)
    for e in entries:
        by_amount[e.amount].append(e)
    pairs: list[tuple[float, int, EntryRef, int, float, bool]] = []
    per_entry: dict[int, int] = defaultdict(int)
    per_line: dict[int, int] = {}
    for i, (posted, amount, text) in enumerate(lines):
        near = [e for e in by_amount.get(amount, ())
                if -days_before <= (posted - e.date).days <= days_after]
        per_line[i] = len(near)
        words = _words(text)
        alias = aliases.get(normalise_payee(text)) if near else None
        for e in near:
            per_entry[e.entry_id] += 1
            shared = _shared(words, _words(e.text))
            learned = shared < 0.5 and _alias_agrees(alias, e.text)
            days = abs((posted - e.date).days)
            pairs.append((max(shared, 0.5 if learned else 0) * 2 - days * 0.1, i, e, days, shared,
                          learned))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2].entry_id))
    taken_lines: set[int] = set()
    taken_entries: set[int] = set()
    out: dict[int, EntryMatch] = {}
    for _, i, e, days, shared, learned in pairs:
        if i in taken_lines or e.entry_id in taken_entries:
            continue
        taken_lines.add(i)
        taken_entries.add(e.entry_id)
        out[i] = _judge(e, days, shared, learned, rivals=per_line[i] - 1,
                        others=per_entry[e.entry_id] - 1)
    return out


def _judge(e: EntryRef, days: int, shared: float, learned: bool, *, rivals: int,
           others: int) -> EntryMatch:
    reasons = [(f"${abs(e.amount):,.2f} is the amount of the ledger entry of {e.date:%d/%m/%Y} "
                f"({e.text[:60]})")]
    confidence = 0.9
    if days == 0:
        reasons.append("same date")
        confidence += 0.04
    else:
        reasons.append(f"{days} day(s) apart")
        confidence -= 0.01 * days
    if shared >= 0.5:
        reasons.append(f"the bank text shares {shared:.0%} of its words with the entry")
        confidence += 0.05
    elif learned:
        reasons.append("earlier lines from this payee settled entries worded like this one")
        confidence += 0.05
        shared = 0.5
    elif shared == 0:
        confidence -= 0.08
    if not (rivals or others) and e.amount != e.amount.to_integral_value():
        large = abs(e.amount) >= 1000
        reasons.append(f"the only entry of an amount with cents{' over $1,000' if large else ''}"
                       " nearby")
        confidence += DISTINCT_LARGE if large else DISTINCT
    if rivals or others:
        # Same amount within the window more than once: only the wording can tell them apart.
        reasons.append(f"{rivals + others} other entr{'y' if rivals + others == 1 else 'ies'} or "
                       "line(s) of the same amount nearby")
        confidence = min(confidence, 0.6 + 0.35 * shared)
    return EntryMatch(e.entry_id, round(max(0.0, min(confidence, 0.99)), 3), tuple(reasons))
