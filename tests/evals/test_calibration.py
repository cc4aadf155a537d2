"""Calibration on hand-computed examples: precision/recall/support at thresholds, and the lowest
threshold reaching 99.5% precision (only with enough support to mean anything)."""

from __future__ import annotations

import pytest

from evals.harness.calibration import (
    GRID,
    calibrate,
    calibrate_one,
    lowest_threshold,
    min_support_for,
    point,
)
from evals.harness.model import Judgement

# 10 judgements, 7 correct. Sorted by confidence, the wrong ones are at 0.92, 0.80 and 0.60.
TEN = [Judgement("field:total", c, ok) for c, ok in [
    (0.99, True), (0.98, True), (0.95, True), (0.92, False), (0.90, True),
    (0.85, True), (0.80, False), (0.70, True), (0.60, False), (0.50, True)]]


def test_points_on_the_ten_judgement_example() -> None:
    at_90 = point(TEN, 0.9)          # accepted: .99 .98 .95 .92 .90 → 4 of 5 right
    assert (at_90.support, at_90.correct) == (5, 4)
    assert at_90.precision == pytest.approx(0.8)
    assert at_90.recall == pytest.approx(4 / 7)
    assert at_90.coverage == pytest.approx(0.5)

    at_85 = point(TEN, 0.85)
    assert (at_85.support, at_85.correct, at_85.precision) == (6, 5, pytest.approx(5 / 6))
    at_95 = point(TEN, 0.95)
    assert (at_95.support, at_95.precision, at_95.recall) == (3, 1.0, pytest.approx(3 / 7))
    at_50 = point(TEN, 0.5)           # everything: the confidence equal to the threshold counts
    assert (at_50.support, at_50.precision, at_50.recall, at_50.coverage) == (10, 0.7, 1.0, 1.0)
    nothing = point(TEN, 0.995)
    assert (nothing.support, nothing.precision, nothing.coverage) == (0, None, 0.0)


def test_the_grid_and_the_thresholds_in_use() -> None:
    cal = calibrate_one("field:total", TEN, in_use=[0.93])
    thresholds = [p.threshold for p in cal.points]
    assert thresholds == sorted([*GRID, 0.93])
    in_use = [p for p in cal.points if p.in_use]
    assert [(p.threshold, p.support, p.precision) for p in in_use] == [(0.93, 3, 1.0)]
    assert (cal.n, cal.n_correct) == (10, 7)


def test_lowest_threshold_reaching_the_target_with_enough_support() -> None:
    # With support ≥ 3 allowed: 0.92 gives 3/4, 0.95 gives 3/3 → 0.95 is the lowest that reaches it.
    best = lowest_threshold(TEN, 0.995, min_support=3)
    assert best is not None
    assert (best.threshold, best.support, best.recall) == (0.95, 3, pytest.approx(3 / 7))
    # Needing 4 accepted decisions, no threshold is both precise and supported.
    assert lowest_threshold(TEN, 0.995, min_support=4) is None


def test_ten_judgements_are_insufficient_data_for_99_5_percent() -> None:
    assert min_support_for(0.995) == 200
    cal = calibrate_one("field:total", TEN)
    assert cal.recommended is None
    assert cal.note == "insufficient data (n=10, need ≥ 200)"
    unreachable = calibrate_one("field:total", TEN, min_support=4)
    assert unreachable.recommended is None
    assert unreachable.note.startswith("no threshold reaches 99.5% precision")


def test_a_recommendation_with_enough_support() -> None:
    js = [Judgement("flag:duplicate", 0.96, True)] * 250 + [Judgement("flag:duplicate", 0.96, False)]
    js += [Judgement("flag:duplicate", 0.7, True)] * 40 + [Judgement("flag:duplicate", 0.7, False)] * 10
    [cal] = calibrate(js)
    assert cal.recommended is not None
    # At 0.7: 290/301 right (96.3%); at 0.96: 250/251 = 99.6% with support 251 ≥ 200.
    assert cal.recommended.threshold == 0.96
    assert cal.recommended.support == 251
    assert cal.recommended.recall == pytest.approx(250 / 290)
    assert cal.note == ""


def test_grouped_by_decision_type_in_name_order() -> None:
    js = [Judgement("flag:suspected_injection", 0.9, True), *TEN]
    cals = calibrate(js, {"flag:suspected_injection": [0.8]})
    assert [c.decision for c in cals] == ["field:total", "flag:suspected_injection"]
    assert [p.threshold for p in cals[1].points if p.in_use] == [0.8]
    assert calibrate([]) == []
