"""A payment run's proposal (pure): the approved bills due by a date, grouped by supplier, each
amount in exact integer cents, and the checks made again before an approval and before the file.

A bill is payable when it is posted (approved into the books, or auto-posted by policy), not paid,
has something outstanding and is due on or before the run's date. Each supplier is paid once per
run: one credit for the sum of its bills, the lodgement reference naming the bills it pays.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.ledger.problems import Problem

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """Exact: a dollar amount as integer cents; an amount with fractions of a cent is refused."""
    if not isinstance(amount, Decimal) or amount != amount.quantize(CENT):
        raise ValueError(f"{amount!r} is not an amount in whole cents")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


@dataclass(frozen=True)
class PayableBill:
    bill_id: int
    contact_id: int
    supplier: str
    number: str
    due: date
    status: str              # the invoice's status: only 'posted' is payable
    outstanding_cents: int


@dataclass(frozen=True)
class Payee:
    """A supplier's bank details as the supplier master holds them (`details_id`: which version)."""
    contact_id: int
    details_id: int
    bsb: str
    account_number: str
    account_name: str | None


@dataclass(frozen=True)
class SupplierPayment:
    contact_id: int
    supplier: str
    bills: tuple[PayableBill, ...]

    @property
    def cents(self) -> int:
        return sum(b.outstanding_cents for b in self.bills)


def payable(bill: PayableBill, due_by: date) -> bool:
    return bill.status == "posted" and bill.outstanding_cents > 0 and bill.due <= due_by


def propose(bills: Iterable[PayableBill], due_by: date) -> tuple[SupplierPayment, ...]:
    """The bills a run due by `due_by` pays, grouped by supplier (by name, then each supplier's
    bills by due date and number)."""
    groups: dict[int, list[PayableBill]] = {}
    for bill in bills:
        if payable(bill, due_by):
            groups.setdefault(bill.contact_id, []).append(bill)
    out = [SupplierPayment(cid, found[0].supplier,
                           tuple(sorted(found, key=lambda b: (b.due, b.number, b.bill_id))))
           for cid, found in groups.items()]
    return tuple(sorted(out, key=lambda p: (p.supplier.casefold(), p.contact_id)))


def lodgement_reference(numbers: Sequence[str], limit: int = 18) -> str:
    """What the payee's statement shows: the bill numbers paid, as many as fit in `limit`
    characters ("INV-1 INV-2"), or the first number and "+N" more."""
    text = " ".join(numbers)
    if len(text) <= limit:
        return text
    for keep in range(len(numbers) - 1, 0, -1):
        short = " ".join(numbers[:keep]) + f" +{len(numbers) - keep}"
        if len(short) <= limit:
            return short
    return numbers[0][:limit]


def stale_bills(wanted: Iterable[PayableBill], now: dict[int, PayableBill]) -> tuple[Problem, ...]:
    """Every bill of a run that is no longer payable as it was proposed: paid, no longer posted,
    or with a different amount outstanding (`now`: the books as they are, by bill id)."""
    problems = []
    for bill in wanted:
        current = now.get(bill.bill_id)
        label = f"bill {bill.number} of {bill.supplier} (#{bill.bill_id})"
        if current is None:
            problems.append(Problem("bill_missing", f"{label} is no longer in the books"))
        elif current.status == "paid" or current.outstanding_cents <= 0:
            problems.append(Problem("bill_already_paid", f"{label} is already paid"))
        elif current.status != "posted":
            problems.append(Problem("bill_not_approved",
                                    f"{label} is {current.status}, not an approved bill"))
        elif current.outstanding_cents != bill.outstanding_cents:
            problems.append(Problem(
                "bill_amount_changed",
                f"{label} now has {from_cents(current.outstanding_cents)} outstanding, not the "
                f"{from_cents(bill.outstanding_cents)} the run pays"))
    return tuple(problems)


def changed_payees(snapshot: Iterable[Payee], now: dict[int, Payee | None],
                   names: dict[int, str], since: str) -> tuple[Problem, ...]:
    """Every payee whose bank details in the supplier master are not the ones `snapshot` holds."""
    problems = []
    for payee in snapshot:
        current = now.get(payee.contact_id)
        name = names.get(payee.contact_id, f"contact {payee.contact_id}")
        if current is None:
            problems.append(Problem("payee_bank_details_missing",
                                    f"{name} has no bank details on file any more"))
        elif (current.details_id, current.bsb, current.account_number) != (
                payee.details_id, payee.bsb, payee.account_number):
            problems.append(Problem(
                "payee_bank_details_changed",
                f"{name}'s bank details changed since {since} (now BSB {current.bsb} account "
                f"ending {current.account_number[-3:]}); the run must be proposed and approved "
                "again"))
    return tuple(problems)


def approval_problems(approver: str, created_by: str,
                      bank_changed_by: dict[int, str | None], names: dict[int, str]
                      ) -> tuple[Problem, ...]:
    """Segregation of duties: the approver is neither the run's creator nor whoever last changed
    any of its payees' bank details."""
    who = (approver or "").strip().casefold()
    if not who:
        return (Problem("no_actor", "An approval must name the person approving"),)
    problems = []
    if who == (created_by or "").strip().casefold():
        problems.append(Problem("segregation_of_duties",
                                "You created this payment run, so someone else must approve it"))
    for contact_id, changer in sorted(bank_changed_by.items()):
        if changer and changer.strip().casefold() == who:
            problems.append(Problem(
                "segregation_of_duties",
                f"You last changed {names.get(contact_id, contact_id)}'s bank details, so you "
                "may not approve a run that pays them"))
    return tuple(problems)
