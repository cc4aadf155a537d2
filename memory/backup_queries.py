"""What a backup promises to bring back, read from one consistent view of the books: the audit
chain's head and length, every table's row count, the trial balance, and whether every recorded
message's bytes are in the blob store. A backup records it; a restore reads it again from what it
restored and compares (services.backup). Reads only."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from adapters.clock import SystemClock
from memory import audit
from memory.blobs import BlobStore
from memory.inbox_schema import InboxMessage
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry, Invoice, Organisation
from memory.tables import metadata
from tools.inbox.errors import InboxError


@dataclass(frozen=True)
class Fingerprint:
    organisation: str | None
    chain_intact: bool
    chain_length: int
    head_hash: str
    chain_break: str | None
    counts: dict[str, int] = field(default_factory=dict)
    trial_balance: dict[str, str] = field(default_factory=dict)  # account code -> balance
    total_debit: str = "0.00"
    total_credit: str = "0.00"
    blobs_missing: tuple[str, ...] = ()  # sha256 of recorded messages whose bytes are not readable

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["blobs_missing"] = list(self.blobs_missing)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Fingerprint:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["blobs_missing"] = tuple(known.get("blobs_missing") or ())  # type: ignore[arg-type]
        return cls(**known)  # type: ignore[arg-type]

    def differences(self, other: Fingerprint) -> list[str]:
        """What `other` (the restored books) does not reproduce of this one (the backup's)."""
        out: list[str] = []
        for name in ("organisation", "head_hash", "chain_length", "total_debit", "total_credit"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                out.append(f"{name}: backed up {mine}, restored {theirs}")
        for table in sorted(set(self.counts) | set(other.counts)):
            if self.counts.get(table) != other.counts.get(table):
                out.append(f"rows in {table}: backed up {self.counts.get(table)}, "
                           f"restored {other.counts.get(table)}")
        for code in sorted(set(self.trial_balance) | set(other.trial_balance)):
            if self.trial_balance.get(code) != other.trial_balance.get(code):
                out.append(f"account {code}: backed up {self.trial_balance.get(code)}, "
                           f"restored {other.trial_balance.get(code)}")
        if not other.chain_intact:
            out.append(f"the restored audit chain is broken: {other.chain_break}")
        if other.blobs_missing:
            out.append(f"{len(other.blobs_missing)} recorded messages' bytes are missing or corrupt")
        return out


def holds_books(session: Session) -> bool:
    """Whether this database already holds someone's books (an organisation or any audit entry)."""
    tables = set(inspect(session.connection()).get_table_names())
    if "organisation" in tables and session.scalar(select(func.count()).select_from(Organisation)):
        return True
    return "audit_log" in tables and bool(session.scalar(select(func.count()).select_from(AuditEntry)))


def schema_revision(session: Session) -> str | None:
    """The Alembic revision the database is at (a restore of an older backup needs `db upgrade`)."""
    if "alembic_version" not in inspect(session.connection()).get_table_names():
        return None
    return session.scalar(text("SELECT version_num FROM alembic_version"))


def fingerprint(session: Session, blobs: BlobStore) -> Fingerprint:
    chain = audit.verify(session)
    present = set(inspect(session.connection()).get_table_names())
    counts = {table.name: session.scalar(select(func.count()).select_from(table)) or 0
              for table in metadata.sorted_tables if table.name in present}
    counts["bills"] = session.scalar(select(func.count()).select_from(Invoice)
                                     .where(Invoice.kind == "bill")) or 0
    tb = LedgerStore(session, SystemClock(), "backup").trial_balance()
    org = session.get(Organisation, 1)
    return Fingerprint(
        organisation=org.name if org else None, chain_intact=chain.intact,
        chain_length=chain.rows_checked, head_hash=chain.head_hash,
        chain_break=None if chain.intact else f"row {chain.first_bad_seq}: {chain.reason}",
        counts=counts, trial_balance={row.code: str(row.balance) for row in tb.rows},
        total_debit=str(tb.total_debit), total_credit=str(tb.total_credit),
        blobs_missing=_missing_blobs(session, blobs))


def _missing_blobs(session: Session, blobs: BlobStore) -> tuple[str, ...]:
    missing = []
    for sha in session.scalars(select(InboxMessage.raw_sha256).distinct().order_by(InboxMessage.raw_sha256)):
        try:
            blobs.get(sha)  # reads and re-hashes: present is not enough, the bytes must be right
        except InboxError:
            missing.append(sha)
    return tuple(missing)
