from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tools.payments.proposal import (
    PayableBill,
    Payee,
    approval_problems,
    changed_payees,
    lodgement_reference,
    propose,
    stale_bills,
    to_cents,
)


def bill(i: int, cid: int, supplier: str, due: date, cents: int, status: str = "posted") -> PayableBill:
    return PayableBill(i, cid, supplier, f"B-{i}", due, status, cents)


def test_bills_due_by_the_date_are_grouped_by_supplier() -> None:
    bills = [bill(1, 7, "Zeta", date(2026, 4, 30), 1000), bill(2, 3, "Acme", date(2026, 5, 1), 500),
             bill(3, 3, "Acme", date(2026, 4, 1), 250), bill(4, 3, "Acme", date(2026, 4, 2), 99, "paid"),
             bill(5, 7, "Zeta", date(2026, 4, 3), 0), bill(6, 3, "Acme", date(2026, 4, 9), 10, "draft")]
    run = propose(bills, date(2026, 4, 30))
    assert [(p.supplier, [b.bill_id for b in p.bills], p.cents) for p in run] == [
        ("Acme", [3], 250), ("Zeta", [1], 1000)]


def test_cents_are_exact() -> None:
    assert to_cents(Decimal("1234.56")) == 123456
    with pytest.raises(ValueError):
        to_cents(Decimal("1.005"))


def test_lodgement_reference_fits_18() -> None:
    assert lodgement_reference(["AT-101", "AT-102"]) == "AT-101 AT-102"
    assert lodgement_reference(["INV-10001", "INV-10002", "INV-10003"]) == "INV-10001 +2"


def test_stale_bills_and_changed_payees_name_the_row() -> None:
    wanted = [bill(1, 7, "Zeta", date(2026, 4, 30), 1000), bill(2, 3, "Acme", date(2026, 4, 1), 500)]
    now = {1: bill(1, 7, "Zeta", date(2026, 4, 30), 0, "paid"), 2: wanted[1]}
    [p] = stale_bills(wanted, now)
    assert p.code == "bill_already_paid" and "B-1 of Zeta" in p.message
    snap = [Payee(3, 10, "062000", "111111", "Acme")]
    [c] = changed_payees(snap, {3: Payee(3, 11, "062000", "222222", "Acme")}, {3: "Acme"}, "approval")
    assert c.code == "payee_bank_details_changed" and c.message.startswith("Acme")
    assert changed_payees(snap, {3: snap[0]}, {3: "Acme"}, "approval") == ()


def test_segregation_of_duties() -> None:
    assert [p.code for p in approval_problems("alice", "Alice", {}, {})] == ["segregation_of_duties"]
    [p] = approval_problems("bob", "alice", {3: "bob", 4: "carol"}, {3: "Acme", 4: "Zeta"})
    assert "Acme" in p.message
    assert approval_problems("dave", "alice", {3: "bob"}, {3: "Acme"}) == ()
