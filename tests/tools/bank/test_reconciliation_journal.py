"""The journal a chosen reconciliation candidate posts: balanced, to the right accounts, GST
split to the cent, and postable against the standard chart."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.bank.model import BankLine
from tools.bank.reconcile import Candidate, OpenItem, reconciliation_journal, suggest
from tools.ledger.chart import standard_accounts, standard_tax_codes
from tools.ledger.model import Journal
from tools.ledger.problems import LedgerError
from tools.ledger.rules import validate_journal

D = Decimal
ON = date(2025, 3, 20)
ACCOUNTS = {a.code: a for a in standard_accounts()}
TAX_RATES = {t.code: t.rate for t in standard_tax_codes()}


def postable(journal: Journal) -> None:
    assert validate_journal(journal, ACCOUNTS, None, TAX_RATES) == ()
    assert sum(ln.amount for ln in journal.lines) == 0


def signed(journal: Journal) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for ln in journal.lines:
        out[ln.account_code] = out.get(ln.account_code, D("0")) + ln.amount
    return out


def item(n: int, kind: str, amount: str, account: str, contact_id: int | None = 7) -> OpenItem:
    direction = "in" if kind == "sale" else "out"
    return OpenItem(f"{kind}:{n}", kind, direction, D(amount), "Acme Supplies", f"A-{n}",  # type: ignore[arg-type]
                    date(2025, 3, 1), date(2025, 3, 31), account, contact_id)


def match(line: BankLine, *items_: OpenItem, allocations: tuple[str, ...] | None = None
          ) -> Candidate:
    amounts = [D(a) for a in allocations] if allocations else [i.amount for i in items_]
    settled = sum((a if i.direction == "in" else -a for i, a in zip(items_, amounts)), D("0.00"))
    return Candidate("match", 0.9, (), item_ids=tuple(i.item_id for i in items_),
                     allocations=tuple((i.item_id, a) for i, a in zip(items_, amounts)),
                     difference=line.amount - settled, items=items_)


def test_a_bill_payment_debits_trade_creditors_with_the_supplier() -> None:
    line = BankLine(ON, D("-220.00"), "BPAY INV-10234")
    journal = reconciliation_journal(line, match(line, item(1, "bill", "220.00", "2100")),
                                     bank_account_code="1100", line_key="k1")
    postable(journal)
    assert [(ln.account_code, ln.amount, ln.contact_id) for ln in journal.lines] == [
        ("1100", D("-220.00"), None), ("2100", D("220.00"), 7)]
    assert (journal.source_type, journal.source_ref, journal.idempotency_key) == (
        "bank", "k1", "bank:k1")


def test_one_payment_for_three_bills_debits_each() -> None:
    bills = [item(n, "bill", a, "2100") for n, a in ((1, "100.00"), (2, "200.00"), (3, "300.50"))]
    line = BankLine(ON, D("-600.50"), "INTERNET TRANSFER ACME")
    journal = reconciliation_journal(line, match(line, *bills), bank_account_code="1100")
    postable(journal)
    assert [ln.amount for ln in journal.lines if ln.account_code == "2100"] == [
        D("100.00"), D("200.00"), D("300.50")]


def test_a_receipt_short_by_a_merchant_fee_debits_bank_fees() -> None:
    line = BankLine(ON, D("1098.50"), "DIRECT CREDIT SMITH J")
    candidate = match(line, item(1, "sale", "1100.00", "1200"))
    assert candidate.difference == D("-1.50")
    journal = reconciliation_journal(line, candidate, bank_account_code="1100")
    postable(journal)
    assert signed(journal) == {"1100": D("1098.50"), "1200": D("-1100.00"), "6020": D("1.50")}


def test_an_overpayment_credits_the_difference_account() -> None:
    line = BankLine(ON, D("1100.40"), "DIRECT CREDIT SMITH J")
    journal = reconciliation_journal(line, match(line, item(1, "sale", "1100.00", "1200")),
                                     bank_account_code="1100", difference_account_code="4900")
    assert signed(journal)["4900"] == D("-0.40")
    assert sum(ln.amount for ln in journal.lines) == 0


def test_a_bill_paid_with_a_bank_fee_on_top() -> None:
    line = BankLine(ON, D("-1125.00"), "INTL PAYMENT HARBOUR SIGNS")
    journal = reconciliation_journal(line, match(line, item(1, "bill", "1100.00", "2100")),
                                     bank_account_code="1100")
    postable(journal)
    assert signed(journal) == {"1100": D("-1125.00"), "2100": D("1100.00"), "6020": D("25.00")}


def test_pay_run_super_and_bas_settle_their_clearing_accounts() -> None:
    for kind, account in (("payrun", "2320"), ("super", "2310"), ("tax", "2300")):
        line = BankLine(ON, D("-4321.00"), "PAYROLL")
        journal = reconciliation_journal(line, match(line, item(1, kind, "4321.00", account, None)),
                                         bank_account_code="1100")
        postable(journal)
        assert signed(journal) == {"1100": D("-4321.00"), account: D("4321.00")}


@pytest.mark.parametrize(("gross", "gst"), [
    ("110.00", "10.00"), ("85.47", "7.77"), ("100.00", "9.09"), ("0.05", "0.00"),
    ("0.06", "0.01"), ("16.50", "1.50"), ("1234.56", "112.23"), ("5.50", "0.50"),
])
def test_a_categorised_spend_splits_gst_at_one_eleventh_to_the_cent(gross: str, gst: str) -> None:
    line = BankLine(ON, -D(gross), "VISA PURCHASE BUNNINGS")
    candidate = Candidate("categorise", 0.9, (), account_code="6110", tax_code="GST")
    journal = reconciliation_journal(line, candidate, bank_account_code="1100",
                                     tax_rates=TAX_RATES)
    postable(journal)
    parts = signed(journal)
    assert parts.get("2210", D("0.00")) == D(gst)
    assert parts["6110"] == D(gross) - D(gst)
    assert next(ln for ln in journal.lines if ln.account_code == "6110").tax_code == "GST"


def test_money_in_with_gst_credits_gst_collected() -> None:
    line = BankLine(ON, D("330.00"), "SQUARE PAYOUT")
    candidate = Candidate("rule", 0.95, (), account_code="4000", tax_code="GST", contact_id=3)
    journal = reconciliation_journal(line, candidate, bank_account_code="1100")
    postable(journal)
    assert signed(journal) == {"1100": D("330.00"), "4000": D("-300.00"), "2200": D("-30.00")}
    assert next(ln for ln in journal.lines if ln.account_code == "4000").contact_id == 3


def test_gst_free_and_input_taxed_lines_have_no_gst() -> None:
    for code in ("FRE", "INP", "N-T", None):
        line = BankLine(ON, D("-10.00"), "ACCOUNT SERVICING FEE")
        journal = reconciliation_journal(line, Candidate("categorise", 0.9, (), account_code="6020",
                                                         tax_code=code), bank_account_code="1100")
        assert signed(journal) == {"1100": D("-10.00"), "6020": D("10.00")}


def test_a_transfer_to_savings() -> None:
    line = BankLine(ON, D("-2000.00"), "TRANSFER TO XX9876")
    journal = reconciliation_journal(line, Candidate("transfer", 0.97, (), account_code="1110"),
                                     bank_account_code="1100")
    postable(journal)
    assert signed(journal) == {"1100": D("-2000.00"), "1110": D("2000.00")}


def test_the_journal_from_a_suggested_candidate_is_postable() -> None:
    items = [item(1, "sale", "1100.00", "1200")]
    line = BankLine(date(2025, 3, 10), D("1098.50"), "DIRECT CREDIT 301500 ACME SUPPLIES A-1")
    top = suggest(line, items)[0]
    postable(reconciliation_journal(line, top, bank_account_code="1100"))


def test_allocations_that_do_not_add_up_are_refused() -> None:
    line = BankLine(ON, D("-220.00"), "BPAY")
    bill = item(1, "bill", "220.00", "2100")
    wrong = Candidate("match", 0.9, (), item_ids=(bill.item_id,),
                      allocations=((bill.item_id, D("200.00")),), items=(bill,))
    with pytest.raises(LedgerError) as refused:
        reconciliation_journal(line, wrong, bank_account_code="1100")
    assert refused.value.codes == ("unbalanced",)
    assert "$20.00" in str(refused.value)


@pytest.mark.parametrize(("candidate", "code"), [
    (Candidate("categorise", 0.9, (), account_code="6110", tax_code="XYZ"), "unknown_tax_code"),
    (Candidate("categorise", 0.9, ()), "no_account"),
    (Candidate("match", 0.9, (), item_ids=("bill:1",), allocations=(("bill:1", D("5.00")),)),
     "match_without_items"),
])
def test_candidates_that_cannot_be_posted_say_why(candidate: Candidate, code: str) -> None:
    with pytest.raises(LedgerError) as refused:
        reconciliation_journal(BankLine(ON, D("-5.00"), "X"), candidate, bank_account_code="1100")
    assert refused.value.codes == (code,)


cents = st.integers(min_value=1, max_value=5_000_000).map(lambda c: D(c) / 100)


@settings(max_examples=200, deadline=None)
@given(amounts=st.lists(cents, min_size=1, max_size=4),
       fee=st.integers(min_value=-2_000, max_value=2_000).map(lambda c: D(c) / 100),
       money_in=st.booleans())
def test_every_match_journal_balances(amounts: list[Decimal], fee: Decimal, money_in: bool) -> None:
    kind, account = ("sale", "1200") if money_in else ("bill", "2100")
    items_ = [item(n, kind, f"{a}", account) for n, a in enumerate(amounts)]
    total = sum(amounts, D("0.00"))
    amount = (total + fee) if money_in else -(total + fee)
    if amount == 0 or (amount > 0) != money_in:
        return
    line = BankLine(ON, amount, "PAYMENT")
    candidate = match(line, *items_)
    assert candidate.difference == (fee if money_in else -fee)
    journal = reconciliation_journal(line, candidate, bank_account_code="1100")
    postable(journal)
    assert signed(journal)["1100"] == amount


@settings(max_examples=300, deadline=None)
@given(gross=cents, money_in=st.booleans(), tax=st.sampled_from(["GST", "CAP", "FRE", "INP"]))
def test_every_categorised_journal_balances_with_gst_to_the_cent(
        gross: Decimal, money_in: bool, tax: str) -> None:
    line = BankLine(ON, gross if money_in else -gross, "CARD")
    journal = reconciliation_journal(line, Candidate("categorise", 0.9, (), account_code="6110",
                                                     tax_code=tax), bank_account_code="1100")
    postable(journal)
    rate = TAX_RATES[tax]
    expected = (gross * rate / (1 + rate)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    gst_account = "2200" if money_in else "2210"
    assert abs(signed(journal).get(gst_account, D("0.00"))) == expected
    assert abs(signed(journal)["6110"]) == gross - expected
