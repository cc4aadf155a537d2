"""The assistant tool `draft_commentary`: tools.reports.tool.draft_commentary over the books
(memory.report_queries.SessionReportSource), as `GET /v1/reports/monthly` reads them; the model is
the conversation's (deps.model: None offline, and the offline narrative writes the prose)."""

from __future__ import annotations

from memory.db import read_only
from memory.report_queries import SessionReportSource, books_start
from agent.chat.tools.contract import AssistantDeps, AssistantTool, Caller, ToolRefused
from tools.reports.config import ReportConfig
from tools.reports.periods import Month, long_date
from tools.reports.tool import DraftCommentaryRequest, DraftCommentaryResponse
from tools.reports.tool import draft_commentary as draft

READERS = ("owner", "auditor", "admin")  # "reports.read" in api.views.PERMISSIONS


def draft_commentary(request: DraftCommentaryRequest, caller: Caller,
                     deps: AssistantDeps) -> DraftCommentaryResponse:
    """Draft the month-end commentary for one month (`month` as YYYY-MM; omit it for the last
    complete month). Use it for "how did we go last month?", "why is gross margin down?" or
    "what will cash look like?". The facts are computed from the ledger first (profit and loss
    against the prior month, the same month last year and the budget; material changes and their
    drivers; cash at bank; receivables and payables; GST; the 13-week cash forecast), then the
    commentary is written from those facts only: every number in it is traced to a fact. Quote
    numbers from `facts[].write_as`; do not compute new ones. `path` says whether a model or the
    offline narrative wrote it. Owner, auditor and admin only. The tool only reads the books; it
    never posts, pays or approves anything.
    """
    caller.require(*READERS, what="read the monthly report")
    today = deps.clock.now().date()
    with read_only(deps.sessions) as session:
        start = books_start(session)
        if start is None:
            raise ToolRefused("no_books", "There are no posted journals to report on yet.")
        if request.month is not None:
            month = Month.parse(request.month)
            if month.start > today:
                raise ToolRefused("future_month", f"{month.label} has not started yet.")
            if month.end < start:
                raise ToolRefused("before_books", f"The books start on {long_date(start)}.")
        return draft(request, SessionReportSource(session, today), model=deps.model,
                     config=ReportConfig.from_settings(deps.settings))


DRAFT_COMMENTARY_TOOL = AssistantTool(name="draft_commentary", request=DraftCommentaryRequest,
                                      response=DraftCommentaryResponse, run=draft_commentary,
                                      roles=frozenset(READERS))
