"""The assistant's tools by name: what the chat graph offers a model and what the offline router
calls. None of them posts, pays, approves or changes bank details; `propose_posting` only queues a
document for a person's approval."""

from __future__ import annotations

from typing import Any

from agent.chat.tools.contract import AssistantTool


def assistant_tools() -> dict[str, AssistantTool[Any, Any]]:
    from agent.chat.tools.bills_due import BILLS_DUE_TOOL
    from agent.chat.tools.commentary import DRAFT_COMMENTARY_TOOL
    from agent.chat.tools.extract_document import EXTRACT_DOCUMENT_TOOL
    from agent.chat.tools.payroll_check import RUN_PAYROLL_CHECK_TOOL
    from agent.chat.tools.propose_posting import PROPOSE_POSTING_TOOL
    from agent.chat.tools.query_ledger import QUERY_LEDGER_TOOL
    from agent.chat.tools.read_inbox import READ_INBOX_TOOL
    from agent.chat.tools.read_statements import READ_STATEMENTS_TOOL
    from agent.chat.tools.search_policies import SEARCH_POLICIES_TOOL

    tools = (READ_INBOX_TOOL, EXTRACT_DOCUMENT_TOOL, QUERY_LEDGER_TOOL, PROPOSE_POSTING_TOOL,
             RUN_PAYROLL_CHECK_TOOL, DRAFT_COMMENTARY_TOOL, SEARCH_POLICIES_TOOL, READ_STATEMENTS_TOOL,
             BILLS_DUE_TOOL)
    return {tool.name: tool for tool in tools}
