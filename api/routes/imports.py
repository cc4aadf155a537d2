"""/v1/imports/{system}: the books of a business moving in from Xero or MYOB (the same service as
`backoffice import xero|myob`, services.books_import). Owners and admins only ("books.import").

The body is JSON, `{"files": [{"name", "content_base64"}]}` (python-multipart is not a dependency,
so no multipart forms). `dry_run` defaults to true: the answer is the plan (what would be
created, updated, posted) and nothing is written; `dry_run=false` writes it in one transaction.
A refusal is 422 `{"error": {"code": "import_refused", "message", "problems": [{code, file, row,
message}]}}`, every problem named with its file and row; nothing was written.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from datetime import date
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import RuntimeDep, allow, error_response
from api.schemas import Day, ErrorBody
from memory.apikeys_store import Principal
from tools.imports.model import ImportProblem, ImportRefused

router = APIRouter(prefix="/imports", tags=["imports"])


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00]+$",
                      description="The export's file name (never used as a path)")
    content_base64: str = Field(min_length=1)


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: list[FileIn] = Field(min_length=1, max_length=20)


def _refused(problems: tuple[ImportProblem, ...] | list[ImportProblem]) -> JSONResponse:
    return error_response(422, "import_refused", "; ".join(p.message for p in problems)[:2000],
                          problems=[{"code": p.code, "file": p.file, "row": p.row,
                                     "message": p.message} for p in problems])


def _run(runtime: Any, system: str, files: list[tuple[str, bytes]], actor: str,
         as_at: date | None, dry_run: bool) -> dict[str, Any]:
    from services.books_import import import_books, summary

    # The service reads paths: each file under a private directory, by its position, not its name.
    with tempfile.TemporaryDirectory(prefix="bo-import-") as tmp:
        paths = []
        for n, (name, data) in enumerate(files):
            folder = FsPath(tmp) / str(n)
            folder.mkdir()
            path = folder / FsPath(name).name
            path.write_bytes(data)
            paths.append(path)
        outcome = import_books(runtime, system, paths, actor=actor, as_at=as_at, dry_run=dry_run)
    return {**summary(outcome.plan), "dry_run": dry_run, "applied": outcome.applied}


@router.post("/{system}", responses={422: {
    "model": ErrorBody, "description": "Invalid, or refused: every problem with its file and row "
                                       "(`error.problems`); nothing was written"}})
async def import_books_route(
        system: Annotated[Literal["xero", "myob"], Path()], body: ImportIn,
        principal: Annotated[Principal, Depends(allow("books.import"))], runtime: RuntimeDep,
        dry_run: Annotated[bool, Query()] = True,
        as_at: Annotated[Day | None, Query(description="The opening balances' date")] = None) -> Any:
    """Import Xero CSV or MYOB AccountRight TXT exports (told apart by their headers): chart,
    contacts with bank details, bills and sales, opening balances. All or nothing; the same
    export again changes nothing."""
    files: list[tuple[str, bytes]] = []
    for f in body.files:
        try:
            files.append((f.name, base64.b64decode(f.content_base64, validate=True)))
        except (binascii.Error, ValueError):
            return _refused([ImportProblem("not_base64", f"{f.name}: content_base64 is not "
                                           "base64", f.name, None)])
    try:
        return await run_in_threadpool(_run, runtime, system, files, principal.actor, as_at,
                                       dry_run)
    except ImportRefused as exc:
        return _refused(exc.problems)
