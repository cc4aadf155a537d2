"""Decide what happens to a proposed bill (ARCHITECTURE.md §4.6): pure, configurable policy code.

"The agent proposes; code disposes." `decide` is a total function of its arguments (no clock, no
database), so a decision can be replayed and audited. Outcomes:

- "auto_post": nothing at all stands in the way: the proposal is complete, no validation issue,
  no match exception, the supplier is established, the calibrated confidence is at least
  `min_confidence` and the total (GST included: what will leave the bank) is at most
  `auto_approve_limit`. Only then.
- "needs_approval": a person with `required_role` must look. Every reason blocks the auto-post.
  A *hard* reason (`hard=True`: its code is in `hard_hold_codes`) is one that neither confidence
  nor a higher limit can lift: changed/new bank details, a supplier not in the master or created
  from this invoice, a first bill, a suspected duplicate or injection, a PO exception, an amount
  above the approver limit, split invoices. A *soft* reason comes from a threshold (confidence
  below the calibrated threshold, total above the auto-approve limit) or a doubt about the data
  (a GST difference, an unclassified account). Either way an approver can clear it by approving,
  editing (which makes a new proposal) or rejecting.
- "hold": no approver can clear it as it stands; the data must be fixed first. That is a refused
  proposal (no total, no number or date, foreign currency, a credit note) or an amount above every
  role's approval limit.

Roles and limits: `role_limits` maps a role to the largest bill total it may approve (0: may not
approve; None: no limit). `required_role` is the role with the smallest limit that covers the
amount (by default "approver" up to $10,000, "owner" above). An amount above the highest limited
approver's limit is also a hard reason, "above_approver_limit": the owner must look.

Requested by a person: `forced` reasons (the assistant's `propose_posting`: "requested_by_assistant",
saying who asked and why) are hard reasons added before anything else, so such a bill is never
auto-posted, however clean: the assistant proposes, and a person with the approval role decides.

Split invoices: this bill and the same supplier's bills dated within `split_window_days` of it,
each no more than the auto-approve limit, together above `split_limit` (default: the auto-approve
limit) → hard reason "split_invoices", and the required role is that for the combined amount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, Protocol

from tools.ap.propose import BLOCKING_CODES, INFORMATIONAL_CODES, BillProposal, ProposalRefused
from tools.documents.validation import HARD_HOLD_CODES
from tools.matching.po_match import EXCEPTION_CODES, MatchResult

__all__ = [
    "DEFAULT_HARD_HOLD_CODES", "DEFAULT_POLICY", "DEFAULT_ROLE_LIMITS", "Decision", "Outcome", "PolicyConfig",
    "Reason", "RecentBill", "decide", "policy_config_from",
]

Outcome = Literal["auto_post", "needs_approval", "hold"]
DEFAULT_ROLE_LIMITS: tuple[tuple[str, Decimal | None], ...] = (
    ("clerk", Decimal(0)), ("approver", Decimal(10000)), ("owner", None))
POLICY_CODES = frozenset({
    "supplier_unknown", "supplier_created_from_invoice", "supplier_first_bill",
    "above_approver_limit", "split_invoices", "requested_by_assistant",
})
DEFAULT_HARD_HOLD_CODES = HARD_HOLD_CODES | EXCEPTION_CODES | BLOCKING_CODES | POLICY_CODES
# Contact origins (the "source" recorded when the contact was created) that mean "made from an
# incoming document", not vetted master data.
DOCUMENT_ORIGINS = frozenset({"invoice", "document", "inbox", "email", "extraction", "agent"})


class IssueLike(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    hard: bool


@dataclass(frozen=True)
class RecentBill:
    """Another bill from the same supplier (posted, or waiting), for the split-invoice rule."""

    issue_date: date
    total: Decimal
    number: str | None = None


@dataclass(frozen=True)
class PolicyConfig:
    auto_approve_limit: Decimal = Decimal(5000)
    min_confidence: float = 0.80        # the extraction eval's calibrated threshold (settings)
    role_limits: Mapping[str, Decimal | None] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_ROLE_LIMITS)))
    split_window_days: int = 7
    split_limit: Decimal | None = None  # None: the auto-approve limit
    hard_hold_codes: frozenset[str] = DEFAULT_HARD_HOLD_CODES
    informational_codes: frozenset[str] = INFORMATIONAL_CODES
    document_origins: frozenset[str] = DOCUMENT_ORIGINS

    def __post_init__(self) -> None:
        limits: Any = self.role_limits
        pairs = limits.items() if isinstance(limits, Mapping) else limits
        object.__setattr__(self, "role_limits", MappingProxyType({
            str(role): None if limit is None else Decimal(str(limit)) for role, limit in pairs}))
        object.__setattr__(self, "hard_hold_codes", frozenset(self.hard_hold_codes))
        object.__setattr__(self, "informational_codes", frozenset(self.informational_codes))
        object.__setattr__(self, "document_origins", frozenset(self.document_origins))

    @property
    def effective_split_limit(self) -> Decimal:
        return self.auto_approve_limit if self.split_limit is None else self.split_limit

    def may_approve(self, role: str) -> bool:
        if role not in self.role_limits:
            return False
        limit = self.role_limits[role]
        return limit is None or limit > 0

    def limit_for(self, role: str) -> Decimal | None:
        """The role's approval limit (None: unlimited). Raises KeyError for an unknown role."""
        return self.role_limits[role]

    def approving_roles(self) -> tuple[tuple[str, Decimal | None], ...]:
        """Roles that may approve, smallest limit first, unlimited last."""
        roles = [(r, lim) for r, lim in self.role_limits.items() if lim is None or lim > 0]
        return tuple(sorted(roles, key=lambda p: (p[1] is None, p[1] or Decimal(0))))

    def role_for(self, amount: Decimal) -> str | None:
        """The least senior role whose limit covers the amount; None when no role's does."""
        for role, limit in self.approving_roles():
            if limit is None or amount <= limit:
                return role
        return None

    @property
    def approver_limit(self) -> Decimal | None:
        """The highest finite limit of a role that may approve (the "approver's limit")."""
        finite = [lim for _, lim in self.approving_roles() if lim is not None]
        return max(finite) if finite else None


DEFAULT_POLICY = PolicyConfig()


def policy_config_from(settings: object, **overrides: object) -> PolicyConfig:
    """A PolicyConfig from any settings object with the attributes below (missing ones keep the
    defaults): auto_approve_limit, ap_min_confidence, approver_limit, split_window_days,
    split_limit."""
    base = PolicyConfig()
    values: dict[str, object] = {}
    for attr, name in (("auto_approve_limit", "auto_approve_limit"),
                       ("ap_min_confidence", "min_confidence"),
                       ("split_window_days", "split_window_days"), ("split_limit", "split_limit")):
        value = getattr(settings, attr, None)
        if value is not None:
            values[name] = Decimal(str(value)) if name in ("auto_approve_limit", "split_limit") \
                else value
    approver = getattr(settings, "approver_limit", None)
    if approver is not None:
        values["role_limits"] = {r: Decimal(str(approver)) if r == "approver" else lim
                                 for r, lim in base.role_limits.items()}
    values.update(overrides)
    return PolicyConfig(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    required_role: str | None           # who may approve (None: nobody's limit covers it)
    threshold_used: float               # the confidence threshold applied
    confidence: float
    amount: Decimal | None = None       # the bill total decided on (GST included)
    proposal_hash: str | None = None    # what was decided on; posting compares it
    auto_approve_limit: Decimal = Decimal(5000)
    hard_codes: frozenset[str] = field(default=frozenset())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _confidence(value: float | None) -> float:
    if value is None or not isinstance(value, (int, float)) or math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


class _Reasons:
    def __init__(self, config: PolicyConfig) -> None:
        self.config = config
        self.items: list[Reason] = []

    def add(self, code: str, message: str, hard: bool | None = None) -> None:
        if code in self.config.informational_codes:
            return
        is_hard = code in self.config.hard_hold_codes if hard is None else hard
        reason = Reason(code, message, is_hard)
        if reason not in self.items:
            self.items.append(reason)

    def has(self, code: str) -> bool:
        return any(r.code == code for r in self.items)


def decide(proposal: BillProposal | ProposalRefused, issues: Iterable[IssueLike] = (),
           match: MatchResult | None = None, confidence: float | None = None,
           recent_bills: Iterable[RecentBill | tuple[date, Decimal]] = (),
           config: PolicyConfig = DEFAULT_POLICY, forced: Iterable[Reason] = ()) -> Decision:
    """The outcome for this proposal (see the module docstring). `issues` are the extraction's and
    validation's issues; `confidence` the calibrated decision confidence; `recent_bills` the same
    supplier's other bills (this one excluded); `forced` reasons a person must look at whatever
    else is found (always hard)."""
    conf = _confidence(confidence)
    threshold = config.min_confidence
    reasons = _Reasons(config)
    forced = tuple(forced)
    for reason in forced:
        reasons.add(reason.code, reason.message, hard=True)
    if isinstance(proposal, ProposalRefused):
        for issue in proposal.issues:
            reasons.add(issue.code, issue.message, hard=True)
        for found in issues:  # what validation found still matters to whoever looks at it
            if found.code in config.hard_hold_codes:
                reasons.add(found.code, found.message, hard=True)
        if all(r.code in {f.code for f in forced} for r in reasons.items):
            reasons.add("proposal_refused", "No bill could be proposed from this document.", True)
        return Decision("hold", tuple(reasons.items), config.role_for(Decimal(0)), threshold, conf,
                        auto_approve_limit=config.auto_approve_limit,
                        hard_codes=frozenset(r.code for r in reasons.items))
    amount = proposal.total
    for found in issues:
        reasons.add(found.code, found.message)
    if match is not None:
        for issue in match.exceptions:
            reasons.add(issue.code, issue.message)
        if match.status == "no_po" and match.suggestion:
            reasons.add("po_suggested",
                        f"The invoice quotes no purchase order, but open order "
                        f"{match.suggestion} is for the same amount. Link it if it is that "
                        "order.")
    for issue in proposal.issues:
        reasons.add(issue.code, issue.message)
    if not proposal.complete and not any(r.code in BLOCKING_CODES for r in reasons.items):
        reasons.add("proposal_incomplete", "The proposal has no journal to post yet.", True)
    _supplier_reasons(proposal, reasons, config)
    required_amount = amount
    split_total = _split_total(proposal, recent_bills, config)
    if split_total is not None:
        reasons.add("split_invoices",
                    f"With the supplier's other bills dated within {config.split_window_days} "
                    f"days, this bill makes {_money(split_total)}, above the "
                    f"{_money(config.effective_split_limit)} limit, although each bill is under "
                    "the auto-approval limit: the invoices may have been split to avoid approval.")
        required_amount = max(amount, split_total)
    if amount > config.auto_approve_limit:
        reasons.add("above_auto_approve_limit",
                    f"The bill is for {_money(amount)}, above the auto-approval limit of "
                    f"{_money(config.auto_approve_limit)}.")
    approver_limit = config.approver_limit
    role = config.role_for(required_amount)
    if approver_limit is not None and required_amount > approver_limit:
        who = f"the {role}" if role else "nobody"
        reasons.add("above_approver_limit",
                    f"{_money(required_amount)} is above the approver limit of "
                    f"{_money(approver_limit)}: {who} must approve it.")
    if conf < threshold:
        reasons.add("low_confidence",
                    f"Confidence in this bill is {conf:.2f}, below the {threshold:.2f} needed to "
                    "post it without a person checking.")
    items = tuple(reasons.items)
    if role is None:
        items += (Reason("no_approver_limit",
                         f"{_money(required_amount)} is above every role's approval limit; "
                         "nobody may approve it as it stands.", True),)
        outcome: Outcome = "hold"
    else:
        outcome = "needs_approval" if items else "auto_post"
    return Decision(outcome, items, role, threshold, conf, amount, proposal.proposal_hash(),
                    config.auto_approve_limit, frozenset(r.code for r in items if r.hard))


def _supplier_reasons(proposal: BillProposal, reasons: _Reasons, config: PolicyConfig) -> None:
    supplier = proposal.supplier
    if supplier is None:
        if not reasons.has("supplier_unknown"):
            reasons.add("supplier_unknown",
                        f"{proposal.supplier_name} is not in the supplier master.")
        return
    if supplier.origin.strip().lower() in config.document_origins:
        reasons.add("supplier_created_from_invoice",
                    f"{supplier.name} was added to the supplier master from an incoming "
                    "document, not by a person: confirm they are real and their bank details "
                    "by phone.")
    if supplier.bills_posted <= 0 and not supplier.established:
        reasons.add("supplier_first_bill",
                    f"This is the first bill from {supplier.name}: check the supplier and their "
                    "bank details before it is paid.")


def _split_total(proposal: BillProposal, recent: Iterable[RecentBill | tuple[date, Decimal]],
                 config: PolicyConfig) -> Decimal | None:
    limit = config.auto_approve_limit
    window: list[Decimal] = []
    for bill in recent:
        b = bill if isinstance(bill, RecentBill) else RecentBill(bill[0], bill[1])
        if b.number is not None and b.number.strip() == proposal.number:
            continue
        if abs((b.issue_date - proposal.issue_date).days) <= config.split_window_days:
            window.append(b.total)
    if not window or proposal.total > limit or any(t > limit for t in window):
        return None
    combined = proposal.total + sum(window, Decimal(0))
    return combined if combined > config.effective_split_limit else None
