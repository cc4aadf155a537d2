"""The LLM path for the month-end commentary: facts in as data, prose out, every number checked.

* The facts go to the model as a JSON list inside a block whose boundary is a fresh random nonce
  (names in the books are data, not instructions: ARCHITECTURE.md section 7). The prompt is
  prompts/monthly_commentary.md (versioned; its ref is recorded with the result).
* The reply is parsed strictly: JSON (a ```json fence is tolerated) with `headline` and
  `paragraphs` [{topic, text}], lengths bounded. Unusable JSON gets one repair request quoting the
  error; unusable again → rejected ("bad_output").
* The draft is then checked by tools.reports.numbers: every number must trace to a fact at the
  precision written, and direction words must agree with the signs. A failing draft is
  regenerated once with the problems listed; failing again → rejected ("untraceable").
* A rejection, or the endpoint being unavailable or refusing, is an `LlmError` with a stable code;
  `tools.reports.commentary` then uses the offline narrative and records why.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.llm import ChatModel, LlmError
from prompts.loader import Prompt, load_prompt
from tools.reports.facts import FactSet
from tools.reports.narrative import Draft, Paragraph
from tools.reports.numbers import CheckResult, check_paragraphs

SCHEMA_NAME = "monthly_commentary"
SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["headline", "paragraphs"],
    "properties": {
        "headline": {"type": "string"},
        "paragraphs": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["topic", "text"],
            "properties": {"topic": {"type": "string"}, "text": {"type": "string"}}}}}}
MAX_PARAGRAPHS = 10
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)


class CommentaryRejected(LlmError):
    """The model's drafts could not be used; `problems` says why, `attempts` how many calls."""

    def __init__(self, code: str, message: str, problems: tuple[str, ...] = (), attempts: int = 0,
                 model: str | None = None) -> None:
        super().__init__(code, message)
        self.problems, self.attempts, self.model = problems, attempts, model


class ReplyUnusable(ValueError):
    pass


class _LlmParagraph(BaseModel):
    model_config = ConfigDict(extra="ignore")
    topic: str = Field(min_length=1, max_length=40)
    text: str = Field(min_length=1, max_length=2500)


class _LlmDraft(BaseModel):
    model_config = ConfigDict(extra="ignore")
    headline: str = Field(min_length=1, max_length=400)
    paragraphs: list[_LlmParagraph] = Field(min_length=1, max_length=MAX_PARAGRAPHS)


def parse_reply(content: str) -> Draft:
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced[1]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReplyUnusable(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    try:
        draft = _LlmDraft.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the reply"
        raise ReplyUnusable(f"{where}: {first['msg']}") from None
    return Draft(" ".join(draft.headline.split()),
                 tuple(Paragraph(p.topic.strip().lower(), " ".join(p.text.split())) for p in draft.paragraphs))


def _boundary(*texts: str) -> str:
    while True:
        nonce = secrets.token_hex(8)
        if not any(nonce in t for t in texts):
            return nonce


@dataclass(frozen=True)
class LlmDraft:
    draft: Draft
    check: CheckResult
    model: str
    prompt: str
    attempts: int


def draft_with_llm(facts: FactSet, model: ChatModel, prompt: Prompt | None = None) -> LlmDraft:
    """Draft and check; raises CommentaryRejected, or the seam's LlmUnavailable/LlmRefused."""
    prompt = prompt or load_prompt("monthly_commentary")
    data = facts.as_json()
    system = prompt.render("system")
    user = prompt.render("user", organisation=facts.organisation, month=facts.month.label,
                         nonce=_boundary(data), facts=data)
    attempts = 0
    model_name: str | None = None

    def ask(extra: str = "") -> tuple[str, str | None]:
        nonlocal attempts, model_name
        attempts += 1
        try:
            reply = model.complete_json(system=system, user=f"{user}\n\n{extra}" if extra else user,
                                        schema=SCHEMA, schema_name=SCHEMA_NAME)
        except LlmError as exc:
            exc.attempts = attempts  # type: ignore[attr-defined]
            raise
        model_name = reply.model
        return reply.content, reply.finish_reason

    def usable(content: str, finish: str | None) -> Draft:
        try:
            return parse_reply(content)
        except ReplyUnusable as first:
            if finish == "length":
                raise CommentaryRejected("truncated", "the model's reply was cut off at its length limit",
                                         (str(first),), attempts, model_name) from None
            repair = prompt.render("repair", nonce=_boundary(content), error=str(first),
                                   reply=content[:4000])
            content, _ = ask(repair)
            try:
                return parse_reply(content)
            except ReplyUnusable as second:
                raise CommentaryRejected("bad_output", f"the model's reply was unusable twice: {second}",
                                         (str(first), str(second)), attempts, model_name) from None

    draft = usable(*ask())
    check = check_paragraphs(draft.texts(), facts)
    if not check.ok:
        problems = check.problems()
        previous = json.dumps({"headline": draft.headline,
                               "paragraphs": [{"topic": p.topic, "text": p.text} for p in draft.paragraphs]},
                              ensure_ascii=False)
        regenerate = prompt.render("regenerate", problems="\n".join(f"- {p}" for p in problems[:20]),
                                   nonce=_boundary(previous), reply=previous[:6000])
        draft = usable(*ask(regenerate))
        check = check_paragraphs(draft.texts(), facts)
        if not check.ok:
            raise CommentaryRejected(
                "untraceable", "the model's draft had numbers or directions the facts do not support, "
                               "twice", tuple(problems) + tuple(check.problems()), attempts, model_name)
    return LlmDraft(draft, check, model_name or "", prompt.ref, attempts)
