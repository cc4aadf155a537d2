"""/v1/exports: hand the books back (the same service as `backoffice export ...`,
services.books_export). Owners and auditors ("books.export": an accountant receiving the books
gets an auditor key).

- `GET /v1/exports/hledger`: the whole ledger as an hledger journal (`text/plain`), refused with
  409 `export_mismatch` unless it balances to the trial balance.
- `GET /v1/exports/{xero|myob}/{bills|journals}?from=&to=&with_bill_journals=`: the CSV Xero or
  MYOB AccountRight imports (`text/csv`).

Each answer carries `Content-Disposition: attachment; filename=...` and `X-Export-Records`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, allow
from api.responses import errors
from api.schemas import Day
from memory.apikeys_store import Principal
from memory.db import read_only
from services.books_export import Export, ExportMismatch, export_csv, export_hledger

router = APIRouter(prefix="/exports", tags=["exports"])
Exporting = Annotated[Principal, Depends(allow("books.export"))]


def _answer(done: Export, filename: str, media_type: str) -> Response:
    return Response(done.file.data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Export-Records": str(done.file.records)})


@router.get("/hledger", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}, **errors(409)})
async def hledger(_: Exporting, runtime: RuntimeDep) -> Response:
    """The whole ledger as a plain-text hledger journal (`hledger check --strict` accepts it)."""
    def run() -> Export:
        with read_only(runtime.sessions) as session:
            return export_hledger(session)
    try:
        done = await run_in_threadpool(run)
    except ExportMismatch as exc:
        raise HTTPException(409, {"code": "export_mismatch", "message": str(exc)}) from None
    return _answer(done, "books.journal", "text/plain; charset=utf-8")


@router.get("/{target}/{kind}", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
async def csv_export(
        target: Annotated[Literal["xero", "myob"], Path()],
        kind: Annotated[Literal["bills", "journals"], Path()], _: Exporting, runtime: RuntimeDep,
        date_from: Annotated[Day | None, Query(alias="from")] = None,
        date_to: Annotated[Day | None, Query(alias="to")] = None,
        with_bill_journals: bool = False) -> Response:
    """Bills (by issue date) or journals (by date) between the dates, inclusive, as the target
    imports them. Journals leave out those that post bills unless `with_bill_journals`."""
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, {"code": "bad_dates", "message": "`from` is after `to`."})

    def run() -> Export:
        with read_only(runtime.sessions) as session:
            return export_csv(session, target, kind, date_from, date_to,
                              with_bill_journals=with_bill_journals)
    done = await run_in_threadpool(run)
    suffix = "txt" if target == "myob" else "csv"
    span = "".join(f"-{d:%Y%m%d}" for d in (date_from, date_to) if d)
    return _answer(done, f"{target}-{kind}{span}.{suffix}", "text/csv; charset=utf-8")
