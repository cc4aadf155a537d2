"""The decide step: every branch, the hard holds, the limits, split invoices and the configuration."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.ap import BillProposal, ProposalChart, ProposalRefused, SupplierPosting, propose_bill
from tools.documents.model import DocumentType, Extraction, Issue, Line, Method, Supplier
from tools.documents.validation import HARD_HOLD_CODES
from tools.matching import EXCEPTION_CODES, MatchResult
from tools.policies import (
    DEFAULT_HARD_HOLD_CODES, PolicyConfig, RecentBill, decide, policy_config_from,
)

D = Decimal
ISSUED = date(2026, 6, 20)
CHART = ProposalChart("2100", "2210", frozenset({"6030", "6999"}),
                      {"GST": D("0.10"), "FRE": D("0")})
CLEANERS = SupplierPosting(10, "Greenleaf Cleaning Services", "6030", 14, "import", 11)


def proposal(subtotal: str = "1390.00", supplier: SupplierPosting | None = CLEANERS,
             **kw: object) -> BillProposal:
    sub = D(subtotal)
    tax = (sub / 10).quantize(D("0.01"))
    ex = Extraction(supplier=Supplier(name="Greenleaf Cleaning Services"), invoice_number="GCS-2291",
                    issue_date=ISSUED, subtotal=sub, tax=tax, total=sub + tax,
                    lines=(Line(description="Retail floor clean", quantity=D(1), unit_price=sub,
                                amount=sub, tax_code="GST"),), method=Method.PDF_TEXT)
    ex = ex.model_copy(update=kw)
    p = propose_bill(ex, supplier=supplier, history=(), match=None, chart=CHART, today=ISSUED)
    assert isinstance(p, BillProposal), p
    return p


CLEAN = proposal()


def issue(code: str) -> Issue:
    return Issue(code=code, message=f"{code} found")


def codes(decision) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {r.code: r.hard for r in decision.reasons}


# -- auto-post -----------------------------------------------------------------------------------

def test_a_clean_bill_within_every_limit_auto_posts() -> None:
    d = decide(CLEAN, (), None, 0.95, ())
    assert d.outcome == "auto_post" and d.reasons == () and d.hard_codes == frozenset()
    assert d.amount == D("1529.00") and d.proposal_hash == CLEAN.proposal_hash()
    assert d.required_role == "approver" and d.threshold_used == 0.80 and d.confidence == 0.95
    assert d.auto_approve_limit == D("5000")


def test_exactly_at_the_threshold_and_the_limit_still_auto_posts() -> None:
    at_limit = proposal("4545.45", tax=D("454.55"), total=D("5000.00"))
    assert at_limit.total == D("5000.00")
    assert decide(at_limit, (), None, 0.90).outcome == "auto_post"


def test_a_two_way_or_three_way_match_auto_posts() -> None:
    for status in ("matched_2way", "matched_3way"):
        assert decide(CLEAN, (), MatchResult(status, "PO-1"), 0.99).outcome == "auto_post"  # type: ignore[arg-type]


# -- hard holds ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(HARD_HOLD_CODES))
def test_every_validation_hard_hold_needs_approval_whatever_the_confidence(code: str) -> None:
    d = decide(CLEAN, (issue(code),), None, 1.0)
    assert d.outcome == "needs_approval" and codes(d) == {code: True}
    assert d.hard_codes == {code}


@pytest.mark.parametrize("code", sorted(EXCEPTION_CODES))
def test_every_match_exception_is_a_hard_hold(code: str) -> None:
    match = MatchResult("mismatch", "PO-1", exceptions=(issue(code),))
    d = decide(CLEAN, (), match, 1.0)
    assert d.outcome == "needs_approval" and codes(d) == {code: True}


def test_a_supplier_not_in_the_master_is_a_hard_hold_once() -> None:
    p = proposal(supplier=None)
    d = decide(p, (issue("supplier_unknown"),), None, 1.0)
    assert d.outcome == "needs_approval"
    assert codes(d) == {"supplier_unknown": True, "supplier_missing": True,
                        "account_unresolved": True}
    # without validation's issue the policy adds its own
    assert "supplier_unknown" in codes(decide(p, (), None, 1.0))


@pytest.mark.parametrize("origin", ["invoice", "Inbox", "document"])
def test_a_supplier_created_from_an_invoice_is_a_hard_hold(origin: str) -> None:
    p = proposal(supplier=replace(CLEANERS, origin=origin))
    assert codes(decide(p, (), None, 1.0)) == {"supplier_created_from_invoice": True}


def test_the_first_bill_from_a_supplier_is_a_hard_hold() -> None:
    p = proposal(supplier=replace(CLEANERS, bills_posted=0))
    assert codes(decide(p, (), None, 1.0)) == {"supplier_first_bill": True}


def test_the_first_bill_here_from_an_established_supplier_is_not_held_as_new() -> None:
    moved_in = proposal(supplier=replace(CLEANERS, bills_posted=0, established=True))
    assert decide(moved_in, (), None, 1.0).outcome == "auto_post"
    from_invoice = replace(CLEANERS, bills_posted=0, established=True, origin="invoice")
    assert "supplier_created_from_invoice" in codes(decide(proposal(supplier=from_invoice), (), None, 1.0))


def test_above_the_approver_limit_needs_the_owner() -> None:
    big = proposal("9500.00")  # 10,450.00 with GST
    d = decide(big, (), None, 1.0)
    assert d.outcome == "needs_approval" and d.required_role == "owner"
    assert codes(d) == {"above_auto_approve_limit": False, "above_approver_limit": True}
    assert "$10,450.00" in d.reasons[-1].message and "the owner must approve" in d.reasons[-1].message


def test_an_incomplete_proposal_can_never_auto_post() -> None:
    p = proposal(supplier=replace(CLEANERS, default_account_code=None))
    assert not p.complete
    d = decide(p, (), None, 1.0)
    assert d.outcome == "needs_approval" and codes(d) == {"account_unresolved": True}
    bare = replace(CLEAN, journal=None, issues=())  # however it came to lack a journal
    assert codes(decide(bare, (), None, 1.0)) == {"proposal_incomplete": True}


# -- soft reasons --------------------------------------------------------------------------------

def test_low_or_unknown_confidence_needs_approval_softly() -> None:
    for conf in (0.79, None, float("nan"), -1.0):
        d = decide(CLEAN, (), None, conf)
        assert d.outcome == "needs_approval" and codes(d) == {"low_confidence": False}
    assert decide(CLEAN, (), None, 7.0).confidence == 1.0


def test_above_the_auto_approve_limit_needs_an_approver() -> None:
    d = decide(proposal("4600.00"), (), None, 1.0)
    assert d.outcome == "needs_approval" and d.required_role == "approver"
    assert codes(d) == {"above_auto_approve_limit": False}


def test_any_other_validation_issue_stops_the_auto_post_softly() -> None:
    d = decide(CLEAN, (issue("gst_mismatch"), issue("abn_missing")), None, 1.0)
    assert codes(d) == {"gst_mismatch": False, "abn_missing": False}


def test_proposal_issues_count_and_informational_ones_do_not() -> None:
    unclassified = replace(CLEAN, issues=(issue("account_unclassified"),))
    assert codes(decide(unclassified, (), None, 1.0)) == {"account_unclassified": False}
    inclusive = replace(CLEAN, issues=(issue("gst_inclusive_lines"),))
    assert decide(inclusive, (), None, 1.0).outcome == "auto_post"


def test_a_suggested_po_needs_a_person_to_link_it() -> None:
    d = decide(CLEAN, (), MatchResult("no_po", None, suggestion="PO-7"), 1.0)
    assert codes(d) == {"po_suggested": False} and "PO-7" in d.reasons[0].message
    assert decide(CLEAN, (), MatchResult("no_po", None), 1.0).outcome == "auto_post"


def test_the_same_reason_twice_is_listed_once() -> None:
    d = decide(CLEAN, (issue("gst_mismatch"), issue("gst_mismatch")), None, 1.0)
    assert len(d.reasons) == 1


# -- split invoices ------------------------------------------------------------------------------

def test_invoices_split_under_the_limit_within_the_window_are_a_hard_hold() -> None:
    recent = (RecentBill(ISSUED - timedelta(days=3), D("2400.00"), "GCS-2290"),
              RecentBill(ISSUED + timedelta(days=1), D("1600.00"), "GCS-2292"))
    d = decide(CLEAN, (), None, 1.0, recent)
    assert d.outcome == "needs_approval" and codes(d) == {"split_invoices": True}
    assert "$5,529.00" in d.reasons[0].message and d.required_role == "approver"


def test_split_invoices_adding_up_above_the_approver_limit_need_the_owner() -> None:
    recent = tuple(RecentBill(ISSUED - timedelta(days=n), D("4900.00")) for n in range(1, 3))
    d = decide(proposal("4000.00"), (), None, 1.0, recent)
    assert codes(d) == {"split_invoices": True, "above_approver_limit": True}
    assert d.required_role == "owner"


def test_bills_outside_the_window_over_the_limit_or_this_one_are_not_splits() -> None:
    assert decide(CLEAN, (), None, 1.0,
                  ((ISSUED - timedelta(days=8), D("4000.00")),)).outcome == "auto_post"
    assert decide(CLEAN, (), None, 1.0,
                  ((ISSUED - timedelta(days=7), D("4000.00")),)).outcome == "needs_approval"
    assert decide(CLEAN, (), None, 1.0, ((ISSUED, D("6000.00")),)).outcome == "auto_post"
    assert decide(CLEAN, (), None, 1.0,
                  (RecentBill(ISSUED, D("4000.00"), " GCS-2291 "),)).outcome == "auto_post"
    assert decide(CLEAN, (), None, 1.0, ((ISSUED, D("100.00")),)).outcome == "auto_post"


def test_the_split_limit_and_window_are_configurable() -> None:
    config = PolicyConfig(split_limit=D("1600"), split_window_days=30)
    d = decide(CLEAN, (), None, 1.0, ((ISSUED - timedelta(days=20), D("100.00")),), config)
    assert codes(d) == {"split_invoices": True}


# -- hold ----------------------------------------------------------------------------------------

def test_a_refused_proposal_is_on_hold_with_its_reasons() -> None:
    ex = Extraction(document_type=DocumentType.CREDIT_NOTE, invoice_number="CN-1",
                    issue_date=ISSUED, total=D("10.00"), method=Method.UBL)
    refused = propose_bill(ex, supplier=CLEANERS, history=(), match=None, chart=CHART, today=ISSUED)
    assert isinstance(refused, ProposalRefused)
    d = decide(refused, (issue("bank_details_changed"), issue("gst_mismatch")), None, 1.0)
    # the refusal and the hard holds validation found (whoever looks at it must see both)
    assert d.outcome == "hold" and codes(d) == {"credit_note_unsupported": True, "bank_details_changed": True}
    assert d.proposal_hash is None and d.amount is None
    assert decide(ProposalRefused(()), (), None, 1.0).codes == ("proposal_refused",)


def test_an_amount_no_role_may_approve_is_on_hold() -> None:
    config = PolicyConfig(role_limits={"clerk": D(0), "approver": D(10000)})
    d = decide(proposal("9500.00"), (), None, 1.0, (), config)
    assert d.outcome == "hold" and d.required_role is None
    assert d.reasons[-1].code == "no_approver_limit" and "nobody" in d.reasons[-2].message


# -- configuration -------------------------------------------------------------------------------

def test_policy_config_roles_and_limits() -> None:
    config = PolicyConfig()
    assert config.role_for(D("0")) == "approver" and config.role_for(D("10000")) == "approver"
    assert config.role_for(D("10000.01")) == "owner" and config.approver_limit == D(10000)
    assert config.limit_for("owner") is None and config.limit_for("clerk") == 0
    assert config.may_approve("approver") and not config.may_approve("clerk")
    assert not config.may_approve("auditor") and config.effective_split_limit == D(5000)
    assert DEFAULT_HARD_HOLD_CODES >= HARD_HOLD_CODES | EXCEPTION_CODES
    custom = PolicyConfig(role_limits={"manager": D(2000), "approver": D("20000"), "owner": None},
                          hard_hold_codes=DEFAULT_HARD_HOLD_CODES - {"supplier_first_bill"})
    assert custom.role_for(D("1500")) == "manager" and custom.approver_limit == D(20000)
    p = proposal(supplier=replace(CLEANERS, bills_posted=0))
    assert codes(decide(p, (), None, 1.0, (), custom)) == {"supplier_first_bill": False}


def test_a_higher_auto_approve_limit_and_lower_threshold_let_more_through() -> None:
    config = PolicyConfig(auto_approve_limit=D("6000"), min_confidence=0.8)
    d = decide(proposal("4600.00"), (), None, 0.85, (), config)
    assert d.outcome == "auto_post" and d.threshold_used == 0.8


def test_policy_config_from_settings_like_objects() -> None:
    settings_ = SimpleNamespace(auto_approve_limit="2500", ap_min_confidence=0.95,
                                approver_limit=D("8000"), split_window_days=14, split_limit=None)
    config = policy_config_from(settings_)
    assert config.auto_approve_limit == D("2500") and config.min_confidence == 0.95
    assert config.limit_for("approver") == D("8000") and config.split_window_days == 14
    assert policy_config_from(object()) == PolicyConfig()
    assert policy_config_from(object(), min_confidence=0.5).min_confidence == 0.5


# -- properties ----------------------------------------------------------------------------------

ALL_CODES = sorted(DEFAULT_HARD_HOLD_CODES | {"gst_mismatch", "abn_missing", "date_stale",
                                              "currency_foreign", "gst_inclusive_lines"})


@settings(max_examples=300, deadline=None)
@given(issue_codes=st.lists(st.sampled_from(ALL_CODES), max_size=4),
       match_codes=st.lists(st.sampled_from(sorted(EXCEPTION_CODES)), max_size=2),
       cents=st.integers(1, 2_000_000), conf=st.floats(allow_nan=True),
       limit=st.integers(0, 20_000), recent=st.lists(st.integers(1, 900_000), max_size=3))
def test_never_auto_post_with_a_hard_hold_or_above_the_limit(
        issue_codes: list[str], match_codes: list[str], cents: int, conf: float, limit: int,
        recent: list[int]) -> None:
    p = proposal(str(D(cents) / 100))
    config = PolicyConfig(auto_approve_limit=D(limit))
    match = MatchResult("mismatch" if match_codes else "matched_3way", "PO-1",
                        exceptions=tuple(issue(c) for c in match_codes))
    bills = tuple(RecentBill(ISSUED - timedelta(days=1), D(c) / 100) for c in recent)
    d = decide(p, tuple(issue(c) for c in issue_codes), match, conf, bills, config)
    assert d.outcome in ("auto_post", "needs_approval", "hold")
    hard = (set(issue_codes) | set(match_codes)) & DEFAULT_HARD_HOLD_CODES
    if d.outcome == "auto_post":
        assert not hard and p.total <= config.auto_approve_limit and d.reasons == ()
        assert d.confidence >= config.min_confidence
        assert set(issue_codes) <= {"gst_inclusive_lines"}
    if hard:
        assert d.outcome == "needs_approval" and hard <= d.hard_codes


# -- a person's request through the assistant -----------------------------------------------------

def test_a_bill_proposed_through_the_assistant_never_auto_posts() -> None:
    from tools.policies.decide import Reason

    asked = Reason("requested_by_assistant", "key:3:clerk asked the assistant to propose this bill",
                   True)
    d = decide(CLEAN, (), None, 0.99, (), forced=[asked])
    assert d.outcome == "needs_approval"
    assert codes(d) == {"requested_by_assistant": True}
    assert d.required_role == "approver" and d.proposal_hash == CLEAN.proposal_hash()
    big = decide(proposal("12000.00"), (), None, 0.99, (), forced=[asked])
    assert big.required_role == "owner" and codes(big)["requested_by_assistant"] is True
