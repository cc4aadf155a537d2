"""API keys: created with a role, shown once, kept as a SHA-256 hash, revocable; a key may be created
disabled and activated later (the rules of who may do that are tools.policies.key_rules). Every key
event is in the audit chain."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from memory import audit
from memory.ap_schema import ROLES, ApiKey
from core.clock import Clock
from memory.schema import Employee
from tools.policies.key_rules import KeyHistory

KEY_PREFIX = "bo_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role, and the employee the key belongs to (if any:
    a staff member may then check their own pay, and nobody else's)."""
    key_id: int
    name: str
    role: str
    employee_id: str | None = None
    holder: str | None = None        # the person the key was issued to (None: not known)

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name}"


@dataclass(frozen=True)
class CreatedKey:
    principal: Principal
    key: str           # the only time the secret exists outside the caller's hands
    prefix: str
    created_at: datetime
    active: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(session: Session, clock: Clock, *, name: str, role: str, created_by: str,
           employee_id: str | None = None, holder: str | None = None,
           active: bool = True) -> CreatedKey:
    """A new key; `employee_id` (an employee code such as E007, which must exist) links it to
    that employee; `holder` is the person it is issued to (default: its name); `active=False`
    creates it disabled, to be activated by someone else (`activate`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a key needs a name of 1 to 100 characters")
    if employee_id is not None:
        employee_id = employee_id.strip()
        if session.scalar(select(Employee.id).where(Employee.employee_code == employee_id)) is None:
            raise ValueError(f"there is no employee {employee_id!r}")
    holder = (holder or name).strip()
    if not holder or len(holder) > 100:
        raise ValueError("a key's holder needs 1 to 100 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiKey(name=name, role=role, prefix=key[:10], key_hash=_hash(key), created_at=now,
                 created_by=created_by, employee_code=employee_id, holder=holder,
                 activated_at=now if active else None, activated_by=created_by if active else None)
    session.add(row)
    session.flush()
    payload = {"name": name, "role": role, "prefix": row.prefix, "holder": holder, "active": active}
    if employee_id is not None:
        payload["employee"] = employee_id
    audit.append(session, clock, actor=created_by, action="apikey.created", entity_type="api_key",
                 entity_id=row.id, payload=payload)
    return CreatedKey(_principal(row), key, row.prefix, row.created_at, active)


def _principal(row: ApiKey) -> Principal:
    return Principal(row.id, row.name, row.role, row.employee_code, row.holder)


def key_id_of(actor: str | None) -> int | None:
    """The key behind an actor string ("key:12:name"); None for the host's CLI and others."""
    parts = (actor or "").split(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[0] == "key" and parts[1].isdigit() else None


def history(session: Session, key_id: int) -> KeyHistory | None:
    """The key and the people behind its creation and activation."""
    row = session.get(ApiKey, key_id)
    if row is None:
        return None

    def holder_of(actor: str | None) -> tuple[int | None, str | None]:
        by = key_id_of(actor)
        other = session.get(ApiKey, by) if by is not None else None
        return by, (other.holder if other is not None else None)

    created_key, created_holder = holder_of(row.created_by)
    activated_key, activated_holder = holder_of(row.activated_by)
    return KeyHistory(row.id, row.role, row.holder, row.created_at, created_key, created_holder,
                      row.activated_at, activated_key, activated_holder, row.revoked_at is not None)


def activate(session: Session, clock: Clock, key_id: int, *, actor: str) -> None:
    """Switch a disabled key on (the caller has checked that `actor` may)."""
    row = session.get(ApiKey, key_id, with_for_update=True)
    if row is None or row.revoked_at is not None or row.activated_at is not None:
        raise ValueError(f"key {key_id} is not waiting for activation")
    row.activated_at, row.activated_by = clock.now(), actor
    session.flush()
    audit.append(session, clock, actor=actor, action="apikey.activated", entity_type="api_key",
                 entity_id=row.id, payload={"name": row.name, "role": row.role, "holder": row.holder})


# Every API request runs this: the columns only, one statement built once (an ORM entity, and a
# statement built per call, cost more than the read itself: evals/benchmarks/load_bench.py).
_BY_HASH = select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.employee_code, ApiKey.holder,
                  ApiKey.revoked_at, ApiKey.activated_at).where(ApiKey.key_hash == bindparam("h"))


def authenticate(session: Session, key: str | None) -> Principal | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = session.execute(_BY_HASH, {"h": _hash(key)}).first()
    if row is None or row.revoked_at is not None or row.activated_at is None:
        return None  # a disabled key works for nothing until an owner activates it
    return Principal(row.id, row.name, row.role, row.employee_code, row.holder)


def revoke(session: Session, clock: Clock, key_id: int, *, actor: str) -> bool:
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    session.flush()
    audit.append(session, clock, actor=actor, action="apikey.revoked", entity_type="api_key",
                 entity_id=row.id, payload={"name": row.name})
    return True


@dataclass(frozen=True)
class KeyListing:
    principal: Principal
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    created_by: str
    activated_at: datetime | None
    activated_by: str | None


def list_keys(session: Session) -> list[KeyListing]:
    rows = session.scalars(select(ApiKey).order_by(ApiKey.id))
    return [KeyListing(_principal(r), r.prefix, r.created_at, r.revoked_at, r.created_by,
                       r.activated_at, r.activated_by) for r in rows]
