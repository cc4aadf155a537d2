"""The demo's assistant step: three questions a bookkeeper and an owner would ask — one about the
books, one about a policy, one about an award — answered offline by the advisor assistant over the
demo's books and knowledge base, with the tools and clauses behind each answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from agent.chat.tools.contract import Caller
from adapters.clock import SteppingClock
from core.clock import Clock

QUESTIONS = (
    ("owner", "What do we owe suppliers, and when is it due?"),
    ("clerk", "Can I approve a $7,500 invoice without a purchase order?"),
    ("clerk", "What do we pay a casual retail worker on a Sunday?"),
)


@dataclass
class AssistantSummary:
    answers: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"questions": self.answers}

    def as_text(self) -> str:
        lines = ["  assistant    three questions, answered offline:"]
        for item in self.answers:
            lines.append(f"    Q ({item['role']}): {item['question']}")
            for line in item["answer"].splitlines()[:4]:
                lines.append(f"      {line}")
            sources = [f"{c['document']} cl {c['clause']}" for c in item["citations"]]
            tools = [t["name"] for t in item["tool_calls"]]
            lines.append(f"      [tools: {', '.join(tools) or 'none'}"
                         + (f"; sources: {'; '.join(sources)}" if sources else "") + "]")
        return "\n".join(lines)


def ask_demo_questions(settings: Settings, sessions: sessionmaker[Session], clock: Clock
                       ) -> AssistantSummary:
    from agent.chat.build import build_chat_service

    # A clock of its own from the demo's "now", so asking leaves the demo's clock (and so its
    # audit hashes) as they were.
    service = build_chat_service(settings, sessions, SteppingClock(clock.now()), offline=True)
    summary = AssistantSummary()
    for role, question in QUESTIONS:
        result = service.ask(question, Caller(actor=f"demo:{role}", role=role))  # type: ignore[arg-type]
        summary.answers.append({"role": role, "question": question, "answer": result.answer,
                                "citations": [c.model_dump() for c in result.citations],
                                "tool_calls": [t.model_dump(mode="json") for t in result.tool_calls],
                                "thread_id": result.thread_id})
    return summary
