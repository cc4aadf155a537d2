"""API keys, for admins: list, create (the key is shown once, in the answer), revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from api.deps import Reader, RuntimeDep, allow
from api.schemas import ApiKeyCreated, ApiKeyOut, ApiKeyRequest, ErrorBody
from api.views import apikey_view
from memory import apikeys_store
from memory.apikeys_store import Principal
from memory.db import unit_of_work

router = APIRouter(prefix="/apikeys", tags=["api keys"])
Admin = Annotated[Principal, Depends(allow("apikeys.manage"))]


@router.get("", response_model=list[ApiKeyOut])
def list_keys(_: Admin, reader: Reader) -> list[dict[str, Any]]:
    """Every key, revoked ones too; never the secret (only its first characters)."""
    with unit_of_work(reader) as session:
        return [apikey_view(*row) for row in apikeys_store.list_keys(session)]


@router.post("", status_code=201, response_model=ApiKeyCreated, responses={422: {"model": ErrorBody}})
def create_key(body: ApiKeyRequest, principal: Admin, runtime: RuntimeDep) -> dict[str, Any]:
    """A new key with a role; its secret is in this answer and nowhere else, ever."""
    with unit_of_work(runtime.sessions) as session:
        try:
            created = apikeys_store.create(session, runtime.clock, name=body.name, role=body.role,
                                           created_by=principal.actor)
        except ValueError as exc:
            raise HTTPException(422, {"code": "invalid_key_request", "message": str(exc)}) from None
    return {**apikey_view(created.principal, created.prefix, created.created_at, None),
            "key": created.key}


@router.delete("/{key_id}", response_model=ApiKeyOut, responses={404: {"model": ErrorBody}})
def revoke_key(key_id: Annotated[int, Path(ge=1, le=2_147_483_647)], principal: Admin,
               runtime: RuntimeDep) -> dict[str, Any]:
    """Revoke a key: it stops working at once."""
    with unit_of_work(runtime.sessions) as session:
        if not apikeys_store.revoke(session, runtime.clock, key_id, actor=principal.actor):
            raise HTTPException(404, {"code": "not_found",
                                      "message": f"There is no active key {key_id}."})
        row = next(r for r in apikeys_store.list_keys(session) if r[0].key_id == key_id)
    return apikey_view(*row)
