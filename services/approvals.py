"""Deciding an approval, for the API and the CLI alike: who may decide (role, limit, segregation of
duties) and the decision recorded once, with the run marked resumable.

The approver's decision is recorded in its own transaction; resuming the paused run at once
(agent.decisions) is a convenience (the worker would pick it up anyway), so a crash between the
two loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from memory import ap_store, apikeys_store, approvals_store
from memory.ap_queries import bank_details_last_changed_by, chart_for_proposals
from memory.apikeys_store import Principal
from memory.approvals_store import ApprovalConflict, ApprovalNotFound, ApprovalRecord
from memory.db import unit_of_work
from services.context import BooksContext
from tools.ap.edits import EditTarget, ProposalEdits, edit_problems
from tools.ledger.problems import Problem
from tools.policies.approval_rules import can_approve, with_article
from tools.policies.decide import PolicyConfig
from tools.policies.key_rules import DECIDING_ROLES, deciding_problems

Verdict = Literal["approve", "reject", "edit"]


class ApprovalRefused(Exception):
    """`status` is the HTTP status the API answers with: 403 not allowed, 404 no such approval,
    409 conflict (stale proposal, already decided, key reused), 422 unusable changes."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class DecisionContext(BooksContext, Protocol):
    """What deciding needs (the invoice graph's RunContext has it)."""
    @property
    def policy(self) -> PolicyConfig: ...


@dataclass(frozen=True)
class Decision:
    approval: ApprovalRecord
    replayed: bool


def _check_changes(approval: ApprovalRecord, changes: dict[str, Any] | None, ctx: DecisionContext,
                   session: Any, principal: Principal, *, replay: bool = False) -> ProposalEdits:
    """The edit, checked by code before it is recorded (the posting applies it again and checks
    again): lines and accounts exist, dates in order, corrected money adds up, the decider may
    approve a corrected total, a corrected number is not a bill the books already hold."""
    try:
        edits = ProposalEdits.model_validate(changes or {})
    except ValidationError as exc:
        raise ApprovalRefused(422, "bad_changes", "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])) from None
    chart = chart_for_proposals(session, ctx.settings.ap_unclassified_account)
    problems = edit_problems(edits, EditTarget.of_dict(approval.proposal), chart)
    if problems:
        raise ApprovalRefused(422, problems[0].code, " ".join(p.message for p in problems))
    if replay:  # authorised the first time; its own bill is in the books now
        return edits
    if edits.total is not None and edits.total != Decimal(approval.amount):
        changed_by = bank_details_last_changed_by(session, approval.contact_id) if approval.contact_id else None
        refused = can_approve(principal.actor, principal.role, edits.total, changed_by, ctx.policy)
        if refused:
            raise ApprovalRefused(403, refused[0].code, " ".join(p.message for p in refused))
    if edits.invoice_number is not None:
        recorded = _already_recorded(session, approval, edits.invoice_number)
        if recorded is not None:
            raise ApprovalRefused(409, "already_recorded", f"The books already hold bill {recorded} "
                                  f"with this supplier and invoice number {edits.invoice_number}.")
    return edits


def _authorise(principal: Principal, approval: ApprovalRecord, verdict: Verdict, ctx: DecisionContext,
               session: Any, proposal_hash: str) -> None:
    if principal.role not in DECIDING_ROLES:
        raise ApprovalRefused(403, "role_cannot_decide", f"{with_article(principal.role)} may not decide approvals.")
    _check_key(principal, ctx, session)
    if proposal_hash != approval.proposal_hash:
        # Before any check of what happened since: the caller's view is out of date.
        raise ApprovalRefused(409, "stale_proposal", "The proposal changed since it was shown (or was "
                              "already decided); reload it and decide again.")
    if verdict == "reject":
        return
    if not approval.proposal.get("complete", False):
        raise ApprovalRefused(409, "proposal_incomplete", "This bill cannot be approved as it stands "
                              "(see its reasons); fix the data, or reject it.")
    recorded = _already_recorded(session, approval)
    if recorded is not None:
        raise ApprovalRefused(409, "already_recorded", f"The books already hold bill {recorded} with this "
                              "supplier and invoice number: this is a duplicate. Reject it.")
    changed_by = bank_details_last_changed_by(session, approval.contact_id) if approval.contact_id else None
    problems = can_approve(principal.actor, principal.role, Decimal(approval.amount), changed_by, ctx.policy)
    if approval.required_role == "owner" and principal.role != "owner":
        problems += (Problem("role_too_junior", "This bill must be approved by the owner."),)
    if problems:
        raise ApprovalRefused(403, problems[0].code, " ".join(p.message for p in problems))


def _check_key(principal: Principal, ctx: DecisionContext, session: Any) -> None:
    """The deciding key's own history: not minted or activated by its holder, past its cooling-off."""
    history = apikeys_store.history(session, principal.key_id)
    if history is None:  # not a stored key (cannot happen through the API or the CLI)
        raise ApprovalRefused(403, "key_unknown", "This key is not one the books know.")
    cooling = timedelta(minutes=ctx.settings.deciding_key_cooling_off_minutes)
    problems = deciding_problems(history, now=ctx.clock.now(), cooling_off=cooling)
    if problems:
        raise ApprovalRefused(403, problems[0].code, " ".join(p.message for p in problems))


def _already_recorded(session: Any, approval: ApprovalRecord, number: str | None = None) -> int | None:
    from sqlalchemy import select

    from memory.schema import Invoice

    supplier = approval.proposal.get("supplier") or {}
    number = number or approval.proposal.get("number")
    if not supplier.get("contact_id") or not number:
        return None
    return session.scalar(select(Invoice.id).where(
        Invoice.kind == "bill", Invoice.contact_id == supplier["contact_id"], Invoice.number == number))


def decide(ctx: DecisionContext, principal: Principal, approval_id: int, *, verdict: Verdict,
           proposal_hash: str, key: str, changes: dict[str, Any] | None = None,
           comment: str | None = None) -> Decision:
    """Record the decision once (a replay with the same key returns the first) and mark the run
    resumable; raises ApprovalRefused."""
    if not key or len(key) > 200:
        raise ApprovalRefused(422, "idempotency_key_required", "An Idempotency-Key (1-200 characters) is required.")
    with unit_of_work(ctx.sessions) as session:
        try:
            approval = approvals_store.get(session, approval_id, lock=True)
        except ApprovalNotFound:
            raise ApprovalRefused(404, "not_found", f"There is no approval {approval_id}.") from None
        replay = approval.decision_key == key
        if not replay:  # a replay was authorised the first time
            _authorise(principal, approval, verdict, ctx, session, proposal_hash)
        edits = (_check_changes(approval, changes, ctx, session, principal, replay=replay)
                 if verdict == "edit" else None)
        try:
            result = approvals_store.decide(
                session, ctx.clock, approval_id, decision=verdict, actor=principal.actor,
                role=principal.role, proposal_hash=proposal_hash, key=key,
                changes=edits.model_dump(mode="json", exclude_none=True) if edits else None,
                comment=comment)
        except ApprovalConflict as exc:
            raise ApprovalRefused(409, exc.code, exc.message) from None
        if not result.replayed:
            ap_store.mark_resuming(session, ctx.clock, approval.run_id)
    return Decision(result.approval, result.replayed)
