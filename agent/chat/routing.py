"""Where the chat graph goes next: pure functions of the state, returning literal node names."""

from __future__ import annotations

from typing import Literal

from agent.chat.state import ChatState


def after_receive(state: ChatState) -> Literal["llm_turn", "plan_offline"]:
    return "llm_turn" if state.get("path") == "llm" else "plan_offline"


def after_plan(state: ChatState) -> Literal["run_tools", "compose_offline"]:
    return "run_tools" if state.get("pending") else "compose_offline"


def after_llm_turn(state: ChatState) -> Literal["run_tools", "plan_offline", "check_answer"]:
    if state.get("path") == "offline":        # the model was unavailable: answer offline
        return "plan_offline"
    return "run_tools" if state.get("pending") else "check_answer"


def after_tools(state: ChatState) -> Literal["llm_turn", "compose_offline"]:
    return "llm_turn" if state.get("path") == "llm" else "compose_offline"


def after_check(state: ChatState) -> Literal["llm_turn", "plan_offline", "respond"]:
    if state.get("path") == "offline" and not state.get("draft") and state.get("intent") is None:
        return "plan_offline"                  # the model's figures could not be traced twice
    if state.get("path") == "llm" and not state.get("draft"):
        return "llm_turn"                      # asked once to rewrite with traceable figures
    return "respond"
