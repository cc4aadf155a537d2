"""The chat service for a home: the tools, the model when one is configured, the prices."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from adapters.ocr import TesseractOcr
from agent.chat.context import Prices
from agent.chat.llm_tools import OpenAIToolChat, ToolCallingModel
from agent.chat.service import ChatService
from core.settings import Settings
from agent.chat.tools.contract import AssistantDeps
from agent.chat.tools.registry import assistant_tools
from core.clock import Clock


def build_chat_service(settings: Settings, sessions: sessionmaker[Session], clock: Clock, *,
                       model: ToolCallingModel | None = None, offline: bool = False) -> ChatService:
    """`model` overrides the configured one (tests); `offline` forces the offline router."""
    if model is None and not offline:
        model = OpenAIToolChat.from_settings(settings)
    deps = AssistantDeps(settings=settings, sessions=sessions, clock=clock, model=model,
                         ocr=TesseractOcr())
    prices = Prices(settings.llm_input_price_per_million, settings.llm_output_price_per_million)
    return ChatService(deps=deps, tools=assistant_tools(), model=None if offline else model,
                       prices=prices, max_rounds=settings.chat_max_tool_rounds)
