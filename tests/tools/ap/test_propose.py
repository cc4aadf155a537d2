"""Proposing a bill's posting: accounts and their rules, tax codes, the stated GST, due dates, the
balanced journal, refusals and the proposal hash."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.ap import (
    BillProposal, PastBillLine, ProposalChart, ProposalRefused, SupplierPosting, apportion,
    propose_bill,
)
from tools.documents.model import DocumentType, Extraction, Line, Method, Supplier
from tools.ledger.model import Journal
from tools.matching import MatchTolerances, OpenPurchaseOrder, POLine, match_purchase_order

D = Decimal
TODAY = date(2026, 6, 30)
CHART = ProposalChart(accounts_payable="2100", gst_paid="2210",
                      line_accounts=frozenset({"5000", "5100", "5200", "6030", "6090", "6110",
                                               "6230", "6999"}),
                      tax_rates={"GST": D("0.10"), "FRE": D("0.00"), "CAP": D("0.10"),
                                 "INP": D("0.00"), "N-T": D("0.00")})
OFFICE = SupplierPosting(1, "Pinnacle Office Supplies", "6090", 14, "import", 12)
HISTORY = (
    PastBillLine("A4 copy paper carton (5 reams)", "6090", date(2026, 3, 4)),
    PastBillLine("Milk 2L", "6230", date(2026, 3, 4)),
    PastBillLine("Toner cartridge HP 58A", "6110", date(2025, 11, 2)),
    PastBillLine("Toner cartridge HP 58A", "6090", date(2026, 2, 2)),
)


def ln(desc: str | None, qty: str | None, price: str | None, amount: str | None = None,
       tax: str | None = "GST") -> Line:
    if amount is None and qty and price:
        amount = str((D(qty) * D(price)).quantize(D("0.01")))
    return Line(description=desc, quantity=D(qty) if qty else None,
                unit_price=D(price) if price else None, amount=D(amount) if amount else None,
                tax_code=tax)


def invoice(*lines: Line, tax: str | None = None, total: str | None = None,
            subtotal: str | None = None, **kw: object) -> Extraction:
    sub = sum((x.amount or D(0) for x in lines), D("0.00"))
    gst = sum(((x.amount or D(0)) * D("0.1") for x in lines if x.tax_code in ("GST", None)),
              D("0.00")).quantize(D("0.01"))
    fields: dict[str, object] = dict(  # noqa: C408 (keyword arguments read better here)
        supplier=Supplier(name="Pinnacle Office Supplies", abn="53004085616"),
        invoice_number="POS-88123", issue_date=date(2026, 6, 4), due_date=date(2026, 6, 18),
        currency="AUD", subtotal=D(subtotal) if subtotal else sub,
        tax=D(tax) if tax is not None else gst,
        total=D(total) if total else sub + (D(tax) if tax is not None else gst),
        lines=lines, method=Method.PDF_TEXT,
        confidence={"overall": 0.93, "total": 0.99, "invoice_number": 0.9})
    fields.update(kw)
    return Extraction(**fields)  # type: ignore[arg-type]


PAPER = ln("A4 copy paper carton (5 reams)", "3", "19.99")
MILK = ln("Milk 2L", "2", "7.25", tax="FRE")
TONER = ln("Toner cartridge HP 58A", "1", "119.00")


def propose(ex: Extraction, supplier: SupplierPosting | None = OFFICE, history=HISTORY,
            match=None, chart: ProposalChart = CHART) -> BillProposal:
    result = propose_bill(ex, supplier=supplier, history=history, match=match, chart=chart,
                          today=TODAY, document_sha256="ab" * 32)
    assert isinstance(result, BillProposal), result
    return result


def refused(ex: Extraction, **kw: object) -> ProposalRefused:
    result = propose_bill(ex, supplier=OFFICE, history=HISTORY, match=None, chart=CHART,
                          today=TODAY, **kw)  # type: ignore[arg-type]
    assert isinstance(result, ProposalRefused), result
    return result


def by_account(journal: Journal) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for line in journal.lines:
        out[line.account_code] = out.get(line.account_code, D(0)) + line.amount
    return out


def assert_balanced(p: BillProposal) -> None:
    assert p.journal is not None
    assert sum((x.amount for x in p.journal.lines), D(0)) == 0
    assert all(x.amount != 0 and x.amount == x.amount.quantize(D("0.01")) for x in p.journal.lines)
    ap = [x for x in p.journal.lines if x.account_code == "2100"]
    assert len(ap) == 1 and ap[0].amount == -p.total and ap[0].contact_id == OFFICE.contact_id
    assert sum((x.amount for x in p.lines), D(0)) == p.subtotal == p.total - p.tax
    assert sum((x.tax_amount for x in p.lines), D(0)) == p.tax


# -- the clean case ------------------------------------------------------------------------------

def test_a_clean_bill_is_proposed_with_learned_accounts_stated_gst_and_a_balanced_journal() -> None:
    p = propose(invoice(PAPER, MILK, TONER))
    assert p.complete and p.issues == ()
    assert [(x.account_code, x.account_rule) for x in p.lines] == [
        ("6090", "learned:A4 copy paper carton (5 reams)"), ("6230", "learned:Milk 2L"),
        ("6090", "learned:Toner cartridge HP 58A")]  # the most recent of two equal matches
    assert [x.tax_code for x in p.lines] == ["GST", "FRE", "GST"]
    assert (p.subtotal, p.tax, p.total) == (D("193.47"), D("17.90"), D("211.37"))
    assert p.tax == p.computed_tax
    assert_balanced(p)
    assert p.journal is not None
    assert by_account(p.journal) == {"6090": D("178.97"), "6230": D("14.50"), "2210": D("17.90"),
                                     "2100": D("-211.37")}
    assert p.journal.date == date(2026, 6, 4) and p.journal.source_type == "bill"
    assert p.journal.source_ref == "POS-88123"
    assert (p.due_date, p.due_date_rule) == (date(2026, 6, 18), "invoice")
    assert [x.tax_amount for x in p.lines] == [D("6.00"), D("0.00"), D("11.90")]
    assert p.evidence.document_sha256 == "ab" * 32 and p.evidence.method == "pdf_text"
    assert dict(p.evidence.field_confidence)["overall"] == 0.93
    assert p.evidence.account_rules[0] == (0, "learned:A4 copy paper carton (5 reams)")


def test_the_stated_gst_is_posted_when_within_tolerance_of_the_lines() -> None:
    # per-line GST 6.00 + 11.90 = 17.90; the supplier rounded on the total: 17.89
    p = propose(invoice(PAPER, MILK, TONER, tax="17.89"))
    assert p.tax == D("17.89") and p.computed_tax == D("17.90") and p.issues == ()
    assert p.journal is not None and by_account(p.journal)["2210"] == D("17.89")
    assert_balanced(p)


def test_a_stated_gst_far_from_the_lines_is_still_what_is_proposed_but_flagged() -> None:
    p = propose(invoice(PAPER, MILK, TONER, tax="25.00"))
    assert p.tax == D("25.00") and p.codes == {"gst_differs"}
    assert "$25.00" in p.issues[0].message and "$17.90" in p.issues[0].message
    assert p.journal is not None and by_account(p.journal)["2210"] == D("25.00")
    assert_balanced(p)


# -- accounts ------------------------------------------------------------------------------------

def test_without_a_similar_past_line_the_supplier_default_is_used() -> None:
    p = propose(invoice(ln("Desk organiser bamboo", "2", "24.00")))
    assert [(x.account_code, x.account_rule) for x in p.lines] == [("6090", "supplier_default")]


def test_a_learned_account_needs_enough_similarity() -> None:
    # "Copy paper A3" shares 2 of 6 tokens with "A4 copy paper carton (5 reams)": not enough
    p = propose(invoice(ln("Copy paper A3", "1", "30.00")), history=HISTORY)
    assert p.lines[0].account_rule == "supplier_default"
    p = propose(invoice(ln("A4 copy paper carton 5 ream", "1", "30.00")), history=HISTORY)
    assert p.lines[0].account_rule.startswith("learned:")


def test_learned_accounts_outside_the_allowed_chart_are_ignored() -> None:
    history = (PastBillLine("Desk organiser bamboo", "1100", date(2026, 1, 1)),)  # a bank account
    p = propose(invoice(ln("Desk organiser bamboo", "2", "24.00")), history=history)
    assert p.lines[0].account_rule == "supplier_default"


def test_the_more_similar_past_line_wins_over_the_more_recent() -> None:
    history = (PastBillLine("Toner cartridge HP 58A black", "6110", date(2026, 6, 1)),
               PastBillLine("Toner cartridge HP 58A", "5000", date(2025, 7, 1)))
    p = propose(invoice(TONER), history=history)
    assert p.lines[0].account_code == "5000"


def test_no_default_and_no_history_goes_to_the_unclassified_account_with_an_issue() -> None:
    bare = replace(OFFICE, default_account_code=None)
    chart = replace(CHART, unclassified_account="6999")
    p = propose(invoice(PAPER, TONER), supplier=bare, history=(), chart=chart)
    assert {(x.account_code, x.account_rule) for x in p.lines} == {("6999", "unclassified")}
    assert p.codes == {"account_unclassified"} and p.complete
    assert_balanced(p)


def test_with_nowhere_to_post_the_account_is_unresolved_and_there_is_no_journal() -> None:
    bare = replace(OFFICE, default_account_code=None)
    p = propose(invoice(PAPER, TONER), supplier=bare, history=())
    assert {(x.account_code, x.account_rule) for x in p.lines} == {(None, "unresolved")}
    assert p.codes == {"account_unresolved"}
    assert not p.complete and p.journal is None
    # a default account outside the allowed chart is never used either
    p = propose(invoice(PAPER), supplier=replace(OFFICE, default_account_code="2100"), history=())
    assert p.lines[0].account_code is None


def test_an_unknown_supplier_gets_a_proposal_without_a_journal() -> None:
    p = propose(invoice(PAPER, TONER), supplier=None, history=())
    assert p.supplier is None and p.supplier_name == "Pinnacle Office Supplies"
    assert p.journal is None and {"supplier_missing", "account_unresolved"} <= p.codes
    assert (p.due_date, p.due_date_rule) == (date(2026, 6, 18), "invoice")


def test_po_lines_decide_the_account_and_link_the_bill_to_the_order() -> None:
    order = OpenPurchaseOrder("PO-77", 1, (
        POLine(1, "A4 copy paper carton (5 reams)", D("3"), D("19.99"), "5000", "GST",
               received=D("3"), id=501),
        POLine(2, "Toner cartridge HP 58A", D("1"), D("119.00"), "6110", "GST", received=D("1"),
               id=502)))
    ex = invoice(PAPER, TONER, purchase_order="PO-77")
    match = match_purchase_order(ex, contact_id=1, purchase_orders=(order,))
    assert match.status == "matched_3way"
    p = propose(ex, match=match)
    assert [(x.account_code, x.account_rule, x.po_line_no) for x in p.lines] == [
        ("5000", "po_line", 1), ("6110", "po_line", 2)]
    assert p.purchase_order_number == "PO-77"
    assert [(e.po_line_no, e.ordered, e.received) for e in p.evidence.po_lines] == [
        (1, D("3"), D("3")), (2, D("1"), D("1"))]
    assert p.evidence.match_status == "matched_3way"
    # a mismatch (the approver decides) stays linked; an order not found never is
    partial = replace(order, lines=(replace(order.lines[0], received=D("1")), order.lines[1]))
    mismatch = match_purchase_order(ex, contact_id=1, purchase_orders=(partial,))
    assert mismatch.status == "mismatch" and propose(ex, match=mismatch).purchase_order_number == "PO-77"
    missing = match_purchase_order(ex, contact_id=1, purchase_orders=())
    p = propose(ex, match=missing)
    assert p.purchase_order_number is None and all(x.po_line_no is None for x in p.lines)
    assert p.lines[0].account_rule.startswith("learned:")


def test_match_tolerances_are_separate_from_the_proposal() -> None:
    ex = invoice(PAPER, purchase_order="PO-1")
    order = OpenPurchaseOrder("PO-1", 1, (POLine(1, PAPER.description or "", D("3"), D("19.99"),
                                                 "5000", "GST"),))
    m = match_purchase_order(ex, contact_id=1, purchase_orders=(order,),
                             tolerances=MatchTolerances(receipts_required=True))
    assert m.status == "mismatch"
    assert propose(ex, match=m).lines[0].account_code == "5000"


# -- tax codes and GST ---------------------------------------------------------------------------

def test_uncoded_lines_are_all_gst_when_gst_is_charged_and_all_free_when_not() -> None:
    a, b = ln("Toner cartridge HP 58A", "1", "119.00", tax=None), ln("Milk 2L", "2", "7.25", tax=None)
    p = propose(invoice(a, b))
    assert [x.tax_code for x in p.lines] == ["GST", "GST"] and p.issues == ()
    p = propose(invoice(a, b, tax="0.00"))
    assert [x.tax_code for x in p.lines] == ["FRE", "FRE"] and p.tax == 0
    assert p.journal is not None and "2210" not in by_account(p.journal)
    assert_balanced(p)


def test_codes_are_normalised_from_the_documents_own_categories() -> None:
    p = propose(invoice(ln("Toner cartridge HP 58A", "1", "119.00", tax="S 10%"),
                        ln("Milk 2L", "2", "7.25", tax="Z"), tax="11.90"))
    assert [x.tax_code for x in p.lines] == ["GST", "FRE"] and p.issues == ()


def test_an_uncoded_line_among_coded_ones_is_assumed_and_flagged() -> None:
    p = propose(invoice(TONER, ln("Milk 2L", "2", "7.25", tax=None), tax="11.90"))
    assert [x.tax_code for x in p.lines] == ["GST", "FRE"]
    assert p.codes == {"tax_code_assumed"}
    p = propose(invoice(TONER, ln("Stapler", "1", "20.00", tax="*"), tax="13.90"))
    assert [x.tax_code for x in p.lines] == ["GST", "GST"] and p.codes == {"tax_code_assumed"}
    assert "'*' is not a known code" in p.issues[0].message


def test_gst_inclusive_lines_give_up_their_gst() -> None:
    # the lines add up to the total: 110.00 + 22.00 = 132.00 incl. 12.00 GST
    ex = invoice(ln("Toner cartridge HP 58A", "1", "110.00"), ln("Stapler", "2", "11.00"),
                 tax="12.00", total="132.00", subtotal="120.00")
    p = propose(ex)
    assert [x.amount for x in p.lines] == [D("100.00"), D("20.00")]
    assert [x.tax_amount for x in p.lines] == [D("10.00"), D("2.00")]
    assert p.codes == {"gst_inclusive_lines"} and p.subtotal == D("120.00")
    assert_balanced(p)


def test_gst_without_a_stated_amount_is_total_less_subtotal_or_none() -> None:
    p = propose(invoice(PAPER, TONER, tax=None).model_copy(update={"tax": None}))
    assert p.tax == D("17.90") and p.codes == {"tax_not_stated"}
    assert p.evidence.tax_rule == "tax:total_less_subtotal"
    ex = invoice(PAPER).model_copy(update={"tax": None, "subtotal": None, "total": D("59.97")})
    p = propose(ex)
    assert p.tax == 0 and "tax_not_stated" in p.codes
    assert_balanced(p)


# -- odd shapes ----------------------------------------------------------------------------------

def test_an_invoice_without_lines_is_one_line_for_its_value_before_gst() -> None:
    ex = invoice(subtotal="500.00", tax="50.00", total="550.00")
    p = propose(ex)
    assert len(p.lines) == 1 and p.lines[0].amount == D("500.00")
    assert (p.lines[0].account_code, p.lines[0].account_rule, p.lines[0].tax_code) == (
        "6090", "supplier_default", "GST")
    assert p.lines[0].source_line is None and p.codes == set()
    assert p.evidence.tax_rule.endswith("lines:one_line_for_subtotal")
    assert_balanced(p)


def test_lines_without_amounts_fall_back_to_one_line_with_an_issue() -> None:
    ex = invoice(PAPER, Line(description="Toner", quantity=D("1")), subtotal="178.97",
                 tax="17.90", total="196.87")
    p = propose(ex)
    assert len(p.lines) == 1 and p.lines[0].amount == D("178.97") and "lines_unusable" in p.codes
    assert_balanced(p)


def test_note_lines_are_left_out() -> None:
    p = propose(invoice(PAPER, Line(description="Delivered to the Balmain store"), TONER))
    assert [x.source_line for x in p.lines] == [0, 2]


def test_a_document_level_charge_becomes_an_adjustment_line_so_the_journal_balances() -> None:
    # an e-invoice: lines 178.97, plus a 20.00 freight charge at document level, GST on both
    ex = invoice(PAPER, TONER, subtotal="198.97", tax="19.90", total="218.87", method=Method.UBL)
    p = propose(ex)
    adj = p.lines[-1]
    assert (adj.amount, adj.tax_code, adj.account_rule, adj.source_line) == (
        D("20.00"), "GST", "document_adjustment", None)
    assert adj.account_code == "6090"
    assert "document_adjustment" in p.codes and "gst_differs" not in p.codes
    assert_balanced(p)


def test_a_rounding_cent_is_adjusted_gst_free() -> None:
    ex = invoice(PAPER, TONER, subtotal="178.98", tax="17.90", total="196.88")
    p = propose(ex)
    assert p.lines[-1].amount == D("0.01") and p.lines[-1].tax_code == "FRE"
    assert_balanced(p)


def test_sub_cent_line_amounts_are_rounded_with_an_issue() -> None:
    ex = invoice(Line(description="Electricity usage", quantity=D("2526"), unit_price=D("0.3410"),
                      amount=D("861.366"), tax_code="GST"), subtotal="861.37", tax="86.14",
                 total="947.51")
    p = propose(ex)
    assert p.lines[0].amount == D("861.37") and p.codes == {"amount_rounded"}
    assert p.lines[0].unit_price == D("0.3410") and p.lines[0].quantity == D("2526")
    assert_balanced(p)


def test_a_negative_discount_line_is_kept() -> None:
    p = propose(invoice(TONER, ln("Loyalty discount", "1", "-10.00")))
    assert [x.amount for x in p.lines] == [D("119.00"), D("-10.00")]
    assert p.journal is not None and by_account(p.journal)["6090"] == D("109.00")
    assert_balanced(p)


# -- due dates -----------------------------------------------------------------------------------

def test_without_a_due_date_the_suppliers_terms_apply() -> None:
    p = propose(invoice(PAPER, due_date=None))
    assert (p.due_date, p.due_date_rule) == (date(2026, 6, 18), "supplier_terms:14 days")
    p = propose(invoice(PAPER, due_date=None), supplier=None)
    assert (p.due_date, p.due_date_rule) == (date(2026, 7, 4), "default_terms:30 days")


def test_a_due_date_before_the_issue_date_is_replaced_by_the_terms() -> None:
    p = propose(invoice(PAPER, due_date=date(2026, 5, 1)))
    assert p.due_date == date(2026, 6, 18) and p.codes == {"due_date_ignored"}


# -- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("update", "code"), [
    ({"document_type": DocumentType.CREDIT_NOTE}, "credit_note_unsupported"),
    ({"document_type": DocumentType.RECEIPT}, "not_an_invoice"),
    ({"document_type": DocumentType.OTHER}, "not_an_invoice"),
    ({"currency": "USD"}, "currency_foreign"),
    ({"invoice_number": "  "}, "number_missing"),
    ({"invoice_number": None}, "number_missing"),
    ({"issue_date": None}, "date_missing"),
    ({"total": None}, "total_missing"),
    ({"total": D("NaN")}, "total_missing"),
    ({"total": D("0.00")}, "amount_not_positive"),
    ({"total": D("-65.97")}, "amount_not_positive"),
    ({"total": D("65.975")}, "total_not_cents"),
    ({"tax": D("5.995")}, "tax_not_cents"),
])
def test_what_cannot_be_proposed_is_refused_with_the_reason(update: dict, code: str) -> None:
    r = refused(invoice(PAPER).model_copy(update=update))
    assert r.codes == {code} and r.issues[0].message


def test_an_unknown_tax_code_in_the_chart_is_refused() -> None:
    chart = replace(CHART, tax_rates={"GST": D("0.10")})
    result = propose_bill(invoice(MILK, tax="0.00"), supplier=OFFICE, history=(), match=None,
                          chart=chart, today=TODAY)
    assert isinstance(result, ProposalRefused) and result.codes == {"tax_code_unknown"}


# -- the hash ------------------------------------------------------------------------------------

def test_the_hash_covers_money_and_accounts_but_not_evidence() -> None:
    p = propose(invoice(PAPER, MILK, TONER))
    again = propose(invoice(PAPER, MILK, TONER, confidence={"overall": 0.5}))
    assert p.proposal_hash() == again.proposal_hash() and len(p.proposal_hash()) == 64
    assert p == again  # evidence is not compared either
    moved = replace(p, lines=(replace(p.lines[0], account_code="5000"), *p.lines[1:]))
    assert moved.proposal_hash() != p.proposal_hash()
    for other in (propose(invoice(PAPER, MILK, TONER, tax="17.89")),
                  propose(invoice(PAPER, MILK, TONER, due_date=date(2026, 6, 30))),
                  propose(invoice(PAPER, MILK, TONER), supplier=replace(OFFICE, contact_id=2))):
        assert other.proposal_hash() != p.proposal_hash()


def test_as_dict_is_json_with_rules_issues_and_evidence() -> None:
    p = propose(invoice(PAPER, MILK, TONER, tax="25.00"))
    data = json.loads(json.dumps(p.as_dict()))
    assert data["proposal_hash"] == p.proposal_hash()
    assert data["total"] == "218.47" and data["lines"][0]["account_rule"].startswith("learned:")
    assert data["evidence"]["field_confidence"]["overall"] == 0.93
    assert "gst_differs" in [i["code"] for i in data["issues"]]


# -- properties ----------------------------------------------------------------------------------

def test_apportion_adds_up_and_follows_the_weights() -> None:
    assert apportion(D("17.90"), [D("5.997"), D("0"), D("11.9")]) == (D("6.00"), D("0.00"), D("11.90"))
    assert apportion(D("0.10"), [D(1), D(1), D(1)]) == (D("0.04"), D("0.03"), D("0.03"))
    assert apportion(D("5.00"), [D(0), D(0)]) == (D("5.00"), D("0.00"))
    assert apportion(D("1.00"), []) == ()


money = st.integers(-5_000, 500_000).map(lambda c: D(c) / 100)


@settings(max_examples=300, deadline=None)
@given(amounts=st.lists(money, min_size=0, max_size=6),
       codes=st.lists(st.sampled_from(["GST", "FRE", None, "S", "Z", "*"]), min_size=6, max_size=6),
       tax_cents=st.integers(-3, 3), extra_cents=st.integers(-500, 500),
       inclusive=st.booleans(), with_po=st.booleans())
def test_every_proposal_balances_and_posts_the_invoice_total(
        amounts: list[Decimal], codes: list[str | None], tax_cents: int, extra_cents: int,
        inclusive: bool, with_po: bool) -> None:
    lines = tuple(Line(description=f"Item {n} widget", quantity=D(1), unit_price=a, amount=a,
                       tax_code=codes[n]) for n, a in enumerate(amounts))
    subtotal = sum(amounts, D("0.00")) + D(extra_cents) / 100
    gst = (sum((a for a, c in zip(amounts, codes) if c in ("GST", "S", None, "*")), D(0))
           * D("0.1")).quantize(D("0.01")) + D(tax_cents) / 100
    total = subtotal + gst
    if inclusive and amounts and gst != 0:
        total = sum(amounts, D("0.00"))
        subtotal = total - gst
    ex = Extraction(supplier=Supplier(name="Widgets Pty Ltd"), invoice_number="W-1",
                    issue_date=date(2026, 6, 1), subtotal=subtotal, tax=gst, total=total,
                    lines=lines, method=Method.PDF_TEXT)
    match = None
    if with_po and lines:
        order = OpenPurchaseOrder("PO-1", 1, tuple(
            POLine(n + 1, f"Item {n} widget", D(1), a, "5000", "GST") for n, a in enumerate(amounts)))
        match = match_purchase_order(ex.model_copy(update={"purchase_order": "PO-1"}), contact_id=1,
                                     purchase_orders=(order,))
    result = propose_bill(ex, supplier=OFFICE, history=HISTORY, match=match, chart=CHART,
                          today=TODAY)
    if total <= 0:
        assert isinstance(result, ProposalRefused) and result.codes == {"amount_not_positive"}
        return
    assert isinstance(result, BillProposal)
    assert result.total == total and result.tax == gst
    assert_balanced(result)
    assert result.journal is not None
    gst_lines = [x for x in result.journal.lines if x.account_code == "2210"]
    assert sum((x.amount for x in gst_lines), D(0)) == gst
    assert all(x.account_code in CHART.line_accounts for x in result.lines)
