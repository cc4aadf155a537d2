"""The clock seam: code that needs "now" takes a Clock, so runs can be replayed and demos repeated.
The implementations (the system clock, the demo's stepping clock) are in adapters.clock."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
