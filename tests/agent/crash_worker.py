"""A worker process for the crash tests: processes the AP runs of BACKOFFICE_HOME until none is left
to run, then exits 0. The tests kill it with SIGKILL at random moments and start it again."""

from __future__ import annotations

import sys
import time

from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from core.settings import load_settings
from agent.worker import Worker
from memory.ap_schema import ApRun
from memory.db import create_db_engine, session_factory, unit_of_work
from sqlalchemy import func, select
from adapters.clock import SystemClock


def main() -> int:
    settings = load_settings()
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    worker = Worker(RunContext.build(settings, sessions, SystemClock()), scan_maildir=False)
    with open_checkpointer(settings.resolved_database_url) as saver:
        graph = build_invoice_graph().compile(checkpointer=saver)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            worker.tick(graph)
            with unit_of_work(sessions) as session:
                left = session.scalar(select(func.count()).select_from(ApRun).where(
                    ApRun.state.in_(("admitted", "running", "resuming"))))
                received = session.scalar(select(func.count()).select_from(ApRun)) == 0
            if not left and not received:
                return 0
            time.sleep(0.2)  # a killed worker's lease must pass before its run can be taken again
    return 1


if __name__ == "__main__":
    sys.exit(main())
