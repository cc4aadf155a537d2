"""Matching invoices to purchase orders and goods receipts: every status and exception code, the
line-pairing algorithm and the tolerances."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.documents.model import Extraction, Line, Method
from tools.matching import (
    EXCEPTION_CODES, MatchTolerances, OpenPurchaseOrder, POLine, description_tokens,
    match_purchase_order, match_tolerances_from, normalise_po_number, similarity,
)

D = Decimal
SUPPLIER, OTHER = 7, 8
DEFAULT = MatchTolerances()


def po(number: str = "PO-2606-CER", *lines: POLine, contact_id: int = SUPPLIER,
       status: str = "received") -> OpenPurchaseOrder:
    return OpenPurchaseOrder(number, contact_id, lines or LINES, status)


LINES = (
    POLine(1, "Stoneware side plate 20cm - Sand", D("100"), D("6.40"), "5000", "GST",
           received=D("100")),
    POLine(2, "Terracotta planter 30cm", D("20"), D("17.25"), "5000", "GST", received=D("20")),
    POLine(3, "Stoneware dinner plate 27cm - Sand", D("50"), D("9.80"), "5000", "GST",
           received=D("50")),
)


def invoice(*lines: Line, ref: str | None = "PO-2606-CER", subtotal: str | None = None) -> Extraction:
    amounts = [ln.amount or D(0) for ln in lines]
    sub = D(subtotal) if subtotal is not None else sum(amounts, D("0.00"))
    return Extraction(purchase_order=ref, lines=tuple(lines), subtotal=sub,
                      tax=(sub * D("0.1")).quantize(D("0.01")),
                      total=sub + (sub * D("0.1")).quantize(D("0.01")), method=Method.PDF_TEXT)


def line(desc: str | None, qty: str | None, price: str | None, amount: str | None = None) -> Line:
    if amount is None and qty is not None and price is not None:
        amount = str((D(qty) * D(price)).quantize(D("0.01")))
    return Line(description=desc, quantity=D(qty) if qty else None,
                unit_price=D(price) if price else None, amount=D(amount) if amount else None,
                tax_code="GST")


CLEAN = (line("Stoneware side plate 20cm - Sand", "100", "6.40"),
         line("Terracotta planter 30cm", "20", "17.25"),
         line("Stoneware dinner plate 27cm - Sand", "50", "9.80"))


def match(ex: Extraction, *orders: OpenPurchaseOrder, contact_id: int | None = SUPPLIER,
          tolerances: MatchTolerances = DEFAULT):
    return match_purchase_order(ex, contact_id=contact_id, purchase_orders=orders or (po(),),
                                tolerances=tolerances)


# -- similarity and PO numbers -------------------------------------------------------------------

def test_similarity_ignores_case_order_punctuation_filler_and_plurals() -> None:
    assert similarity("Stoneware dinner plate 27cm - Sand", "sand: DINNER plates, stoneware 27 cm") == 1.0
    assert description_tokens("Hand-blown tumbler set of 6") == {"hand", "blown", "tumbler", "6"}
    assert similarity("Glass storage jar 2L", "glass storage jars 2l") == 1.0
    assert similarity("", "anything") == 0.0 and similarity(None, None) == 0.0
    assert similarity("Stoneware dinner plate 27cm - Sand", "Stoneware side plate 20cm - Sand") == 0.5


@pytest.mark.parametrize("text", ["PO-2606-CER", "po 2606 cer", "P.O. 2606/CER", "Order No. 2606-CER",
                                  "PO-002606-CER", "2606CER"])
def test_po_numbers_normalise_to_the_same_key(text: str) -> None:
    assert normalise_po_number(text) == "2606cer"


def test_blank_po_references_normalise_to_nothing() -> None:
    assert normalise_po_number(None) == normalise_po_number("  ") == normalise_po_number("--") == ""


# -- statuses ------------------------------------------------------------------------------------

def test_a_clean_invoice_against_a_received_po_matches_three_way() -> None:
    result = match(invoice(*CLEAN))
    assert result.status == "matched_3way" and result.three_way and result.matched
    assert result.po_number == "PO-2606-CER" and result.exceptions == ()
    assert [(m.invoice_line, m.po_line_no) for m in result.line_matches] == [(0, 1), (1, 2), (2, 3)]
    assert all(m.quantity_ok and m.price_ok and m.received_ok for m in result.line_matches)
    assert result.po_line_for(1) == LINES[1] and result.po_line_for(9) is None


def test_a_po_with_no_goods_receipt_matches_two_way() -> None:
    unreceived = tuple(POLine(ln.line_no, ln.description, ln.quantity, ln.unit_price, "6110", "GST")
                       for ln in LINES)
    result = match(invoice(*CLEAN), po("PO-2606-CER", *unreceived, status="open"))
    assert result.status == "matched_2way" and not result.three_way
    assert all(m.received_ok is None for m in result.line_matches)


def test_receipts_required_turns_a_po_without_receipts_into_not_received() -> None:
    unreceived = tuple(POLine(ln.line_no, ln.description, ln.quantity, ln.unit_price, "5000", "GST")
                       for ln in LINES)
    result = match(invoice(*CLEAN), po("PO-2606-CER", *unreceived, status="open"),
                   tolerances=MatchTolerances(receipts_required=True))
    assert result.status == "mismatch" and result.codes == {"po_not_received"}


def test_a_po_we_do_not_have_is_an_exception_never_a_guess() -> None:
    result = match(invoice(*CLEAN, ref="PO-9999"))
    assert result.status == "po_not_found" and result.po_number is None
    assert result.codes == {"po_not_found"} and result.purchase_order is None
    assert "PO-9999" in result.exceptions[0].message
    assert result.exceptions[0].field == "purchase_order"


def test_a_po_number_written_differently_still_matches() -> None:
    assert match(invoice(*CLEAN, ref="P.O. 2606/cer")).status == "matched_3way"


def test_ambiguous_normalised_numbers_are_not_found_rather_than_guessed() -> None:
    a, b = po("PO-12", contact_id=SUPPLIER), po("PO 012", contact_id=SUPPLIER)
    result = match(invoice(*CLEAN, ref="po12"), a, b)
    assert result.status == "po_not_found"
    # ...unless only one of them is this supplier's
    c = po("PO 012", contact_id=OTHER)
    assert match(invoice(*CLEAN, ref="po12"), a, c).po_number == "PO-12"


def test_another_suppliers_po_is_po_other_supplier() -> None:
    result = match(invoice(*CLEAN), po(contact_id=OTHER))
    assert result.status == "po_other_supplier" and result.codes == {"po_other_supplier"}
    assert "different supplier" in result.exceptions[0].message


def test_an_unknown_supplier_cannot_be_matched_to_any_po() -> None:
    result = match(invoice(*CLEAN), contact_id=None)
    assert result.status == "po_other_supplier"
    assert "not in the supplier master" in result.exceptions[0].message


def test_a_closed_po_is_an_exception() -> None:
    result = match(invoice(*CLEAN), po(status="closed"))
    assert result.status == "mismatch" and "po_closed" in result.codes


# -- line checks ---------------------------------------------------------------------------------

def test_a_partial_receipt_fails_three_way_on_that_line_only() -> None:
    partial = (POLine(1, LINES[0].description, D("100"), D("6.40"), "5000", "GST", received=D("50")),
               *LINES[1:])
    result = match(invoice(*CLEAN), po("PO-2606-CER", *partial, status="partially_received"))
    assert result.status == "mismatch" and result.codes == {"po_not_received"}
    first = result.line_matches[0]
    assert first.received_ok is False and first.quantity_ok and first.price_ok
    assert result.exceptions[0].field == "lines[0].quantity"
    assert "only 50 have been received" in result.exceptions[0].message
    assert all(m.received_ok for m in result.line_matches[1:])


def test_billing_only_what_was_received_of_a_partial_delivery_matches() -> None:
    partial = (POLine(1, LINES[0].description, D("100"), D("6.40"), "5000", "GST", received=D("50")),)
    result = match(invoice(line(LINES[0].description, "50", "6.40")), po("PO-1", *partial),)
    assert match(invoice(line(LINES[0].description, "50", "6.40"), ref="PO-1"),
                 po("PO-1", *partial)).status == "matched_3way"
    assert result.status == "po_not_found"  # the invoice quoted PO-2606-CER, not PO-1


def test_a_price_outside_tolerance_is_po_price_mismatch() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "100", "6.60"), *CLEAN[1:])
    result = match(invoice(*lines))
    assert result.codes == {"po_price_mismatch"}
    assert result.line_matches[0].price_ok is False
    assert "$6.60" in result.exceptions[0].message and "$6.40" in result.exceptions[0].message


def test_a_price_within_one_percent_matches_and_the_tolerance_is_configurable() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "100", "6.46"), *CLEAN[1:])
    assert match(invoice(*lines)).status == "matched_3way"          # 0.06 <= 1% of 6.40
    lines = (line("Stoneware side plate 20cm - Sand", "100", "6.47"), *CLEAN[1:])
    assert match(invoice(*lines)).codes == {"po_price_mismatch"}     # 0.07 > 0.064
    loose = MatchTolerances(price_pct=D("0.02"))
    assert match(invoice(*lines), tolerances=loose).status == "matched_3way"


def test_an_amount_that_disagrees_with_quantity_times_price_is_a_price_mismatch() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "100", "6.40", "740.00"), *CLEAN[1:])
    result = match(invoice(*lines))
    assert result.codes == {"po_price_mismatch"}
    assert "unit price is $7.40" in result.exceptions[0].message


def test_billing_more_than_was_ordered_is_po_quantity_mismatch() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "120", "6.40"), *CLEAN[1:])
    result = match(invoice(*lines), po("PO-2606-CER", POLine(
        1, LINES[0].description, D("100"), D("6.40"), "5000", "GST", received=D("120")), *LINES[1:]))
    assert "po_quantity_mismatch" in result.codes
    assert "only 100 are left to bill" in " ".join(i.message for i in result.exceptions)


def test_the_quantity_tolerance_lets_a_little_more_through() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "102", "6.40"), *CLEAN[1:])
    order = po("PO-2606-CER", POLine(1, LINES[0].description, D("100"), D("6.40"), "5000", "GST",
                                     received=D("102")), *LINES[1:])
    assert "po_quantity_mismatch" in match(invoice(*lines), order).codes
    assert match(invoice(*lines), order,
                 tolerances=MatchTolerances(quantity_pct=D("0.05"))).status == "matched_3way"


def test_a_line_already_billed_in_full_is_po_over_billed() -> None:
    billed = tuple(POLine(ln.line_no, ln.description, ln.quantity, ln.unit_price, "5000", "GST",
                          received=ln.quantity, billed=ln.quantity) for ln in LINES)
    result = match(invoice(CLEAN[0]), po("PO-2606-CER", *billed))
    assert "po_over_billed" in result.codes
    assert "already billed in full" in result.exceptions[0].message


def test_an_invoice_worth_more_than_its_order_is_over_billed_even_when_its_lines_pass() -> None:
    # every line agrees with the PO, but the subtotal carries $50 that is on no line
    ex = invoice(*CLEAN, subtotal=str(sum((ln.amount for ln in LINES), D(0)) + D("50.00")))
    result = match(ex)
    assert result.codes == {"po_over_billed"}
    assert all(m.quantity_ok and m.price_ok and m.received_ok for m in result.line_matches)
    # within the slack (1% of the order or $1) it passes
    ex = invoice(*CLEAN, subtotal=str(sum((ln.amount for ln in LINES), D(0)) + D("10.00")))
    assert match(ex).status == "matched_3way"


def test_line_exceptions_are_not_repeated_as_an_order_total_exception() -> None:
    lines = (line("Stoneware side plate 20cm - Sand", "100", "7.40"), *CLEAN[1:])
    assert match(invoice(*lines)).codes == {"po_price_mismatch"}


def test_an_invoice_line_not_on_the_po_is_unmatched() -> None:
    lines = (*CLEAN, line("Express freight surcharge", "1", "85.00"))
    result = match(invoice(*lines))
    assert "po_line_unmatched" in result.codes
    unmatched = [m for m in result.line_matches if m.po_line_no is None]
    assert [m.invoice_line for m in unmatched] == [3]
    assert result.exceptions[-1].field == "lines[3]" or any(
        i.field == "lines[3]" for i in result.exceptions)


def test_lines_pair_by_description_not_position() -> None:
    result = match(invoice(CLEAN[2], CLEAN[0], CLEAN[1]))
    assert [(m.invoice_line, m.po_line_no) for m in result.line_matches] == [(0, 3), (1, 1), (2, 2)]
    assert result.status == "matched_3way"


def test_a_loosely_worded_line_pairs_when_its_price_agrees() -> None:
    loose = (line("Planter terracotta", "20", "17.25"),)
    result = match(invoice(loose[0]))
    assert result.line_matches[0].po_line_no == 2 and result.status == "matched_3way"
    # ...but a vague description with a different price is not paired with it
    vague = (line("Planter", "20", "19.99"),)
    assert match(invoice(vague[0])).codes == {"po_line_unmatched"}


def test_similar_descriptions_are_paired_with_the_best_one_each() -> None:
    # "dinner plate" and "side plate" share half their words; each pairs with its own PO line
    result = match(invoice(line("Stoneware dinner plate 27cm - Sand", "50", "9.80"),
                           line("Stoneware side plate 20cm - Sand", "100", "6.40")))
    assert [(m.invoice_line, m.po_line_no) for m in result.line_matches] == [(0, 3), (1, 1)]


def test_note_lines_without_amounts_are_ignored() -> None:
    result = match(invoice(*CLEAN, Line(description="Delivered to Balmain store")))
    assert result.status == "matched_3way" and len(result.line_matches) == 3


def test_a_missing_quantity_is_worked_out_from_the_amount() -> None:
    result = match(invoice(Line(description="Terracotta planter 30cm", amount=D("345.00"),
                                tax_code="GST")))
    m = result.line_matches[0]
    assert m.quantity == D("20") and "quantity worked out from the amount" in m.reasons
    assert result.status == "matched_3way"


def test_a_line_with_no_quantity_or_amount_to_check_is_a_quantity_mismatch() -> None:
    result = match(invoice(Line(description="Terracotta planter 30cm", unit_price=D("17.25"))))
    assert result.codes == {"po_quantity_mismatch"}


def test_an_invoice_without_lines_matches_on_its_value() -> None:
    whole = sum((ln.amount for ln in LINES), D("0.00"))
    assert match(invoice(subtotal=str(whole))).status == "matched_3way"
    assert match(invoice(subtotal=str(whole + 50))).codes == {"po_over_billed", "po_not_received"}
    half = tuple(POLine(ln.line_no, ln.description, ln.quantity, ln.unit_price, "5000", "GST",
                        received=ln.quantity / 2) for ln in LINES)
    assert match(invoice(subtotal=str(whole)), po("PO-2606-CER", *half)).codes == {"po_not_received"}
    assert match(Extraction(purchase_order="PO-2606-CER", method=Method.UBL)).codes == {
        "po_price_mismatch"}


# -- no PO quoted --------------------------------------------------------------------------------

def test_no_reference_is_no_po_and_an_equal_open_order_is_only_suggested() -> None:
    whole = sum((ln.amount for ln in LINES), D("0.00"))
    result = match(invoice(*CLEAN, ref=None), po(status="received"))
    assert result.status == "no_po" and result.suggestion == "PO-2606-CER"
    assert result.po_number is None and result.line_matches == () and result.exceptions == ()
    assert whole == D("1475.00")


def test_no_suggestion_when_two_orders_or_none_are_for_that_amount() -> None:
    ex = invoice(*CLEAN, ref=None)
    assert match(ex, po("PO-A"), po("PO-B")).suggestion is None
    assert match(ex, po("PO-A", LINES[0])).suggestion is None
    assert match(ex, po("PO-A", contact_id=OTHER)).suggestion is None
    assert match(ex, po("PO-A", status="closed")).suggestion is None
    assert match(ex, contact_id=None).suggestion is None


# -- properties ----------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(qty=st.integers(0, 300), price_cents=st.integers(1, 5000), received=st.integers(0, 300),
       billed=st.integers(0, 300), ordered=st.integers(1, 300))
def test_exceptions_are_known_codes_and_a_match_has_none(qty: int, price_cents: int, received: int,
                                                         billed: int, ordered: int) -> None:
    price = D(price_cents) / 100
    order = po("PO-1", POLine(1, "Widget blue large", D(ordered), D("12.50"), "5000", "GST",
                              received=D(received), billed=D(billed)))
    result = match(invoice(line("Widget blue large", str(qty), str(price)), ref="PO-1"), order)
    assert result.codes <= EXCEPTION_CODES
    assert (result.status == "mismatch") == bool(result.exceptions)
    if result.matched:
        assert billed + qty <= ordered and price == D("12.50") or abs(price - D("12.50")) <= D("0.125")
        assert received == 0 or billed + qty <= received


def test_tolerances_from_settings_like_objects() -> None:
    from types import SimpleNamespace
    tol = match_tolerances_from(SimpleNamespace(match_quantity_pct="0.05", match_price_pct=None,
                                                match_receipts_required=True))
    assert tol == MatchTolerances(quantity_pct=D("0.05"), receipts_required=True)
    assert match_tolerances_from(object()) == MatchTolerances()
    assert match_tolerances_from(object(), total_abs=D(2)).total_abs == D(2)


# -- a reference under a label we did not read ---------------------------------------------------

def test_an_open_order_named_anywhere_in_the_text_is_the_reference() -> None:
    text = "Harbour Ceramics\nJob 4471 / PO-2606-CER delivered Tuesday\nTotal 1,000.00"
    result = match_purchase_order(invoice(*CLEAN, ref=None), contact_id=SUPPLIER,
                                  purchase_orders=(po(),), document_text=text)
    assert result.status == "matched_3way" and result.reference == "PO-2606-CER"


@pytest.mark.parametrize(("text", "orders"), [
    ("Your order PO-2606-CER-2 thanks", (po(),)),                    # a longer token, not this order
    ("PO-2606-CER", (po(contact_id=OTHER),)),                        # another supplier's order
    ("PO-2606-CER or PO-2606-ABC", (po(), po("PO-2606-ABC"))),       # two orders: no guess
    ("PO-2606-CER", (po(status="closed"),)),                         # closed orders are not open
])
def test_text_that_does_not_name_exactly_one_open_order_of_this_supplier_is_no_reference(
        text: str, orders: tuple[OpenPurchaseOrder, ...]) -> None:
    result = match_purchase_order(invoice(*CLEAN, ref=None), contact_id=SUPPLIER,
                                  purchase_orders=orders, document_text=text)
    assert result.status == "no_po" and result.reference is None
