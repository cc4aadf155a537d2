"""The assistant tool `bills_due`: which approved bills are due to be paid by a date, and what the
payment runs hold, read-only. It never proposes, approves or writes a run (the agent proposes,
code disposes: `backoffice pay` and a person do that). Roles follow the API's "payments.read".

(The name avoids "pay…": a tool whose name looks like it moves money is never offered to a model.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field
from sqlalchemy import Select, select

from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller, ToolModel, ToolRefused
from memory.db import read_only
from memory.payments_schema import PaymentRunItem, PaymentRunRow
from memory.payments_store import ACTIVE, PaymentsStore
from services import payment_runs
from tools.ledger.problems import LedgerError
from tools.payments.proposal import from_cents

PAYMENTS_ROLES = ("clerk", "approver", "owner", "auditor")


class BillsDueRequest(ToolModel):
    query: Literal["due", "runs"] = Field(default="due", description=(
        "due: the approved (posted), unpaid bills due on or before `due_by`, and the payment run "
        "each is already in; runs: the payment runs, newest first (or `run_id`), with their "
        "status, who proposed and approved them, the file and the suppliers paid"))
    due_by: date | None = Field(default=None, description="due: the last due date included "
                                                           "(default: a week from today)")
    run_id: int | None = Field(default=None, ge=1, description="runs: only this run")
    limit: int = Field(default=20, ge=1, le=200)


class DueBill(ToolModel):
    bill_id: int
    supplier: str
    number: str
    due_date: date
    outstanding: Decimal
    overdue: bool
    payment_run: str | None = None       # the reference of the active run it is in
    run_status: str | None = None


class RunSupplier(ToolModel):
    supplier: str
    amount: Decimal
    bills: list[str]


class RunOut(ToolModel):
    id: int
    reference: str
    status: str
    due_by: date
    total: Decimal
    created_by: str
    created_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    file_written: bool = False
    filename: str | None = None
    process_on: date | None = None
    remittances_sent: int = 0
    suppliers: list[RunSupplier] = Field(default_factory=list)


class BillsDueResponse(ToolModel):
    query: str
    query_description: str
    as_at: date
    due_by: date | None = None
    bills: list[DueBill] = Field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0.00")
    in_a_run: Decimal = Decimal("0.00")
    not_in_a_run: Decimal = Decimal("0.00")
    no_bank_details: list[str] = Field(default_factory=list)
    runs: list[RunOut] = Field(default_factory=list)
    note: str = ("Writing a run's ABA file does not pay the bills: they are marked paid when the "
                 "bank statement shows the payment.")


def bills_due(request: BillsDueRequest, caller: Caller, deps: AssistantDeps) -> BillsDueResponse:
    """Bills to pay and payment runs. query=due answers "what bills are due to be paid by
    Friday?", "what's due by 14 July?": every approved, unpaid bill due on or before `due_by`
    (earliest first) with what is outstanding, whether it is overdue, and the payment run it is
    already in; with the total, how much is already in a run, and the suppliers with no bank
    details on file (a run cannot pay them). query=runs answers "what's in the last payment
    run?", "has it been approved?": each run's status (proposed, approved, written, cancelled),
    who proposed and approved it, whether its ABA file was written, and the suppliers and bills
    it pays. Quote amounts as given with `query_description`. Read-only: it never proposes,
    approves or writes a run, and bills waiting for approval are not payable yet (read_inbox)."""
    caller.require(*PAYMENTS_ROLES, what="read bills to pay and payment runs")
    today = deps.clock.now().date()
    if request.query == "runs":
        return _runs(request, deps, today)
    return _due(request, deps, today, caller.actor)


def _due(request: BillsDueRequest, deps: AssistantDeps, today: date, actor: str) -> BillsDueResponse:
    due_by = request.due_by or today + timedelta(days=7)
    with read_only(deps.sessions) as session:
        store = PaymentsStore(session, deps.clock, actor)
        in_runs = {item.invoice_id: (ref, status) for item, ref, status in session.execute(
            _active_items()).all()}
        bills = [b for b in store.open_bills() if b.outstanding_cents > 0]
        bills += [b for b in store.bills_now(list(in_runs)).values()
                  if b.status == "posted" and b.outstanding_cents > 0]
        bills = sorted((b for b in bills if b.due <= due_by),
                       key=lambda b: (b.due, b.supplier, b.number))
        payees = store.payees_now(b.contact_id for b in bills)
    rows = [DueBill(bill_id=b.bill_id, supplier=b.supplier, number=b.number, due_date=b.due,
                    outstanding=from_cents(b.outstanding_cents), overdue=b.due < today,
                    payment_run=in_runs.get(b.bill_id, (None, None))[0],
                    run_status=in_runs.get(b.bill_id, (None, None))[1]) for b in bills]
    in_run = sum(b.outstanding_cents for b in bills if b.bill_id in in_runs)
    total = sum(b.outstanding_cents for b in bills)
    return BillsDueResponse(
        query="due", as_at=today, due_by=due_by, bills=rows[:request.limit], count=len(rows),
        total=from_cents(total), in_a_run=from_cents(in_run), not_in_a_run=from_cents(total - in_run),
        no_bank_details=sorted({b.supplier for b in bills if payees.get(b.contact_id) is None}),
        query_description=f"Approved (posted), unpaid bills due on or before {due_by:%d/%m/%Y}, "
                          "with what is outstanding on each and the payment run each is in")


def _active_items() -> Select:
    return (select(PaymentRunItem, PaymentRunRow.reference, PaymentRunRow.status)
            .join(PaymentRunRow, PaymentRunRow.id == PaymentRunItem.run_id)
            .where(PaymentRunRow.status.in_(ACTIVE)))


def _runs(request: BillsDueRequest, deps: AssistantDeps, today: date) -> BillsDueResponse:
    try:
        if request.run_id is not None:
            views = [payment_runs.show_run(deps, request.run_id)]
        else:
            views = [payment_runs.show_run(deps, r["id"])
                     for r in payment_runs.list_runs(deps)[:request.limit]]
    except LedgerError as exc:
        raise ToolRefused("unknown_payment_run", str(exc)) from exc
    runs = [_run(v) for v in views]
    which = f"Payment run {request.run_id}" if request.run_id else "Payment runs, newest first"
    return BillsDueResponse(query="runs", as_at=today, runs=runs, count=len(runs),
                            total=sum((r.total for r in runs), Decimal("0.00")),
                            query_description=f"{which}: status, who proposed and approved "
                                              "each, its file and the suppliers it pays")


def _run(v: dict) -> RunOut:
    f = v.get("file")
    return RunOut(id=v["id"], reference=v["reference"], status=v["status"], due_by=v["due_by"],
                  total=v["total"], created_by=v["created_by"], created_at=v["created_at"],
                  approved_by=v.get("approved_by"), approved_at=v.get("approved_at"),
                  file_written=f is not None, filename=f["filename"] if f else None,
                  process_on=f["process_on"] if f else None,
                  remittances_sent=len(v.get("remittances", [])),
                  suppliers=[RunSupplier(supplier=s["supplier"], amount=s["amount"],
                                         bills=[b["number"] for b in s["bills"]])
                             for s in v.get("suppliers", [])])


BILLS_DUE_TOOL = AssistantTool(name="bills_due", request=BillsDueRequest,
                               response=BillsDueResponse, run=bills_due,
                               roles=frozenset(PAYMENTS_ROLES))
