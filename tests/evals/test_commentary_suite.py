"""The commentary suite: its case files are what the authoring script writes and cover what the
issue asks, every case passes (numbers traceable, directions agreeing, the demo's 12 months
reconciling to the trial balance), and a wrong expectation or a broken draft fails readably."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from evals.harness.model import RunConfig
from evals.suites import commentary as com


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> RunConfig:
    return RunConfig(workdir=tmp_path_factory.mktemp("commentary-eval"))


def test_the_files_are_what_the_authoring_script_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    mod = importlib.import_module("evals.data.commentary.make_cases")
    monkeypatch.setattr(mod, "OUT", tmp_path / "synthetic.jsonl")
    monkeypatch.setattr(mod, "CHECKER_OUT", tmp_path / "checker.jsonl")
    mod.main()
    assert (tmp_path / "synthetic.jsonl").read_text(encoding="utf-8") == com.SYNTHETIC_FILE.read_text(encoding="utf-8")
    assert (tmp_path / "checker.jsonl").read_text(encoding="utf-8") == com.CHECKER_FILE.read_text(encoding="utf-8")


def test_the_cases_cover_the_issue() -> None:
    months = [m.month for m in com.load_demo_months()]
    assert months == [f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 7)]
    ids = {c.id for c in com.load_synthetic()}
    for needed in ("syn-profit-to-loss", "syn-budget-above-and-below", "syn-last-year-available",
                   "syn-forecast-overdrawn", "syn-gst-refund", "syn-names-with-digits"):
        assert needed in ids
    kinds = Counter(c.kind for c in com.load_checker())
    assert kinds["clean"] >= 5 and kinds["planted"] >= 10
    assert all(c.case in ids for c in com.load_checker())


def test_every_case_passes_with_perfect_metrics(config: RunConfig) -> None:
    suite = com.SUITE
    cases = suite.cases(config)
    results = [suite.run_case(c, config) for c in cases]
    failed = {r.case_id: (r.error, r.diff) for r in results if not r.passed}
    assert failed == {}
    metrics = {m.name: m.value for m in suite.metrics(results)}
    assert metrics["cases"] == len(cases) == 42 and metrics["errors"] == 0
    for name in ("numbers_traceable_rate", "direction_agreement_rate", "reconciliation_rate",
                 "phrases_found_rate", "planted_errors_caught_rate", "clean_drafts_passed_rate"):
        assert metrics[name] == 1.0, name
    assert metrics["numbers"] > 1000 and metrics["directions_checked"] > 150
    assert suite.skipped(config) == {} and suite.name == "commentary"


def test_a_wrong_expectation_fails_with_a_readable_diff(config: RunConfig) -> None:
    case = next(c for c in com.SUITE.cases(config) if c.id == "syn-revenue-down-profit-down")
    wrong = case.payload.model_copy(update={"expect": com.Expect(phrases=("Revenue was $80,000, up $15,000",))})
    result = com.SUITE.run_case(dataclasses.replace(case, payload=wrong), config)
    assert not result.passed and result.diff == ("missing phrase: 'Revenue was $80,000, up $15,000'",)


def test_a_planted_error_the_checker_misses_fails(config: RunConfig) -> None:
    case = next(c for c in com.SUITE.cases(config) if c.id == "chk-wrong-number")
    slipped = case.payload.model_copy(update={"text": "Revenue was $80,000, down $15,000 on February 2026."})
    result = com.SUITE.run_case(dataclasses.replace(case, payload=slipped), config)
    assert not result.passed and result.diff == ("not caught: $15,300",)
    assert result.counts == {"planted": 1, "caught": 0}


def test_an_untraceable_narrative_fails_the_synthetic_case(config: RunConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    from tools.reports import narrative

    original = narrative.offline_narrative

    def sloppy(facts, inputs):  # type: ignore[no-untyped-def]
        draft = original(facts, inputs)
        return dataclasses.replace(draft, headline=draft.headline + " About 42 customers.")

    monkeypatch.setattr("tools.reports.commentary.offline_narrative", sloppy)
    case = next(c for c in com.SUITE.cases(config) if c.id == "syn-gst-refund")
    result = com.SUITE.run_case(case, config)
    assert not result.passed
    assert "commentary: the number '42' is not one of the facts (or is rounded differently)" in result.diff
    metrics = {m.name: m.value for m in com.SUITE.metrics([result])}
    assert metrics["numbers_traceable_rate"] < 1.0
