"""Every number in a draft, traced to the facts; direction words checked against the signs.

Used on every LLM draft (a draft with an untraceable number or a wrong direction is regenerated
once, then rejected) and by the commentary eval on every narrative.

Finding numbers. Names that appear in the facts (accounts, customers, suppliers, the organisation)
are blanked out first, so "Studio 54" is not a number. Then, in this order:
* dates: 2026-06-30, 30/06/2026, "30 June 2026", "30th of June", "June 30, 2026", month and year
  ("June 2026"), financial years ("FY2025-26");
* money: "$12,345", "$12,345.67", "$1.2k", "$1.2m", "$3 million", "A$500", "AUD 500", with an
  optional minus sign or brackets;
* percentages: "12%", "12.5 %", "12 per cent", "12.0 percent"; percentage points: "3.1 points",
  "3.1 percentage points", "3.1 pts", "3.1pp";
* other numbers: "1,234", "13", "0.5", "12k", "2 million", and number words two to ninety
  ("three pay runs"). Digits that are part of a word or label ("1A", "G1", "W2", "Q4", "v2") are
  labels, not numbers.

Matching (a number must match at least one fact; every fact it matches is recorded):
* Magnitudes are compared (prose states direction in words): "-$1,200", "($1,200)" and "$1,200"
  all read 1,200.
* A number matches a fact when the fact, rounded to the number's written precision, equals it:
  "$12,345" is whole dollars, "$12,345.67" cents, "$1.2k" hundreds, "12.5%" one decimal place.
  Rounding half up or half to even are both accepted. A whole number ending in zeros is read at the
  precision its zeros imply: "$65,000" matches any fact from 64,500 up to (not including) 65,500.
* Money matches money facts; percentages match percent facts; points match points facts; a bare
  number in digits matches any numeric fact (and a year 1900-2100 the year of a date fact); a
  number in words matches counts only.
* A full date must equal a date fact; a day and month without a year must equal a date fact's day
  and month; a month and year must contain a date fact; a financial year (July start) too.

Direction words. "up, rose, rise, increased, grew, higher, above" say +; "down, fell, fall,
decreased, declined, lower, below, dropped" say -. Each is judged against the nearest number after
it and the nearest before it in the same sentence (each within 30 characters): "up $4,200" and
"$4,200 below budget". For a number that matched change facts (preferring those about the
comparison the sentence names: budget, last year, else the prior month), the word agrees when one
of them has its sign; for a number that matched only a current level ("rose to $X"), that level's
change against the named comparison is used. The claim agrees if either neighbour agrees,
disagrees if one disagrees and none agrees, and is "unchecked" otherwise (reported, not failed).
"up to" and "falls due" are not direction words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from tools.reports.facts import Fact, FactSet
from tools.reports.periods import MONTH_NAMES, financial_year_start

TokenKind = Literal["money", "percent", "points", "number", "date", "day_month", "month_year", "fy"]
NUMERIC = ("money", "percent", "points", "number")
SCALES = {"k": 3, "thousand": 3, "m": 6, "million": 6, "mn": 6, "bn": 9, "billion": 9}
_MONTH_INDEX = {m.lower(): n for n, m in enumerate(MONTH_NAMES, start=1)}
_MONTH_INDEX.update({m[:3].lower(): n for n, m in enumerate(MONTH_NAMES, start=1)})
_MONTH_INDEX["sept"] = 9
_MONTHS = "|".join(sorted((m.capitalize() for m in _MONTH_INDEX), key=len, reverse=True))
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_SCALE = r"(?:\s?(k|K|m|M|mn|bn|thousand|million|billion)\b)?"
_WORD_LIST = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
              "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
              "nineteen", "twenty"]
WORDS = {w: n for n, w in enumerate(_WORD_LIST) if n >= 2}   # "one" is too often not a number
WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
              "ninety": 90})

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"(?<![\w/])(\d{4})-(\d{2})-(\d{2})(?![\w/])")),
    ("dmy", re.compile(r"(?<![\w/])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\w/])")),
    ("day_month", re.compile(rf"(?<![\w.,])(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTHS})\b\.?"
                             rf"(?:,?\s+(\d{{4}})\b)?")),
    ("month_year", re.compile(rf"\b({_MONTHS})\.?,?\s+(\d{{4}})\b")),
    ("month_day", re.compile(rf"\b({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?")),
    ("fy", re.compile(r"\bFY\s?(\d{4}|\d{2})(?:\s?[-–/]\s?(\d{4}|\d{2}))?\b")),
    ("money", re.compile(rf"(?<![\w.])(?:([-−–]\s?)|(\())?(?:A\$|AU\$|AUD\s?|\$)\s?{_NUM}{_SCALE}(?(2)\))")),
    ("points", re.compile(rf"(?<![\w.$]){_NUM}\s?(percentage points?|points?|pts|pp)\b")),
    ("percent", re.compile(rf"(?<![\w.$]){_NUM}\s?(%|per\s?cent\b|percent\b)")),
    ("number", re.compile(rf"(?<![\w.$]){_NUM}{_SCALE}(?![\w])")),
    ("word", re.compile(r"\b(" + "|".join(WORDS) + r")\b", re.IGNORECASE)),
)
UP = frozenset(["up", "rose", "risen", "rise", "rises", "rising", "increase", "increased",
                "increases", "increasing", "grew", "grown", "grow", "grows", "growth", "higher", "above",
                "climbed", "jumped", "gained"])
DOWN = frozenset(["down", "fell", "fallen", "fall", "falls", "falling", "decrease", "decreased",
                  "decreases", "decreasing", "declined", "decline", "declines", "declining", "lower",
                  "below", "dropped", "drop", "drops", "shrank", "shrunk", "slipped"])
_DIRECTION = re.compile(r"\b(" + "|".join(sorted(UP | DOWN, key=len, reverse=True)) + r")\b",
                        re.IGNORECASE)
# "up to $5,000" is a limit and "falls due" a date: neither says which way a figure moved.
_NOT_DIRECTION = {"up": re.compile(r"\s+to\b"), "fall": re.compile(r"\s+due\b"),
                  "falls": re.compile(r"\s+due\b"), "fell": re.compile(r"\s+due\b")}
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
PAIR_WINDOW = 30


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    kind: TokenKind
    value: Decimal | date | tuple[int, ...] = Decimal(0)
    places: int = 0          # decimal places written (after scaling)
    exponent: int = 0        # scale: 3 for "k"/"thousand", 6 for "m"/"million"
    trailing_zeros: int = 0  # of a whole number without decimals
    word: bool = False       # written in words ("three"): a count


def _blank(text: str, names: Iterable[str]) -> str:
    for name in names:
        if name and re.search(r"\d", name):
            text = text.replace(name, " " * len(name))
    return text


def _decimal(whole: str, frac: str | None) -> tuple[Decimal, int]:
    digits = whole.replace(",", "")
    try:
        return Decimal(f"{digits}.{frac}" if frac else digits), len(frac or "")
    except InvalidOperation:  # pragma: no cover - the patterns only let digits through
        return Decimal(0), 0


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def extract(text: str, names: Iterable[str] = ()) -> list[Token]:
    """Every number-bearing token in `text`, in order (dates first claim their digits)."""
    work = _blank(text, names)
    taken = [False] * len(work)
    tokens: list[Token] = []

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    for kind, pattern in PATTERNS:
        for m in pattern.finditer(work):
            a, b = m.span()
            if not free(a, b):
                continue
            token = _token(kind, m, text[a:b])
            if token is None:
                continue
            tokens.append(token)
            for i in range(a, b):
                taken[i] = True
    tokens.sort(key=lambda t: t.start)
    return tokens


def _token(kind: str, m: re.Match[str], raw: str) -> Token | None:
    a, b = m.span()
    if kind == "iso":
        d = _safe_date(int(m[1]), int(m[2]), int(m[3]))
        return Token(raw, a, b, "date", d) if d else None
    if kind == "dmy":
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        d = _safe_date(year, int(m[2]), int(m[1]))
        return Token(raw, a, b, "date", d) if d else None
    if kind in ("day_month", "month_day"):
        day, month_word, year_text = (m[1], m[2], m[3]) if kind == "day_month" else (m[2], m[1], m[3])
        month = _MONTH_INDEX[month_word.lower()]
        if year_text:
            d = _safe_date(int(year_text), month, int(day))
            return Token(raw, a, b, "date", d) if d else None
        return Token(raw, a, b, "day_month", (month, int(day))) if 1 <= int(day) <= 31 else None
    if kind == "month_year":
        return Token(raw, a, b, "month_year", (int(m[2]), _MONTH_INDEX[m[1].lower()]))
    if kind == "fy":
        year = int(m[1]) + (2000 if len(m[1]) == 2 else 0)
        # "FY2025-26"/"FY25-26" start in 2025; "FY2026"/"FY26" is the year ending June 2026
        return Token(raw, a, b, "fy", (year if m[2] else year - 1,))
    if kind == "word":
        return Token(raw, a, b, "number", Decimal(WORDS[m[1].lower()]), word=True)
    if kind == "money":
        value, places = _decimal(m[3], m[4])
        exponent = SCALES.get((m[5] or "").lower(), 0)
        return _numeric(raw, a, b, "money", value, places, exponent, m[3], m[4])
    value, places = _decimal(m[1], m[2])
    exponent = SCALES.get((m[3] or "").lower(), 0) if kind == "number" else 0
    return _numeric(raw, a, b, kind, value, places, exponent, m[1], m[2])  # type: ignore[arg-type]


def _numeric(raw: str, a: int, b: int, kind: TokenKind, value: Decimal, places: int, exponent: int,
             whole: str, frac: str | None) -> Token:
    digits = whole.replace(",", "")
    zeros = 0 if frac or value == 0 else len(digits) - len(digits.rstrip("0"))
    return Token(raw, a, b, kind, value, places, exponent, zeros)


# ----------------------------------------------------------------------------- matching
def _rounds_to(fact_value: Decimal, token: Token) -> bool:
    magnitude = abs(fact_value).scaleb(-token.exponent)
    target = abs(token.value)  # type: ignore[arg-type]
    quantum = Decimal(1).scaleb(-token.places)
    for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN):
        if magnitude.quantize(quantum, rounding=rounding) == target:
            return True
    if token.trailing_zeros and not token.places:
        quantum = Decimal(1).scaleb(token.trailing_zeros)
        for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN):
            if magnitude.quantize(quantum, rounding=rounding) == target:
                return True
    return False


def rounds_to(value: Decimal, token: Token) -> bool:
    """Whether `value` is what `token` writes, at the token's written precision (either rounding)."""
    return _rounds_to(value, token)


def matches(token: Token, fact: Fact) -> bool:
    v = fact.value
    if token.kind in NUMERIC:
        if isinstance(v, date):
            return (token.kind == "number" and token.places == 0 and token.exponent == 0
                    and token.value == v.year)
        allowed = {"money": ("aud",), "percent": ("percent",), "points": ("points",),
                   "number": ("count",) if token.word else ("aud", "percent", "points", "count")}[token.kind]
        return fact.unit in allowed and _rounds_to(v, token)
    if not isinstance(v, date):
        return False
    if token.kind == "date":
        return token.value == v
    if token.kind == "day_month":
        return token.value == (v.month, v.day)
    if token.kind == "month_year":
        return token.value == (v.year, v.month)
    if token.kind == "fy":
        return financial_year_start(v).year == token.value[0]  # type: ignore[index]
    return False


# ----------------------------------------------------------------------------- checking
@dataclass(frozen=True)
class TracedNumber:
    text: str
    kind: str
    facts: tuple[str, ...]           # every fact key it matches (empty: untraceable)
    start: int = 0


@dataclass(frozen=True)
class DirectionClaim:
    word: str
    polarity: int                    # +1 up/above, -1 down/below
    number: str | None               # the number it was paired with
    facts: tuple[str, ...]           # the change facts it was checked against
    status: Literal["agree", "disagree", "unchecked"]
    sentence: str = ""


@dataclass(frozen=True)
class CheckResult:
    numbers: tuple[TracedNumber, ...] = ()
    directions: tuple[DirectionClaim, ...] = ()

    @property
    def untraceable(self) -> tuple[TracedNumber, ...]:
        return tuple(n for n in self.numbers if not n.facts)

    @property
    def disagreements(self) -> tuple[DirectionClaim, ...]:
        return tuple(d for d in self.directions if d.status == "disagree")

    @property
    def ok(self) -> bool:
        return not self.untraceable and not self.disagreements

    def problems(self) -> list[str]:
        out = [f"the number {n.text!r} is not one of the facts (or is rounded differently)"
               for n in self.untraceable]
        out += [f"{d.word!r} next to {d.number!r} contradicts the facts' sign: {d.sentence.strip()!r}"
                for d in self.disagreements]
        return out

    def merged(self, other: CheckResult) -> CheckResult:
        return CheckResult(self.numbers + other.numbers, self.directions + other.directions)


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence): split after . ! ? ; followed by space, and at line breaks (decimal points
    and abbreviations such as 'Pty. Ltd.' only matter for where a pairing may look)."""
    out, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((pos, text[pos:m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return [(o, s) for o, s in out if s.strip()]


def _comparison_named(sentence: str) -> tuple[str, bool]:
    """(the comparison the sentence talks about, whether it names it explicitly)."""
    low = sentence.lower()
    if "budget" in low:
        return "budget", True
    if "last year" in low or "a year earlier" in low or "a year ago" in low or "same month" in low:
        return "same_month_last_year", True
    return "prior_month", False


def _comparison_of(key: str) -> str | None:
    for name in ("same_month_last_year", "prior_month", "budget"):
        if name in key:
            return name
    return None


def _subject(fact: Fact) -> str:
    return fact.label.split(":")[0].split(",")[0].strip().lower()


def _judge(token: Token, polarity: int, sentence: str, by_start: dict[int, tuple[str, ...]],
           facts: FactSet) -> tuple[str, tuple[str, ...]]:
    """("agree" | "disagree" | "unchecked", the change facts used) for one direction word and one
    number near it. A figure can match several facts, so those about the comparison the sentence
    names, and then those whose subject ("Revenue", "Net profit", an account) the sentence
    mentions, are preferred when there are any."""
    named, explicit = _comparison_named(sentence)
    matched = [facts[k] for k in by_start.get(token.start, ())]
    changes = [f for f in matched if f.change]
    if not changes:
        for f in matched:
            related = dict(f.related).get(named)
            if related and related in facts:
                changes.append(facts[related])
    allowed = (named,) if explicit else (None, named)
    changes = [f for f in changes if _comparison_of(f.key) in allowed] or changes
    low = sentence.lower()
    changes = [f for f in changes if _subject(f) and _subject(f) in low] or changes
    if not changes:
        return "unchecked", ()
    status = "agree" if any(f.sign == polarity for f in changes) else "disagree"
    return status, tuple(f.key for f in changes)


def check_text(text: str, facts: FactSet) -> CheckResult:
    tokens = extract(text, facts.names)
    traced: list[TracedNumber] = []
    by_start: dict[int, tuple[str, ...]] = {}
    for t in tokens:
        keys = tuple(f.key for f in facts if matches(t, f))
        traced.append(TracedNumber(t.text, t.kind, keys, t.start))
        by_start[t.start] = keys
    claims: list[DirectionClaim] = []
    numeric = [t for t in tokens if t.kind in NUMERIC]
    for offset, sentence in sentences(text):
        end = offset + len(sentence)
        inside = [t for t in numeric if offset <= t.start and t.end <= end]
        for m in _DIRECTION.finditer(sentence):
            word = m[1].lower()
            skip = _NOT_DIRECTION.get(word)
            if skip is not None and skip.match(sentence, m.end()):
                continue
            polarity = 1 if word in UP else -1
            w_start, w_end = offset + m.start(), offset + m.end()
            after = [t for t in inside if t.start >= w_end and t.start - w_end <= PAIR_WINDOW]
            before = [t for t in inside if t.end <= w_start and w_start - t.end <= PAIR_WINDOW]
            candidates = ([after[0]] if after else []) + ([before[-1]] if before else [])
            if not candidates:
                claims.append(DirectionClaim(word, polarity, None, (), "unchecked", sentence))
                continue
            outcomes = [(t, _judge(t, polarity, sentence, by_start, facts)) for t in candidates]
            agreeing = [(t, keys) for t, (status, keys) in outcomes if status == "agree"]
            disagreeing = [(t, keys) for t, (status, keys) in outcomes if status == "disagree"]
            if agreeing:
                token, keys = agreeing[0]
                claims.append(DirectionClaim(word, polarity, token.text, keys, "agree", sentence))
            elif disagreeing:
                token, keys = disagreeing[0]
                claims.append(DirectionClaim(word, polarity, token.text, keys, "disagree", sentence))
            else:
                claims.append(DirectionClaim(word, polarity, candidates[0].text, (), "unchecked", sentence))
    return CheckResult(tuple(traced), tuple(claims))


def check_paragraphs(paragraphs: Sequence[str], facts: FactSet) -> CheckResult:
    result = CheckResult()
    for p in paragraphs:
        result = result.merged(check_text(p, facts))
    return result


@dataclass(frozen=True)
class Summary:
    numbers: int = 0
    traceable: int = 0
    directions_checked: int = 0
    directions_agree: int = 0
    directions_unchecked: int = 0
    problems: tuple[str, ...] = field(default_factory=tuple)


def summarise(result: CheckResult) -> Summary:
    checked = [d for d in result.directions if d.status != "unchecked"]
    return Summary(len(result.numbers), len(result.numbers) - len(result.untraceable), len(checked),
                   sum(d.status == "agree" for d in checked),
                   len(result.directions) - len(checked), tuple(result.problems()))
