"""Who may approve, segregation of duties, and the re-check the posting code makes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tools.policies import (
    Approval, Decision, PolicyConfig, Reason, can_approve, check_posting_allowed,
)

D = Decimal
HASH = "a" * 64


def decision(outcome: str = "needs_approval", amount: str = "1529.00", role: str = "approver",
             reasons: tuple[Reason, ...] | None = None, confidence: float = 0.95) -> Decision:
    if reasons is None:
        reasons = () if outcome == "auto_post" else (Reason("bank_details_changed", "changed", True),)
    return Decision(outcome, reasons, role, 0.9, confidence, D(amount), HASH)  # type: ignore[arg-type]


def approval(actor: str = "priya", role: str = "approver", verdict: str = "approve",
             proposal_hash: str = HASH) -> Approval:
    return Approval(actor, role, verdict, proposal_hash)  # type: ignore[arg-type]


def codes(problems) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.code for p in problems}


# -- can_approve ---------------------------------------------------------------------------------

def test_an_approver_within_their_limit_may_approve() -> None:
    assert can_approve("priya", "approver", D("10000.00"), "daniel") == ()
    assert can_approve("olivia", "owner", D("250000.00"), None) == ()


@pytest.mark.parametrize("role", ["clerk", "auditor", "admin", "nobody"])
def test_clerks_and_other_roles_may_not_approve(role: str) -> None:
    assert codes(can_approve("sam", role, D("10.00"), None)) == {"role_cannot_approve"}


def test_above_the_roles_limit_needs_someone_more_senior() -> None:
    problems = can_approve("priya", "approver", D("10000.01"), None)
    assert codes(problems) == {"above_role_limit"}
    assert "the owner" in problems[0].message and "$10,000.00" in problems[0].message


def test_whoever_changed_the_bank_details_may_not_approve_the_suppliers_bills() -> None:
    problems = can_approve("Daniel ", "owner", D("10.00"), "daniel")
    assert codes(problems) == {"segregation_of_duties"}
    assert codes(can_approve("daniel", "approver", D("20000"), "daniel")) == {
        "segregation_of_duties", "above_role_limit"}


def test_an_approval_must_name_someone() -> None:
    assert codes(can_approve("  ", "owner", D("1"), None)) == {"no_actor"}
    assert codes(can_approve("", "owner", D("1"), "")) == {"no_actor"}


def test_limits_follow_the_configuration() -> None:
    config = PolicyConfig(role_limits={"clerk": D(500), "approver": D(2000), "owner": None})
    assert can_approve("sam", "clerk", D("400"), None, config) == ()
    assert codes(can_approve("priya", "approver", D("2500"), None, config)) == {"above_role_limit"}


# -- check_posting_allowed -----------------------------------------------------------------------

def test_an_auto_post_decision_for_this_proposal_may_post() -> None:
    assert check_posting_allowed(HASH, decision("auto_post"), None) == ()
    assert check_posting_allowed(HASH, decision("auto_post"), approval()) == ()


def test_a_different_proposal_may_not_ride_on_the_decision() -> None:
    assert codes(check_posting_allowed("b" * 64, decision("auto_post"), None)) == {"proposal_changed"}
    assert codes(check_posting_allowed("", replace(decision("auto_post"), proposal_hash=None),
                                       None)) == {"proposal_changed"}


def test_a_bill_on_hold_may_not_post_even_approved() -> None:
    assert codes(check_posting_allowed(HASH, decision("hold"), approval())) == {"on_hold"}


def test_needs_approval_without_an_approval_may_not_post() -> None:
    problems = check_posting_allowed(HASH, decision(), None)
    assert codes(problems) == {"approval_required"} and "bank_details_changed" in problems[0].message


def test_an_approval_of_the_same_proposal_by_an_allowed_approver_may_post() -> None:
    assert check_posting_allowed(HASH, decision(), approval()) == ()
    assert check_posting_allowed(HASH, decision(), approval("olivia", "owner")) == ()


def test_a_rejection_never_posts() -> None:
    assert codes(check_posting_allowed(HASH, decision(), approval(verdict="reject"))) == {"rejected"}
    assert codes(check_posting_allowed(HASH, decision("auto_post"),
                                       approval(verdict="reject"))) == {"rejected"}


def test_an_approval_of_another_version_may_not_post() -> None:
    problems = check_posting_allowed(HASH, decision(), approval(proposal_hash="c" * 64))
    assert codes(problems) == {"approval_for_other_proposal"}


def test_the_approver_is_checked_again_at_posting() -> None:
    assert codes(check_posting_allowed(HASH, decision(), approval("sam", "clerk"))) == {
        "role_cannot_approve"}
    assert codes(check_posting_allowed(HASH, decision(), approval("daniel"),
                                       supplier_bank_changed_by="daniel")) == {
        "segregation_of_duties"}
    big = decision(amount="12000.00", role="owner")
    assert codes(check_posting_allowed(HASH, big, approval())) == {"above_role_limit"}
    assert check_posting_allowed(HASH, big, approval("olivia", "owner")) == ()


def test_a_decision_that_requires_the_owner_needs_the_owner_even_for_a_small_amount() -> None:
    # split invoices: this bill is small, the combined amount needed the owner
    split = decision(amount="3000.00", role="owner",
                     reasons=(Reason("split_invoices", "split", True),))
    assert codes(check_posting_allowed(HASH, split, approval())) == {"role_too_junior"}
    assert check_posting_allowed(HASH, split, approval("olivia", "owner")) == ()
    odd = decision(role="treasurer")
    assert codes(check_posting_allowed(HASH, odd, approval())) == {"role_too_junior"}


def test_an_auto_post_decision_is_rechecked_against_itself_and_the_policy_now() -> None:
    forged = decision("auto_post", reasons=(Reason("duplicate_suspected", "dup", True),))
    assert codes(check_posting_allowed(HASH, forged, None)) == {"approval_required"}
    lowered = PolicyConfig(auto_approve_limit=D("1000"))
    assert codes(check_posting_allowed(HASH, decision("auto_post"), None, config=lowered)) == {
        "above_auto_approve_limit"}
    stricter = PolicyConfig(min_confidence=0.99)
    assert codes(check_posting_allowed(HASH, decision("auto_post"), None, config=stricter)) == {
        "low_confidence"}
    no_amount = replace(decision("auto_post"), amount=None)
    assert "above_auto_approve_limit" in codes(check_posting_allowed(HASH, no_amount, None))
    # ...and an approval covers what the policy in force now would not auto-post
    assert check_posting_allowed(HASH, decision("auto_post"), approval(), config=lowered) == ()


def test_an_approvals_time_and_note_are_evidence_not_conditions() -> None:
    a = Approval("priya", "approver", "approve", HASH, decided_at=None, note="checked by phone")
    assert check_posting_allowed(HASH, decision(), a) == ()
