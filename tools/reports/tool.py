"""The agent tool `draft_commentary`: typed input and output around the month-end commentary.

The tool reads the books through a `ReportSource` (memory.report_queries.SessionReportSource
implements it over a database session), so this module stays free of the database; the model (or
None, offline) is injected. The docstring of `draft_commentary` is what the model reads.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.llm import ChatModel
from tools.reports.config import ReportConfig
from tools.reports.model import LedgerSnapshot
from tools.reports.periods import Month
from tools.reports.report import build_report


class ReportSource(Protocol):
    def default_month(self) -> Month:
        """The last complete month of the books."""
        ...

    def snapshot(self, month: Month) -> LedgerSnapshot:
        """What the ledger held at the end of `month`."""
        ...


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DraftCommentaryRequest(_Model):
    month: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="The month as YYYY-MM; omit for the last complete month")


class TracedNumberOut(_Model):
    text: str = Field(description="The number as written in the commentary")
    facts: list[str] = Field(description="Keys of the facts it is (all of them when several match)")


class ParagraphOut(_Model):
    topic: str
    text: str
    numbers: list[TracedNumberOut]


class FactOut(_Model):
    key: str
    label: str
    unit: Literal["aud", "percent", "points", "count", "date"]
    value: str
    write_as: str
    direction: Literal["up", "down", "unchanged"] | None = None


class DraftCommentaryResponse(_Model):
    month: str
    path: Literal["llm", "offline"] = Field(description="Who wrote the prose: the model or the offline narrative")
    headline: str
    paragraphs: list[ParagraphOut]
    facts: list[FactOut]
    numbers_checked: int
    all_numbers_traceable: bool
    model: str | None = None
    prompt: str | None = None
    fallback_reason: str | None = Field(default=None, description="Why the model's draft was not used")


def draft_commentary(request: DraftCommentaryRequest, source: ReportSource,
                     model: ChatModel | None = None, config: ReportConfig | None = None
                     ) -> DraftCommentaryResponse:
    """Draft the month-end commentary for one month (default: the last complete month).

    Use it to answer "how did we go last month?", "why is gross margin down?", "what is our cash
    going to look like?" or to prepare the owner's monthly pack. It computes the month's facts from
    the ledger first (profit and loss against the prior month, the same month last year and the
    budget when they exist; the material changes and their drivers by account, supplier, customer
    and pay run; cash at bank; what customers owe and what is owed to suppliers; GST for the BAS;
    the 13-week cash forecast and its lowest week), then writes the commentary from those facts
    only. Every number in the commentary is traced to a fact (`numbers[].facts`); quote numbers
    from `facts[].write_as` and do not compute new ones. `path` says whether the model or the
    offline narrative wrote the prose; `fallback_reason` why a model draft was not used. The tool
    only reads the books; it never posts, pays or changes anything.
    """
    month = Month.parse(request.month) if request.month else source.default_month()
    report = build_report(source.snapshot(month), month, config or ReportConfig(), model=model)
    commentary = report.commentary
    assert commentary is not None
    contract = commentary.contract()
    return DraftCommentaryResponse(
        month=month.key, path=commentary.path, headline=commentary.draft.headline,
        paragraphs=[ParagraphOut(topic=p["topic"], text=p["text"],
                                 numbers=[TracedNumberOut(**n) for n in p["numbers"]])
                    for p in contract["paragraphs"]],
        facts=[FactOut(**f.as_data()) for f in report.facts],  # type: ignore[arg-type]
        numbers_checked=contract["checks"]["numbers"],
        all_numbers_traceable=contract["checks"]["numbers"] == contract["checks"]["traceable"],
        model=commentary.model, prompt=commentary.prompt, fallback_reason=commentary.fallback_reason)
