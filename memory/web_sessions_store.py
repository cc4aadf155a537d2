"""Browser sessions (memory.web_schema): begun by exchanging an API key, ended by signing out or
by their expiry, and worthless as soon as the key behind them is revoked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import Clock
from memory import apikeys_store, audit
from memory.ap_schema import ApiKey
from memory.apikeys_store import Principal
from memory.web_schema import WebSession


@dataclass(frozen=True)
class BegunSession:
    token: str          # goes into the cookie; only its hash is stored
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class LiveSession:
    session_id: int
    principal: Principal
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def begin(session: Session, clock: Clock, api_key: str, *, lifetime: timedelta,
          client: str | None = None) -> tuple[Principal, BegunSession] | None:
    """A session for the holder of `api_key` (None when the key is unknown, revoked or not yet
    activated: the caller says nothing more than "not signed in")."""
    principal = apikeys_store.authenticate(session, api_key)
    if principal is None:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = clock.now()
    row = WebSession(token_hash=_hash(token), csrf_token=csrf, key_id=principal.key_id,
                     created_at=now, expires_at=now + lifetime)
    session.add(row)
    session.flush()
    audit.append(session, clock, actor=principal.actor, action="web.signed_in",
                 entity_type="web_session", entity_id=row.id,
                 payload={"client": (client or "")[:64]})
    return principal, BegunSession(token, csrf, row.expires_at)


def resolve(session: Session, now: datetime, token: str | None) -> LiveSession | None:
    """The live session behind a cookie: not ended, not expired, its key still active."""
    if not token or len(token) > 100:
        return None
    found = session.execute(
        select(WebSession, ApiKey).join(ApiKey, ApiKey.id == WebSession.key_id)
        .where(WebSession.token_hash == _hash(token))).first()
    if found is None:
        return None
    row, key = found
    if row.ended_at is not None or _utc(row.expires_at) <= _utc(now):
        return None
    if key.revoked_at is not None or key.activated_at is None:
        return None
    principal = Principal(key.id, key.name, key.role, key.employee_code, key.holder)
    return LiveSession(row.id, principal, row.csrf_token, _utc(row.expires_at))


def end(session: Session, clock: Clock, token: str | None) -> bool:
    """Sign out: the session can never be used again. False when there was nothing to end."""
    if not token or len(token) > 100:
        return False
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = clock.now()
    session.flush()
    key = session.get(ApiKey, row.key_id)
    actor = f"key:{key.id}:{key.name}" if key is not None else "web"
    audit.append(session, clock, actor=actor, action="web.signed_out", entity_type="web_session",
                 entity_id=row.id, payload={})
    return True
