"""tools.imports.plan: what an import would change, against a snapshot of the books (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tools.imports.exports import read_export
from tools.imports.model import ImportRefused
from tools.imports.plan import BooksSnapshot, KnownContact, opening_key, plan_import

FIXTURES = Path(__file__).parent / "fixtures" / "xero"
ROLES = {"accounts_payable": "2100", "accounts_receivable": "1200", "gst_collected": "2200",
         "gst_paid": "2210", "retained_earnings": "3200", "bank": "1100"}
EMPTY = BooksSnapshot({code: "asset" for code in ("1100", "1200")} | {"2100": "liability", "2200": "liability",
                      "2210": "liability", "3200": "equity"}, ROLES, (), {}, frozenset())


def _files(*names: str):
    return [read_export((FIXTURES / n).read_bytes(), n, "xero") for n in names]


def _codes(exc: pytest.ExceptionInfo[ImportRefused]) -> set[str]:
    return {p.code for p in exc.value.problems}


def test_bills_without_their_chart_are_refused_naming_the_unknown_account() -> None:
    with pytest.raises(ImportRefused) as exc:
        plan_import("xero", _files("Bills.csv"), EMPTY, as_at=None)
    assert _codes(exc) == {"unknown_account"}
    assert any(p.row == 2 and "no account 461" in p.message for p in exc.value.problems)


def test_opening_balances_need_their_date_and_no_bill_may_predate_it() -> None:
    files = _files("ChartOfAccounts.csv", "Bills.csv", "TrialBalance.csv")
    with pytest.raises(ImportRefused) as exc:
        plan_import("xero", files, EMPTY, as_at=None)
    assert _codes(exc) == {"opening_date_missing"}
    with pytest.raises(ImportRefused) as exc:
        plan_import("xero", files, EMPTY, as_at=date(2025, 12, 31))
    assert _codes(exc) == {"before_opening"}   # July-December's bills are already in those balances


def test_what_the_books_hold_is_unchanged_and_a_different_total_is_refused() -> None:
    files = _files("ChartOfAccounts.csv", "Contacts.csv", "Bills.csv")
    first = plan_import("xero", files, EMPTY, as_at=None)
    assert len(first.new_invoices) == 16 and first.changes_anything
    signs = KnownContact(7, "Harbourside Print & Signage", "31112233445", True, False, ("062000", "11223344"))
    clean = KnownContact(8, "Coastal Cleaning Services Pty Ltd", "21223344556", True, False, ("082001", "556677889"))
    bondi = KnownContact(9, "Bondi Home Stores", "11334455667", False, False, None)
    held = {("bill", 7 if i.contact_name.startswith("Harbour") else 8, i.number): i.total for i in first.new_invoices}
    accounts = dict(EMPTY.accounts) | {a.code: a.type for a in first.new_accounts}
    books = BooksSnapshot(accounts, ROLES, (signs, clean, bondi), held, frozenset())
    again = plan_import("xero", files, books, as_at=None)
    assert not again.changes_anything and len(again.unchanged_invoices) == 16
    held[("bill", 7, "HPS-2405")] += Decimal("1.00")
    with pytest.raises(ImportRefused) as exc:
        plan_import("xero", files, BooksSnapshot(accounts, ROLES, (signs, clean, bondi), held, frozenset()),
                    as_at=None)
    assert _codes(exc) == {"invoice_differs"}


def test_an_account_code_of_another_type_is_refused() -> None:
    books = BooksSnapshot(dict(EMPTY.accounts) | {"400": "revenue"}, ROLES, (), {}, frozenset())
    with pytest.raises(ImportRefused) as exc:
        plan_import("xero", _files("ChartOfAccounts.csv"), books, as_at=None)
    assert _codes(exc) == {"account_type_differs"} and exc.value.problems[0].row == 5


def test_the_same_invoice_in_two_overlapping_exports_is_one_invoice() -> None:
    bills = _files("Bills.csv")[0]
    plan = plan_import("xero", _files("ChartOfAccounts.csv") + [bills, bills], EMPTY, as_at=None)
    assert len(plan.new_invoices) == 16


def test_posted_opening_balances_are_not_posted_twice() -> None:
    files = _files("ChartOfAccounts.csv", "TrialBalance.csv")
    plan = plan_import("xero", files, EMPTY, as_at=date(2025, 6, 30))
    assert plan.opening_key == opening_key("xero", date(2025, 6, 30), files[1].opening)
    assert {b.account_code for b in plan.opening} == {"090", "1200", "2100", "2200", "3200"}
    again = plan_import("xero", files, BooksSnapshot(EMPTY.accounts, ROLES, (), {}, frozenset({plan.opening_key})),
                        as_at=date(2025, 6, 30))
    assert again.opening == ()
