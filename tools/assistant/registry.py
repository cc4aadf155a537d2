"""The assistant's tools by name: what the chat graph offers a model and what the offline router
calls. None of them posts, pays, approves or changes bank details; `propose_posting` only queues a
document for a person's approval."""

from __future__ import annotations

from typing import Any

from tools.assistant.contract import AssistantTool


def assistant_tools() -> dict[str, AssistantTool[Any, Any]]:
    from tools.assistant.commentary import DRAFT_COMMENTARY_TOOL
    from tools.assistant.extract_document import EXTRACT_DOCUMENT_TOOL
    from tools.assistant.payroll_check import RUN_PAYROLL_CHECK_TOOL
    from tools.assistant.propose_posting import PROPOSE_POSTING_TOOL
    from tools.assistant.query_ledger import QUERY_LEDGER_TOOL
    from tools.assistant.read_inbox import READ_INBOX_TOOL
    from tools.assistant.search_policies import SEARCH_POLICIES_TOOL

    tools = (READ_INBOX_TOOL, EXTRACT_DOCUMENT_TOOL, QUERY_LEDGER_TOOL, PROPOSE_POSTING_TOOL,
             RUN_PAYROLL_CHECK_TOOL, DRAFT_COMMENTARY_TOOL, SEARCH_POLICIES_TOOL)
    return {tool.name: tool for tool in tools}
