"""run_tools: run the turn's pending tool calls for this caller. Each call is validated against
the tool's request model and authorised inside the tool; a refusal, bad arguments or a failure
become an error result the model (or the offline composer) can explain — never an exception that
ends the conversation, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from langgraph.runtime import Runtime
from pydantic import ValidationError

from agent.chat import conversation
from agent.chat.context import ChatContext
from agent.chat.llm_tools import parse_arguments
from agent.chat.state import ChatState
from agent.chat.tools.contract import ToolRefused

log = logging.getLogger(__name__)


def _validation_message(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}"
             for e in exc.errors()[:5]]
    return "; ".join(parts)


def run_one(call: dict[str, Any], ctx: ChatContext) -> dict[str, Any]:
    name, raw = call["name"], call["arguments"]
    record: dict[str, Any] = {"id": call["id"], "name": name, "arguments": raw, "ok": False}
    tool = ctx.tools.get(name)
    if tool is None:
        record["error"] = {"code": "unknown_tool", "message": f"There is no tool called {name!r}."}
        return record
    try:
        arguments = raw if isinstance(raw, dict) else parse_arguments(raw)
        record["arguments"] = arguments
        response = tool.call(arguments, ctx.caller, ctx.deps)
    except ToolRefused as exc:
        record["error"] = {"code": exc.code, "message": exc.message}
    except ValidationError as exc:
        record["error"] = {"code": "invalid_arguments", "message": _validation_message(exc)}
    except ValueError as exc:   # arguments that are not a JSON object
        record["error"] = {"code": "invalid_arguments", "message": str(exc)}
    except Exception:  # noqa: BLE001 — one tool failing must not lose the conversation
        log.exception("assistant tool %s failed", name)
        record["error"] = {"code": "tool_failed", "message": f"The {name} tool failed; "
                                                             "the error has been logged."}
    else:
        record["ok"] = True
        record["result"] = response.model_dump(mode="json")
    return record


def run_tools(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    ctx = runtime.context
    results, messages = list(state.get("results", [])), []
    for call in state.get("pending", []):
        ctx.send({"event": "tool_call", "name": call["name"], "arguments": call["arguments"]})
        record = run_one(call, ctx)
        results.append(record)
        ctx.send({"event": "tool_result", "name": call["name"], "ok": record["ok"],
                  **({} if record["ok"] else {"error": record["error"]})})
        if state.get("path") == "llm":
            payload = record["result"] if record["ok"] else {"error": record["error"]}
            messages.append(conversation.tool_message(call["id"], call["name"], payload))
    update: dict[str, Any] = {"results": results, "pending": []}
    if messages:
        update["messages"] = messages
    return update
