"""Calibration: how far can a decision's confidence be trusted?

For each decision type (whatever suites emit: "field:total", "flag:suspected_injection", ...) the
judgements (confidence, correct?) say, at a threshold t, what would happen if the product accepted
every decision with confidence ≥ t without a human:

* support   - how many decisions clear t (would be accepted automatically);
* precision - of those, the share that is correct (the auto-post error rate is 1 - precision);
* recall    - of all correct decisions, the share that clears t (how much work is taken off people);
* coverage  - of all decisions, the share that clears t.

The AP policy sets its auto-post thresholds from `recommended`: the lowest threshold whose
precision reaches the target (99.5%). With fewer accepted decisions than 1 / (1 - target) (200 for
99.5%) a single error could not even be seen, so such a threshold is not recommended; the report
says "insufficient data" with the counts instead. Pure functions, no IO.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from evals.harness.model import Judgement

GRID: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)
TARGET_PRECISION = 0.995


def min_support_for(target: float) -> int:
    """The smallest accepted set in which one error can push precision below `target`."""
    return max(1, math.ceil(round(1.0 / (1.0 - target), 6))) if target < 1.0 else 1_000_000


@dataclass(frozen=True)
class ThresholdPoint:
    threshold: float
    support: int                 # decisions with confidence >= threshold
    correct: int                 # of those, correct
    precision: float | None      # None when support is 0
    recall: float | None         # None when there is no correct decision at all
    coverage: float
    in_use: bool = False         # a threshold the product uses for this decision type


@dataclass(frozen=True)
class DecisionCalibration:
    decision: str
    n: int                       # judgements of this type
    n_correct: int
    points: tuple[ThresholdPoint, ...]   # the grid plus the thresholds in use, ascending
    target_precision: float
    min_support: int
    recommended: ThresholdPoint | None   # lowest threshold reaching the target with enough support

    @property
    def note(self) -> str:
        """Why there is no recommendation, in words for the report ("" when there is one)."""
        if self.recommended is not None:
            return ""
        if self.n < self.min_support:
            return f"insufficient data (n={self.n}, need ≥ {self.min_support})"
        return (f"no threshold reaches {self.target_precision:.1%} precision with support "
                f"≥ {self.min_support} (n={self.n})")


def point(judgements: Sequence[Judgement], threshold: float, *, in_use: bool = False) -> ThresholdPoint:
    accepted = [j for j in judgements if j.confidence >= threshold]
    correct = sum(j.correct for j in accepted)
    all_correct = sum(j.correct for j in judgements)
    return ThresholdPoint(
        threshold=threshold, support=len(accepted), correct=correct,
        precision=correct / len(accepted) if accepted else None,
        recall=correct / all_correct if all_correct else None,
        coverage=len(accepted) / len(judgements) if judgements else 0.0,
        in_use=in_use)


def lowest_threshold(judgements: Sequence[Judgement], target: float = TARGET_PRECISION,
                     min_support: int | None = None) -> ThresholdPoint | None:
    """The lowest threshold at which precision ≥ target and support ≥ min_support.

    Candidates are the observed confidences: between two of them the accepted set does not change,
    so the observed value is the lowest threshold giving that set."""
    need = min_support_for(target) if min_support is None else min_support
    for t in sorted({j.confidence for j in judgements}):
        p = point(judgements, t)
        if p.support < need:
            return None  # support only shrinks as t rises
        if p.precision is not None and p.precision >= target - 1e-12:
            return p
    return None


def calibrate_one(decision: str, judgements: Sequence[Judgement], in_use: Iterable[float] = (),
                  *, target: float = TARGET_PRECISION, min_support: int | None = None,
                  ) -> DecisionCalibration:
    need = min_support_for(target) if min_support is None else min_support
    used = {float(t) for t in in_use}
    thresholds = sorted(set(GRID) | used)
    points = tuple(point(judgements, t, in_use=t in used) for t in thresholds)
    return DecisionCalibration(
        decision=decision, n=len(judgements), n_correct=sum(j.correct for j in judgements),
        points=points, target_precision=target, min_support=need,
        recommended=lowest_threshold(judgements, target, need))


def calibrate(judgements: Iterable[Judgement], in_use: Mapping[str, Iterable[float]] | None = None,
              *, target: float = TARGET_PRECISION, min_support: int | None = None,
              ) -> list[DecisionCalibration]:
    """One calibration per decision type, sorted by decision name."""
    groups: dict[str, list[Judgement]] = defaultdict(list)
    for j in judgements:
        groups[j.decision].append(j)
    used = in_use or {}
    return [calibrate_one(d, groups[d], used.get(d, ()), target=target, min_support=min_support)
            for d in sorted(groups)]
