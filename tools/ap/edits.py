"""An approver's edits to a proposed bill: which account a line goes to, the due date, and
corrections of what the invoice was read as (number, issue date, purchase order, subtotal, GST,
total).

A correction fixes a misreading: the bill must still say what the supplier's invoice says, so
corrected money must add up (subtotal + GST = total) and the journal is rebuilt and still
balances: the lines keep their amounts, any difference between them and the corrected subtotal is
one "document_adjustment" line (as tools.ap.propose makes it), and the GST is shared over the lines
again. A corrected total changes what the approval is for, so whoever decides must be allowed to
approve the corrected amount (services.approvals checks it when deciding, the posting when posting).
A corrected purchase order corrects the reading only (it is learned for the supplier's next
invoices, tools.documents.learned): a bill matched to an order by its lines cannot be pointed at
another order by an edit; reject it instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.ap.propose import CENT, ZERO, BillLine, BillProposal, ProposalChart, _journal, apportion
from tools.documents.learned import HEADER_FIELDS
from tools.documents.model import Issue
from tools.ledger.problems import Problem

ADJUSTMENT = ("Difference between the invoice's lines and its total (charges, discounts or "
              "rounding)")


class LineEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="Position of the line in the proposal, from 0")
    account_code: str = Field(min_length=1, max_length=20)


class ProposalEdits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: tuple[LineEdit, ...] = ()
    due_date: date | None = None
    invoice_number: str | None = Field(default=None, min_length=1, max_length=100)
    issue_date: date | None = None
    purchase_order: str | None = Field(default=None, min_length=1, max_length=100)
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    total: Decimal | None = None

    @field_validator("subtotal", "tax", "total")
    @classmethod
    def _cents(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and (not value.is_finite() or value != value.quantize(CENT)):
            raise ValueError("an amount must be a finite number of whole cents")
        return value

    @field_validator("invoice_number", "purchase_order")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank")
        return value.strip() if value is not None else None

    def corrections(self) -> dict[str, Any]:
        """The corrected reading: header fields given (the due date included)."""
        return {f: getattr(self, f) for f in HEADER_FIELDS if getattr(self, f) is not None}

    @property
    def corrects_money(self) -> bool:
        return any(v is not None for v in (self.subtotal, self.tax, self.total))


@dataclass(frozen=True)
class EditTarget:
    """What an edit is checked against: the proposal, or its JSON as an approval shows it."""

    lines: int
    issue_date: date
    due_date: date
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    purchase_order: str | None

    @classmethod
    def of(cls, proposal: BillProposal) -> EditTarget:
        return cls(len(proposal.lines), proposal.issue_date, proposal.due_date, proposal.subtotal,
                   proposal.tax, proposal.total, proposal.purchase_order_number)

    @classmethod
    def of_dict(cls, data: dict[str, Any]) -> EditTarget:
        return cls(len(data.get("lines", [])), date.fromisoformat(data["issue_date"]),
                   date.fromisoformat(data["due_date"]), Decimal(data["subtotal"]),
                   Decimal(data["tax"]), Decimal(data["total"]), data.get("purchase_order"))


def edit_problems(edits: ProposalEdits, target: EditTarget, chart: ProposalChart) -> tuple[Problem, ...]:
    """Every reason these edits cannot be applied to the proposal; empty when they can."""
    problems: list[Problem] = []
    if not edits.lines and not edits.corrections():
        problems.append(Problem("no_changes", "An edit needs at least one change."))
    for edit in edits.lines:
        if edit.index >= target.lines:
            problems.append(Problem("edit_line_unknown", f"The bill has no line {edit.index + 1}."))
        elif edit.account_code not in chart.line_accounts:
            problems.append(Problem("edit_account_unknown",
                                    f"{edit.account_code!r} is not an account a bill line can use."))
    issue = edits.issue_date or target.issue_date
    if (edits.due_date or target.due_date) < issue:
        problems.append(Problem("edit_due_before_issue", "The due date cannot be before the invoice date."))
    subtotal, tax, total = (edits.subtotal if edits.subtotal is not None else target.subtotal,
                            edits.tax if edits.tax is not None else target.tax,
                            edits.total if edits.total is not None else target.total)
    if edits.corrects_money and subtotal + tax != total:
        problems.append(Problem("edit_money_does_not_add_up", (
            f"The corrected amounts do not add up: subtotal {subtotal} + GST {tax} = "
            f"{subtotal + tax}, not the total {total}. Send the subtotal, GST and total as the "
            "invoice shows them.")))
    if edits.corrects_money and (total <= 0 or tax < 0):
        problems.append(Problem("edit_amount_not_positive",
                                "A bill's total must be more than $0.00 and its GST not negative."))
    if edits.purchase_order is not None and target.purchase_order not in (None, edits.purchase_order):
        problems.append(Problem("edit_purchase_order_matched", (
            f"The bill was matched to purchase order {target.purchase_order} line by line; an edit "
            "cannot move it to another order. Reject it if the match is wrong.")))
    return tuple(problems)


def _money(lines: list[BillLine], subtotal: Decimal, tax: Decimal, chart: ProposalChart,
           issues: list[Issue]) -> list[BillLine]:
    """The lines for a corrected subtotal and GST: the invoice's lines as they are, the difference
    as one adjustment line, the GST shared over them again (largest remainder)."""
    body = [ln for ln in lines if not (ln.source_line is None and ln.description == ADJUSTMENT)]
    if len(body) == 1 and body[0].source_line is None:  # one line for the whole bill
        body = [replace(body[0], amount=subtotal, unit_price=subtotal / (body[0].quantity or 1))]
    diff = subtotal - sum((ln.amount for ln in body), ZERO)
    issues[:] = [i for i in issues if i.code != "document_adjustment"]
    if diff != 0:
        largest = max(body, key=lambda ln: abs(ln.amount))
        body.append(BillLine(ADJUSTMENT, Decimal("1.0000"), diff, diff, largest.tax_code, ZERO,
                             largest.account_code, "document_adjustment"))
        issues.append(Issue(code="document_adjustment", field="lines", message=(
            f"The lines add up to ${subtotal - diff:,.2f}, but the corrected value before GST is "
            f"${subtotal:,.2f}; the difference of ${diff:,.2f} is a separate line.")))
    weights = [ln.amount * chart.tax_rates.get(ln.tax_code, ZERO) for ln in body]
    if not any(weights) and tax != 0:
        weights = [abs(ln.amount) for ln in body]
    return [replace(ln, tax_amount=share) for ln, share in zip(body, apportion(tax, weights))]


def apply_edits(proposal: BillProposal, edits: ProposalEdits,
                chart: ProposalChart) -> BillProposal | tuple[Problem, ...]:
    problems = list(edit_problems(edits, EditTarget.of(proposal), chart))
    problems = [p for p in problems if p.code != "no_changes"]
    if proposal.supplier is None:
        problems.append(Problem("edit_supplier_missing",
                                "The supplier is not in the supplier master; add them first."))
    if problems:
        return tuple(problems)
    assert proposal.supplier is not None
    lines = list(proposal.lines)
    for edit in edits.lines:
        lines[edit.index] = replace(lines[edit.index], account_code=edit.account_code,
                                    account_rule="approver")
    issues = [i for i in proposal.issues if i.code != "account_unresolved"]
    tax = edits.tax if edits.tax is not None else proposal.tax
    total = edits.total if edits.total is not None else proposal.total
    if edits.corrects_money:
        lines = _money(lines, total - tax, tax, chart, issues)
    number = edits.invoice_number or proposal.number
    issued = edits.issue_date or proposal.issue_date
    new_lines = tuple(lines)
    journal = None
    if all(ln.account_code for ln in new_lines):
        journal = _journal(new_lines, tax, total, number, proposal.supplier_name,
                           proposal.supplier.contact_id, issued, chart)
    due, rule = (edits.due_date, "approver") if edits.due_date else (proposal.due_date, proposal.due_date_rule)
    return replace(proposal, number=number, issue_date=issued, lines=new_lines, journal=journal,
                   due_date=due, due_date_rule=rule, subtotal=total - tax, tax=tax, total=total,
                   issues=tuple(dict.fromkeys(issues)))
