"""Test doubles for the chat graph: two tools with the real tools' names and a fixed answer each,
and a context over them. The graph, the router, the composer and the LLM client are real."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from agent.chat.context import ChatContext, Prices
from agent.chat.llm_tools import ToolCallingModel
from core.settings import load_settings
from agent.chat.tools.contract import (
    ROLES, AssistantDeps, AssistantTool, Caller, ToolModel,
)

LEDGER_ROWS = {"revenue": Decimal("217710.31"), "net_profit": Decimal("48964.12")}


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 7, 1, 9, tzinfo=UTC)


class LedgerRequest(ToolModel):
    query: Literal["profit_and_loss", "payables", "cash", "gst", "account_balances", "bills"]
    month: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    period_start: str | None = None
    period_end: str | None = None


class LedgerResponse(ToolModel):
    query: str
    period_start: str | None
    period_end: str | None
    query_description: str
    totals: dict[str, Decimal]
    rows: list[dict[str, Any]]


def fake_query_ledger(request: LedgerRequest, caller: Caller, deps: AssistantDeps) -> LedgerResponse:
    """Answer one question about the books (test double)."""
    caller.require("owner", "auditor", "admin", what="read the books")
    return LedgerResponse(query=request.query, period_start="2026-05-01", period_end="2026-05-31",
                          rows=[{"label": "Sales", "amount": "217710.31"}],
                          query_description=f"Profit and loss for {request.month}",
                          totals=LEDGER_ROWS)


class SearchRequest(ToolModel):
    query: str
    k: int = 5


class SearchResponse(ToolModel):
    hits: list[dict[str, Any]]


def fake_search(request: SearchRequest, caller: Caller, deps: AssistantDeps) -> SearchResponse:
    """Search the policies and awards (test double)."""
    return SearchResponse(hits=[{
        "document": "retail-award-summary", "title": "General Retail Industry Award summary",
        "clause": "22.1", "heading": "Sunday work",
        "text": "Casual employees working on a Sunday are paid 175% of the minimum hourly rate. "
                "This includes the casual loading. Ordinary hours may be worked on Sundays.",
        "score": 0.91}])


TOOLS = {
    "query_ledger": AssistantTool(name="query_ledger", request=LedgerRequest,
                                  response=LedgerResponse, run=fake_query_ledger,
                                  roles=frozenset(ROLES)),
    "search_policies": AssistantTool(name="search_policies", request=SearchRequest,
                                     response=SearchResponse, run=fake_search,
                                     roles=frozenset(ROLES)),
}


def context(tmp_path: Path, *, role: str = "owner", model: ToolCallingModel | None = None,
            prices: Prices | None = None, max_rounds: int = 6) -> ChatContext:
    settings = load_settings(home=tmp_path, database_url=None)
    deps = AssistantDeps(settings=settings, sessions=None, clock=FixedClock())  # type: ignore[arg-type]
    return ChatContext(caller=Caller(actor=f"key:1:{role}", role=role),  # type: ignore[arg-type]
                       deps=deps, tools=TOOLS, model=model, prices=prices or Prices(),
                       max_rounds=max_rounds, organisation="Harbour & Vine Homewares")
