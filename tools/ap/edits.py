"""An approver's edits to a proposed bill: which account a line goes to, and the due date.

Amounts, GST and the supplier are what the invoice says; an approver who disagrees with them rejects
the bill (and the supplier is asked for a corrected invoice). So an edit can never change what is
paid, only how it is coded and when it falls due; the journal is rebuilt and still balances.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from tools.ap.propose import BillProposal, ProposalChart, _journal
from tools.ledger.problems import Problem


class LineEdit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="Position of the line in the proposal, from 0")
    account_code: str = Field(min_length=1, max_length=20)


class ProposalEdits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: tuple[LineEdit, ...] = ()
    due_date: date | None = None


def apply_edits(proposal: BillProposal, edits: ProposalEdits,
                chart: ProposalChart) -> BillProposal | tuple[Problem, ...]:
    problems: list[Problem] = []
    lines = list(proposal.lines)
    for edit in edits.lines:
        if edit.index >= len(lines):
            problems.append(Problem("edit_line_unknown", f"The bill has no line {edit.index + 1}."))
        elif edit.account_code not in chart.line_accounts:
            problems.append(Problem("edit_account_unknown",
                                    f"{edit.account_code!r} is not an account a bill line can use."))
        else:
            lines[edit.index] = replace(lines[edit.index], account_code=edit.account_code,
                                        account_rule="approver")
    if edits.due_date is not None and edits.due_date < proposal.issue_date:
        problems.append(Problem("edit_due_before_issue", "The due date cannot be before the invoice date."))
    if proposal.supplier is None:
        problems.append(Problem("edit_supplier_missing",
                                "The supplier is not in the supplier master; add them first."))
    if problems:
        return tuple(problems)
    assert proposal.supplier is not None
    new_lines = tuple(lines)
    journal = None
    if all(ln.account_code for ln in new_lines):
        journal = _journal(new_lines, proposal.tax, proposal.total, proposal.number,
                           proposal.supplier_name, proposal.supplier.contact_id, proposal.issue_date, chart)
    due, rule = (edits.due_date, "approver") if edits.due_date else (proposal.due_date, proposal.due_date_rule)
    return replace(proposal, lines=new_lines, journal=journal, due_date=due, due_date_rule=rule,
                   issues=tuple(i for i in proposal.issues if i.code != "account_unresolved"))
