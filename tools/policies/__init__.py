"""Policy code: what happens to a proposed bill, who may approve it, and the re-check at posting."""

from tools.policies.approval_rules import Approval, can_approve, check_posting_allowed
from tools.policies.decide import (
    DEFAULT_HARD_HOLD_CODES, DEFAULT_ROLE_LIMITS, Decision, Outcome, PolicyConfig, Reason,
    RecentBill, decide, policy_config_from,
)

__all__ = [
    "DEFAULT_HARD_HOLD_CODES", "DEFAULT_ROLE_LIMITS", "Approval", "Decision", "Outcome",
    "PolicyConfig", "Reason", "RecentBill", "can_approve", "check_posting_allowed", "decide",
    "policy_config_from",
]
