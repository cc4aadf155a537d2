"""Benchmark: invoices per second end to end through the AP graph on SQLite.

Run: python -m evals.benchmarks.ap_bench [--invoices N] [--workdir DIR]

Builds the demo company (its mailbox recorded but not processed), records N fresh supplier emails
(PDF and PEPPOL UBL invoices from the demo's known suppliers, rendered the way the demo renders
them) and times one worker processing every received message: admission, extraction, validation,
matching, proposal, decision, posting or approval request, notification, with durable "sync"
checkpoints in the same SQLite database. Target (issue 5): >= 20 invoices/s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select


def _emails(n: int, seed: int) -> list[bytes]:
    from api.demo.mailbox import AEST, _document
    from tools.demo.company import ORGANISATION, SUPPLIERS
    from tools.demo.documents import build_invoice_email, render_invoice_pdf, render_ubl_invoice
    from tools.ledger.postings import DocumentLine

    rng = random.Random(seed)
    suppliers = [s for s in SUPPLIERS if not s.uses_purchase_orders]
    out = []
    for i in range(n):
        s = rng.choice(suppliers)
        items = rng.sample(list(s.items), k=min(len(s.items), rng.randint(1, 3)))
        lines = [DocumentLine(desc, Decimal(rng.randint(1, 4)), price, s.default_account, s.tax_code)
                 for desc, price in items]
        issue = date(2026, 6, 1) + timedelta(days=rng.randint(0, 28))
        doc = _document(s, f"BENCH-{seed}-{i:05d}", issue, lines, None, (s.bsb, s.account_number))
        ubl = s.layout == "ubl"
        attachment = render_ubl_invoice(doc) if ubl else render_invoice_pdf(doc, s.layout)
        message = build_invoice_email(
            doc, attachment=attachment, filename=f"{doc.invoice_number}.{'xml' if ubl else 'pdf'}",
            content_type="application/xml" if ubl else "application/pdf", sender=s.email,
            to=ORGANISATION["email"], message_id=f"<bench.{seed}.{i}@{s.email.split('@')[1]}>",
            sent_at=datetime.combine(issue, dtime(9), AEST),
            body_text=f"Please find attached invoice {doc.invoice_number}.\n")
        out.append(message.as_bytes())
    return out


def run(n: int, workdir: Path, seed: int = 7) -> dict[str, object]:
    from agent.checkpointer import open_checkpointer
    from agent.context import RunContext
    from agent.graphs.invoice import build_invoice_graph
    from agent.settings import load_settings
    from agent.worker import Worker
    from api.demo.build import build_demo
    from memory.db import create_db_engine, session_factory, unit_of_work
    from memory.inbox_schema import InboxMessage
    from memory.inbox_store import InboxStore
    from tools.clock import SystemClock
    from tools.inbox.blobs import BlobStore

    settings = load_settings(home=workdir / "home", database_url=None)
    build_demo(settings, run_ap_agent=False)
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:  # the demo's own mailbox is not part of the timing
        session.execute(InboxMessage.__table__.update().values(status="quarantined", quarantine_reason="bench"))
    store = InboxStore(sessions, SystemClock(), BlobStore(settings.blob_path), actor="bench")
    emails = _emails(n, seed)
    started = time.perf_counter()
    for raw in emails:
        store.record(raw, channel="api")
    recorded = time.perf_counter() - started
    ctx = RunContext.build(settings, sessions, SystemClock())
    worker = Worker(ctx, name="bench", scan_maildir=False)
    per_run: list[float] = []
    with open_checkpointer(settings.resolved_database_url) as saver:
        graph = build_invoice_graph().compile(checkpointer=saver)
        started = time.perf_counter()
        report = worker.tick(graph, max_runs=0)  # admission only
        while (more := worker.tick(graph, max_runs=0)).admitted:
            report.admitted += more.admitted
        from agent.runner import process
        from memory import ap_store

        while True:
            t0 = time.perf_counter()
            with unit_of_work(sessions) as session:
                claimed = ap_store.claim(session, ctx.clock, "bench", lease=timedelta(minutes=5))
            if claimed is None:
                break
            report.results.append(process(claimed, graph, ctx))
            per_run.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
    engine.dispose()
    states = Counter(r.state for r in report.results)
    with unit_of_work(sessions) as session:
        from memory.ap_schema import ApRun

        reasons = Counter(r["code"] for run in session.scalars(
            select(ApRun).where(ApRun.state == "awaiting_approval")) for r in json.loads(run.reasons))
    return {"benchmark": "ap_graph", "database": "sqlite", "invoices": n, "admitted": report.admitted,
            "outcomes": dict(states), "approval_reasons": dict(reasons), "seconds": round(elapsed, 2), "per_s": round(len(report.results) / elapsed, 1),
            "per_invoice_ms": {"median": round(statistics.median(per_run) * 1000, 1),
                               "p95": round(sorted(per_run)[int(len(per_run) * 0.95) - 1] * 1000, 1)},
            "record_per_s": round(n / recorded, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.workdir:
        print(json.dumps(run(args.invoices, args.workdir), indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(args.invoices, Path(tmp)), indent=2))


if __name__ == "__main__":
    main()
