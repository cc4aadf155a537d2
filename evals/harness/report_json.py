"""The machine-readable report: everything the run knows, for CI artefacts and trend tooling.

Schema "backoffice.eval-report/1":
    {"schema", "passed", "metadata": {...},
     "regressions" / "improvements" / "warnings": [{"suite", "metric", "baseline", "now",
                                                    "tolerance", "higher_is_better", "kind", "message"}],
     "safety_failures": [{"suite", "case_id", "diff", "error"}], "suite_errors": [{"suite", "error"}],
     "notes": [...], "baseline": path | null,
     "suites": {name: {"description", "seconds", "workers", "error", "skipped": {reason: n},
                       "cases": {"total", "passed", "failed", "errors"},
                       "metrics": {name: {"value", "higher_is_better", "tolerance", "baseline", "delta"}},
                       "calibration": [{"decision", "n", "n_correct", "target_precision", "min_support",
                                        "recommended": point | null, "note", "points": [point]}],
                       "results": [{"id", "passed", "split", "tags", "safety", "provenance",
                                    "expected", "got", "diff", "error", "seconds", "counts",
                                    "judgements": [[decision, confidence, correct]]}]}}}
Values that JSON lacks (Decimal, date, enums) are written as strings.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from evals.harness.baseline import Baseline, Regression
from evals.harness.calibration import DecisionCalibration, ThresholdPoint
from evals.harness.gate import Verdict
from evals.harness.model import CaseResult
from evals.harness.results import RunReport, SuiteReport

SCHEMA = "backoffice.eval-report/1"


def _change(c: Regression) -> dict[str, Any]:
    return dataclasses.asdict(c)


def _point(p: ThresholdPoint | None) -> dict[str, Any] | None:
    return dataclasses.asdict(p) if p else None


def _calibration(c: DecisionCalibration) -> dict[str, Any]:
    return {"decision": c.decision, "n": c.n, "n_correct": c.n_correct,
            "target_precision": c.target_precision, "min_support": c.min_support,
            "recommended": _point(c.recommended), "note": c.note,
            "points": [_point(p) for p in c.points]}


def _result(r: CaseResult) -> dict[str, Any]:
    return {"id": r.case_id, "passed": r.passed, "split": r.split, "tags": list(r.tags),
            "safety": r.safety, "provenance": r.provenance, "expected": r.expected, "got": r.got,
            "diff": list(r.diff), "error": r.error, "seconds": round(r.seconds, 6),
            "counts": r.counts,
            "judgements": [[j.decision, j.confidence, j.correct] for j in r.judgements]}


def _suite(s: SuiteReport, baseline: Baseline | None) -> dict[str, Any]:
    metrics = {}
    for m in s.metrics:
        base = baseline.get(s.name, m.name) if baseline else None
        metrics[m.name] = {"value": m.value, "higher_is_better": m.higher_is_better,
                           "tolerance": m.tolerance, "baseline": base.value if base else None,
                           "delta": m.value - base.value if base else None}
    return {"description": s.description, "seconds": round(s.seconds, 3), "workers": s.workers,
            "error": s.error, "skipped": s.skipped,
            "cases": {"total": len(s.results), "passed": s.passed_count, "failed": len(s.failed),
                      "errors": sum(r.error is not None for r in s.results)},
            "metrics": metrics, "calibration": [_calibration(c) for c in s.calibration],
            "results": [_result(r) for r in s.results]}


def to_dict(report: RunReport, verdict: Verdict, baseline: Baseline | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA, "passed": verdict.passed,
        "metadata": dataclasses.asdict(report.metadata),
        "baseline": verdict.baseline_path, "notes": list(verdict.notes),
        "regressions": [_change(c) for c in verdict.regressions],
        "improvements": [_change(c) for c in verdict.improvements],
        "warnings": [_change(c) for c in verdict.warnings],
        "safety_failures": [{"suite": s, "case_id": r.case_id, "diff": list(r.diff), "error": r.error}
                            for s, r in verdict.safety_failures],
        "suite_errors": [{"suite": s, "error": e} for s, e in verdict.suite_errors],
        "suites": {s.name: _suite(s, baseline) for s in report.suites},
    }


def json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def dumps(report: RunReport, verdict: Verdict, baseline: Baseline | None = None) -> str:
    return json.dumps(to_dict(report, verdict, baseline), indent=2, ensure_ascii=False,
                      default=json_default) + "\n"


def write(path: Path, report: RunReport, verdict: Verdict, baseline: Baseline | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(report, verdict, baseline), encoding="utf-8")
