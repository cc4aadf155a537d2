"""One logging setup for `serve` and `worker`: JSON lines (every line parses; time, level,
logger, message and the context fields; tracebacks inside the object) or text for a person."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from adapters.logs import configure_logging, log_context


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_context_and_the_traceback(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    log = logging.getLogger("backoffice.test")
    with log_context(request_id="r-1", method="GET"):
        log.info("hello %s", "there", extra={"status": 200})
        with log_context(run_id=7):
            log.warning("inner")
    log.info("outside")
    try:
        raise ValueError("bad\nmultiline")
    except ValueError:
        log.exception("failed")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 4  # the traceback stays inside its line
    first, inner, outside, failed = lines
    assert {k: first[k] for k in ("level", "logger", "message", "request_id", "method", "status")} == {
        "level": "INFO", "logger": "backoffice.test", "message": "hello there", "request_id": "r-1",
        "method": "GET", "status": 200}
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert inner["run_id"] == 7 and inner["request_id"] == "r-1"
    assert "request_id" not in outside
    assert failed["level"] == "ERROR" and "ValueError: bad" in failed["exception"]


def test_the_context_belongs_to_its_thread(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    seen = threading.Event()

    def other() -> None:
        logging.getLogger("backoffice.other").info("elsewhere")
        seen.set()

    with log_context(request_id="mine"):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen.is_set()
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert "request_id" not in line


def test_text_is_for_a_person_and_configuring_twice_keeps_one_handler(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("json", stream=io.StringIO())
    configure_logging("text", stream=stream)
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_backoffice_handler", False)]
    assert len(ours) == 1
    with log_context(run_id=3, message_id=9):
        logging.getLogger("agent.worker").info("run 3: posted")
    line = stream.getvalue().strip()
    assert line.endswith("INFO agent.worker: run 3: posted [run_id=3 message_id=9]")
    assert logging.getLogger("alembic").level == logging.WARNING
