"""Payroll against Modern Awards, with the clause behind every dollar.

A pure kernel: awards and public holidays as versioned data files (data/*.toml) loaded into typed,
immutable models (awards, holidays, superannuation), the interpretation engine (interpret: shifts in,
pay lines out), the pay-run check (check), the JSON contract of `backoffice payroll calc` (contract)
and the agent tool (tool). No database, CLI or web imports.
"""

from tools.payroll.awards import AwardLibrary, default_library
from tools.payroll.check import PaidRecord, PayRunCheck, PayRunInput, check_pay_run
from tools.payroll.errors import PayrollError, PayrollProblem
from tools.payroll.holidays import HolidayCalendar, default_calendar
from tools.payroll.interpret import interpret
from tools.payroll.model import PayLine, Shift, ShiftPay

__all__ = ["AwardLibrary", "HolidayCalendar", "PaidRecord", "PayLine", "PayRunCheck", "PayRunInput",
           "PayrollError", "PayrollProblem", "Shift", "ShiftPay", "check_pay_run", "default_calendar",
           "default_library", "interpret"]
