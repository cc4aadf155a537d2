from datetime import date
from decimal import Decimal as D

from tools.ledger.chart import standard_accounts, standard_tax_codes
from tools.ledger.model import Journal, JournalLine, cr, dr
from tools.ledger.postings import DocumentLine, document_journal, document_totals, payroll_journal
from tools.ledger.rules import reversal_of, trial_balance, validate_journal

ACCOUNTS = {a.code: a for a in standard_accounts()}
TAX = [t.code for t in standard_tax_codes()]
RATES = {t.code: t.rate for t in standard_tax_codes()}
ROLES = {a.role: a.code for a in standard_accounts() if a.role}


def codes(journal: Journal, lock: date | None = None) -> list[str]:
    return [p.code for p in validate_journal(journal, ACCOUNTS, lock, TAX)]


def test_balanced_journal_has_no_problems() -> None:
    j = Journal(date(2025, 8, 1), "Owner funds", (dr("1100", D("500.00")), cr("3100", D("500.00"))))
    assert codes(j) == []


def test_unbalanced_journal_names_the_difference() -> None:
    j = Journal(date(2025, 8, 1), "Typo", (dr("1100", D("500.00")), cr("3100", D("50.00"))))
    problems = validate_journal(j, ACCOUNTS, None, TAX)
    assert [p.code for p in problems] == ["unbalanced"]
    assert "$450.00" in problems[0].message


def test_float_sub_cent_zero_unknown_account_and_tax_code_are_each_reported() -> None:
    j = Journal(date(2025, 8, 1), "Bad lines", (
        JournalLine("1100", 10.5),  # type: ignore[arg-type]
        JournalLine("1100", D("0.001")),
        JournalLine("1100", D("0.00")),
        JournalLine("9999", D("1.00")),
        JournalLine("3100", D("-1.00"), tax_code="VAT"),
    ))
    assert set(codes(j)) >= {"float_amount", "sub_cent_amount", "zero_line", "unknown_account",
                             "unknown_tax_code"}


def test_lock_date_is_inclusive() -> None:
    lines = (dr("1100", D("1.00")), cr("3100", D("1.00")))
    assert codes(Journal(date(2026, 3, 31), "x", lines), lock=date(2026, 3, 31)) == ["period_locked"]
    assert codes(Journal(date(2026, 4, 1), "x", lines), lock=date(2026, 3, 31)) == []


def test_single_line_and_blank_narration_are_refused() -> None:
    assert set(codes(Journal(date(2025, 8, 1), " ", (dr("1100", D("1.00")),)))) >= {
        "no_narration", "too_few_lines"}


def test_reversal_negates_every_line_and_points_at_the_original() -> None:
    original = Journal(date(2025, 8, 1), "Rent", (dr("6100", D("100.00"), tax_code="GST"),
                                                   dr("2210", D("10.00")), cr("2100", D("110.00"))))
    rev = reversal_of(7, original, date(2025, 9, 1))
    assert rev.reverses_journal_id == 7 and rev.date == date(2025, 9, 1)
    assert [ln.amount for ln in rev.lines] == [D("-100.00"), D("-10.00"), D("110.00")]
    assert codes(rev) == []


def test_trial_balance_splits_balances_into_debit_and_credit() -> None:
    tb = trial_balance([(ACCOUNTS["1100"], D("250.00")), (ACCOUNTS["3100"], D("-250.00")),
                        (ACCOUNTS["6100"], D("0.00"))], None)
    rows = {r.code: r for r in tb.rows}
    assert (rows["1100"].debit, rows["1100"].credit) == (D("250.00"), D("0.00"))
    assert (rows["3100"].debit, rows["3100"].credit) == (D("0.00"), D("250.00"))
    assert tb.balanced and tb.total_debit == D("250.00")


def test_bill_journal_rounds_gst_per_line_and_balances() -> None:
    lines = [DocumentLine("Mugs", D("3"), D("5.955"), "5000", "GST"),
             DocumentLine("Bank fee", D("1"), D("2.50"), "6020", "INP")]
    totals = document_totals(lines, RATES)
    assert (totals.subtotal, totals.tax, totals.total) == (D("20.37"), D("1.79"), D("22.16"))
    journal = document_journal("bill", "B-1", "Supplier", 1, date(2025, 8, 1), lines, totals, ROLES)
    assert codes(journal) == []
    by_account = {ln.account_code: ln.amount for ln in journal.lines}
    assert by_account == {"5000": D("17.87"), "6020": D("2.50"), "2210": D("1.79"), "2100": D("-22.16")}


def test_sale_journal_mirrors_a_bill() -> None:
    lines = [DocumentLine("Order", D("2"), D("50.00"), "4100", "GST")]
    totals = document_totals(lines, RATES)
    journal = document_journal("sale", "I-1", "Cafe", 2, date(2025, 8, 1), lines, totals, ROLES)
    assert {ln.account_code: ln.amount for ln in journal.lines} == {
        "4100": D("-100.00"), "2200": D("-10.00"), "1200": D("110.00")}


def test_payroll_journal_pays_net_and_accrues_payg_and_super() -> None:
    j = payroll_journal(date(2025, 7, 16), "p1", D("1000.00"), D("150.00"), D("120.00"), ROLES, "1100")
    assert codes(j) == []
    assert {ln.account_code: ln.amount for ln in j.lines} == {
        "6200": D("1000.00"), "2300": D("-150.00"), "1100": D("-850.00"),
        "6210": D("120.00"), "2310": D("-120.00")}
