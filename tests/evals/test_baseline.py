"""The baseline gate: drops beyond tolerance fail, small moves and improvements pass, a metric that
disappears fails unless the corpus is missing; the file is stable and merged on update."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from evals.harness import baseline as bl
from evals.harness.baseline import Baseline, BaselineMetric, compare, review
from evals.harness.gate import judge
from tests.evals.fake_suite import make_report, suite_report

BASE = Baseline("offline", {"extraction": {
    "field_accuracy": BaselineMetric(0.95, True, 0.01),
    "error_rate": BaselineMetric(0.02, False, 0.005)}})


def _kinds(changes: list[bl.Regression]) -> list[tuple[str, str]]:
    return [(c.metric, c.kind) for c in changes]


def test_a_drop_beyond_tolerance_fails() -> None:
    report = make_report(suite_report("extraction", field_accuracy=0.93, error_rate=0.02))
    [reg] = compare(report, BASE)
    assert (reg.suite, reg.metric, reg.baseline, reg.now, reg.tolerance) == (
        "extraction", "field_accuracy", 0.95, 0.93, 0.01)
    assert reg.kind == "regression" and reg.fails
    assert "0.95 → 0.93" in reg.message and "tolerance 0.01" in reg.message


def test_a_move_within_tolerance_passes() -> None:
    # 0.94 is exactly the tolerance away: allowed (float noise included).
    report = make_report(suite_report("extraction", field_accuracy=0.94, error_rate=0.025))
    assert compare(report, BASE) == []
    assert review(report, BASE) == []


def test_lower_is_better_metrics_regress_upwards() -> None:
    report = make_report(suite_report("extraction", field_accuracy=0.95, error_rate=0.03))
    assert _kinds(compare(report, BASE)) == [("error_rate", "regression")]


def test_improvements_are_reported_and_pass() -> None:
    report = make_report(suite_report("extraction", field_accuracy=0.99, error_rate=0.0))
    assert compare(report, BASE) == []
    assert _kinds(review(report, BASE)) == [("error_rate", "improvement"), ("field_accuracy", "improvement")]
    assert judge(report, BASE).passed


def test_a_missing_metric_is_a_regression() -> None:
    report = make_report(suite_report("extraction", field_accuracy=0.95))
    [reg] = compare(report, BASE)
    assert (reg.metric, reg.kind, reg.now) == ("error_rate", "missing", None)
    assert not judge(report, BASE).passed


def test_a_metric_missing_for_want_of_the_corpus_is_a_warning() -> None:
    suite = replace(suite_report("extraction", field_accuracy=0.95), skipped={"corpus not found": 136})
    report = make_report(suite)
    assert compare(report, BASE) == []
    [warning] = review(report, BASE)
    assert warning.kind == "warning" and "corpus not found" in warning.message
    assert judge(report, BASE).passed


def test_a_suite_that_errored_loses_its_metrics_and_fails() -> None:
    suite = replace(suite_report("extraction"), error="could not load the suite's cases: boom",
                    skipped={"corpus not found": 3})
    verdict = judge(make_report(suite), BASE)
    assert _kinds(verdict.regressions) == [("error_rate", "missing"), ("field_accuracy", "missing")]
    assert "boom" in verdict.regressions[0].message
    assert not verdict.passed


def test_suites_not_run_are_not_compared_and_new_metrics_pass() -> None:
    report = make_report(suite_report("validation", checks_f1=0.9))
    assert compare(report, BASE) == []
    assert _kinds(review(report, BASE)) == [("checks_f1", "new")]


def test_no_baseline_passes_with_a_note() -> None:
    verdict = judge(make_report(suite_report("x", a=0.1)), None, "evals/baselines/offline.json")
    assert verdict.passed and "no baseline at evals/baselines/offline.json" in verdict.notes[0]


def test_update_writes_a_stable_sorted_file_that_then_passes(tmp_path: Path) -> None:
    report = make_report(suite_report("extraction", field_accuracy=(2 / 3, True, 0.01),
                                      error_rate=(0.1, False, 0.0)))
    path = tmp_path / "offline.json"
    bl.update(report, path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == {"version": 1, "mode": "offline", "suites": {"extraction": {
        "error_rate": {"value": 0.1, "higher_is_better": False, "tolerance": 0.0},
        "field_accuracy": {"value": 0.666667, "higher_is_better": True, "tolerance": 0.01}}}}
    assert text == bl.dumps(bl.load(path))                     # stable: rewriting changes nothing
    assert text.index('"error_rate"') < text.index('"field_accuracy"')
    assert text.startswith('{\n  "mode": "offline",') and text.endswith("}\n")
    assert compare(report, bl.load(path)) == []                # rounding to 6 places is not a drop


def test_update_merges_with_the_previous_baseline(tmp_path: Path) -> None:
    path = tmp_path / "offline.json"
    path.write_text(bl.dumps(Baseline("offline", {
        "extraction": {"field_accuracy": BaselineMetric(0.9), "corpus_exact": BaselineMetric(1.0)},
        "validation": {"f1": BaselineMetric(0.8)}})), encoding="utf-8")
    skipping = replace(suite_report("extraction", field_accuracy=0.97), skipped={"corpus not found": 9})
    broken = replace(suite_report("safety"), error="boom")
    new = bl.update(make_report(skipping, broken), path)
    assert new.suites["validation"] == {"f1": BaselineMetric(0.8)}            # not run: kept
    assert new.suites["extraction"] == {"field_accuracy": BaselineMetric(0.97),
                                        "corpus_exact": BaselineMetric(1.0)}   # corpus metric kept
    assert "safety" not in new.suites                                          # errored: not written
    assert bl.load(path) == new


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read baseline"),
    ('{"version": 2, "suites": {}}', "version 2"),
    ('{"version": 1, "suites": {"x": {"m": {"higher_is_better": true}}}}', "malformed"),
    ("[]", "malformed"),
])
def test_unreadable_baselines_raise_a_typed_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(bl.BaselineError, match=message):
        bl.load(path)


def test_default_paths_per_mode() -> None:
    assert bl.default_path("offline").name == "offline.json"
    assert bl.default_path("live") == bl.DIRECTORY / "live.json"
    assert bl.DIRECTORY.parts[-2:] == ("evals", "baselines")
