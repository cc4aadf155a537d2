"""The assistant tool `read_statements`: what the imported bank statements say, read-only.

`unreconciled`: each feed's reconciled-to date and open lines with their top suggestion;
`spend`: money paid to a payee (matched on the bank's own text, as normalised for matching) over
a period, with the lines behind the total. Roles follow the API's "bank.read".
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller, ToolModel, ToolRefused
from memory.bank_store import BankStore, line_from_row
from memory.db import read_only
from tools.bank.payee import normalise_text

BANK_ROLES = ("clerk", "approver", "owner", "auditor")


class ReadStatementsRequest(ToolModel):
    query: Literal["unreconciled", "spend"] = Field(description=(
        "unreconciled: open bank lines and each account's reconciled-to date; spend: what was "
        "paid to `payee` over the period, from the bank lines"))
    payee: str | None = Field(default=None, min_length=2, max_length=100,
                              description="Part of the payee's name as the bank shows it (spend)")
    period_start: date | None = Field(default=None)
    period_end: date | None = Field(default=None)
    limit: int = Field(default=20, ge=1, le=200)


class BankFeedState(ToolModel):
    account_code: str
    name: str
    reconciled_to: date | None
    open_lines: int
    open_amount: Decimal


class BankLineOut(ToolModel):
    id: int
    posted: date
    amount: Decimal
    text: str
    status: str
    suggestion: str | None = None


class ReadStatementsResponse(ToolModel):
    query: str
    query_description: str
    feeds: list[BankFeedState] = Field(default_factory=list)
    lines: list[BankLineOut] = Field(default_factory=list)
    count: int = 0
    total_paid: Decimal = Decimal("0.00")
    total_received: Decimal = Decimal("0.00")


def _suggestion(raw: str) -> str | None:
    items = json.loads(raw or "[]")
    if not items:
        return None
    top = items[0]
    return f"{top['kind']} ({top['confidence']:.2f}): {(top.get('reasons') or [''])[0]}"


def read_statements(request: ReadStatementsRequest, caller: Caller,
                    deps: AssistantDeps) -> ReadStatementsResponse:
    """Read the bank feed. query=unreconciled answers "what's unreconciled?", "is the bank
    reconciled?": each bank account's reconciled-to date and its open lines (oldest first, with
    the top suggestion). query=spend answers "what did we spend at Bunnings in May?": the bank
    lines whose text contains `payee` in period_start..period_end, with total_paid (money out)
    and total_received. Quote amounts as given with `query_description`. Read-only: it never
    reconciles, posts or pays anything."""
    caller.require(*BANK_ROLES, what="read the bank feed")
    with read_only(deps.sessions) as session:
        store = BankStore(session, deps.clock, caller.actor)
        if request.query == "unreconciled":
            return _unreconciled(store, request)
        return _spend(store, request)


def _unreconciled(store: BankStore, request: ReadStatementsRequest) -> ReadStatementsResponse:
    feeds, open_rows = [], []
    for feed in store.feeds():
        rows = store.lines(status="open", feed_id=feed.id)
        open_rows += rows
        feeds.append(BankFeedState(account_code=store.feed_code(feed), name=feed.name,
                                   reconciled_to=store.reconciled_to(feed.id), open_lines=len(rows),
                                   open_amount=sum((r.amount for r in rows), Decimal("0.00"))))
    open_rows.sort(key=lambda r: (r.posted, r.id))
    lines = [BankLineOut(id=r.id, posted=r.posted, amount=r.amount, text=line_from_row(r).text,
                         status=r.status, suggestion=_suggestion(r.suggestions))
             for r in open_rows[:request.limit]]
    return ReadStatementsResponse(query="unreconciled", feeds=feeds, lines=lines, count=len(open_rows),
                             query_description="Open (unreconciled) bank lines of every bank "
                                               "feed, and the date each feed is reconciled to")


def _spend(store: BankStore, request: ReadStatementsRequest) -> ReadStatementsResponse:
    if not request.payee:
        raise ToolRefused("payee_required", "Say whose spending to add up (a payee's name).")
    needle = normalise_text(request.payee)
    rows = [r for r in store.lines(date_from=request.period_start, date_to=request.period_end)
            if needle and needle in normalise_text(line_from_row(r).text)]
    paid = sum((-r.amount for r in rows if r.amount < 0), Decimal("0.00"))
    received = sum((r.amount for r in rows if r.amount > 0), Decimal("0.00"))
    period = (f" from {request.period_start:%d/%m/%Y}" if request.period_start else "") + (
        f" to {request.period_end:%d/%m/%Y}" if request.period_end else "")
    lines = [BankLineOut(id=r.id, posted=r.posted, amount=r.amount, text=line_from_row(r).text,
                         status=r.status) for r in rows[:request.limit]]
    return ReadStatementsResponse(
        query="spend", lines=lines, count=len(rows), total_paid=paid, total_received=received,
        query_description=f"Bank lines whose text contains {request.payee!r}{period}, every "
                          "bank feed, reconciled or not")


READ_STATEMENTS_TOOL = AssistantTool(name="read_statements", request=ReadStatementsRequest,
                                     response=ReadStatementsResponse, run=read_statements,
                                     roles=frozenset(BANK_ROLES))
