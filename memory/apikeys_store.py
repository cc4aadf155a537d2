"""API keys: created with a role, shown once, kept as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from memory import audit
from memory.ap_schema import ROLES, ApiKey
from memory.schema import Employee
from core.clock import Clock

KEY_PREFIX = "bo_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role, and the employee the key belongs to (if any:
    a staff member may then check their own pay, and nobody else's)."""
    key_id: int
    name: str
    role: str
    employee_id: str | None = None

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name}"


@dataclass(frozen=True)
class CreatedKey:
    principal: Principal
    key: str           # the only time the secret exists outside the caller's hands
    prefix: str
    created_at: datetime


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(session: Session, clock: Clock, *, name: str, role: str, created_by: str,
           employee_id: str | None = None) -> CreatedKey:
    """A new key; `employee_id` (an employee code such as E007, which must exist) links it to
    that employee."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a key needs a name of 1 to 100 characters")
    if employee_id is not None:
        employee_id = employee_id.strip()
        if session.scalar(select(Employee.id).where(Employee.employee_code == employee_id)) is None:
            raise ValueError(f"there is no employee {employee_id!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role, prefix=key[:10], key_hash=_hash(key), created_at=clock.now(),
                 created_by=created_by, employee_code=employee_id)
    session.add(row)
    session.flush()
    payload = {"name": name, "role": role, "prefix": row.prefix}
    if employee_id is not None:
        payload["employee"] = employee_id
    audit.append(session, clock, actor=created_by, action="apikey.created", entity_type="api_key",
                 entity_id=row.id, payload=payload)
    return CreatedKey(Principal(row.id, name, role, employee_id), key, row.prefix, row.created_at)


def authenticate(session: Session, key: str | None) -> Principal | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked_at is not None:
        return None
    return Principal(row.id, row.name, row.role, row.employee_code)


def revoke(session: Session, clock: Clock, key_id: int, *, actor: str) -> bool:
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    session.flush()
    audit.append(session, clock, actor=actor, action="apikey.revoked", entity_type="api_key",
                 entity_id=row.id, payload={"name": row.name})
    return True


def list_keys(session: Session) -> list[tuple[Principal, str, datetime, datetime | None]]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.id))
    return [(Principal(r.id, r.name, r.role, r.employee_code), r.prefix, r.created_at, r.revoked_at) for r in rows]
