"""A categoriser learned from the ledger's own history of categorised bank lines (pure).

The model is multinomial naive Bayes over a line's features: its normalised payee (counted three
times: it says most), the words and word pairs of its text, the size and sign of its amount (half
decades), the week of the month and the weekday. Naive Bayes is overconfident because those
features repeat each other, so `train` calibrates it on its own history, held out fold by fold:
a temperature for the scores, then a monotone (isotonic) map from probability to how often such
guesses were right, fitted separately for payees the folds had seen and for payees they had not
(payees held out whole). A payee never seen before is capped low whatever its words say, because
being right about "PLUMBING" from other plumbers is luck, not history.

The model is plain counts, so it serialises to JSON (`to_dict`/`from_dict`) and can be stored as
versioned data; the logarithms are recomputed when it is loaded.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tools.bank.calibration import apply_map, fit_isotonic, fit_temperature
from tools.bank.model import BankLine
from tools.bank.payee import normalise_payee, normalise_text
from tools.bank.reconcile_model import Prediction
from tools.bank.rule_proposals import RuleBacktest, backtest_rule, propose_rule
from tools.bank.training import TrainingExample

__all__ = ["Categoriser", "Prediction", "RuleBacktest", "TrainingExample", "backtest_rule",
           "line_features", "propose_rule", "train"]

_NUMBERISH = re.compile(r"(?:\D*\d){3}")   # store, receipt and card numbers say nothing here
MODEL_VERSION = 1
PAYEE_WEIGHT = 3.0
CONTEXT_WEIGHT = 0.5           # day of month and weekday: weak hints (rent on the 1st)
UNSEEN_PAYEE_CAP = 0.5
ALPHA = 0.1                    # additive smoothing
FOLDS = 5
CALIBRATION_SAMPLE = 4000      # held-out predictions used for calibration, at most


def _amount_bucket(amount: Decimal) -> str:
    size = abs(float(amount))
    return f"{'+' if amount > 0 else '-'}{math.floor(2 * math.log10(size)) if size >= 1 else -1}"


def line_features(text: str, amount: Decimal, posted: date) -> tuple[tuple[str, float], ...]:
    """The weighted features a line is judged by."""
    payee = normalise_payee(text)
    words = [w for w in normalise_text(text).split()
             if len(w) > 1 and not _NUMBERISH.search(w)]
    words = list(dict.fromkeys(words))
    out: list[tuple[str, float]] = [(f"p:{payee}", PAYEE_WEIGHT)] if payee else []
    out += [(f"t:{w}", 1.0) for w in words]
    out += [(f"b:{a}_{b}", 1.0) for a, b in itertools.pairwise(words)]
    out += [(f"a:{_amount_bucket(amount)}", 1.0), (f"d:{(posted.day - 1) // 7}", CONTEXT_WEIGHT),
            (f"w:{posted.weekday()}", CONTEXT_WEIGHT)]
    return tuple(out)


@dataclass(frozen=True)
class _Counts:
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    class_totals: tuple[float, ...]
    features: dict[str, dict[int, float]]


def _count(rows: Sequence[tuple[tuple[tuple[str, float], ...], str]]) -> _Counts:
    classes = tuple(sorted({account for _, account in rows}))
    position = {c: n for n, c in enumerate(classes)}
    class_counts = [0] * len(classes)
    totals = [0.0] * len(classes)
    features: dict[str, dict[int, float]] = defaultdict(dict)
    for feats, account in rows:
        n = position[account]
        class_counts[n] += 1
        for name, weight in feats:
            features[name][n] = features[name].get(n, 0.0) + weight
            totals[n] += weight
    return _Counts(classes, tuple(class_counts), tuple(totals), dict(features))


class _Scorer:
    """Naive Bayes log scores from counts, with the logarithms worked out once."""

    def __init__(self, counts: _Counts, alpha: float = ALPHA) -> None:
        vocabulary = max(len(counts.features), 1)
        total = sum(counts.class_counts)
        self.classes = counts.classes
        self.prior = [math.log(c / total) for c in counts.class_counts]
        self.unseen = [math.log(alpha / (t + alpha * vocabulary)) for t in counts.class_totals]
        self.deltas = {name: tuple((n, math.log((cnt + alpha) / alpha)) for n, cnt in per.items())
                       for name, per in counts.features.items()}

    def scores(self, feats: Sequence[tuple[str, float]]) -> list[float]:
        known = [(self.deltas[name], weight) for name, weight in feats if name in self.deltas]
        weight_in = sum(w for _, w in known)
        out = [p + weight_in * u for p, u in zip(self.prior, self.unseen)]
        for deltas, weight in known:
            for n, delta in deltas:
                out[n] += weight * delta
        return out


def _softmax(scores: Sequence[float], temperature: float) -> list[float]:
    top = max(scores)
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def _majority(counter: Counter[str | None]) -> str | None:
    return max(counter.items(), key=lambda kv: (kv[1], kv[0] or ""))[0] if counter else None


@dataclass(frozen=True)
class Categoriser:
    """A trained categoriser: plain counts plus its calibration (see the module doc)."""
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    class_totals: tuple[float, ...]
    features: Mapping[str, Mapping[int, float]]
    temperature: float
    seen_map: tuple[tuple[float, float], ...]      # (probability, how often right), increasing
    unseen_map: tuple[tuple[float, float], ...]
    payee_accounts: Mapping[str, Mapping[str, int]]
    tax_codes: Mapping[str, str | None]            # "account|payee" and "account|" -> majority
    account_names: Mapping[str, str] = field(default_factory=dict)
    version: int = MODEL_VERSION
    _scorer: _Scorer | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        counts = _Counts(self.classes, self.class_counts, self.class_totals,
                         {k: dict(v) for k, v in self.features.items()})
        object.__setattr__(self, "_scorer", _Scorer(counts) if self.classes else None)

    def _account(self, code: str) -> str:
        name = self.account_names.get(code)
        return f"{code} {name}" if name else code

    def _reasons(self, payee: str, code: str) -> tuple[str, ...]:
        history = self.payee_accounts.get(payee)
        shown = payee.title() or "this payee"
        if history:
            went, seen = history.get(code, 0), sum(history.values())
            if went == seen:
                return ((f"{went} earlier line{'s' if went > 1 else ''} from {shown} went to "
                        f"{self._account(code)}"),)
            return (f"{went} of {seen} earlier lines from {shown} went to {self._account(code)}",)
        n = self.classes.index(code)
        words = sorted((f"t:{w}" for w in payee.split()
                        if n in self.features.get(f"t:{w}", {})),
                       key=lambda f: -self.features[f][n])[:2]
        hint = (f"; lines with {' and '.join(w[2:] for w in words)} went to {self._account(code)}"
                if words else "")
        return (f"{shown} has not been seen before{hint}",)

    def predict(self, line: BankLine, k: int = 3) -> tuple[Prediction, ...]:
        """The k likeliest accounts for `line`, with calibrated probabilities."""
        return self.predict_text(line.text, line.amount, line.posted, k)

    def predict_text(self, text: str, amount: Decimal, posted: date, k: int = 3
                     ) -> tuple[Prediction, ...]:
        if self._scorer is None:
            return ()
        probabilities = _softmax(self._scorer.scores(line_features(text, amount, posted)),
                                 self.temperature)
        payee = normalise_payee(text)
        seen = payee in self.payee_accounts
        ranked = sorted(range(len(self.classes)), key=lambda n: -probabilities[n])[:k]
        calibrated = [apply_map(self.seen_map if seen else self.unseen_map, probabilities[n])
                      for n in ranked]
        if not seen:
            calibrated = [min(p, UNSEEN_PAYEE_CAP) for p in calibrated]
        total = sum(calibrated)
        if total > 1:
            calibrated = [p / total for p in calibrated]
        out = []
        for n, p in zip(ranked, calibrated):
            code = self.classes[n]
            tax = self.tax_codes.get(f"{code}|{payee}", self.tax_codes.get(f"{code}|"))
            out.append(Prediction(code, tax, math.floor(p * 10_000) / 10_000,  # never over 1
                                  self._reasons(payee, code)))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: strings, numbers, lists and objects only."""
        return {"version": self.version, "classes": list(self.classes),
                "class_counts": list(self.class_counts), "class_totals": list(self.class_totals),
                "features": {name: {str(n): c for n, c in per.items()}
                             for name, per in self.features.items()},
                "temperature": self.temperature, "seen_map": [list(p) for p in self.seen_map],
                "unseen_map": [list(p) for p in self.unseen_map],
                "payee_accounts": {p: dict(a) for p, a in self.payee_accounts.items()},
                "tax_codes": dict(self.tax_codes), "account_names": dict(self.account_names)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Categoriser:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"categoriser model version {data.get('version')!r} is not "
                             f"{MODEL_VERSION}; train it again")
        return cls(tuple(data["classes"]), tuple(int(c) for c in data["class_counts"]),
                   tuple(float(t) for t in data["class_totals"]),
                   {name: {int(n): float(c) for n, c in per.items()}
                    for name, per in data["features"].items()},
                   float(data["temperature"]), tuple(tuple(p) for p in data["seen_map"]),
                   tuple(tuple(p) for p in data["unseen_map"]),
                   {p: dict(a) for p, a in data["payee_accounts"].items()},
                   dict(data["tax_codes"]), dict(data.get("account_names", {})))


_Held = tuple[list[float], int, bool]     # scores, index of the true class (-1: none), payee seen


def _held_out(rows: list[tuple[tuple[tuple[str, float], ...], str]], payees: Sequence[str],
              folds: list[list[int]]) -> list[_Held]:
    """Each row scored by a model trained without its fold."""
    out: list[_Held] = []
    for fold in folds:
        held = set(fold)
        kept = [n for n in range(len(rows)) if n not in held]
        counts = _count([rows[n] for n in kept])
        if not counts.classes:
            continue
        scorer = _Scorer(counts)
        known_payees = {payees[n] for n in kept if payees[n]}
        position = {c: n for n, c in enumerate(counts.classes)}
        for n in fold:
            feats, account = rows[n]
            out.append((scorer.scores(feats), position.get(account, -1),
                        payees[n] in known_payees))
    return out


def _calibration_pairs(held: Sequence[_Held], temperature: float, k: int = 3
                       ) -> list[tuple[float, bool]]:
    pairs = []
    for scores, truth, _ in held:
        probabilities = _softmax(scores, temperature)
        for n in sorted(range(len(scores)), key=lambda i: -probabilities[i])[:k]:
            pairs.append((probabilities[n], n == truth))
    return pairs


def train(examples: Sequence[TrainingExample], *, account_names: Mapping[str, str] | None = None,
          seed: int = 13) -> Categoriser:
    """Learn from categorised lines, and calibrate on them held out (see the module doc)."""
    if not examples:
        return Categoriser((), (), (), {}, 1.0, (), (), {}, {}, dict(account_names or {}))
    rows = [(line_features(e.text, e.amount, e.posted), e.account_code) for e in examples]
    payees = [normalise_payee(e.text) for e in examples]
    counts = _count(rows)
    payee_accounts: dict[str, Counter[str]] = defaultdict(Counter)
    taxes: dict[str, Counter[str | None]] = defaultdict(Counter)
    for e, payee in zip(examples, payees):
        if payee:
            payee_accounts[payee][e.account_code] += 1
        taxes[f"{e.account_code}|{payee}"][e.tax_code] += 1
        taxes[f"{e.account_code}|"][e.tax_code] += 1
    rng = random.Random(seed)
    sample = list(range(len(rows)))
    rng.shuffle(sample)
    sample = sample[:CALIBRATION_SAMPLE]
    by_row = [sample[i::FOLDS] for i in range(FOLDS)]
    groups = sorted({payees[n] for n in sample})
    rng.shuffle(groups)
    fold_of = {g: i % FOLDS for i, g in enumerate(groups)}
    by_payee = [[n for n in sample if fold_of[payees[n]] == i] for i in range(FOLDS)]
    by_rows = _held_out(rows, payees, by_row) if len(rows) >= 2 * FOLDS else []
    by_payees = _held_out(rows, payees, by_payee) if len(groups) >= FOLDS else []
    seen_held = [h for h in by_rows if h[2]]
    unseen_held = [h for h in by_rows + by_payees if not h[2]]
    temperature = fit_temperature([(s, t) for s, t, _ in by_rows + by_payees if t >= 0])
    return Categoriser(
        counts.classes, counts.class_counts, counts.class_totals, counts.features, temperature,
        fit_isotonic(_calibration_pairs(seen_held, temperature)),
        fit_isotonic(_calibration_pairs(unseen_held, temperature)),
        {p: dict(a) for p, a in payee_accounts.items()},
        {key: _majority(c) for key, c in taxes.items()}, dict(account_names or {}))
