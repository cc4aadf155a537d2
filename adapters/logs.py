"""Logging for the long-running commands (`backoffice serve`, `backoffice worker`), configured in
one place: `configure_logging(settings.log_format)`.

- `text` (the default) is for a person at a terminal: time, level, logger, message, then the
  context fields as key=value.
- `json` is one object a line for a log collector: time (UTC, ISO 8601), level, logger, message,
  the context fields, and the exception's traceback when there is one.

Context fields come from `log_context(...)` (a contextvar: the API's middleware sets request_id,
method and path for a request, the worker sets run_id and message_id for a run) and from a call's
`extra={...}`; they are added to every record logged meanwhile, from any logger.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import IO, Any

_context: ContextVar[Mapping[str, Any]] = ContextVar("backoffice_log_context",
                                                     default=MappingProxyType({}))
# What every LogRecord has of its own: anything else on a record is a context field.
# (uvicorn adds color_message: the message again, with terminal colours)
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "taskName", "color_message"}
NOISY = ("alembic", "mail.log")  # a line per health check / per SMTP connection
_OURS = "_backoffice_handler"


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add `fields` to every record logged inside the block (in this thread or task)."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def context_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key, value in context_fields(record).items():
            out.setdefault(key, value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = context_fields(record)
        if not fields:
            return line
        head, sep, tail = line.partition("\n")  # after the message, before any traceback
        return f"{head} [{' '.join(f'{k}={v}' for k, v in fields.items())}]{sep}{tail}"


def configure_logging(fmt: str = "text", *, level: int = logging.INFO,
                      stream: IO[str] | None = None) -> logging.Handler:
    """Install the one handler on the root logger (replacing one installed before)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
