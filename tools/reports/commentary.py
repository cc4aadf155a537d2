"""The month-end commentary: facts first, then prose from the facts only, recording which path
wrote it (the LLM when one is configured and its draft passes every check, else the offline
narrative, with the reason the LLM draft was not used)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from core.llm import ChatModel, LlmError
from prompts.loader import Prompt, load_prompt
from tools.reports.facts import CommentaryInputs, FactSet
from tools.reports.llm_commentary import CommentaryRejected, draft_with_llm
from tools.reports.narrative import Draft, offline_narrative
from tools.reports.numbers import CheckResult, check_text, summarise


@dataclass(frozen=True)
class Commentary:
    path: Literal["llm", "offline"]
    draft: Draft
    checks: tuple[CheckResult, ...]      # one per text: the headline, then each paragraph
    model: str | None = None
    prompt: str | None = None
    attempts: int = 0
    fallback_reason: str | None = None   # why the LLM's draft was not used (a stable code)
    fallback_detail: tuple[str, ...] = ()

    @property
    def check(self) -> CheckResult:
        out = CheckResult()
        for c in self.checks:
            out = out.merged(c)
        return out

    def contract(self) -> dict[str, Any]:
        s = summarise(self.check)

        def numbers(c: CheckResult) -> list[dict[str, Any]]:
            return [{"text": n.text, "facts": list(n.facts)} for n in c.numbers]

        return {
            "path": self.path,
            "headline": self.draft.headline,
            "headline_numbers": numbers(self.checks[0]),
            "paragraphs": [{"topic": p.topic, "text": p.text, "numbers": numbers(c)}
                           for p, c in zip(self.draft.paragraphs, self.checks[1:], strict=True)],
            "checks": {"numbers": s.numbers, "traceable": s.traceable,
                       "directions_checked": s.directions_checked,
                       "directions_agree": s.directions_agree,
                       "directions_unchecked": s.directions_unchecked},
            "model": self.model,
            "prompt": self.prompt,
            "attempts": self.attempts,
            "fallback": None if self.fallback_reason is None else
            {"reason": self.fallback_reason, "detail": list(self.fallback_detail)},
        }

    @property
    def text(self) -> str:
        return "\n\n".join(self.draft.texts())


def _checked(draft: Draft, facts: FactSet) -> tuple[CheckResult, ...]:
    return tuple(check_text(t, facts) for t in draft.texts())


def write_commentary(facts: FactSet, inputs: CommentaryInputs, model: ChatModel | None = None,
                     prompt: Prompt | None = None) -> Commentary:
    """The LLM's checked draft when `model` is given and it passes, else the offline narrative."""
    offline = offline_narrative(facts, inputs)
    if model is None:
        return Commentary("offline", offline, _checked(offline, facts))
    prompt = prompt or load_prompt("monthly_commentary")
    try:
        out = draft_with_llm(facts, model, prompt)
    except CommentaryRejected as exc:
        return Commentary("offline", offline, _checked(offline, facts), model=exc.model, prompt=prompt.ref,
                          attempts=exc.attempts, fallback_reason=exc.code,
                          fallback_detail=(exc.message, *exc.problems))
    except LlmError as exc:
        return Commentary("offline", offline, _checked(offline, facts), prompt=prompt.ref,
                          attempts=getattr(exc, "attempts", 1), fallback_reason=exc.code,
                          fallback_detail=(exc.message,))
    return Commentary("llm", out.draft, _checked(out.draft, facts), out.model, out.prompt, out.attempts)
