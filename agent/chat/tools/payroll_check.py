"""The assistant tool `run_payroll_check`: tools.payroll.tool.run_payroll_check for a caller, with
pay kept private. The owner, auditor and admin see everyone (as `POST /v1/payroll/check`); anyone
else may only check their own pay, through the employee their key is linked to
(`backoffice apikey create --employee E007`)."""

from __future__ import annotations

from memory.db import read_only
from services.payroll_check import check_payroll
from agent.chat.tools.contract import ROLES, AssistantDeps, AssistantTool, Caller, ToolRefused
from tools.payroll.tool import PayrollCheckRequest, PayrollCheckResponse

SEES_EVERYONE = ("owner", "auditor", "admin")


def _own_request(request: PayrollCheckRequest, caller: Caller) -> PayrollCheckRequest:
    if caller.employee_id is None:
        raise ToolRefused("private", "Pay is private: your key is not linked to an employee, so "
                                     "you cannot check anyone's pay.")
    others = [e for e in request.employee_ids or () if e != caller.employee_id]
    if others:
        raise ToolRefused("private", f"Pay is private: you may check your own pay "
                                     f"({caller.employee_id}) only.")
    return request.model_copy(update={"employee_ids": [caller.employee_id]})


def payroll_check(request: PayrollCheckRequest, caller: Caller,
                  deps: AssistantDeps) -> PayrollCheckResponse:
    """Check the pay runs in a period (period_start..period_end) against the Modern Awards
    (General Retail Industry Award MA000004, Clerks—Private Sector Award MA000002) and the 12 %
    superannuation guarantee. Use it for "were our staff paid correctly?", "do we owe back
    pay?" or "was I paid right last fortnight?". Each employee is underpaid, above_minimum (paid
    more than the minimum: not an error), correct or not_checked (no timesheet), with the
    recomputed pay lines (hours, rate, multiplier, amount, award clause), `findings` explaining
    each underpayment in dollars, and the super owed; `warnings` name award figures marked
    uncertain: say so when an answer depends on one. Pay is private: the owner, auditor and
    admin may check everyone (or `employee_ids`); anyone else only themselves (their own
    employee code is used; asking for someone else is refused). The check only reads; it never
    changes pay, posts or pays anything.
    """
    caller.require(*ROLES, what="check pay")
    if caller.role not in SEES_EVERYONE:
        request = _own_request(request, caller)
    with read_only(deps.sessions) as session:
        return check_payroll(session, deps.clock, caller.actor, request)


RUN_PAYROLL_CHECK_TOOL = AssistantTool(name="run_payroll_check", request=PayrollCheckRequest,
                                       response=PayrollCheckResponse, run=payroll_check,
                                       roles=frozenset(ROLES))
