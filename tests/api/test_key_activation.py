"""Whoever hands out keys must not be able to approve: a deciding key an admin mints through the
API is disabled until a second person (an owner) activates it; a key minted or activated by the
person it is issued to never decides; the cooling-off setting holds a new key back; every key
event is in the audit chain; a stale proposal hash is reported before anything else."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from memory import apikeys_store, audit
from memory.db import unit_of_work
from memory.schema import AuditEntry
from tests.api.conftest import Api, MakeApi, find_approval, pending

ROLES = ("clerk", "approver", "owner", "auditor", "admin")
DECIDING = {"approver", "owner"}


def _mint(api: Api, role: str, *, by: str = "admin", **extra: Any) -> Any:
    return api.client.post("/v1/apikeys", json={"name": f"minted {role}", "role": role, **extra},
                           headers=api.auth(by))


def _activate(api: Api, key_id: int, by: str) -> Any:
    return api.client.post(f"/v1/apikeys/{key_id}/activation", headers=api.auth(by))


def _decide(api: Api, key: str, approval: dict[str, Any], decision: str = "approve",
            proposal_hash: str | None = None, idem: str = "k-1") -> Any:
    return api.client.post(
        f"/v1/approvals/{approval['id']}/decision",
        json={"decision": decision, "proposal_hash": proposal_hash or approval["proposal_hash"]},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem})


def _host_key(api: Api, role: str, name: str, holder: str | None = None) -> str:
    """A key minted on the host (the CLI's path): active at once."""
    with unit_of_work(api.runtime.sessions) as session:
        return apikeys_store.create(session, api.clock, name=name, role=role,
                                    created_by="cli:owner", holder=holder).key


@pytest.mark.parametrize("target", ROLES)
@pytest.mark.parametrize("creator", ROLES)
def test_only_an_admin_creates_keys_and_deciding_ones_start_disabled(
        shared_api: Api, creator: str, target: str) -> None:
    r = _mint(shared_api, target, by=creator)
    if creator != "admin":
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
        return
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == ("pending_activation" if target in DECIDING else "active")
    works = shared_api.client.get("/v1/inbox/messages/1", headers={"X-API-Key": body["key"]})
    assert works.status_code == (401 if target in DECIDING else 200)


@pytest.fixture(scope="module")
def shared_api(make_api: MakeApi) -> Api:
    return make_api()


def test_an_admin_minted_owner_key_cannot_decide_until_another_owner_activates_it(api: Api) -> None:
    bill = find_approval(api, role="owner")
    minted = _mint(api, "owner", holder="Morgan").json()
    assert minted["status"] == "pending_activation" and minted["activated_at"] is None
    refused = _decide(api, minted["key"], bill)
    assert refused.status_code == 401                     # a disabled key works for nothing
    assert _activate(api, minted["id"], by="admin").status_code == 403   # not the admin's call
    on = _activate(api, minted["id"], by="owner")
    assert on.status_code == 200, on.text
    assert on.json()["status"] == "active" and on.json()["activated_by"].startswith("key:")
    assert _activate(api, minted["id"], by="owner").json()["error"]["code"] == "already_active"
    decided = _decide(api, minted["key"], bill)
    assert decided.status_code == 200, decided.text
    assert decided.json()["approval"]["status"] == "approved"


def test_the_admin_cannot_route_around_the_second_person(api: Api) -> None:
    admin = api.principal("admin")
    # The admin holds an owner key too: it may not activate what the admin minted.
    own_owner_key = _host_key(api, "owner", "admin's owner key", holder=admin.holder)
    api.keys["admin-as-owner"] = own_owner_key
    minted = _mint(api, "owner", holder="Morgan").json()
    r = _activate(api, minted["id"], by="admin-as-owner")
    assert r.status_code == 403 and r.json()["error"]["code"] == "activator_created_key"
    # Nor is a key activated by the person it is issued to.
    for_owner = _mint(api, "approver", holder=api.principal("owner").holder).json()
    r = _activate(api, for_owner["id"], by="owner")
    assert r.status_code == 403 and r.json()["error"]["code"] == "activator_holds_key"
    # A key the admin minted for themselves decides nothing, even once an owner switched it on.
    for_admin = _mint(api, "approver", holder=admin.holder).json()
    assert _activate(api, for_admin["id"], by="owner").status_code == 200
    r = _decide(api, for_admin["key"], find_approval(api, role="approver"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "key_minted_by_holder"


def test_unknown_revoked_and_malformed_activations_are_clear_4xx(api: Api) -> None:
    assert _activate(api, 999_999, by="owner").status_code == 404
    minted = _mint(api, "approver", holder="Sam").json()
    assert api.client.delete(f"/v1/apikeys/{minted['id']}", headers=api.auth("admin")).status_code == 200
    r = _activate(api, minted["id"], by="owner")
    assert r.status_code == 409 and r.json()["error"]["code"] == "key_revoked"
    for path in ("/v1/apikeys/0/activation", "/v1/apikeys/abc/activation",
                 "/v1/apikeys/99999999999/activation"):
        assert api.client.post(path, headers=api.auth("owner")).status_code == 422
    for body in ({"name": "x", "role": "owner", "holder": ""},
                 {"name": "x", "role": "owner", "holder": "h" * 101},
                 {"name": "x", "role": "owner", "holder": 7}):
        assert api.client.post("/v1/apikeys", json=body, headers=api.auth("admin")).status_code == 422


def test_every_key_event_is_in_the_audit_chain(api: Api) -> None:
    minted = _mint(api, "owner", holder="Morgan").json()
    _activate(api, minted["id"], by="owner")
    api.client.delete(f"/v1/apikeys/{minted['id']}", headers=api.auth("admin"))
    with unit_of_work(api.runtime.sessions) as session:
        rows = session.scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "api_key", AuditEntry.entity_id == str(minted["id"]))
            .order_by(AuditEntry.seq)).all()
        assert audit.verify(session).intact
    assert [r.action for r in rows] == ["apikey.created", "apikey.activated", "apikey.revoked"]
    created = json.loads(rows[0].payload)
    assert created["active"] is False and created["holder"] == "Morgan"
    assert rows[0].actor == api.principal("admin").actor
    assert rows[1].actor == api.principal("owner").actor


def test_a_new_key_waits_out_the_cooling_off(make_api: MakeApi) -> None:
    api = make_api(deciding_key_cooling_off_minutes=60)
    key = _host_key(api, "approver", "new approver", holder="Robin")
    bill = find_approval(api, role="approver")
    r = _decide(api, key, bill, decision="reject")
    assert r.status_code == 403 and r.json()["error"]["code"] == "key_cooling_off"
    api.clock.current += timedelta(minutes=61)
    assert _decide(api, key, bill, decision="reject", idem="k-2").status_code == 200


def test_a_stale_hash_on_a_decided_approval_is_reported_as_stale(api: Api) -> None:
    bill = next(a for a in pending(api) if a["required_role"] == "approver" and a["contact_id"]
                and "duplicate_suspected" not in {r["code"] for r in a["reasons"]})
    first = _decide(api, api.keys["approver"], bill)
    assert first.status_code == 200, first.text
    assert first.json()["run"]["state"] == "posted"   # the books now hold the bill
    again = _decide(api, api.keys["approver2"], bill, proposal_hash="0" * 64, idem="k-9")
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale_proposal"
