"""Payroll problems as values, and the one exception that carries them out of the kernel.

Every problem about a shift names the shift ("shift 3 (E007 2025-07-06 09:00-17:00)"), so a bookkeeper
can find the line in the timesheet; the engine never falls back to a default rate.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PayrollProblem:
    code: str          # e.g. "unknown_award", "unknown_classification", "ends_before_start"
    message: str       # for a bookkeeper: names the shift and what to fix
    shift: str | None = None  # the shift's label, when the problem is about one shift


class PayrollError(Exception):
    """Raised when input cannot be interpreted: every problem found, not just the first."""

    def __init__(self, problems: tuple[PayrollProblem, ...] | list[PayrollProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def single(cls, code: str, message: str, shift: str | None = None) -> PayrollError:
        return cls((PayrollProblem(code, message, shift),))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)
