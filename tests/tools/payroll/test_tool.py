"""The agent tool `run_payroll_check`: typed input and output over any PayrollSource."""

from __future__ import annotations

import inspect
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.tools.payroll.helpers import shift
from tools.payroll.check import PaidRecord, PayRunInput
from tools.payroll.tool import PayrollCheckRequest, PayrollCheckResponse, run_payroll_check

D = Decimal


class FakeSource:
    def __init__(self, runs: list[PayRunInput]) -> None:
        self.runs, self.asked = runs, []

    def pay_runs(self, start: date, end: date) -> list[PayRunInput]:
        self.asked.append((start, end))
        return [r for r in self.runs if start <= r.period_start and r.period_end <= end]


def _source() -> FakeSource:
    return FakeSource([PayRunInput(
        date(2026, 6, 1), date(2026, 6, 14), date(2026, 6, 17),
        [shift("10:00", "16:00", day=date(2026, 6, 7), emp="E7", index=1),
         shift("09:00", "13:00", day=date(2026, 6, 2), emp="E8", index=2)],
        [PaidRecord("E7", D("199.14"), D("23.90"), "Chloe", D(6), D("33.19")),
         PaidRecord("E8", D("132.76"), D("15.93"), "Ethan", D(4), D("33.19"))], "25")])


def test_the_tool_reports_underpayments_with_lines_and_clauses() -> None:
    source = _source()
    response = run_payroll_check(PayrollCheckRequest(period_start=date(2026, 6, 1), period_end=date(2026, 6, 30)),
                                 source)
    assert isinstance(response, PayrollCheckResponse) and source.asked == [(date(2026, 6, 1), date(2026, 6, 30))]
    assert (response.underpaid_employees, response.back_pay, response.super_owed) == (1, D("79.62"), D("9.55"))
    run = response.pay_runs[0]
    chloe, ethan = run.employees
    assert (chloe.status, ethan.status) == ("underpaid", "correct")
    assert chloe.lines[0].clause == "cl 22; Sch B" and chloe.lines[0].rate == D("46.46")
    assert chloe.pay_lines[0].amount == D("278.76")
    data = response.model_dump(mode="json")
    assert data["back_pay"] == "79.62" and data["pay_runs"][0]["employees"][0]["lines"][0]["amount"] == "278.76"
    only = run_payroll_check(PayrollCheckRequest(period_start=date(2026, 6, 1), period_end=date(2026, 6, 30),
                                                 employee_ids=["E8"]), _source())
    assert [e.employee_id for e in only.pay_runs[0].employees] == ["E8"] and only.underpaid_employees == 0


def test_the_request_is_strict() -> None:
    with pytest.raises(ValidationError):
        PayrollCheckRequest(period_start=date(2026, 6, 1), period_end=date(2026, 5, 1))
    with pytest.raises(ValidationError):
        PayrollCheckRequest.model_validate({"period_start": "2026-06-01", "period_end": "2026-06-30", "x": 1})


def test_the_model_reads_a_docstring_and_a_schema() -> None:
    doc = inspect.getdoc(run_payroll_check) or ""
    assert "underpaid" in doc and "clause" in doc and "never changes pay" in doc
    schema = PayrollCheckRequest.model_json_schema()
    assert set(schema["required"]) == {"period_start", "period_end"}
    assert all(p.get("description") for p in schema["properties"].values())
