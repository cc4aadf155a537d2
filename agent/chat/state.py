"""The chat graph's state: plain JSON values only (strings, numbers, lists, dicts), so a thread's
checkpoint never needs a class to be loaded back.

`messages` is the whole conversation in the OpenAI chat format (user, assistant with tool calls,
tool results), kept across turns: the thread is the conversation. The per-turn fields are reset by
`receive` at the start of every turn; `turns` keeps one summary per finished turn.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class ChatState(TypedDict, total=False):
    owner: str                                   # the actor who started the thread
    messages: Annotated[list[dict[str, Any]], operator.add]
    turns: Annotated[list[dict[str, Any]], operator.add]
    usage: dict[str, Any]                        # the conversation's tokens and cost so far
    # this turn
    question: str
    path: str                                    # "llm" | "offline"
    intent: str | None                           # the offline router's reading of the question
    pending: list[dict[str, Any]]                # tool calls to run: {id, name, arguments}
    results: list[dict[str, Any]]                # {id, name, arguments, ok, result | error}
    rounds: int                                  # model turns so far in this turn
    draft: str                                   # the model's (or the router's) answer text
    retried_for_numbers: bool
    rejected: str                                # a draft refused for untraceable numbers
    untraceable: list[str]
    answer: str
    citations: list[dict[str, Any]]
    warnings: list[str]
