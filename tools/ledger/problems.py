"""Problems as values, and the one exception that carries them across a boundary."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str
    message: str  # written for a bookkeeper, not a programmer


class LedgerError(Exception):
    """Raised at the storage boundary when a domain check or a database rule refuses a change."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def single(cls, code: str, message: str) -> "LedgerError":
        return cls((Problem(code, message),))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)
