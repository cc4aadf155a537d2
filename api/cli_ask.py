"""`backoffice ask "QUESTION"`: one turn with the advisor assistant, offline unless an LLM is
configured. The person at the terminal has the database in their hands, so they ask as the owner
unless `--role` says otherwise (useful to see what a clerk would be told)."""

from __future__ import annotations

import json
from typing import Any

import click

from agent.chat.service import ChatAnswer, ChatError
from api.cli_support import actor, fail, handles_errors
from services.runtime import Runtime
from agent.chat.tools.contract import ROLES, Caller


def render_answer(result: ChatAnswer) -> str:
    lines = [result.answer]
    if result.citations:
        lines += ["", "Sources:"]
        lines += [f"  - {c.document}, clause {c.clause}" for c in result.citations]
    if result.tool_calls:
        lines += ["", "Looked up:"]
        lines += [f"  - {t.name}({json.dumps(t.arguments, default=str)})"
                  + ("" if t.ok else " (refused)") for t in result.tool_calls]
    lines += [f"  ! {w}" for w in result.warnings]
    lines += ["", f"thread {result.thread_id} ({result.path})"]
    return "\n".join(lines)


def contract_json(result: ChatAnswer) -> dict[str, Any]:
    """DESIGN's `backoffice ask --json` contract, plus path, warnings and usage."""
    data = result.model_dump(mode="json")
    data["citations"] = [{"document": c["document"], "clause": c["clause"], "text": c["text"]}
                         for c in data["citations"]]
    data["tool_calls"] = [{"name": t["name"], "arguments": t["arguments"]}
                          for t in data["tool_calls"]]
    return data


@click.command("ask")
@click.argument("question")
@click.option("--thread", "thread_id", default=None, help="Continue this conversation")
@click.option("--role", type=click.Choice(ROLES), default="owner", show_default=True,
              help="Ask as this role (what the tools will show)")
@click.option("--employee", default=None, help="Your employee code (to see your own pay)")
@click.option("--offline", is_flag=True, help="Use the offline router even if an LLM is set")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.pass_context
@handles_errors
def ask(ctx: click.Context, question: str, thread_id: str | None, role: str,
        employee: str | None, offline: bool, as_json: bool) -> None:
    """Ask the advisor assistant about the books, the inbox, payroll, policies or awards."""
    from agent.chat.build import build_chat_service

    runtime: Runtime = ctx.obj
    runtime.require_migrated()
    service = build_chat_service(runtime.settings, runtime.sessions, runtime.clock,
                                 offline=offline)
    caller = Caller(actor=actor(), role=role, employee_id=employee)  # type: ignore[arg-type]
    try:
        result = service.ask(question, caller, thread_id)
    except ChatError as exc:
        fail(f"{exc.message} [{exc.code}]", 2)
        return
    click.echo(json.dumps(contract_json(result), indent=2) if as_json else render_answer(result))
