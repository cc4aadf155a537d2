"""The clock seam: code that needs "now" takes a Clock, so runs can be replayed and demos repeated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class SteppingClock:
    """A clock that starts at a chosen instant and moves one microsecond per reading.

    The demo uses it so a rebuilt demo company is identical, audit hashes included.
    """

    current: datetime

    def now(self) -> datetime:
        from datetime import timedelta

        self.current = self.current + timedelta(microseconds=1)
        return self.current
