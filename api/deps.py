"""Who is calling and what they may do; the request body limit.

Authentication: every path of the JSON API (under /v1), and /metrics, needs an API key (the
workplace pages outside /v1 sign people in with a session instead: api.web.auth), as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. `AuthMiddleware` checks it before routing,
so an unauthenticated caller learns nothing, not even which routes exist or whether its body
parses: a missing, malformed, unknown or revoked key all get the same 401 body (with
`WWW-Authenticate`). Keys are kept as SHA-256 hashes (memory.apikeys_store).

Roles (`require_roles` / `allow`, a 403 `forbidden` otherwise), from api.views.PERMISSIONS:

| route                                   | clerk | approver | owner | auditor | admin |
|-----------------------------------------|:-----:|:--------:|:-----:|:-------:|:-----:|
| GET  /healthz (no key)                  |   ✓   |    ✓     |   ✓   |    ✓    |   ✓   |
| POST /v1/inbox/messages                 |   ✓   |    ✓     |   ✓   |         |       |
| GET  /v1/inbox/messages/{id}            |   ✓   |    ✓     |   ✓   |    ✓    |   ✓   |
| GET  /v1/bills/{id}                     |   ✓   |    ✓     |   ✓   |    ✓    |   ✓   |
| GET  /v1/approvals, /v1/approvals/{id}  |       |    ✓     |   ✓   |    ✓    |   ✓   |
| POST /v1/approvals/{id}/decision        |       |    ✓     |   ✓   |         |       |
| GET  /v1/ledger/trial-balance           |       |          |   ✓   |    ✓    |   ✓   |
| GET  /v1/reports/monthly                |       |          |   ✓   |    ✓    |   ✓   |
| POST /v1/payroll/check                  |       |          |   ✓   |    ✓    |   ✓   |
| POST /v1/chat, GET /v1/chat/{thread_id} |   ✓   |    ✓     |   ✓   |    ✓    |   ✓   |
| GET/POST /v1/apikeys, DELETE …/{id}     |       |          |       |         |   ✓   |
| GET  /v1/status                         |   ✓   |    ✓     |   ✓   |    ✓    |   ✓   |
| GET  /metrics (Prometheus, bearer key)  |       |          |   ✓   |    ✓    |   ✓   |

An auditor reads everything and changes nothing; an admin manages keys and reads everything but
never decides (whoever hands out keys must not also approve payments). A clerk submits mail and
follows it, and reads bills; the inbox is the business's shared AP mailbox, so every role may
follow every message. Deciding is then checked
per approval by services.approvals: an approver's limit (bills above it need the owner), and
segregation of duties (whoever last changed a supplier's bank details may not approve that
supplier's bills); those refusals are 403s with their own codes. The assistant's tools check the
caller's role again inside each tool (agent.chat.tools), and a thread is read only by its owner,
an auditor or an admin (agent.chat.service).

Reads: `read_sessions` gives GET routes and authentication sessions that on SQLite open plain
(deferred, read-only) transactions: a WAL snapshot, instead of the write lock every other
transaction of the embedded setup takes (memory.db), so concurrent reads never queue behind each
other or behind the worker. On PostgreSQL they are the runtime's own sessions. `Reads` runs the
hot reads (the key check, the approval queue, one approval, message status, one bill): on SQLite
inline on the event loop, since such a WAL read takes well under a millisecond and never waits
for a writer, and a hop to a worker thread costs more than the read (and, under load, GIL
contention: see evals/benchmarks/api_bench.py); on a PostgreSQL on this machine the same
(`reads_inline`); on a remote one in the thread pool, since its round trips must not block the
loop.

Body limit: `BodyLimitMiddleware` refuses a request whose Content-Length is above the limit with 413
before reading anything, and counts the bytes of bodies without one (chunked) as they are read,
answering 413 as soon as the count passes the limit.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, HTTPException, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from services.runtime import Runtime
from api.views import PERMISSIONS
from memory import apikeys_store
from memory.apikeys_store import Principal
from memory.db import normalise_url, session_factory, unit_of_work

log = logging.getLogger("backoffice.api")

PUBLIC_PATHS = frozenset({"/healthz"})  # ARCHITECTURE.md §7: every route but health needs a key
API_PREFIX = "/v1"   # the JSON API; every other path is the workplace (api.web: session cookies)
# Outside /v1 but keyed like it: Prometheus scrapes /metrics, by convention, with a bearer token.
KEYED_PATHS = frozenset({"/metrics"})


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/") or path in KEYED_PATHS

UNAUTHORIZED = {"code": "unauthorized", "message": "A valid API key is required."}
FORBIDDEN = {"code": "forbidden", "message": "This API key's role may not do this."}


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status,
                        headers=headers)


def read_engine(runtime: Runtime) -> Engine | None:
    """A read-only SQLite engine beside the runtime's (None for other databases): the same file,
    WAL, busy timeout and foreign keys, but `BEGIN` (deferred) and `query_only`."""
    url = normalise_url(runtime.settings.resolved_database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    busy_ms = int(runtime.settings.sqlite_busy_timeout_ms)
    engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, pool_size=8,
                           max_overflow=24)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return engine


def reads_inline(settings: Settings) -> bool:
    """Whether `Reads` runs on the event loop (BACKOFFICE_API_INLINE_READS): on SQLite, and by
    default on a PostgreSQL reached over loopback or a socket, whose reads are sub-millisecond
    round trips that never wait for a writer (MVCC). A thread hop would cost more than the read,
    and at 200 req/s its GIL hand-offs put p99 far past 50 ms (evals/benchmarks/load_bench.py). A
    remote database keeps the thread pool: its round trips must not block the loop."""
    choice = settings.api_inline_reads
    if choice != "auto":
        return choice == "on"
    url = make_url(normalise_url(settings.resolved_database_url))
    if url.get_backend_name() == "sqlite":
        return True
    host = url.host or str(url.query.get("host") or "")
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def read_sessions(runtime: Runtime, engine: Engine | None) -> sessionmaker[Session]:
    return session_factory(engine) if engine is not None else runtime.sessions


T = TypeVar("T")


class Reads:
    """Read-only work, each call in one transaction of its own (see the module docstring)."""

    def __init__(self, sessions: sessionmaker[Session], *, inline: bool) -> None:
        self.sessions, self.inline = sessions, inline

    def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        with unit_of_work(self.sessions) as session:
            return fn(session, *args)

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return self.run_sync(fn, *args)
        return await anyio.to_thread.run_sync(self.run_sync, fn, *args)


def unavailable_response() -> JSONResponse:
    return error_response(503, "unavailable", "The service is not ready; try again later.",
                          headers={"Retry-After": "5"})


def unauthorized_response() -> JSONResponse:
    return error_response(401, UNAUTHORIZED["code"], UNAUTHORIZED["message"],
                          headers={"WWW-Authenticate": 'Bearer realm="backoffice"'})


def key_from_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The bearer token, else the X-API-Key header, else None."""
    authorization = api_key = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif lowered == b"x-api-key" and api_key is None:
            api_key = value.decode("latin-1")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return api_key.strip() if api_key else None


class AuthMiddleware:
    """Authenticates every non-public request before routing (see the module docstring); the
    principal goes into the request state for `require_roles`."""

    def __init__(self, app: ASGIApp, reads: Reads, public: frozenset[str] = PUBLIC_PATHS) -> None:
        self.app, self.reads, self.public = app, reads, public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self.public or not _is_api(path):
            await self.app(scope, receive, send)  # the workplace pages check their own sessions
            return
        key = key_from_headers(scope.get("headers", []))
        principal = None
        if key and len(key) <= 200:
            try:
                principal = await self.reads(apikeys_store.authenticate, key)
            except OperationalError:  # no database, or not migrated: not the caller's fault
                log.exception("cannot check API keys")
                await unavailable_response()(scope, receive, send)
                return
        if principal is None:
            await unauthorized_response()(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, {"code": "body_too_large",
                               "message": f"The request body is larger than {limit:,} bytes."})


class BodyLimitMiddleware:
    """Enforces `max_bytes` on the bytes actually received (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self) -> JSONResponse:
        return error_response(413, "body_too_large",
                              f"The request body is larger than {self.max_bytes:,} bytes.",
                              headers={"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await error_response(400, "bad_content_length",
                                         "The Content-Length header is not a number.")(
                        scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large()(scope, receive, send)


# -- route dependencies ------------------------------------------------------------------------

# Declared for the OpenAPI description (security schemes); AuthMiddleware does the checking.
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="Authorization: Bearer <API key>")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey")


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def dependency(request: Request, _b: Any = None, _k: Any = None) -> Principal:
        principal = request.scope.get("state", {}).get("principal")
        if not isinstance(principal, Principal):
            raise HTTPException(401, UNAUTHORIZED,
                                headers={"WWW-Authenticate": 'Bearer realm="backoffice"'})
        if principal.role not in allowed:
            raise HTTPException(403, FORBIDDEN)
        return principal

    # The roles go into the OpenAPI description as the security requirement's list (OpenAPI 3.1:
    # for schemes other than OAuth2 it names the roles required; api.responses adds the 403 from
    # it). Set as a signature because the list is this call's, not the module's.
    scopes = sorted(allowed)
    dependency.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("_b", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=Annotated[Any, Security(_bearer, scopes=scopes)]),
        inspect.Parameter("_k", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=Annotated[Any, Security(_api_key, scopes=scopes)]),
    ], return_annotation=Principal)
    return dependency


def allow(permission: str) -> Callable[..., Awaitable[Principal]]:
    """The dependency for one permission of api.views.PERMISSIONS."""
    return require_roles(*PERMISSIONS[permission])


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_reader(request: Request) -> sessionmaker[Session]:
    """Sessions for a GET route (see the module docstring)."""
    sessions: sessionmaker[Session] = request.app.state.read_sessions
    return sessions


async def get_reads(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
Reader = Annotated[sessionmaker[Session], Depends(get_reader)]
ReadsDep = Annotated[Reads, Depends(get_reads)]
