"""Bank lines paired with the ledger's own entries on the bank account: same amount, a few days
later, wording that agrees; each entry claimed once; twins held below auto."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tools.bank.entries import EntryRef, match_entries
from tools.bank.payee import normalise_payee

D = Decimal
RENT = EntryRef(1, date(2026, 3, 1), D("-4400.00"), "Rent March 2026 Harbour Property Group")
WAGES = EntryRef(2, date(2026, 3, 4), D("-9120.55"), "Pay run 2026-02-16 to 2026-03-01 Net wages")


def test_a_line_settles_the_entry_of_its_amount_a_few_days_later() -> None:
    lines = [(date(2026, 3, 5), D("-9120.55"), "PAYROLL PAY RUN 04/03"),
             (date(2026, 3, 2), D("-4400.00"), "HARBOUR PROPERTY GRO RENT")]
    got = match_entries(lines, [RENT, WAGES])
    assert got[0].entry_id == 2 and got[1].entry_id == 1
    assert min(got[0].confidence, got[1].confidence) >= 0.9   # one each, and the words agree
    assert "1 day(s) apart" in got[0].reasons


def test_outside_the_window_or_another_amount_is_no_match() -> None:
    lines = [(date(2026, 2, 20), D("-4400.00"), "RENT"),      # before the entry by 9 days
             (date(2026, 3, 2), D("-4400.01"), "RENT")]
    assert match_entries(lines, [RENT]) == {}


def test_twins_are_told_apart_by_words_or_held_low() -> None:
    twins = [EntryRef(10, date(2026, 3, 10), D("-500.00"), "Payment of A-1 to Acme Tiles"),
             EntryRef(11, date(2026, 3, 10), D("-500.00"), "Payment of B-7 to Bright Signs")]
    worded = match_entries([(date(2026, 3, 11), D("-500.00"), "BRIGHT SIGNS B-7"),
                            (date(2026, 3, 11), D("-500.00"), "ACME TILES")], twins)
    assert (worded[0].entry_id, worded[1].entry_id) == (11, 10)
    blind = match_entries([(date(2026, 3, 11), D("-500.00"), "DIRECT DEBIT 99812"),
                           (date(2026, 3, 11), D("-500.00"), "DIRECT DEBIT 99813")], twins)
    assert {m.entry_id for m in blind.values()} == {10, 11}
    assert max(m.confidence for m in blind.values()) < 0.8


def test_an_entry_is_claimed_by_one_line_only() -> None:
    lines = [(date(2026, 3, 1), D("-4400.00"), "RENT HARBOUR PROPERTY"),
             (date(2026, 3, 3), D("-4400.00"), "RENT HARBOUR PROPERTY")]
    got = match_entries(lines, [RENT])
    assert list(got) == [0]


def test_a_payee_that_settled_such_entries_before_agrees_with_them() -> None:
    takings = EntryRef(20, date(2026, 3, 8), D("30998.43"), "Receipt for POS-20260308 from Retail Sales (POS)")
    line = [(date(2026, 3, 9), D("30998.43"), "SQUARE AUSTRALIA SETTLEMENT")]
    alone = match_entries(line, [takings])[0]
    learned = match_entries(line, [takings], aliases={
        normalise_payee(line[0][2]): frozenset({"POS", "RETAIL", "SALES"})})[0]
    assert alone.confidence < 0.9 <= learned.confidence
    assert any("earlier lines from this payee" in r for r in learned.reasons)


BAS = EntryRef(30, date(2026, 4, 28), D("-49896.39"), "BAS Jan-Mar 2026: GST and PAYG withholding Paid to the ATO")
SUPER = EntryRef(31, date(2026, 4, 28), D("-23379.84"), "Superannuation guarantee Jan-Mar 2026 Paid to clearing house")


def test_the_banks_channel_words_names_and_numbers_do_not_hide_agreeing_words() -> None:
    """NETBANK, BPAY and the CRN say nothing about what the line is; the bank's "TAX OFFICE" is
    the ledger's ATO and QuickSuper's clearing house is super."""
    lines = [(date(2026, 4, 29), D("-49896.39"), "TAX OFFICE PAYMENTS NETBANK BPAY 75556 551513246781"),
             (date(2026, 5, 1), D("-23379.84"), "QUICKSUPER 0021 CLEARING HSE")]
    got = match_entries(lines, [BAS, SUPER])
    assert (got[0].entry_id, got[1].entry_id) == (30, 31)
    for match in got.values():
        assert match.confidence >= 0.9
        assert any("shares" in r for r in match.reasons)


def test_a_unique_amount_with_cents_is_itself_evidence_a_round_one_is_not() -> None:
    day, text = date(2026, 3, 2), "DIRECT DEBIT 771203"        # no word in common with the entry
    exact = match_entries([(day, D("-4412.37"), text)],
                          [EntryRef(1, date(2026, 3, 1), D("-4412.37"), "Rent March 2026")])[0]
    round_ = match_entries([(day, D("-4400.00"), text)], [RENT])[0]
    small = match_entries([(day, D("-48.50"), text)],
                          [EntryRef(1, date(2026, 3, 1), D("-48.50"), "Rent March 2026")])[0]
    assert round_.confidence < small.confidence < exact.confidence
    assert any("amount with cents over $1,000" in r for r in exact.reasons)
    # Two entries of that amount nearby: the amount no longer tells them apart.
    twins = match_entries([(day, D("-4412.37"), text)],
                          [EntryRef(1, date(2026, 3, 1), D("-4412.37"), "Rent March 2026"),
                           EntryRef(2, date(2026, 3, 2), D("-4412.37"), "Fit-out instalment")])[0]
    assert twins.confidence < 0.8


def test_a_transfer_names_the_other_account_as_the_entry_of_its_near_side_does() -> None:
    near_side = EntryRef(40, date(2026, 3, 23), D("7000.00"),
                         "Bank: TRANSFER TO XX5678 SAVINGS 0620001012 1234 XX1234")
    got = match_entries([(date(2026, 3, 23), D("7000.00"), "TRANSFER FROM XX1234")], [near_side])[0]
    assert got.confidence >= 0.9
    unnamed = EntryRef(40, date(2026, 3, 23), D("7000.00"), "Bank: TRANSFER TO XX5678 SAVINGS")
    assert match_entries([(date(2026, 3, 23), D("7000.00"), "TRANSFER FROM XX1234")],
                         [unnamed])[0].confidence < 0.9
