"""Recording inbound messages: once each, bytes first, audited, quarantined rather than lost; on
SQLite and PostgreSQL, including two workers racing to record the same message."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from memory import audit
from memory.db import session_factory, unit_of_work
from memory.inbox_schema import InboxImapState, InboxMessage
from memory.inbox_store import ImapState, InboxStore
from services.intake import MessageIntake
from memory.schema import AuditEntry, Base
from memory.blobs import BlobStore
from tools.inbox.errors import InboxError
from tools.inbox.parsing import MessageLimits

FIXTURES = Path(__file__).parents[1] / "tools" / "inbox" / "fixtures"
INVOICE = (FIXTURES / "invoice_pdf.eml").read_bytes()


@pytest.fixture
def intake(engine: Engine, clock, tmp_path: Path) -> MessageIntake:  # type: ignore[no-untyped-def]
    return MessageIntake(InboxStore(session_factory(engine), clock, BlobStore(tmp_path / "blobs")), MessageLimits())


def _count(engine: Engine, model=InboxMessage) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory(engine)) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _audit(engine: Engine) -> list[AuditEntry]:
    with unit_of_work(session_factory(engine)) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_a_message_is_recorded_with_its_bytes_and_an_audit_entry(intake: MessageIntake,
                                                                 engine: Engine) -> None:
    result = intake.record(INVOICE, channel="maildir")
    m = result.message
    assert result.created and result.parsed is not None
    assert (m.message_id, m.channel, m.status, m.outcome) == (
        "inv-1001.1@coastalceramics.com.au", "maildir", "received", None)
    assert m.subject == "Tax invoice INV-1001 from Coastal Ceramics"
    assert m.sender == "accounts@coastalceramics.com.au"
    assert m.size == len(INVOICE) and m.body_hash == result.parsed.body_hash
    assert intake.store.raw(m.id) == INVOICE
    [entry] = _audit(engine)
    assert (entry.action, entry.entity_type, entry.entity_id) == (
        "inbox.message_received", "inbox_message", str(m.id))
    assert m.raw_sha256 in entry.payload
    with unit_of_work(session_factory(engine)) as session:
        assert audit.verify(session).intact


def test_a_redelivery_with_other_transport_headers_is_the_same_message(
        intake: MessageIntake, engine: Engine) -> None:
    first = intake.record(INVOICE, channel="maildir")
    relayed = b"Received: from relay.example by mx; Thu, 25 Jun 2026 09:00:00 +1000\r\n" + \
        INVOICE.replace(b"\n", b"\r\n")
    again = intake.record(relayed, channel="smtp")
    assert not again.created and again.message.id == first.message.id
    assert again.message.channel == "maildir"
    assert _count(engine) == 1 and len(_audit(engine)) == 1


def test_the_same_message_id_with_a_different_body_is_a_new_message(
        intake: MessageIntake, engine: Engine) -> None:
    intake.record(INVOICE, channel="maildir")
    altered = intake.record(INVOICE.replace(b"$110.00, due", b"$990.00, due"), channel="maildir")
    assert altered.created
    assert _count(engine) == 2


def test_imap_uids_are_unique_per_uidvalidity_and_a_new_uidvalidity_still_dedupes(
        intake: MessageIntake, engine: Engine) -> None:
    key = {"imap_account": "ap@mail.example:993/INBOX"}
    first = intake.record(INVOICE, channel="imap", uidvalidity=7, uid=1, **key)
    assert first.created and (first.message.uidvalidity, first.message.uid) == (7, 1)
    assert not intake.record(INVOICE, channel="imap", uidvalidity=7, uid=1, **key).created
    # The server renumbered the folder: same message under a new UIDVALIDITY is still a duplicate.
    renumbered = intake.record(INVOICE, channel="imap", uidvalidity=8, uid=1, **key)
    assert not renumbered.created and renumbered.message.id == first.message.id
    with pytest.raises(InboxError) as info:
        intake.record(INVOICE, channel="imap", uid=3, **key)
    assert info.value.code == "incomplete_imap_key"
    assert _count(engine) == 1


def test_a_message_over_the_limits_is_quarantined_with_its_bytes_kept(
        engine: Engine, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    intake = MessageIntake(InboxStore(session_factory(engine), clock, BlobStore(tmp_path / "b")), MessageLimits(max_message_bytes=500))
    result = intake.record(INVOICE, channel="import")
    m = result.message
    assert result.created and result.parsed is None
    assert m.status == "quarantined" and m.quarantine_reason is not None
    assert m.quarantine_reason.startswith("message_too_large:")
    assert m.message_id == "inv-1001.1@coastalceramics.com.au"  # still identified
    assert intake.store.raw(m.id) == INVOICE
    assert _audit(engine)[-1].action == "inbox.message_quarantined"
    assert not intake.record(INVOICE, channel="import").created


def test_an_unexpected_parser_failure_quarantines_instead_of_losing_the_message(
        intake: MessageIntake, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(raw: bytes, limits: MessageLimits) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr("services.intake.parse_message", broken)
    m = intake.record(INVOICE, channel="smtp").message
    assert m.status == "quarantined"
    assert m.quarantine_reason == "parse_failed: the message could not be read (ValueError)"
    assert m.message_id == "inv-1001.1@coastalceramics.com.au" and intake.store.raw(m.id) == INVOICE


def test_nothing_is_recorded_when_the_bytes_cannot_be_stored(
        engine: Engine, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the blob directory should be")
    intake = MessageIntake(InboxStore(session_factory(engine), clock, BlobStore(blocked)))
    with pytest.raises(OSError):
        intake.record(INVOICE, channel="maildir")
    assert _count(engine) == 0 and _audit(engine) == []


def test_an_unknown_channel_is_refused(intake: MessageIntake) -> None:
    with pytest.raises(InboxError) as info:
        intake.record(INVOICE, channel="fax")
    assert info.value.code == "unknown_channel"


def test_losing_a_race_returns_the_winners_row(intake: MessageIntake, engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The other worker commits between our duplicate check and our insert."""
    winner = intake.record(INVOICE, channel="smtp")
    calls = {"n": 0}
    real_find = InboxStore._find

    def stale_find(*args):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(*args)

    monkeypatch.setattr(InboxStore, "_find", staticmethod(stale_find))
    loser = intake.record(INVOICE, channel="maildir")
    assert not loser.created and loser.message.id == winner.message.id
    assert calls["n"] == 2
    assert _count(engine) == 1 and len(_audit(engine)) == 1


def test_concurrent_workers_record_a_message_exactly_once(
        engine: Engine, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workers = 6
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def work() -> None:
        intake = MessageIntake(InboxStore(session_factory(engine), clock, BlobStore(tmp_path / "blobs")))
        barrier.wait()
        try:
            results.append(intake.record(INVOICE, channel="smtp"))
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(r.created for r in results) == [False] * (workers - 1) + [True]
    assert len({r.message.id for r in results}) == 1
    assert _count(engine) == 1 and len(_audit(engine)) == 1


def test_status_moves_forward_with_an_outcome_and_processed_is_final(
        intake: MessageIntake, engine: Engine) -> None:
    m = intake.record(INVOICE, channel="maildir").message
    assert intake.store.mark(m.id, "processing").status == "processing"
    assert intake.store.mark(m.id, "processing").status == "processing"    # a retry after a crash
    done = intake.store.mark(m.id, "processed", "bill:42")
    assert (done.status, done.outcome) == ("processed", "bill:42")
    assert intake.store.mark(m.id, "processed", "bill:42") == intake.store.get(m.id)  # same again: harmless
    with pytest.raises(InboxError) as info:
        intake.store.mark(m.id, "received")
    assert info.value.code == "status_conflict"
    with pytest.raises(InboxError):
        intake.store.mark(m.id, "processed", "bill:43")
    actions = [e.action for e in _audit(engine)]
    assert actions == ["inbox.message_received", "inbox.message_marked", "inbox.message_marked"]


def test_quarantine_needs_a_reason_and_can_be_released(intake: MessageIntake) -> None:
    m = intake.record(INVOICE, channel="maildir").message
    with pytest.raises(InboxError) as info:
        intake.store.mark(m.id, "quarantined")
    assert info.value.code == "reason_required"
    with pytest.raises(InboxError) as info:
        intake.store.mark(m.id, "processed")
    assert info.value.code == "outcome_required"
    q = intake.store.mark(m.id, "quarantined", reason="suspected_injection: hidden text")
    assert q.quarantine_reason == "suspected_injection: hidden text"
    released = intake.store.mark(m.id, "received")
    assert released.status == "received" and released.quarantine_reason is None
    with pytest.raises(InboxError) as info:
        intake.store.mark(99_999, "processing")
    assert info.value.code == "unknown_message"


def test_the_database_refuses_a_quarantine_without_a_reason(intake: MessageIntake,
                                                            engine: Engine) -> None:
    m = intake.record(INVOICE, channel="maildir").message
    with pytest.raises(IntegrityError):
        with unit_of_work(session_factory(engine)) as session:
            session.execute(text("UPDATE inbox_messages SET status = 'quarantined' WHERE id = :i"),
                            {"i": m.id})


def test_list_recent_is_newest_first_and_limited(intake: MessageIntake) -> None:
    ids = [intake.record(INVOICE.replace(b"INV-1001 for", f"INV-{n} for".encode()),
                        channel="import").message.id for n in range(5)]
    recent = intake.store.list_recent(3)
    assert [m.id for m in recent] == ids[::-1][:3]
    intake.store.mark(ids[0], "processing")
    assert [m.id for m in intake.store.list_recent(10, status="processing")] == [ids[0]]


def test_imap_state_is_remembered_and_never_moves_back_within_a_uidvalidity(
        intake: MessageIntake, engine: Engine) -> None:
    assert intake.store.imap_state("ap@mail:993", "INBOX") is None
    intake.store.set_imap_state("ap@mail:993", "INBOX", 7, 10)
    intake.store.set_imap_state("ap@mail:993", "INBOX", 7, 4)
    assert intake.store.imap_state("ap@mail:993", "INBOX") == ImapState(7, 10)
    intake.store.set_imap_state("ap@mail:993", "INBOX", 9, 2)        # renumbered: start again
    state = intake.store.imap_state("ap@mail:993", "INBOX")
    assert state is not None and (state.uidvalidity, state.last_uid) == (9, 2)
    assert intake.store.imap_state("ap@mail:993", "Archive") is None
    assert _count(engine, InboxImapState) == 1


def test_the_migration_creates_exactly_the_inbox_models(engine: Engine) -> None:
    import memory.inbox_schema  # noqa: F401  (registers the tables on Base.metadata)

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                 Base.metadata)
    def touches_inbox(diff) -> bool:  # type: ignore[no-untyped-def]
        items = diff if isinstance(diff, list) else [diff]
        for item in items:
            for part in item[1:]:
                table = part if hasattr(part, "columns") else getattr(part, "table", None)
                name = table.name if table is not None else part
                if isinstance(name, str) and name.startswith("inbox_"):
                    return True
        return False
    assert [d for d in diffs if touches_inbox(d)] == []
