"""An approver's edits: corrections of what the invoice was read as (number, dates, money) rebuild a
balanced journal; corrected money must add up; a learned line-account rule codes the next bill."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.tools.ap.test_propose import CHART, HISTORY, MILK, PAPER, TONER, invoice, propose
from tools.ap import BillProposal
from tools.ap.edits import ADJUSTMENT, EditTarget, ProposalEdits, apply_edits, edit_problems
from tools.documents.learned import Corrections, learn

D = Decimal


def _balanced(p: BillProposal) -> None:
    assert p.journal is not None
    assert sum((ln.amount for ln in p.journal.lines), D(0)) == 0
    assert sum((ln.amount for ln in p.lines), D(0)) == p.subtotal == p.total - p.tax
    assert sum((ln.tax_amount for ln in p.lines), D(0)) == p.tax


def test_correcting_the_number_and_dates_rebuilds_the_journal() -> None:
    p = propose(invoice(PAPER, TONER))
    edits = ProposalEdits(invoice_number="POS-88124", issue_date=date(2026, 6, 5),
                          purchase_order="PO-1234")
    edited = apply_edits(p, edits, CHART)
    assert isinstance(edited, BillProposal)
    assert (edited.number, edited.issue_date) == ("POS-88124", date(2026, 6, 5))
    assert edited.journal is not None and edited.journal.date == date(2026, 6, 5)
    assert edited.journal.source_ref == "POS-88124"
    assert edited.purchase_order_number is None  # the reading is corrected; no order is linked
    assert edited.proposal_hash() != p.proposal_hash()
    _balanced(edited)


def test_a_corrected_total_keeps_the_lines_and_adds_the_difference_as_an_adjustment() -> None:
    p = propose(invoice(PAPER, TONER))  # 59.97 + 119.00 = 178.97, GST 17.90
    edits = ProposalEdits(subtotal=D("188.97"), tax=D("18.90"), total=D("207.87"))
    edited = apply_edits(p, edits, CHART)
    assert isinstance(edited, BillProposal)
    assert (edited.subtotal, edited.tax, edited.total) == (D("188.97"), D("18.90"), D("207.87"))
    assert [ln.description for ln in edited.lines][-1] == ADJUSTMENT
    assert edited.lines[-1].amount == D("10.00")
    assert edited.lines[-1].account_code == edited.lines[1].account_code  # the largest line's
    assert "document_adjustment" in edited.codes
    _balanced(edited)
    back = apply_edits(edited, ProposalEdits(subtotal=D("178.97"), tax=D("17.90"), total=D("196.87")), CHART)
    assert isinstance(back, BillProposal) and len(back.lines) == 2  # the adjustment goes again
    _balanced(back)


def test_a_gst_correction_is_shared_over_the_taxable_lines() -> None:
    p = propose(invoice(PAPER, MILK))
    edited = apply_edits(p, ProposalEdits(tax=D("6.50"), total=p.subtotal + D("6.50")), CHART)
    assert isinstance(edited, BillProposal)
    assert [ln.tax_amount for ln in edited.lines] == [D("6.50"), D("0.00")]  # milk is GST-free
    _balanced(edited)


@pytest.mark.parametrize("edits, code", [
    (ProposalEdits(total=D("999.00")), "edit_money_does_not_add_up"),
    (ProposalEdits(subtotal=D("-5.00"), tax=D("0.00"), total=D("-5.00")), "edit_amount_not_positive"),
    (ProposalEdits(issue_date=date(2026, 7, 30)), "edit_due_before_issue"),
    (ProposalEdits(), "no_changes"),
])
def test_unusable_corrections_are_problems(edits: ProposalEdits, code: str) -> None:
    p = propose(invoice(PAPER, TONER))
    assert code in {x.code for x in edit_problems(edits, EditTarget.of(p), CHART)}
    assert code in {x.code for x in edit_problems(edits, EditTarget.of_dict(p.as_dict()), CHART)}
    if code != "no_changes":
        assert not isinstance(apply_edits(p, edits, CHART), BillProposal)


def test_a_matched_order_cannot_be_replaced_by_an_edit() -> None:
    p = propose(invoice(PAPER))
    target = EditTarget.of(p)
    matched = EditTarget(target.lines, target.issue_date, target.due_date, target.subtotal,
                         target.tax, target.total, "PO-1")
    codes = {x.code for x in edit_problems(ProposalEdits(purchase_order="PO-2"), matched, CHART)}
    assert codes == {"edit_purchase_order_matched"}
    assert edit_problems(ProposalEdits(purchase_order="PO-1"), matched, CHART) == ()


def test_amounts_must_be_whole_cents_and_identifiers_not_blank() -> None:
    with pytest.raises(ValueError):
        ProposalEdits(total=D("1.005"))
    with pytest.raises(ValueError):
        ProposalEdits(invoice_number="   ")
    assert ProposalEdits(purchase_order=" PO-7 ").purchase_order == "PO-7"
    assert ProposalEdits(total=D("1.00"), due_date=date(2026, 7, 1)).corrections() == {
        "total": D("1.00"), "due_date": date(2026, 7, 1)}


def test_a_learned_line_rule_codes_the_next_bill_and_says_so() -> None:
    layout = learn(None, None, Corrections(line_accounts=(("Toner cartridge HP 58A", "6230"),)),
                   supplier_abn="53004085616")
    p = propose(invoice(PAPER, TONER), history=HISTORY)
    assert p.lines[1].account_code == "6090"  # learned from history before
    from tests.tools.ap.test_propose import OFFICE, TODAY
    from tools.ap import propose_bill

    ruled = propose_bill(invoice(PAPER, TONER), supplier=OFFICE, history=HISTORY, match=None,
                         chart=CHART, today=TODAY, layout=layout)
    assert isinstance(ruled, BillProposal)
    assert ruled.lines[1].account_code == "6230"
    assert ruled.lines[1].account_rule == "supplier_rule:v1:cartridge hp toner"
    assert (1, "supplier_rule:v1:cartridge hp toner") in ruled.evidence.account_rules
    assert ruled.lines[0].account_rule.startswith("learned:")  # other lines as before
