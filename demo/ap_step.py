"""The demo's AP step: the worker processes the recorded mailbox, exactly as `backoffice worker`
would: clean invoices from known suppliers post with no person; the rest wait for approval with
their reasons. The summary reports the touchless rate."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agent.checkpointer import open_checkpointer
from agent.context import RunContext
from agent.graphs.invoice import build_invoice_graph
from core.settings import Settings
from agent.worker import Worker
from memory.ap_schema import ApRun
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from core.clock import Clock

# Invoices that should need no person: correct, from a known supplier, under the auto-approve limit.
CLEAN = ("clean", "clean_po_match")


@dataclass
class ApSummary:
    outcomes: Counter[str] = field(default_factory=Counter)
    waiting: list[str] = field(default_factory=list)
    touchless: int = 0
    touchless_candidates: int = 0
    wrong_postings: int = 0

    @property
    def touchless_rate(self) -> float:
        return self.touchless / self.touchless_candidates if self.touchless_candidates else 0.0

    def as_dict(self) -> dict[str, object]:
        return {"outcomes": dict(sorted(self.outcomes.items())), "waiting": self.waiting,
                "touchless": self.touchless, "touchless_candidates": self.touchless_candidates,
                "touchless_rate": round(self.touchless_rate, 4), "wrong_postings": self.wrong_postings}

    def as_text(self) -> str:
        counts = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(self.outcomes.items()))
        lines = [f"  AP agent     {counts}; touchless {self.touchless}/{self.touchless_candidates} clean "
                 f"invoices from known suppliers ({self.touchless_rate:.0%}), "
                 f"{self.wrong_postings} wrong postings"]
        lines += [f"    waiting    {w}" for w in self.waiting]
        return "\n".join(lines)


def process_inbox(settings: Settings, sessions: sessionmaker[Session], clock: Clock,
                  manifest_path: Path) -> ApSummary:
    ctx = RunContext.build(settings, sessions, clock)
    with open_checkpointer(settings.resolved_database_url,
                           busy_timeout_ms=settings.sqlite_busy_timeout_ms) as saver:
        Worker(ctx, name="demo-worker", scan_maildir=False).tick(build_invoice_graph().compile(checkpointer=saver))
    return _summarise(sessions, json.loads(manifest_path.read_text(encoding="utf-8")), settings)


def _summarise(sessions: sessionmaker[Session], manifest: list[dict], settings: Settings) -> ApSummary:
    from memory.schema import Invoice

    summary = ApSummary()
    scenario = {m["message_id"].strip("<>"): m for m in manifest}
    with unit_of_work(sessions) as session:
        rows = session.execute(select(InboxMessage.message_id, ApRun).join(
            ApRun, ApRun.inbox_message_id == InboxMessage.id).order_by(ApRun.id)).all()
        for message_id, run in rows:
            entry = scenario.get(message_id, {})
            expected = entry.get("expected", {})
            summary.outcomes[run.state] += 1
            clean = entry.get("scenario") in CLEAN and \
                Decimal(expected.get("total", "0")) <= settings.auto_approve_limit
            summary.touchless_candidates += clean
            if run.state == "posted":
                summary.touchless += clean
                bill = session.get(Invoice, run.bill_id)
                right = bill is not None and entry.get("scenario") in CLEAN and (
                    bill.number, str(bill.total)) == (expected.get("invoice_number"), expected.get("total"))
                summary.wrong_postings += not right
            elif run.state == "awaiting_approval":
                codes = [r["code"] for r in json.loads(run.reasons) if r.get("hard")] or \
                        [r["code"] for r in json.loads(run.reasons)]
                summary.waiting.append(f"{expected.get('invoice_number', message_id)}: {', '.join(codes)}")
    return summary
