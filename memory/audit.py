"""The audit log: append-only (database triggers) and hash-chained (verified here).

Each row's hash is sha256(previous row's hash + the row's canonical JSON). Editing, deleting or
reordering any row breaks the chain at that row, which `verify` names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from memory.schema import AuditEntry
from core.clock import Clock

GENESIS = "0" * 64
_PG_AUDIT_LOCK = 0x42_4F_41_55  # advisory lock id: one appender at a time on PostgreSQL


def _json_default(value: object) -> str:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(f"{type(value).__name__} is not audit-serialisable")


def canonical_payload(payload: dict[str, object]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_json_default,
                      ensure_ascii=False)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, entity_type: str,
               entity_id: str, payload: str) -> str:
    content = json.dumps([seq, at, actor, action, entity_type, entity_id, payload],
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def append(session: Session, clock: Clock, *, actor: str, action: str, entity_type: str,
           entity_id: object, payload: dict[str, object]) -> AuditEntry:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = clock.now().isoformat()
    body = canonical_payload(payload)
    row = AuditEntry(
        seq=seq, at=at, actor=actor, action=action, entity_type=entity_type,
        entity_id=str(entity_id), payload=body, prev_hash=prev,
        hash=entry_hash(prev, seq, at, actor, action, entity_type, str(entity_id), body),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


def verify(session: Session, expected_head: str | None = None) -> ChainReport:
    """Walk the chain in sequence order and name the first row that does not fit.

    A chain alone cannot show that its newest rows were cut off; pass a head hash recorded
    elsewhere earlier (every verify prints one) as `expected_head`: it must still be on the chain.
    """
    prev, expected_seq, checked = GENESIS, 1, 0
    head_seen = expected_head in (None, GENESIS)
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    )
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(checked, prev, expected_seq,
                               f"row {expected_seq} is missing (the next row is {row.seq})")
        if row.prev_hash != prev:
            return ChainReport(checked, prev, row.seq,
                               f"row {row.seq} does not follow row {row.seq - 1} "
                               "(deleted, inserted or reordered)")
        recomputed = entry_hash(prev, row.seq, row.at, row.actor, row.action, row.entity_type,
                                row.entity_id, row.payload)
        if recomputed != row.hash:
            return ChainReport(checked, prev, row.seq, f"row {row.seq} was edited after it was written")
        prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
        head_seen = head_seen or row.hash == expected_head
    if not head_seen:
        return ChainReport(checked, prev, expected_seq,
                           f"the recorded head {expected_head[:12]}… is not on the chain of {checked} rows "
                           "(rows were removed from the end, or it belongs to another log)")
    return ChainReport(checked, prev)
