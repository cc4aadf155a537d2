"""API keys: admins list, create (the key is shown once, in the answer) and revoke them; an owner
activates a deciding key an admin minted. A key with a deciding role (approver, owner) created here
starts disabled: whoever manages keys must not be able to give themselves the power to approve
(tools.policies.key_rules). Every key event is in the audit chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from api.deps import Reader, RuntimeDep, allow
from api.schemas import ApiKeyCreated, ApiKeyOut, ApiKeyRequest, ErrorBody
from api.views import apikey_view
from memory import apikeys_store
from memory.apikeys_store import Principal
from memory.db import unit_of_work
from tools.policies.key_rules import Activator, activation_problems, starts_disabled

router = APIRouter(prefix="/apikeys", tags=["api keys"])
Admin = Annotated[Principal, Depends(allow("apikeys.manage"))]
Owner = Annotated[Principal, Depends(allow("apikeys.activate"))]
KeyId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _listing(session: Any, key_id: int) -> dict[str, Any]:
    return apikey_view(next(r for r in apikeys_store.list_keys(session)
                            if r.principal.key_id == key_id))


@router.get("", response_model=list[ApiKeyOut])
def list_keys(_: Admin, reader: Reader) -> list[dict[str, Any]]:
    """Every key, revoked ones too; never the secret (only its first characters)."""
    with unit_of_work(reader) as session:
        return [apikey_view(row) for row in apikeys_store.list_keys(session)]


@router.post("", status_code=201, response_model=ApiKeyCreated, responses={422: {"model": ErrorBody}})
def create_key(body: ApiKeyRequest, principal: Admin, runtime: RuntimeDep) -> dict[str, Any]:
    """A new key with a role; its secret is in this answer and nowhere else, ever. An approver or
    owner key starts `pending_activation`: it works for nothing until an owner activates it."""
    active = not starts_disabled(body.role, minted_on_host=False)
    with unit_of_work(runtime.sessions) as session:
        try:
            created = apikeys_store.create(session, runtime.clock, name=body.name, role=body.role,
                                           created_by=principal.actor, holder=body.holder,
                                           active=active)
        except ValueError as exc:
            raise HTTPException(422, {"code": "invalid_key_request", "message": str(exc)}) from None
        view = _listing(session, created.principal.key_id)
    return {**view, "key": created.key}


@router.post("/{key_id}/activation", response_model=ApiKeyOut,
             responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody},
                        409: {"model": ErrorBody}})
def activate_key(key_id: KeyId, principal: Owner, runtime: RuntimeDep) -> dict[str, Any]:
    """Activate a deciding key waiting for it: an owner, who neither created the key nor is the
    person it is issued to."""
    with unit_of_work(runtime.sessions) as session:
        key = apikeys_store.history(session, key_id)
        if key is None:
            raise HTTPException(404, {"code": "not_found", "message": f"There is no key {key_id}."})
        problems = activation_problems(key, Activator(principal.key_id, principal.role,
                                                      principal.holder or principal.name))
        if problems:
            status = 409 if problems[0].code in ("already_active", "key_revoked") else 403
            raise HTTPException(status, {"code": problems[0].code,
                                         "message": " ".join(p.message for p in problems)})
        apikeys_store.activate(session, runtime.clock, key_id, actor=principal.actor)
        return _listing(session, key_id)


@router.delete("/{key_id}", response_model=ApiKeyOut, responses={404: {"model": ErrorBody}})
def revoke_key(key_id: KeyId, principal: Admin, runtime: RuntimeDep) -> dict[str, Any]:
    """Revoke a key: it stops working at once."""
    with unit_of_work(runtime.sessions) as session:
        if not apikeys_store.revoke(session, runtime.clock, key_id, actor=principal.actor):
            raise HTTPException(404, {"code": "not_found",
                                      "message": f"There is no active key {key_id}."})
        return _listing(session, key_id)
