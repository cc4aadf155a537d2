"""What every assistant tool is: a typed request, a typed response, a function whose docstring the
model reads, and the roles that may call it. The caller and the runtime dependencies are passed
by the chat graph and never appear in the request a model writes.

Authorisation lives inside each tool (`Caller.require`), not only at the API's door: the same tool
is reached from the HTTP chat route, the CLI and the offline router, and a model must not be able
to talk its way past a check that a route forgot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from core.llm import ChatModel
    from core.ocr import Ocr
    from memory.knowledge.kb import KnowledgeBase
    from core.settings import Settings
    from core.clock import Clock

Role = Literal["clerk", "approver", "owner", "auditor", "admin"]
ROLES: tuple[Role, ...] = ("clerk", "approver", "owner", "auditor", "admin")


class ToolModel(BaseModel):
    """Base of every tool request and response: unknown fields are refused, values are frozen."""
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolRefused(Exception):
    """The caller may not do this (or the request cannot be served); `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Caller:
    """Who is asking. `employee_id` links a staff member to their own payroll record (so they may
    see their own pay and nobody else's)."""
    actor: str
    role: Role
    employee_id: str | None = None

    def require(self, *roles: Role, what: str) -> None:
        if self.role not in roles:
            raise ToolRefused("forbidden", f"Your role ({self.role}) may not {what}.")


@dataclass(frozen=True)
class AssistantDeps:
    """The runtime a tool may use. Built per conversation turn by the caller of the graph."""
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    model: ChatModel | None = None
    ocr: Ocr | None = None                  # None: scans cannot be read (the reading says so)
    knowledge: KnowledgeBase | None = None  # None: the home's own (HOME/knowledge)


Req = TypeVar("Req", bound=ToolModel)
Resp = TypeVar("Resp", bound=ToolModel)


@dataclass(frozen=True)
class AssistantTool(Generic[Req, Resp]):
    """One tool. `run(request, caller, deps)` raises ToolRefused for refusals; its docstring is
    the description the model reads."""
    name: str
    request: type[Req]
    response: type[Resp]
    run: Callable[[Req, Caller, AssistantDeps], Resp]
    roles: frozenset[Role]

    @property
    def description(self) -> str:
        return " ".join((self.run.__doc__ or "").split())

    def openai_spec(self) -> dict[str, Any]:
        """The function definition sent to an OpenAI-compatible endpoint."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description,
                             "parameters": self.request.model_json_schema()}}

    def call(self, arguments: dict[str, Any], caller: Caller, deps: AssistantDeps) -> Resp:
        """Validate the model's (or router's) arguments and run the tool for this caller."""
        if caller.role not in self.roles:
            raise ToolRefused("forbidden", f"Your role ({caller.role}) may not use {self.name}.")
        return self.run(self.request.model_validate(arguments), caller, deps)
