"""Calibrating a classifier's probabilities on held-out predictions (pure, no numpy).

`fit_temperature` finds the temperature T that makes softmax(scores / T) fit what really
happened best (least negative log-likelihood, by golden-section search on log T).
`fit_isotonic` then maps a probability to how often predictions like it were right: pool
adjacent violators over the sorted (probability, right?) pairs, blocks of fewer than MIN_BLOCK
merged into their neighbours, each block's rate smoothed as (right + 1) / (n + 2) so a small
perfect block is not taken for certainty. `apply_map` interpolates between the blocks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

MIN_BLOCK = 20
TOP_SCORES = 10                     # the rest of the classes add nothing measurable to the NLL
NO_DATA_MAP: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 0.5))  # unknown: halve it


def _nll(rows: Sequence[tuple[tuple[float, ...], float]], temperature: float) -> float:
    total = 0.0
    for scores, truth in rows:
        top = scores[0]
        total += math.log(sum(math.exp((s - top) / temperature) for s in scores)) \
            - (truth - top) / temperature
    return total


def fit_temperature(held: Sequence[tuple[Sequence[float], int]]) -> float:
    """The temperature for held-out (scores, index of the true class) rows; 1.0 without data."""
    rows = []
    for scores, truth in held:
        ranked = sorted(scores, reverse=True)[:TOP_SCORES]
        if scores[truth] < ranked[-1]:
            ranked.append(scores[truth])
        rows.append((tuple(ranked), scores[truth]))
    if not rows:
        return 1.0
    low, high = math.log(0.05), math.log(200.0)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = _nll(rows, math.exp(a)), _nll(rows, math.exp(b))
    for _ in range(40):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = _nll(rows, math.exp(a))
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = _nll(rows, math.exp(b))
    return round(math.exp((low + high) / 2), 6)


def fit_isotonic(pairs: Sequence[tuple[float, bool]]) -> tuple[tuple[float, float], ...]:
    """A monotone map from probability to observed accuracy (see the module doc)."""
    if len(pairs) < MIN_BLOCK:
        return NO_DATA_MAP
    # Each block: [sum of probabilities, number right, count].
    blocks: list[list[float]] = []
    for p, right in sorted(pairs):
        blocks.append([p, 1.0 if right else 0.0, 1.0])
        while len(blocks) > 1 and (blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]
                                   or blocks[-2][2] < MIN_BLOCK):
            last = blocks.pop()
            for i in range(3):
                blocks[-1][i] += last[i]
    if len(blocks) > 1 and blocks[-1][2] < MIN_BLOCK:
        last = blocks.pop()
        for i in range(3):
            blocks[-1][i] += last[i]
    points: list[tuple[float, float]] = []
    for total_p, right, n in blocks:
        rate = (right + 1) / (n + 2)
        if points and rate < points[-1][1]:
            rate = points[-1][1]
        points.append((round(total_p / n, 6), round(rate, 6)))
    return tuple(points)


def apply_map(points: Sequence[Sequence[float]], p: float) -> float:
    """The calibrated probability for p: linear between the map's points, flat beyond them."""
    if not points:
        return p
    if p <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if p <= x1:
            return float(y0 + (y1 - y0) * (p - x0) / (x1 - x0)) if x1 > x0 else float(y1)
    return float(points[-1][1])
