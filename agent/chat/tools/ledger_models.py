"""The query_ledger tool's request and response (the tool is query_ledger; the computations are
ledger_queries, which answers in these shapes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from agent.chat.tools.contract import ToolModel

QueryKind = Literal["account_balances", "profit_and_loss", "cash", "payables", "bills", "gst"]


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
