"""The real clocks: the system's, and a stepping clock for runs that must repeat exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


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
        self.current = self.current + timedelta(microseconds=1)
        return self.current
