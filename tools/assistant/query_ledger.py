"""The assistant tool `query_ledger`: one typed question about the books at a time.

Each query kind is a fixed computation (tools/assistant/ledger_queries.py, over the reporting
kernel tools.reports and memory's parameterised reads), so every number the assistant quotes comes
with `query_description`: what was computed, over which period and on which basis.

Roles follow the API (api.views.PERMISSIONS): bills and payables are "bills.read" (every role);
balances, profit and loss, cash and GST are "ledger.read"/"reports.read" (owner, auditor, admin).
An approver decides bills within a limit but, as in the API, does not read the whole books: the
approval queue shows them everything a decision needs.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from tools.assistant.contract import ROLES, AssistantDeps, AssistantTool, Caller, ToolModel

QueryKind = Literal["account_balances", "profit_and_loss", "cash", "payables", "bills", "gst"]
BOOKS_ROLES = ("owner", "auditor", "admin")
OPEN_TO_ALL: frozenset[str] = frozenset({"payables", "bills"})


class QueryLedgerRequest(ToolModel):
    query: QueryKind = Field(description=(
        "account_balances: each account's balance at as_at (a trial balance); profit_and_loss: "
        "income and expenses by account for a period; cash: each bank account's opening, money "
        "in, money out and closing for a period; payables: what is owed to each supplier at "
        "as_at, aged by days overdue; bills: supplier bills (filter by supplier, status, "
        "due_before); gst: the BAS figures G1, 1A, 1B, W1, W2 for a period"))
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="A month as YYYY-MM (instead of period_start/end)")
    period_start: date | None = Field(default=None, description="First day of the period")
    period_end: date | None = Field(default=None, description="Last day of the period")
    as_at: date | None = Field(default=None, description="The day for balances and payables")
    supplier: str | None = Field(default=None, min_length=1, max_length=200,
                                 description="Part of a supplier's name")
    account_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.\-]{1,20}$",
                                     description="Only this account (balances, P&L)")
    status: Literal["draft", "posted", "paid", "void"] | None = Field(
        default=None, description="Bills in this status only")
    due_before: date | None = Field(default=None, description="Bills due before this day")
    limit: int = Field(default=100, ge=1, le=500, description="At most this many rows")

    @model_validator(mode="after")
    def _period(self) -> QueryLedgerRequest:
        if self.month and (self.period_start or self.period_end):
            raise ValueError("give either month or period_start/period_end, not both")
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("give both period_start and period_end")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class LedgerRow(ToolModel):
    label: str = Field(description="The account, supplier, bill or BAS label")
    amount: Decimal = Field(description="The row's figure (see query_description for its sign)")
    account_code: str | None = None
    section: str | None = None
    supplier: str | None = None
    bill_id: int | None = None
    number: str | None = None
    status: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    amounts: dict[str, Decimal] = Field(default_factory=dict,
                                        description="The row's parts (buckets, debit/credit...)")


class QueryLedgerResponse(ToolModel):
    query: QueryKind
    query_description: str = Field(description="What was computed: period, basis, sources")
    period_start: date | None = None
    period_end: date | None = None
    as_at: date | None = None
    rows: list[LedgerRow]
    totals: dict[str, Decimal]
    checks: list[str] = Field(default_factory=list,
                              description="Reconciliations, e.g. payables against the AP account")
    truncated: bool = False


def query_ledger(request: QueryLedgerRequest, caller: Caller,
                 deps: AssistantDeps) -> QueryLedgerResponse:
    """Answer one question about the books with a fixed, exact computation. `query` picks it:
    account_balances (trial balance at `as_at`, debit positive), profit_and_loss (income and
    expenses by account for `month` or `period_start`..`period_end`, with revenue, gross profit
    and net profit), cash (each bank account's opening, receipts, payments and closing for the
    period), payables (what is owed to each supplier at `as_at`, aged current / 1-30 / 31-60 /
    61-90 / over 90 days overdue, reconciled to the Accounts Payable account), bills (supplier
    bills filtered by `supplier`, `status`, `due_before`, with what is still owed on each), gst
    (the BAS labels G1, 1A, 1B, W1, W2 and net GST for the period, accruals basis). Without a
    period the last complete month is used (for gst: its BAS quarter); without `as_at`, today.
    Quote amounts as given and show `query_description` as the query behind each number; do not
    compute new totals. Payables and bills are open to every role; balances, profit and loss,
    cash and GST to the owner, auditor and admin. This tool only reads; it never posts, pays or
    approves anything.
    """
    from tools.assistant import ledger_queries

    if request.query in OPEN_TO_ALL:
        caller.require(*ROLES, what="read bills and payables")
    else:
        caller.require(*BOOKS_ROLES, what=f"read the books ({request.query.replace('_', ' ')})")
    return ledger_queries.run(request, deps)


QUERY_LEDGER_TOOL = AssistantTool(name="query_ledger", request=QueryLedgerRequest,
                                  response=QueryLedgerResponse, run=query_ledger,
                                  roles=frozenset(ROLES))
