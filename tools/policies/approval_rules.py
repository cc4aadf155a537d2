"""Who may approve a bill, and the re-check the posting code makes where money moves (pure).

`can_approve` is asked when a person approves: may this actor, in this role, approve this amount
for this supplier? Segregation of duties: whoever last changed the supplier's bank details may not
approve that supplier's bills (the classic fraud is to change the payee and approve the payment
oneself). Roles with a limit of 0 (a clerk) may not approve at all; unknown roles may not either.

`check_posting_allowed` is asked again by the code that posts, just before it posts, with what it
is about to post: an auto-post is allowed only for the very proposal (hash) that was decided on,
when the decision is internally consistent (no reasons, total within the auto-approve limit and
confidence above the threshold of the configuration in force now); anything else needs an
approval that approves the same proposal hash, by someone who may approve it now.
Both return problems as values; an empty tuple means yes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from tools.ledger.problems import Problem
from tools.policies.decide import DEFAULT_POLICY, Decision, PolicyConfig

__all__ = ["Approval", "can_approve", "check_posting_allowed"]


@dataclass(frozen=True)
class Approval:
    actor_id: str
    role: str
    verdict: Literal["approve", "reject"]
    proposal_hash: str
    decided_at: datetime | None = None
    note: str = ""


def _same_actor(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().casefold() == b.strip().casefold())


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def can_approve(actor_id: str, role: str, amount: Decimal, supplier_bank_changed_by: str | None,
                config: PolicyConfig = DEFAULT_POLICY) -> tuple[Problem, ...]:
    """Every reason this actor may not approve this bill; empty when they may."""
    problems: list[Problem] = []
    if not (actor_id or "").strip():
        problems.append(Problem("no_actor", "An approval must name the person approving."))
    limits = config.role_limits
    if role not in limits:
        problems.append(Problem("role_cannot_approve",
                                f"The role {role!r} may not approve bills."))
    else:
        limit = limits[role]
        if limit is not None and limit <= 0:
            problems.append(Problem("role_cannot_approve",
                                    f"{with_article(role)} may not approve bills; ask an approver."))
        elif limit is not None and amount > limit:
            problems.append(Problem("above_role_limit",
                                    f"{with_article(role)} may approve bills up to {_money(limit)}; this one "
                                    f"is {_money(amount)}. Ask {_senior(config, amount)}."))
    if _same_actor(actor_id, supplier_bank_changed_by):
        problems.append(Problem("segregation_of_duties",
                                "You changed this supplier's bank details, so you may not approve "
                                "their bills: someone else must."))
    return tuple(problems)


def _senior(config: PolicyConfig, amount: Decimal) -> str:
    role = config.role_for(amount)
    return f"the {role}" if role else "someone with a higher limit"


def _covers(config: PolicyConfig, role: str, required: str | None) -> bool:
    """Whether `role`'s limit is at least that of `required`."""
    limits = config.role_limits
    if role not in limits or required is None:
        return required is None and role in limits
    if required not in limits:
        return False
    have, need = limits[role], limits[required]
    if have is None:
        return True
    return need is not None and have >= need


def check_posting_allowed(proposal_hash: str, decision: Decision, approval: Approval | None, *,
                          supplier_bank_changed_by: str | None = None,
                          config: PolicyConfig = DEFAULT_POLICY) -> tuple[Problem, ...]:
    """May this proposal be posted now? Empty when it may (see the module docstring)."""
    if not proposal_hash or decision.proposal_hash != proposal_hash:
        return (Problem("proposal_changed",
                        "The bill being posted is not the one that was decided on; it must be "
                        "decided (and approved) again."),)
    if decision.outcome == "hold":
        return (Problem("on_hold", "The bill is on hold: fix what is listed before it can be "
                                   "approved or posted."),)
    if approval is not None and approval.verdict != "approve":
        return (Problem("rejected", f"{approval.actor_id} rejected this bill."),)
    if decision.outcome == "auto_post" and approval is None:
        return _auto_post_problems(decision, config)
    if approval is None:
        return (Problem("approval_required",
                        "This bill needs an approval before it can be posted: "
                        + "; ".join(r.code for r in decision.reasons) + "."),)
    problems: list[Problem] = []
    if approval.proposal_hash != proposal_hash:
        problems.append(Problem("approval_for_other_proposal",
                                "The approval was given for a different version of this bill; "
                                "it must be approved again."))
    amount = decision.amount if decision.amount is not None else Decimal(0)
    problems += can_approve(approval.actor_id, approval.role, amount, supplier_bank_changed_by,
                            config)
    if decision.required_role and not _covers(config, approval.role, decision.required_role) \
            and not any(p.code in ("role_cannot_approve", "above_role_limit") for p in problems):
        problems.append(Problem("role_too_junior",
                                f"This bill must be approved by the {decision.required_role}; "
                                f"{with_article(approval.role).lower()} may not."))
    return tuple(problems)


def _auto_post_problems(decision: Decision, config: PolicyConfig) -> tuple[Problem, ...]:
    problems: list[Problem] = []
    if decision.reasons:
        problems.append(Problem("approval_required",
                                "The decision lists reasons to stop, so it cannot auto-post: "
                                + "; ".join(r.code for r in decision.reasons) + "."))
    amount = decision.amount
    if amount is None or amount > config.auto_approve_limit:
        problems.append(Problem("above_auto_approve_limit",
                                "The bill is above the auto-approval limit now in force; it "
                                "needs an approval."))
    if decision.confidence < config.min_confidence:
        problems.append(Problem("low_confidence",
                                "The bill's confidence is below the threshold now in force; it "
                                "needs an approval."))
    return tuple(problems)


def with_article(role: str) -> str:
    """ "An approver", "A clerk": the article a role name takes."""
    return f"{'An' if role[:1].lower() in 'aeiou' else 'A'} {role}"
