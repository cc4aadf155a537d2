"""Running one AP run through the invoice graph: start it, continue it after a crash, or resume it
after an approver decided — whichever its checkpoint and run row say.

The graph runs with durability "sync" (each step's checkpoint is written before the next step), and
every side effect in it is idempotent, so running a step twice after a crash changes nothing. A run
that keeps failing is quarantined with its last error after `worker_max_attempts`: each message ends
with exactly one outcome.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langgraph.types import Command

from agent.context import RunContext
from memory import ap_store, audit
from memory.ap_store import RunRecord
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from tools.ledger.problems import LedgerError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    run_id: int
    state: str                 # posted | awaiting_approval | rejected | quarantined | running (retry)
    bill_id: int | None = None
    approval_id: int | None = None
    error: str | None = None


def _input(graph: Any, config: dict[str, Any], run: RunRecord) -> Any:
    if run.state == "running" and run.attempts == 1:
        # Just admitted and claimed for the first time: no checkpoint can exist yet, so skip
        # reading one (loading a checkpoint means deserialising every state value).
        return {"run_id": run.id, "message_id": run.inbox_message_id}
    snapshot = graph.get_state(config)
    if not snapshot.values:
        return {"run_id": run.id, "message_id": run.inbox_message_id}
    if snapshot.interrupts:
        return Command(resume={"approval_id": snapshot.values.get("approval_id")})
    return None  # continue from the last checkpoint (a crash mid-run)


def process(run: RunRecord, graph: Any, ctx: RunContext) -> RunResult:
    """Advance one claimed run as far as it can go."""
    config = {"configurable": {"thread_id": run.thread_id}}
    try:
        values = graph.invoke(_input(graph, config, run), config, context=ctx, durability="sync")
    except LedgerError as exc:  # the books refused (a duplicate number, a locked period): final
        return _quarantine(run, ctx, "; ".join(f"{p.message} [{p.code}]" for p in exc.problems))
    except Exception as exc:  # noqa: BLE001 — any other failure must leave the run recoverable
        return _failed(run, ctx, exc)
    if values.get("__interrupt__"):  # paused at the approval step
        from agent.nodes.request_approval import reasons_of

        with unit_of_work(ctx.sessions) as session:
            state = ap_store.park(session, ctx.clock, run.id, approval_id=values["approval_id"],
                                  reasons=reasons_of(values))  # type: ignore[arg-type]
        return RunResult(run.id, state, approval_id=values.get("approval_id"))
    return RunResult(run.id, values.get("outcome", "running"), values.get("bill_id"),
                     values.get("approval_id"))


def _failed(run: RunRecord, ctx: RunContext, exc: Exception) -> RunResult:
    error = f"{type(exc).__name__}: {exc}"[:900]
    log.warning("AP run %s failed (attempt %s): %s\n%s", run.id, run.attempts, error,
                traceback.format_exc(limit=5))
    if run.attempts >= ctx.settings.worker_max_attempts:
        return _quarantine(run, ctx, f"Processing failed {run.attempts} times; last error: {error}",
                           code="processing_failed")
    with unit_of_work(ctx.sessions) as session:
        # Back off before the next attempt: the lease doubles as the retry timer.
        backoff = timedelta(seconds=min(300, 2 ** run.attempts))
        ap_store.release(session, ctx.clock, run.id, error=error, retry_after=backoff)
    return RunResult(run.id, "running", error=error)


def _quarantine(run: RunRecord, ctx: RunContext, reason: str, code: str = "refused_by_books") -> RunResult:
    reason = reason[:500]
    with unit_of_work(ctx.sessions) as session:
        ap_store.finish(session, ctx.clock, run.id, "quarantined", error=reason,
                        reasons=[{"code": code, "message": reason, "hard": True}])
        message = session.get(InboxMessage, run.inbox_message_id, with_for_update=True)
        if message is not None and message.status != "processed":
            message.status, message.quarantine_reason = "quarantined", reason
        audit.append(session, ctx.clock, actor=ctx.actor, action="ap.quarantined",
                     entity_type="inbox_message", entity_id=run.inbox_message_id,
                     payload={"run": run.id, "reason": reason})
    return RunResult(run.id, "quarantined", error=reason)
