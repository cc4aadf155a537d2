"""Benchmark: invoices per second end to end through the AP graph on SQLite.

Run: python -m evals.benchmarks.ap_bench [--invoices N] [--processes P] [--workdir DIR]

Builds the demo company (its mailbox recorded but not processed), records N fresh supplier emails
(PDF and PEPPOL UBL invoices from the demo's known suppliers, rendered the way the demo renders
them), admits them, and times P worker processes (default 2, one per core; they share the work
through the run claims, as several `backoffice worker`s would) running every message through the
graph: extraction, validation, matching, proposal, decision, posting or approval request,
notification, with durable "sync" checkpoints in the same SQLite database. Target (issue 5): >= 20
invoices/s. `--processes 1` gives the single-worker figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import select


def _drain(home: str, index: int) -> tuple[list[str], list[float], float, float]:
    """One worker process: claim and run until nothing is left (as `backoffice worker` does)."""
    import agent.checkpointer as checkpointer
    from agent.context import RunContext
    from agent.graphs.invoice import build_invoice_graph
    from agent.runner import process
    from core.settings import load_settings
    from memory import ap_store
    from memory.db import create_db_engine, session_factory, unit_of_work
    from adapters.clock import SystemClock

    settings = load_settings(home=Path(home), database_url=None)
    engine = create_db_engine(settings.resolved_database_url)
    ctx = RunContext.build(settings, session_factory(engine), SystemClock())
    states, times = [], []
    with checkpointer.open_checkpointer(settings.resolved_database_url) as saver:
        graph = build_invoice_graph().compile(checkpointer=saver)
        began = time.time()  # after the imports: a running worker's throughput is measured
        while True:
            t0 = time.perf_counter()
            with unit_of_work(ctx.sessions) as session:
                run = ap_store.claim(session, ctx.clock, f"bench-{index}", lease=timedelta(minutes=5))
            if run is None:
                break
            states.append(process(run, graph, ctx).state)
            times.append(time.perf_counter() - t0)
        ended = time.time()
    engine.dispose()
    return states, times, began, ended


def run(n: int, workdir: Path, seed: int = 7, processes: int = 2) -> dict[str, object]:
    from agent.context import RunContext
    from core.settings import load_settings
    from demo.build import build_demo
    from memory.db import create_db_engine, session_factory, unit_of_work
    from memory.inbox_schema import InboxMessage
    from memory.inbox_store import InboxStore
    from services.intake import MessageIntake
    from adapters.clock import SystemClock
    from memory.blobs import BlobStore

    settings = load_settings(home=workdir / "home", database_url=None)
    build_demo(settings, run_ap_agent=False, with_assistant=False, with_bank=False)
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:  # the demo's own mailbox is not part of the timing
        session.execute(InboxMessage.__table__.update().values(status="quarantined", quarantine_reason="bench"))
    store = MessageIntake(InboxStore(sessions, SystemClock(), BlobStore(settings.blob_path), actor="bench"))
    from demo.mail_batch import invoice_emails

    emails = invoice_emails(n, seed)
    started = time.perf_counter()
    for raw in emails:
        store.record(raw, channel="api")
    recorded = time.perf_counter() - started
    ctx = RunContext.build(settings, sessions, SystemClock())
    with unit_of_work(sessions) as session:
        from memory import ap_store

        admitted = 0
        while batch := ap_store.admit_received(session, ctx.clock):
            admitted += len(batch)
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        outputs = list(pool.map(_drain, [str(settings.home)] * processes, range(processes)))
    elapsed = max(o[3] for o in outputs) - min(o[2] for o in outputs)
    results = [state for o in outputs for state in o[0]]
    per_run = [t for o in outputs for t in o[1]]
    engine.dispose()
    states = Counter(results)
    with unit_of_work(sessions) as session:
        from memory.ap_schema import ApRun

        reasons = Counter(r["code"] for run in session.scalars(
            select(ApRun).where(ApRun.state == "awaiting_approval")) for r in json.loads(run.reasons))
    return {"benchmark": "ap_graph", "database": "sqlite", "invoices": n, "admitted": admitted, "worker_processes": processes,
            "outcomes": dict(states), "approval_reasons": dict(reasons), "seconds": round(elapsed, 2), "per_s": round(len(results) / elapsed, 1),
            "per_invoice_ms": {"median": round(statistics.median(per_run) * 1000, 1),
                               "p95": round(sorted(per_run)[int(len(per_run) * 0.95) - 1] * 1000, 1)},
            "record_per_s": round(n / recorded, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default: 2 cores)")
    args = parser.parse_args()
    if args.workdir:
        print(json.dumps(run(args.invoices, args.workdir, processes=args.processes), indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(args.invoices, Path(tmp), processes=args.processes), indent=2))


if __name__ == "__main__":
    main()
