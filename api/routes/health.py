"""GET /healthz: the one route without a key. OK when the database answers and is migrated."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import error_response
from api.schemas import ErrorBody, Health
from memory.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


def _healthy(request: Request) -> bool:
    state = request.app.state
    if getattr(state, "head_revision", None) is None:
        state.head_revision = head_revision()
    try:
        return current_revision(state.runtime.engine) == state.head_revision
    except Exception:  # noqa: BLE001 — unreachable or broken database: not healthy, say no more
        return False


@router.get("/healthz", response_model=Health, responses={503: {"model": ErrorBody}})
def healthz(request: Request) -> JSONResponse | dict[str, str]:
    """`{"status": "ok"}` when the database is reachable and at the current schema; else 503."""
    if _healthy(request):
        return {"status": "ok"}
    return error_response(503, "unavailable", "The database is unreachable or not migrated.")
