"""Deciding an approval and advancing its paused run at once: services.approvals records the
decision, then the run is resumed here (if nobody else holds it; else the worker will), and an
edit is learned from for the supplier's next invoices (services.learning; once per approval)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agent.context import RunContext
from agent.runner import RunResult, process
from memory import ap_store
from memory.apikeys_store import Principal
from memory.approvals_store import ApprovalRecord
from memory.db import unit_of_work
from memory.layouts_store import LayoutLesson
from services import approvals, learning
from services.approvals import Verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecisionOutcome:
    approval: ApprovalRecord
    replayed: bool
    run: RunResult | None
    lesson: LayoutLesson | None = None   # what an edit taught about the supplier's layout


def decide(ctx: RunContext, principal: Principal, approval_id: int, *, verdict: Verdict,
           proposal_hash: str, key: str, changes: dict[str, Any] | None = None,
           comment: str | None = None, resume: bool = True, graph: Any = None) -> DecisionOutcome:
    """Decide (services.approvals.decide; raises ApprovalRefused) and, with `resume`, advance the
    run at once through `graph` (a compiled invoice graph; default: one on the application
    database's checkpointer)."""
    decision = approvals.decide(ctx, principal, approval_id, verdict=verdict,
                                proposal_hash=proposal_hash, key=key, changes=changes, comment=comment)
    run = (resume_run(ctx, decision.approval.run_id, graph)
           if resume and not decision.replayed else None)
    return DecisionOutcome(decision.approval, decision.replayed, run, learn(ctx, decision.approval))


def learn(ctx: RunContext, approval: ApprovalRecord) -> LayoutLesson | None:
    """What an edit taught (a replay finds the lesson already kept). Learning never undoes the
    decision: if it fails, the failure is logged and the next replay of the decision tries again."""
    if approval.decision != "edit":
        return None
    try:
        return learning.learn_from_approval(ctx, approval.id)
    except Exception:
        log.exception("learning from approval %s failed", approval.id)
        return None


def resume_run(ctx: RunContext, run_id: int, graph: Any = None) -> RunResult | None:
    """Advance one run now, if nobody else holds it (else the worker will)."""
    from agent.checkpointer import open_checkpointer
    from agent.graphs.invoice import build_invoice_graph

    with unit_of_work(ctx.sessions) as session:
        run = ap_store.claim(session, ctx.clock, f"{ctx.actor}:resume", run_id=run_id,
                             lease=timedelta(seconds=ctx.settings.worker_lease_seconds))
    if run is None:
        return None
    if graph is not None:
        return process(run, graph, ctx)
    with open_checkpointer(ctx.settings.resolved_database_url,
                           busy_timeout_ms=ctx.settings.sqlite_busy_timeout_ms) as saver:
        return process(run, build_invoice_graph().compile(checkpointer=saver), ctx)
