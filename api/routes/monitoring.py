"""Self-monitoring over HTTP: GET /metrics (Prometheus text exposition, api.metrics) and
GET /v1/status (what `backoffice status --json` prints).

/metrics sits outside /v1, where Prometheus looks by convention, but AuthMiddleware keys it like
the API (api.deps.KEYED_PATHS): scrape it with `authorization: {credentials: <key>}` (a bearer
token) of an owner, admin or auditor key (the `metrics` permission). Both read in one read-only
transaction (a WAL snapshot on SQLite) from the thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from api.deps import allow
from memory.apikeys_store import Principal
from memory.db import read_only
from services import monitoring

router = APIRouter(tags=["monitoring"])


def observe(request_app: Any) -> monitoring.Observed:
    runtime = request_app.state.runtime
    with read_only(request_app.state.read_sessions) as session:
        return monitoring.observe(session, runtime.clock.now(), runtime.settings)


@router.get("/metrics", response_class=Response, responses={200: {
    "content": {"text/plain": {}}, "description": "Prometheus text exposition format"}})
async def metrics(request: Request,
                  _: Annotated[Principal, Depends(allow("metrics"))]) -> Response:
    """The service's gauges (read from the database now) and this process's HTTP counters."""
    registry = request.app.state.metrics.registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/status")
async def status(request: Request,
                 _: Annotated[Principal, Depends(allow("status.read"))]) -> dict[str, Any]:
    """Workers (live or stale), the queue and its oldest message, the last 24 h's outcomes,
    approvals pending and overdue, the alerts that hold now, the last errors; `attention` is true
    when an alert holds."""
    app = request.app

    def read() -> dict[str, Any]:
        runtime = app.state.runtime
        with read_only(app.state.read_sessions) as session:
            return monitoring.status(session, runtime.clock.now(), runtime.settings)

    return await run_in_threadpool(read)
