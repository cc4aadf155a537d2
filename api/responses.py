"""The error answers of the JSON API, in its OpenAPI description (/v1/openapi.json).

Every error is `{"error": {"code", "message", ...}}` (api.schemas.ErrorBody), whoever raised it.
Some answers can come from any route, before or around it, so they are added to the description
of every keyed route (/v1, /metrics) here rather than route by route (a route that forgot one
would have a client, or tests/api/test_fuzz_openapi.py, meet a status its description never
mentioned):

- 401 from api.deps.AuthMiddleware; 503 when the database is unavailable;
- 403 when the route's roles (api.deps.require_roles puts them in the operation's security
  requirement) are not every role;
- 422 (invalid parameters or body, with `fields`) for an operation that takes any: this replaces
  FastAPI's own 422 schema (`{"detail": ...}`), which is not what the app answers;
- 400 (a body that cannot be read: not UTF-8, a bad Content-Length) and 413 (the body limit) for
  an operation that takes a body.

What only some routes answer (404, 409...) each route declares with `errors(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from api.deps import API_PREFIX, KEYED_PATHS
from api.schemas import ErrorBody
from api.views import ALL_ROLES

DESCRIPTIONS = {
    400: "The request cannot be read (a body that is not what its Content-Type says, a bad "
         "Content-Length)",
    401: "No valid API key: missing, malformed, unknown or revoked",
    403: "This key's role may not do this, or the rules refuse this caller (a limit, segregation "
         "of duties)",
    404: "There is no such item",
    409: "The item's state does not allow it (already done, stale, a reused idempotency key)",
    413: "The body is larger than the limit (BACKOFFICE_API_MAX_BODY_BYTES)",
    415: "The body's Content-Type is not one this route takes",
    422: "The request is not valid (see `error.fields`), or the books refuse it (see `error.code`)",
    503: "The database is unavailable or not migrated; try again after Retry-After",
}
_REF = "#/components/schemas/"
_ERROR = {"application/json": {"schema": {"$ref": _REF + "ErrorBody"}}}
_FASTAPI_422 = _REF + "HTTPValidationError"


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status answered with ErrorBody."""
    return {status: {"model": ErrorBody, "description": DESCRIPTIONS[status]} for status in statuses}


def _keyed(path: str) -> bool:
    return path.startswith(API_PREFIX + "/") or path in KEYED_PATHS


def _roles(operation: dict[str, Any]) -> set[str]:
    return {role for requirement in operation.get("security", ()) for roles in requirement.values()
            for role in roles}


def _statuses(operation: dict[str, Any]) -> list[int]:
    statuses = [401, 503]
    roles = _roles(operation)
    if roles and roles != ALL_ROLES:
        statuses.append(403)
    if operation.get("parameters") or "requestBody" in operation:
        statuses.append(422)
    if "requestBody" in operation:
        statuses += [400, 413]
    return statuses


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (an OpenAPI document of this app) with the common error answers added; the
    operations' own answers are kept, except FastAPI's 422 schema."""
    for path, operations in schema.get("paths", {}).items():
        if not _keyed(path):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                answer = responses.get(str(status))
                fastapi_422 = answer is not None and _FASTAPI_422 in str(answer.get("content"))
                if answer is None or fastapi_422:
                    responses[str(status)] = {"description": DESCRIPTIONS[status],
                                              "content": _ERROR}
    definitions = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in definitions:
        body = TypeAdapter(ErrorBody).json_schema(ref_template=_REF + "{model}")
        definitions.update(body.pop("$defs", {}))
        definitions["ErrorBody"] = body
    if _FASTAPI_422 not in str(schema.get("paths")):
        definitions.pop("HTTPValidationError", None)
        definitions.pop("ValidationError", None)
    return schema


def document_errors(app: FastAPI) -> None:
    """Serve the completed description at the app's openapi_url (FastAPI caches the document it
    generates; completing it again is idempotent)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return complete(generate())

    app.openapi = openapi  # type: ignore[method-assign]
