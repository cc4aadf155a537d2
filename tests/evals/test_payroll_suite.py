"""The payroll suite: its case files load and cover what the issue asks, the files are what their
authoring scripts write, every case passes, a wrong expectation fails readably, and its metrics add up."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from decimal import Decimal

import pytest

from evals.harness.model import CaseResult, RunConfig
from evals.suites import payroll as pay

CONFIG = RunConfig()


def test_at_least_forty_hand_worked_scenarios_per_award() -> None:
    scenarios = pay.load_scenarios()
    by_award = Counter(s.award for s in scenarios)
    assert by_award["MA000004"] >= 40 and by_award["MA000002"] >= 40
    tags = Counter(t for s in scenarios for t in s.tags)
    for needed in ("weekday", "evening", "saturday", "sunday", "public_holiday", "casual", "minimum_engagement",
                   "overtime", "junior", "midnight", "tiers", "weekly", "part_day", "substitute"):
        assert tags[needed] >= 2, needed
    for s in scenarios:
        assert s.working and "->" in s.working and s.provenance.startswith("hand-worked")
        assert len(s.expected.shifts) == len(s.shifts)
        for shift in s.expected.shifts:
            assert shift.total == sum(ln.amount for ln in shift.lines)
        assert s.expected.total == sum(sh.total for sh in s.expected.shifts)
    assert sum(s.expected.uncertain for s in scenarios) >= 20  # uncertain figures are part of the test


def test_payrun_cases_seed_the_issue_errors() -> None:
    payruns = {p.id: p for p in pay.load_payruns()}
    descriptions = " ".join(p.description.lower() for p in payruns.values())
    for seeded in ("sunday", "minimum engagement", "super short-paid", "rate", "overtime"):
        assert seeded in descriptions
    statuses = Counter(e.status for p in payruns.values() for e in p.expected.employees.values())
    assert statuses["underpaid"] >= 7 and statuses["correct"] >= 1 and statuses["above_minimum"] >= 1
    assert statuses["not_checked"] >= 1


@pytest.mark.parametrize("module, target", [("make_scenarios", pay.SCENARIOS_FILE), ("make_payruns", pay.PAYRUNS_FILE)])
def test_the_files_are_what_the_authoring_scripts_write(module: str, target, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib

    mod = importlib.import_module(f"evals.data.payroll.{module}")
    monkeypatch.setattr(mod, "OUT", tmp_path / "out.jsonl")
    mod.main()
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


def test_every_case_passes_exactly() -> None:
    results = [pay.SUITE.run_case(c, CONFIG) for c in pay.SUITE.cases(CONFIG)]
    failed = {r.case_id: (r.error, r.diff) for r in results if not r.passed}
    assert failed == {}
    metrics = {m.name: m.value for m in pay.SUITE.metrics(results)}
    assert metrics["scenario_exact_rate"] == 1.0 and metrics["line_exact_rate"] == 1.0
    assert metrics["cents_off"] == 0 and metrics["uncertain_flag_rate"] == 1.0
    assert metrics["payrun_exact_rate"] == 1.0 and metrics["underpayments_found_rate"] == 1.0
    assert metrics["false_underpayment_rate"] == 0.0
    assert metrics["scenario_exact_rate.MA000004"] == metrics["scenario_exact_rate.MA000002"] == 1.0
    assert pay.SUITE.skipped(CONFIG) == {}


def test_a_wrong_expectation_fails_with_a_readable_diff() -> None:
    case = next(c for c in pay.SUITE.cases(CONFIG) if c.id == "retail-12")
    s: pay.Scenario = case.payload
    line = s.expected.shifts[0].lines[0].model_copy(update={"amount": Decimal("348.46")})
    wrong = s.model_copy(update={"expected": s.expected.model_copy(update={
        "shifts": (s.expected.shifts[0].model_copy(update={"lines": (line,)}),)})})
    result = pay.SUITE.run_case(dataclasses.replace(case, payload=wrong), CONFIG)
    assert not result.passed
    assert result.diff[0].startswith("shift 1 line 1: want {'hours': '7.5', 'rate': '46.46'")
    assert "'amount': '348.46'" in result.diff[0] and "'amount': '348.45'" in result.diff[0]
    payrun = next(c for c in pay.SUITE.cases(CONFIG) if c.id == "payrun-01")
    p: pay.PayRunCase = payrun.payload
    emp = p.expected.employees["E7"].model_copy(update={"status": "correct"})
    bad = p.model_copy(update={"expected": p.expected.model_copy(update={"employees": {"E7": emp}})})
    result = pay.SUITE.run_case(dataclasses.replace(payrun, payload=bad), CONFIG)
    assert "E7 status: want correct, got underpaid" in result.diff


def test_a_broken_case_is_an_error_not_a_crash() -> None:
    case = next(c for c in pay.SUITE.cases(CONFIG) if c.id == "retail-01")
    s: pay.Scenario = case.payload
    broken = s.model_copy(update={"shifts": ({**s.shifts[0], "classification": "L9"},)})
    result = pay.SUITE.run_case(dataclasses.replace(case, payload=broken), CONFIG)
    assert not result.passed and "unknown classification 'L9'" in (result.error or "")


def test_metrics_add_up_on_hand_made_results() -> None:
    def scenario(passed: bool, award: str, lines: int, exact: int, cents: float) -> CaseResult:
        return CaseResult("x", passed, counts={"scenarios": 1, "scenario_exact": int(passed), "lines": lines,
                                               "lines_exact": exact, "cents_off": cents, "uncertain_ok": 1},
                          tags=(f"award:{award}",))
    results = [scenario(True, "MA000004", 2, 2, 0), scenario(False, "MA000004", 2, 1, 3),
               scenario(True, "MA000002", 1, 1, 0),
               CaseResult("p", True, counts={"payruns": 1, "payrun_exact": 1, "seeded": 2, "found": 2,
                                             "clean": 1, "false_alarms": 0}, tags=("payrun",))]
    m = {x.name: x.value for x in pay.SUITE.metrics(results)}
    assert m["cases"] == 4 and m["scenarios"] == 3 and m["scenario_exact_rate"] == round(2 / 3, 4)
    assert m["line_exact_rate"] == 0.8 and m["cents_off"] == 3
    assert m["scenario_exact_rate.MA000004"] == 0.5 and m["scenario_exact_rate.MA000002"] == 1.0
    assert m["payrun_exact_rate"] == 1.0 and m["underpayments_found_rate"] == 1.0
    names = {x.name: x for x in pay.SUITE.metrics(results)}
    assert not names["cents_off"].higher_is_better and not names["false_underpayment_rate"].higher_is_better


def test_scenarios_round_trip_as_calc_requests() -> None:
    """Every scenario's shifts are a valid `backoffice payroll calc` request."""
    from tools.payroll.contract import parse_request

    for s in pay.load_scenarios():
        shifts = parse_request(json.loads(json.dumps({"award": s.award, "shifts": list(s.shifts)})))
        assert len(shifts) == len(s.shifts)
