"""The assistant tool `query_ledger`: one typed question about the books at a time.

Each query kind is a fixed computation (agent/chat/tools/ledger_queries.py, over the reporting
kernel tools.reports and memory's parameterised reads), so every number the assistant quotes comes
with `query_description`: what was computed, over which period and on which basis.

Roles follow the API (api.views.PERMISSIONS): bills and payables are "bills.read" (every role);
balances, profit and loss, cash and GST are "ledger.read"/"reports.read" (owner, auditor, admin).
An approver decides bills within a limit but, as in the API, does not read the whole books: the
approval queue shows them everything a decision needs.
"""

from __future__ import annotations

from agent.chat.tools import ledger_queries
from agent.chat.tools.contract import ROLES, AssistantDeps, AssistantTool, Caller
from agent.chat.tools.ledger_models import QueryLedgerRequest, QueryLedgerResponse

BOOKS_ROLES = ("owner", "auditor", "admin")
OPEN_TO_ALL: frozenset[str] = frozenset({"payables", "bills"})


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
    if request.query in OPEN_TO_ALL:
        caller.require(*ROLES, what="read bills and payables")
    else:
        caller.require(*BOOKS_ROLES, what=f"read the books ({request.query.replace('_', ' ')})")
    return ledger_queries.run(request, deps)


QUERY_LEDGER_TOOL = AssistantTool(name="query_ledger", request=QueryLedgerRequest,
                                  response=QueryLedgerResponse, run=query_ledger,
                                  roles=frozenset(ROLES))
