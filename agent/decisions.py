"""Deciding an approval and advancing its paused run at once: services.approvals records the
decision, then the run is resumed here (if nobody else holds it; else the worker will)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agent.context import RunContext
from agent.runner import RunResult, process
from memory import ap_store
from memory.apikeys_store import Principal
from memory.approvals_store import ApprovalRecord
from memory.db import unit_of_work
from services import approvals
from services.approvals import Verdict


@dataclass(frozen=True)
class DecisionOutcome:
    approval: ApprovalRecord
    replayed: bool
    run: RunResult | None


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
    return DecisionOutcome(decision.approval, decision.replayed, run)


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
