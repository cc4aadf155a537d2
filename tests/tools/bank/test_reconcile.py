"""Reconciliation candidates: which open item a bank line settles, how sure, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tools.bank.categorise import TrainingExample, train
from tools.bank.model import BankLine
from tools.bank.reconcile import (
    BankRule,
    Candidate,
    OpenItem,
    OwnAccount,
    ReconcileConfig,
    build_index,
    reconcile,
    rule_matches,
    suggest,
)

D = Decimal
MARCH = date(2025, 3, 1)
OWN = (OwnAccount("1100", "Business Cheque Account", ("XX1234", "062-000 11112222")),
       OwnAccount("1110", "Business Savings Account", ("XX9876", "062-000 33334444")))


def bill(n: int, amount: str, contact: str, number: str, *, contact_id: int | None = None,
         issued: date = MARCH, references: tuple[str, ...] = ()) -> OpenItem:
    return OpenItem(f"bill:{n}", "bill", "out", D(amount), contact, number, issued,
                    issued + timedelta(days=30), "2100", contact_id or n, references)


def sale(n: int, amount: str, contact: str, number: str, *, contact_id: int | None = None,
         issued: date = MARCH) -> OpenItem:
    return OpenItem(f"sale:{n}", "sale", "in", D(amount), contact, number, issued,
                    issued + timedelta(days=14), "1200", contact_id or 100 + n)


def line(amount: str, text: str, posted: date = date(2025, 3, 20), kind: str = "") -> BankLine:
    return BankLine(posted, D(amount), text, kind=kind)


def best(line_: BankLine, items: Sequence[OpenItem], **kw: object) -> Candidate:
    found = suggest(line_, items, **kw)  # type: ignore[arg-type]
    assert found, "no candidate at all"
    return found[0]


def matches(line_: BankLine, items: Sequence[OpenItem], **kw: object) -> list[Candidate]:
    return [c for c in suggest(line_, items, **kw) if c.kind == "match"]  # type: ignore[arg-type]


BOOKS = (
    bill(1, "220.00", "Bunnings Group Limited", "INV-10234", contact_id=11),
    bill(2, "550.00", "Officeworks Ltd", "OW-77", contact_id=12),
    bill(3, "550.00", "Telstra Corporation Limited", "T-9", contact_id=13),
    bill(4, "220.00", "Harbour Signs Pty Ltd", "HS-5", contact_id=14),
)


def test_a_quoted_invoice_number_matches_its_bill_with_high_confidence() -> None:
    top = best(line("-220.00", "BPAY INV-10234"), BOOKS)
    assert (top.kind, top.item_ids, top.allocations) == ("match", ("bill:1",),
                                                         (("bill:1", D("220.00")),))
    assert top.confidence >= 0.95
    assert "reference INV-10234 found in the description" in top.reasons
    assert top.difference == 0


def test_the_quoted_bill_wins_over_another_bill_of_the_same_amount() -> None:
    found = matches(line("-220.00", "PAYMENT INV 10234"), BOOKS)
    assert found[0].item_ids == ("bill:1",)
    assert found[0].confidence >= 0.9 > found[1].confidence


def test_two_bills_of_the_same_amount_from_different_suppliers_stay_below_auto() -> None:
    found = matches(line("-550.00", "DIRECT DEBIT 55512"), BOOKS)
    assert {c.item_ids for c in found} == {("bill:2",), ("bill:3",)}
    assert all(c.confidence < 0.5 for c in found)
    assert any("fits this line about as well" in r for r in found[0].reasons)


def test_a_unique_exact_amount_alone_is_not_enough() -> None:
    top = best(line("-987.65", "INTERNET PAYMENT 4411"),
               [bill(9, "987.65", "Jarrah Timber", "JT-1")])
    assert top.item_ids == ("bill:9",)
    assert top.confidence <= 0.5


def test_a_round_amount_shared_by_many_bills_is_found_by_name_and_doubted_without() -> None:
    names = ("Coastal", "Harbour", "Summit", "Redgum", "Wattle", "Ironbark", "Bluegum", "Jarrah",
             "Mallee", "Tasman", "Coral", "Banksia", "Granite", "Silver", "Golden", "Outback")
    items = [bill(n, "110.00", f"{name} {trade}", f"B-{n}")
             for n, (name, trade) in enumerate((a, b) for a in names for b in ("Signs", "Tiles"))]
    named = best(line("-110.00", "INTERNET TRANSFER MALLEE TILES"), items)
    assert named.item_ids == (next(i.item_id for i in items if i.contact == "Mallee Tiles"),)
    assert named.confidence >= 0.9
    blind = matches(line("-110.00", "PAYMENT 55512"), items)
    assert all(c.confidence < 0.05 for c in blind)
    assert f"{len(items) - 1} other open items fit this line about as well" in blind[0].reasons


def test_the_payee_picks_between_bills_of_the_same_amount() -> None:
    found = matches(line("-550.00", "TELSTRA CORP DD 4455"), BOOKS)
    assert found[0].item_ids == ("bill:3",)
    assert found[0].confidence >= 0.9
    assert "payee Telstra matches supplier Telstra Corporation Limited" in found[0].reasons
    assert found[1].confidence < 0.1
    assert any("looks like Telstra Corporation Limited" in r for r in found[1].reasons)


def test_one_payment_covering_three_bills_of_one_supplier() -> None:
    items = [bill(5, "100.00", "Acme Supplies", "A-1", contact_id=7),
             bill(6, "200.00", "Acme Supplies", "A-2", contact_id=7),
             bill(7, "300.50", "Acme Supplies", "A-3", contact_id=7),
             bill(8, "45.00", "Acme Supplies", "A-4", contact_id=7),
             bill(9, "600.50", "Redgum Freight", "RF-1")]
    top = best(line("-600.50", "INTERNET TRANSFER ACME SUPPLIES"), items)
    assert set(top.item_ids) == {"bill:5", "bill:6", "bill:7"}
    assert sum(a for _, a in top.allocations) == D("600.50")
    assert top.difference == 0 and top.contact_id == 7
    assert top.confidence >= 0.8
    assert top.reasons[0].startswith("3 bills from Acme Supplies")


def test_one_deposit_covering_two_invoices_quoted_by_number() -> None:
    items = [sale(1, "1650.00", "Coastal Cafe", "INV-2001"),
             sale(2, "880.00", "Coastal Cafe", "INV-2002"),
             sale(3, "2530.00", "Wattle Produce", "INV-2003")]
    top = best(line("2530.00", "DIRECT CREDIT 301500 INV-2001 INV-2002"), items)
    assert set(top.item_ids) == {"sale:1", "sale:2"}
    assert dict(top.allocations) == {"sale:1": D("1650.00"), "sale:2": D("880.00")}
    assert top.confidence >= 0.9


def test_a_merchant_fee_within_tolerance_is_matched_with_the_difference() -> None:
    items = [sale(1, "1100.00", "John Smith Plumbing", "INV-3001")]
    top = best(line("1098.50", "DIRECT CREDIT 301500 SMITH J", posted=date(2025, 3, 10)), items)
    assert top.item_ids == ("sale:1",)
    assert top.allocations == (("sale:1", D("1100.00")),)
    assert top.difference == D("-1.50")          # the business is $1.50 out of pocket
    assert "6020" in top.reasons[0]
    assert 0.5 < top.confidence < 0.9            # near, named: a person confirms the fee


def test_a_bill_paid_with_a_bank_fee_on_top_has_a_negative_difference() -> None:
    items = [bill(1, "1100.00", "Harbour Signs Pty Ltd", "HS-5")]
    top = best(line("-1115.00", "INTL TT HARBOUR SIGNS HS-5"), items)
    assert top.allocations == (("bill:1", D("1100.00")),)
    assert top.difference == D("-15.00")         # out of pocket: the bank's fee
    assert top.reasons[0].startswith("amount is $15.00 more than bill HS-5")


def test_a_shortfall_beyond_tolerance_is_not_a_match() -> None:
    items = [sale(1, "1100.00", "John Smith Plumbing", "INV-3001")]
    assert matches(line("1050.00", "DIRECT CREDIT 301500 SMITH J"), items) == []


def test_a_near_amount_with_nothing_else_in_common_is_not_a_match() -> None:
    items = [sale(1, "1100.00", "John Smith Plumbing", "INV-3001")]
    assert matches(line("1099.00", "DIRECT CREDIT 301500"), items) == []


def test_a_tighter_tolerance_turns_the_fee_away() -> None:
    items = [sale(1, "1100.00", "John Smith Plumbing", "INV-3001")]
    strict = ReconcileConfig(tolerance_amount=D("1.00"), tolerance_fraction=D("0"))
    assert matches(line("1098.50", "DIRECT CREDIT SMITH J"), items, config=strict) == []


def test_a_part_payment_quoting_the_invoice_is_offered_but_not_confidently() -> None:
    items = [sale(1, "1100.00", "Coastal Cafe", "INV-2001")]
    top = best(line("500.00", "DIRECT CREDIT INV-2001"), items)
    assert top.allocations == (("sale:1", D("500.00")),)
    assert top.confidence < 0.9
    assert top.reasons[0].startswith("pays part of invoice INV-2001")


def test_a_transfer_to_the_savings_account_by_its_number() -> None:
    top = best(line("-2000.00", "TRANSFER TO XX9876 SAVINGS"), BOOKS, own_accounts=OWN,
               bank_account_code="1100")
    assert (top.kind, top.account_code) == ("transfer", "1110")
    assert top.confidence >= 0.95


def test_a_transfer_in_named_by_bsb_and_account_number() -> None:
    top = best(line("500.00", "FUNDS TFR FROM 062000 33334444"), BOOKS, own_accounts=OWN,
               bank_account_code="1100")
    assert (top.kind, top.account_code) == ("transfer", "1110")


def test_the_lines_own_account_is_never_the_transfer_target() -> None:
    found = suggest(line("-2000.00", "TRANSFER TO XX1234"), BOOKS, own_accounts=OWN,
                    bank_account_code="1100")
    assert all(c.account_code != "1100" for c in found)


def test_transfer_words_alone_are_only_a_hint() -> None:
    top = best(line("-2000.00", "TRANSFER TO J CITIZEN"), BOOKS, own_accounts=OWN,
               bank_account_code="1100")
    assert top.kind == "transfer" and top.confidence < 0.6


PAYROLL = (OpenItem("payrun:3", "payrun", "out", D("12345.67"), "Pay run 14/03/2025", "PR-3",
                    date(2025, 3, 14), None, "2320"),
           bill(20, "12345.67", "Southern Logistics", "SL-1"),
           OpenItem("super:2025-Q1", "super", "out", D("4321.00"), "Super guarantee Q1",
                    "SG-2025-Q1", date(2025, 4, 20), date(2025, 4, 28), "2310"),
           OpenItem("bas:2025-Q3", "tax", "out", D("4321.00"), "Australian Taxation Office",
                    "BAS 2025-Q3", date(2025, 4, 20), date(2025, 4, 28), "2300",
                    references=("551004123456789",)))


def test_a_pay_run_by_its_payroll_narrative_and_exact_net_total() -> None:
    top = best(line("-12345.67", "PAYROLL WAGES 14MAR", posted=date(2025, 3, 14)), PAYROLL)
    assert top.item_ids == ("payrun:3",)
    assert top.confidence >= 0.9
    assert "the narrative says it is wages" in top.reasons


def test_a_pay_run_is_paid_to_the_cent() -> None:
    found = matches(line("-12345.00", "SALARY BATCH", posted=date(2025, 3, 14)), PAYROLL)
    assert all(c.item_ids != ("payrun:3",) for c in found)


@pytest.mark.parametrize("text", ["BEAMSUPER CLEARING 99812", "QUICKSUPER PAYMENT",
                                  "ATO SUPER CLEARING HOUSE"])
def test_super_by_its_clearing_house_not_the_tax_of_the_same_amount(text: str) -> None:
    top = best(line("-4321.00", text, posted=date(2025, 4, 25)), PAYROLL)
    assert top.item_ids == ("super:2025-Q1",)
    assert top.confidence >= 0.9


@pytest.mark.parametrize("text", ["BPAY TAX OFFICE PAYMENTS", "ATO PAYMENT 4411",
                                  "BPAY 75556 551004123456789"])
def test_a_bas_payment_to_the_ato(text: str) -> None:
    top = best(line("-4321.00", text, posted=date(2025, 4, 25)), PAYROLL)
    assert top.item_ids == ("bas:2025-Q3",)
    assert top.confidence >= 0.9


def test_supermarkets_and_supercheap_are_not_super() -> None:
    found = matches(line("-4321.00", "SUPERCHEAP AUTO 123", posted=date(2025, 4, 25)), PAYROLL)
    assert all(c.confidence < 0.5 for c in found)


def test_a_payment_long_after_the_window_is_not_matched() -> None:
    late = line("-220.00", "BPAY INV-10234", posted=MARCH + timedelta(days=30 + 121))
    early = line("-220.00", "BPAY INV-10234", posted=MARCH - timedelta(days=15))
    assert matches(late, BOOKS) == [] and matches(early, BOOKS) == []


def test_paid_after_due_is_said_and_costs_a_little() -> None:
    on_time = best(line("-220.00", "BPAY INV-10234", posted=date(2025, 3, 20)), BOOKS)
    late = best(line("-220.00", "BPAY INV-10234", posted=date(2025, 5, 30)), BOOKS)
    assert "paid 60 days after due" in late.reasons
    assert late.confidence < on_time.confidence


AGL_RULE = BankRule(rule_id="r1", name="AGL energy", account_code="6060", tax_code="GST",
                    text_contains=("AGL",), direction="out")


def _history(text: str, account: str, n: int = 30) -> list[TrainingExample]:
    return [TrainingExample(text, D("-150.00") - n_, MARCH - timedelta(days=n_), account, "GST")
            for n_ in range(n)]


def test_a_persons_rule_comes_before_the_categoriser() -> None:
    categoriser = train(_history("DIRECT DEBIT AGL SALES PTY LTD", "6110")
                        + _history("VISA PURCHASE BUNNINGS", "6090"))
    found = suggest(line("-180.00", "DIRECT DEBIT AGL SALES PTY LTD"), BOOKS,
                    rules=(AGL_RULE,), categoriser=categoriser)
    assert (found[0].kind, found[0].account_code, found[0].rule_id) == ("rule", "6060", "r1")
    assert all(c.confidence < found[0].confidence for c in found[1:])
    assert all(c.account_code != "6060" for c in found[1:])


def test_without_a_rule_the_categoriser_suggests_from_history() -> None:
    categoriser = train(_history("DIRECT DEBIT AGL SALES PTY LTD", "6060")
                        + _history("VISA PURCHASE BUNNINGS", "6110"))
    top = best(line("-180.00", "DIRECT DEBIT AGL SALES PTY LTD"), BOOKS, categoriser=categoriser)
    assert (top.kind, top.account_code, top.tax_code) == ("categorise", "6060", "GST")


def test_an_open_bill_for_the_line_outranks_a_rule() -> None:
    items = [bill(30, "180.00", "AGL Sales Pty Ltd", "AGL-771")]
    found = suggest(line("-180.00", "DIRECT DEBIT AGL SALES AGL-771"), items, rules=(AGL_RULE,))
    assert found[0].kind == "match"
    rule = next(c for c in found if c.kind == "rule")
    assert rule.confidence <= 0.5 and any("count it twice" in r for r in rule.reasons)


@pytest.mark.parametrize(("rule", "expected"), [
    (BankRule(rule_id="a", name="", account_code="6060", text_contains=("AGL",)), True),
    (BankRule(rule_id="b", name="", account_code="6060", text_contains=("AGL", "GAS")), False),
    (BankRule(rule_id="c", name="", account_code="6060", payee_equals="AGL Sales Pty Ltd"), True),
    (BankRule(rule_id="d", name="", account_code="6060", text_contains=("AGL",),
              direction="in"), False),
    (BankRule(rule_id="e", name="", account_code="6060", amount_min=D("100"),
              amount_max=D("200")), True),
    (BankRule(rule_id="f", name="", account_code="6060", amount_max=D("179.99")), False),
    (BankRule(rule_id="g", name="", account_code="6060"), False),     # no conditions: nothing
])
def test_rule_conditions_must_all_hold(rule: BankRule, expected: bool) -> None:
    assert rule_matches(rule, line("-180.00", "DIRECT DEBIT 4471 AGL SALES PTY LTD")) is expected


def test_two_lines_one_bill_the_surer_line_keeps_it() -> None:
    items = [bill(1, "220.00", "Bunnings Group Limited", "INV-10234", contact_id=11)]
    lines = [line("-220.00", "PAYMENT 55501", posted=date(2025, 3, 18)),
             line("-220.00", "BPAY INV-10234", posted=date(2025, 3, 20))]
    first, second = reconcile(lines, items, keys=["k1", "k2"])
    assert second.line_key == "k2" and second.candidates[0].item_ids == ("bill:1",)
    assert second.candidates[0].confidence >= 0.95
    loser = first.candidates[0]
    assert loser.item_ids == ("bill:1",) and loser.confidence <= 0.45
    assert any("INV-10234 is also the best match for another line (20/03/2025, $220.00 out)" in r
               for r in loser.reasons)


def test_a_line_that_loses_its_bill_falls_back_to_its_next_candidate() -> None:
    items = [bill(1, "220.00", "Bunnings Group Limited", "INV-10234", contact_id=11)]
    categoriser = train(_history("VISA PURCHASE BUNNINGS WAREHOUSE", "6110"))
    lines = [line("-220.00", "BPAY INV-10234"),
             line("-220.00", "VISA PURCHASE BUNNINGS WAREHOUSE 3")]
    paid, spent = reconcile(lines, items, categoriser=categoriser)
    assert paid.candidates[0].item_ids == ("bill:1",)
    top = spent.candidates[0]
    assert (top.kind, top.account_code) == ("categorise", "6110")
    demoted = next(c for c in spent.candidates if c.kind == "match")
    assert demoted.confidence < top.confidence


def test_no_open_item_is_the_confident_answer_for_two_lines() -> None:
    # Every bill quoted by two lines: ten bills, twenty lines, one confident line per bill.
    items = [bill(n, f"{100 + 10 * n}.00", f"Supplier {n}", f"INV-{5000 + n}") for n in range(20)]
    lines = [line(f"-{100 + 10 * (n % 10)}.00", f"BPAY INV-{5000 + n % 10}") for n in range(20)]
    proposals = reconcile(lines, items)
    confident = [i for p in proposals if p.candidates and p.candidates[0].confidence >= 0.9
                 for i in p.candidates[0].item_ids]
    assert len(confident) == len(set(confident)) == 10


def test_an_index_built_once_gives_the_same_answers() -> None:
    probe = line("-550.00", "TELSTRA CORP DD 4455")
    assert suggest(probe, BOOKS, index=build_index(BOOKS)) == suggest(probe, BOOKS)


def test_at_most_the_configured_number_of_candidates() -> None:
    items = [bill(n, "99.00", f"Supplier {n}", f"S-{n}") for n in range(12)]
    assert len(suggest(line("-99.00", "PAYMENT"), items)) == 5
    assert len(suggest(line("-99.00", "PAYMENT"), items,
                       config=ReconcileConfig(max_candidates=3))) == 3


def test_a_transfer_to_an_account_that_is_not_ours_is_no_transfer() -> None:
    """"TRANSFER TO XX9012" when no account of the business ends 9012: the money left (the
    owner's personal account, say); the word transfer is no hint then."""
    found = suggest(line("-1000.00", "TRANSFER TO XX9012 NETBANK E CALLAGHAN"), BOOKS,
                    own_accounts=OWN, bank_account_code="1100")
    assert all(c.kind != "transfer" for c in found)


RUN = "PAYRUN 100007"
PAY_RUN_BILLS = tuple(bill(30 + n, amount, contact, f"PR-{n}", contact_id=60 + n % 3,
                           references=(RUN,))
                      for n, (amount, contact) in enumerate((
                          ("412.50", "Acme Tiles"), ("96.80", "Bright Signs"),
                          ("1320.00", "Coastal Freight"), ("55.00", "Acme Tiles"),
                          ("742.15", "Bright Signs"), ("208.00", "Coastal Freight"))))


def test_one_debit_for_a_payment_run_settles_every_bill_in_it() -> None:
    """An ABA file balanced by one debit: the bank line quotes the run's reference and is the
    total of its six bills, more than a payment is otherwise searched for."""
    total = sum((b.amount for b in PAY_RUN_BILLS), D(0))
    top = best(line(f"-{total}", f"DIRECT ENTRY {RUN} HARBOUR VINE"), [*PAY_RUN_BILLS, *BOOKS])
    assert top.kind == "match" and set(top.item_ids) == {b.item_id for b in PAY_RUN_BILLS}
    assert top.confidence >= 0.9
    # A line for less than the run is no settlement of all of it.
    short = suggest(line(f"-{total - D('55.00')}", f"DIRECT ENTRY {RUN}"), PAY_RUN_BILLS)
    assert all(len(c.item_ids) < len(PAY_RUN_BILLS) for c in short if c.kind == "match")
