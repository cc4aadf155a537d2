"""What every application service that touches the books needs from its caller (the invoice
graph's RunContext and the API's runtime have it)."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.settings import Settings


class BooksContext(Protocol):
    @property
    def settings(self) -> Settings: ...
    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def clock(self) -> Clock: ...
