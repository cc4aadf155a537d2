"""The HTTP API: `create_app(settings | runtime)` builds it (nothing connects at import time, and
there is no module-level app: `backoffice serve` hands uvicorn the factory).

- /healthz (no key) and the versioned API under /v1, described at /v1/openapi.json (/v1/docs).
- Every error is `{"error": {"code", "message"}}` (422s add `fields`: where, never the input); an
  unexpected failure is a 500 `internal_error` with no exception text or trace (it is logged).
- Keys, roles and the body limit: see api.deps. Decisions: see api.routes.approvals.
- `start_worker=True` runs the AP worker (agent.worker) in a thread for the app's lifetime, as the
  embedded setup's `backoffice serve` does.
- `watchdog=True` (what `backoffice serve` passes) runs the watchdog (services.monitoring) in a
  thread every `alert_check_seconds`, so the API notices when every worker has died; GET /metrics
  and GET /v1/status show the same numbers (api.routes.monitoring). Every request gets an
  X-Request-ID, counted and logged by api.metrics.ObservabilityMiddleware.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.approvals import ApprovalRefused
from agent.context import RunContext
from core.settings import Settings, load_settings
from api.deps import (
    AuthMiddleware,
    BodyLimitMiddleware,
    Reads,
    error_response,
    read_engine,
    read_sessions,
    reads_inline,
    unavailable_response,
)
from api.metrics import Metrics, ObservabilityMiddleware
from services.runtime import Runtime
from memory.migrate import DatabaseNotMigrated
from adapters.clock import SystemClock
from core.clock import Clock
from tools.ledger.problems import LedgerError

log = logging.getLogger("backoffice.api")

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
                413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request",
                429: "too_many_requests", 503: "unavailable"}
MAX_FIELD_ERRORS = 20


def run_context(runtime: Runtime) -> RunContext:
    """What a resumed run needs (the same as the worker's): OCR, and the LLM when configured."""
    from adapters.llm import OpenAIChatModel

    return RunContext.build(runtime.settings, runtime.sessions, runtime.clock,
                            model=OpenAIChatModel.from_settings(runtime.settings))


def create_app(source: Settings | Runtime | None = None, *, clock: Clock | None = None,
               start_worker: bool = False, watchdog: bool = False,
               log_requests: bool = True) -> FastAPI:
    """The app over `source` (settings, or a runtime that already holds its clock; default: the
    settings from the environment). `clock` is for settings only."""
    if isinstance(source, Runtime) and clock is not None:
        raise ValueError("pass the clock inside the Runtime")
    if isinstance(source, Runtime):
        runtime = source
    else:
        runtime = Runtime(source if source is not None else load_settings(), clock or SystemClock())
    settings = runtime.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_worker:
            import agent.worker  # noqa: F401 — the graph's modules, before the freeze below
        # Everything built so far (modules, the app, the graph) lives as long as the process:
        # move it out of the collector's way, so a full collection scans only what requests
        # allocate (no ~150 ms pauses at p99; evals/benchmarks/api_bench.py).
        gc.collect()
        gc.freeze()
        stop = threading.Event()
        thread = _start_worker(app.state.run_context, stop) if start_worker else None
        watcher = _start_watchdog(runtime, stop) if watchdog else None
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=60)
            if watcher is not None:
                watcher.join(timeout=15)
            if app.state.read_engine is not None:
                app.state.read_engine.dispose()

    app = FastAPI(title="Backoffice API", version="1", lifespan=lifespan,
                  openapi_url="/v1/openapi.json", docs_url="/v1/docs", redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None,
                  description="The AI back office's API: submit supplier emails, follow them, "
                              "decide approvals, read bills and the ledger. Every route but "
                              "/healthz needs an API key (Authorization: Bearer, or X-API-Key).")
    app.state.runtime = runtime
    app.state.run_context = run_context(runtime)
    app.state.read_engine = read_engine(runtime)
    app.state.read_sessions = read_sessions(runtime, app.state.read_engine)
    app.state.reads = Reads(app.state.read_sessions, inline=reads_inline(runtime.settings))

    # Added last = outermost: the body limit applies before anything reads the body.
    app.add_middleware(AuthMiddleware, reads=app.state.reads)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    _install_error_handlers(app)

    from api.routes import (
        apikeys,
        approvals,
        bank,
        bills,
        chat,
        exports,
        health,
        imports,
        inbox,
        ledger,
        monitoring,
        payments,
        payroll,
        reports,
    )

    app.state.metrics = Metrics(lambda: monitoring.observe(app))
    app.include_router(health.router)
    app.include_router(monitoring.router)
    for module in (inbox, approvals, bills, ledger, reports, payroll, chat, apikeys, bank,
                   payments, imports, exports):
        app.include_router(module.router, prefix="/v1")
        app.state.metrics.learn_routes(module.router.routes, prefix="/v1")

    from api import web
    from api.responses import document_errors

    web.install(app)
    document_errors(app)  # the 401/403/422/... every /v1 route may answer, in /v1/openapi.json
    # Added last = outermost: every response (a 401, a 413, a page) carries its request id.
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics,
                       log_requests=log_requests)
    return app


def _start_worker(ctx: RunContext, stop: threading.Event) -> threading.Thread:
    from agent.worker import Worker

    first = [True]

    def report(tick: Any) -> None:  # (the worker logs each run's result itself)
        if first[0]:  # the graph the worker compiled lives as long as it: out of the GC's way too
            first[0] = False
            gc.freeze()

    thread = threading.Thread(target=Worker(ctx).run, args=(stop,), kwargs={"on_tick": report},
                              name="backoffice-worker", daemon=True)
    thread.start()
    return thread


def _start_watchdog(runtime: Runtime, stop: threading.Event) -> threading.Thread:
    """The API's own watchdog: it must notice when every worker has died, which no worker can."""
    import os
    import socket

    from services.monitoring import watch

    by = f"api:{socket.gethostname()}:{os.getpid()}"
    watch_log = logging.getLogger("backoffice.watchdog")

    def run() -> None:
        # First wait one interval: a worker starting beside us (the embedded setup) has not
        # ticked yet, and the last run's stale heartbeat must not raise a false alarm.
        while not stop.wait(runtime.settings.alert_check_seconds):
            try:
                watch(runtime.settings, runtime.sessions, runtime.clock, by=by)
            except Exception:  # noqa: BLE001 — keep watching; the database may come back
                watch_log.exception("watchdog failed")

    thread = threading.Thread(target=run, name="backoffice-watchdog", daemon=True)
    thread.start()
    return thread


def result_line(r: Any) -> str:
    """One line per run result, for logs and the CLI (agent.worker.describe)."""
    from agent.worker import describe

    return describe(r)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and what, never the input itself (it may be large, or a secret)."""
    out = []
    for err in exc.errors()[:MAX_FIELD_ERRORS]:
        loc = [part if isinstance(part, int) else str(part)[:64] for part in err.get("loc", ())]
        out.append({"loc": loc, "msg": str(err.get("msg", ""))[:200], "type": err.get("type")})
    return out


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail
        if isinstance(detail, dict):
            code = str(detail.get("code") or STATUS_CODES.get(exc.status_code, "error"))
            message = str(detail.get("message") or code)
        else:
            code = STATUS_CODES.get(exc.status_code, "error")
            message = str(detail) if detail else code
        return error_response(exc.status_code, code, message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", "The request is not valid; see fields.",
                              fields=_field_errors(exc))

    @app.exception_handler(ApprovalRefused)
    async def refused(request: Request, exc: ApprovalRefused) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(LedgerError)
    async def ledger_refused(request: Request, exc: LedgerError) -> JSONResponse:
        first = exc.problems[0] if exc.problems else None
        return error_response(409, first.code if first else "ledger_refused",
                              "; ".join(p.message for p in exc.problems) or "The ledger refused.")

    @app.exception_handler(DatabaseNotMigrated)
    @app.exception_handler(OperationalError)
    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is unreachable, not migrated, or locked past the busy timeout.
        log.error("database unavailable on %s %s: %s", request.method, request.url.path,
                  str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
        return unavailable_response()

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=(type(exc), exc, exc.__traceback__),
                  extra={"request_id": request.scope.get("state", {}).get("request_id")})
        return error_response(500, "internal_error",
                              "Something went wrong on our side; it has been logged.")
