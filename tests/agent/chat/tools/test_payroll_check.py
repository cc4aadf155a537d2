"""run_payroll_check through the assistant: pay is private. Owner, auditor and admin see everyone;
anyone else only their own pay, through the employee their key is linked to."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.agent.chat.tools.conftest import Books
from agent.chat.tools.contract import ToolRefused
from agent.chat.tools.payroll_check import RUN_PAYROLL_CHECK_TOOL

PERIOD = {"period_start": "2026-05-20", "period_end": "2026-06-30"}


def _employees(out) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.employee_id for run in out.pay_runs for e in run.employees}


@pytest.mark.parametrize("role", ["owner", "auditor", "admin"])
def test_owner_auditor_admin_see_everyone(shared: Books, role: str) -> None:
    before = shared.journals()
    out = RUN_PAYROLL_CHECK_TOOL.call(PERIOD, shared.caller(role), shared.deps)  # type: ignore[arg-type]
    assert {"E007", "E013", "E016"} <= _employees(out) and out.back_pay > 0
    assert shared.journals() == before


@pytest.mark.parametrize("role", ["clerk", "approver"])
def test_staff_see_only_their_own_pay(shared: Books, role: str) -> None:
    me = shared.caller(role, employee_id="E007")  # type: ignore[arg-type]
    out = RUN_PAYROLL_CHECK_TOOL.call(PERIOD, me, shared.deps)
    assert _employees(out) == {"E007"}
    everyone = RUN_PAYROLL_CHECK_TOOL.call(PERIOD, shared.caller("owner"), shared.deps)
    mine = [e for r in everyone.pay_runs for e in r.employees if e.employee_id == "E007"]
    assert out.back_pay == sum((e.back_pay for e in mine), Decimal("0.00"))
    assert RUN_PAYROLL_CHECK_TOOL.call({**PERIOD, "employee_ids": ["E007"]}, me, shared.deps) \
        == out
    for others in (["E016"], ["E007", "E016"]):
        with pytest.raises(ToolRefused) as info:
            RUN_PAYROLL_CHECK_TOOL.call({**PERIOD, "employee_ids": others}, me, shared.deps)
        assert info.value.code == "private" and "E016" not in info.value.message


@pytest.mark.parametrize("role", ["clerk", "approver"])
def test_staff_without_an_employee_link_see_nothing(shared: Books, role: str) -> None:
    with pytest.raises(ToolRefused) as info:
        RUN_PAYROLL_CHECK_TOOL.call(PERIOD, shared.caller(role), shared.deps)  # type: ignore[arg-type]
    assert info.value.code == "private"


def test_bad_periods_are_refused(shared: Books) -> None:
    for bad in ({"period_start": "2026-06-17", "period_end": "2026-06-04"},
                {**PERIOD, "extra": 1}, {"period_start": "June"}):
        with pytest.raises(ValidationError):
            RUN_PAYROLL_CHECK_TOOL.call(bad, shared.caller("owner"), shared.deps)
