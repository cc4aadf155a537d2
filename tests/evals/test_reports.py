"""The JSON report holds everything; the HTML report is one self-contained file that shows hostile
case data as text, never as markup."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from evals.harness import report_html, report_json
from evals.harness.baseline import Baseline, BaselineMetric
from evals.harness.calibration import calibrate
from evals.harness.gate import Verdict, judge
from evals.harness.model import CaseResult, Judgement
from evals.harness.results import RunReport
from tests.evals.fake_suite import make_report, suite_report

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def _report() -> tuple[RunReport, Verdict, Baseline]:
    results = (
        CaseResult("inv-001", True, expected={"total": "110.00"}, got={"total": Decimal("110.00")},
                   provenance="generator dev seed 7", split="dev", tags=("pdf",),
                   judgements=(Judgement("field:total", 0.97, True),)),
        CaseResult("inv-002", False, expected={"total": "55.00", "issue_date": date(2026, 1, 2)},
                   got={"total": "56.00", "note": HOSTILE}, diff=("total: want 55.00, got 56.00",),
                   provenance="corpus a-nz-peppol-bis3 (MIT)", tags=("ubl",),
                   judgements=(Judgement("field:total", 0.8, False),)),
        CaseResult(HOSTILE, False, error=f"ValueError: {HOSTILE}", diff=(f"error: {HOSTILE}",),
                   safety=True, provenance=HOSTILE, tags=(HOSTILE,)),
    )
    judgements = [j for r in results for j in r.judgements]
    suite = replace(suite_report("extraction", field_accuracy=(0.5, True, 0.01)), results=results,
                    description="Invoice fields", skipped={"needs OCR": 4},
                    calibration=tuple(calibrate(judgements, {"field:total": [0.9]})))
    base = Baseline("offline", {"extraction": {"field_accuracy": BaselineMetric(0.9, True, 0.01),
                                               "line_f1": BaselineMetric(0.8, True, 0.0)}})
    report = make_report(suite)
    return report, judge(report, base, "evals/baselines/offline.json"), base


def test_the_json_report_has_everything() -> None:
    report, verdict, base = _report()
    data = json.loads(report_json.dumps(report, verdict, base))
    assert data["schema"] == "backoffice.eval-report/1" and data["passed"] is False
    assert data["metadata"]["git_commit"] == "abc123" and data["metadata"]["mode"] == "offline"
    assert data["baseline"] == "evals/baselines/offline.json"
    assert [(r["metric"], r["kind"]) for r in data["regressions"]] == [
        ("field_accuracy", "regression"), ("line_f1", "missing")]
    assert data["safety_failures"] == [{"suite": "extraction", "case_id": HOSTILE,
                                        "diff": [f"error: {HOSTILE}"], "error": f"ValueError: {HOSTILE}"}]
    suite = data["suites"]["extraction"]
    assert suite["cases"] == {"total": 3, "passed": 1, "failed": 2, "errors": 1}
    assert suite["skipped"] == {"needs OCR": 4}
    assert suite["metrics"]["field_accuracy"] == {
        "value": 0.5, "higher_is_better": True, "tolerance": 0.01, "baseline": 0.9,
        "delta": pytest.approx(-0.4)}
    [cal] = suite["calibration"]
    assert cal["decision"] == "field:total" and cal["n"] == 2 and cal["recommended"] is None
    assert cal["note"].startswith("insufficient data (n=2")
    assert [p["threshold"] for p in cal["points"] if p["in_use"]] == [0.9]
    first, second, third = suite["results"]
    assert first["got"] == {"total": "110.00"} and first["judgements"] == [["field:total", 0.97, True]]
    assert second["expected"]["issue_date"] == "2026-01-02"
    assert second["diff"] == ["total: want 55.00, got 56.00"]
    assert set(first) == {"id", "passed", "split", "tags", "safety", "provenance", "expected", "got",
                          "diff", "error", "seconds", "counts", "judgements"}
    assert third["error"].startswith("ValueError")


def test_the_reports_are_written_to_their_paths(tmp_path: Path) -> None:
    report, verdict, base = _report()
    report_json.write(tmp_path / "out" / "r.json", report, verdict, base)
    report_html.write(tmp_path / "out" / "r.html", report, verdict, base)
    assert json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))["passed"] is False
    assert (tmp_path / "out" / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_the_html_report_is_self_contained() -> None:
    report, verdict, base = _report()
    page = report_html.render(report, verdict, base)
    assert "<style>" in page
    assert not re.search(r"<(script|link|iframe|object|embed|img)\b", page, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert page.count("<details>") == 3


def test_hostile_case_data_is_escaped() -> None:
    report, verdict, base = _report()
    page = report_html.render(report, verdict, base)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page or \
        "&lt;script&gt;alert(\\&quot;pwned\\&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_html_summary_shows_the_gate_failed_cases_first_and_calibration() -> None:
    report, verdict, base = _report()
    page = report_html.render(report, verdict, base)
    assert "FAIL" in page.split("</title>")[0]
    assert "Regressions" in page and "Failed safety cases" in page
    cases = page.split("<h3>Cases</h3>")[1]
    assert cases.index("inv-002") < cases.index("inv-001")        # failures before passes
    assert cases.index("&lt;script") < cases.index("inv-002")      # the safety failure first
    metrics = page.split("<h3>Calibration</h3>")[0].split("extraction</h2>")[1]
    assert "field_accuracy" in metrics and "0.9" in metrics and "-0.4000" in metrics
    assert "line_f1" in metrics                                    # missing metric still listed
    assert "insufficient data (n=2, need ≥ 200)" in page and "0.9 (in use)" in page
    assert "total: want 55.00, got 56.00" in page


def test_a_passing_run_says_so() -> None:
    report = make_report(suite_report("fake", accuracy=1.0))
    page = report_html.render(report, judge(report, None, None))
    assert "PASS" in page.split("</title>")[0] and "no baseline" in page
