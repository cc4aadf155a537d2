"""Supplier layouts as versioned, write-once data, on SQLite and PostgreSQL: every version kept
with who taught it, the latest current, one lesson per approval, and the migration matching the
model."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from memory import layouts_store
from memory.db import session_factory, unit_of_work
from memory.layouts_store import LayoutConflict, StoredLayouts
from memory.schema import AuditEntry
from memory.tables import metadata
from tests.conftest import TickingClock
from tools.documents.learned import Anchor, SupplierLayout

ABN = "53004085616"


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def _layout(version: int, label: str = "docket") -> SupplierLayout:
    return SupplierLayout(ABN, version, (Anchor("invoice_number", label, "right"),),
                          (("carton freight", "6040"),))


def _record(session: Session, clock: TickingClock, layout: SupplierLayout | None,
            outcome: str = "learned", approval_id: int | None = None):  # type: ignore[no-untyped-def]
    return layouts_store.record(session, clock, abn=ABN, outcome=outcome, layout=layout,
                                approval_id=approval_id, taught_by="key:7 (approver)",
                                lesson={"corrected": {"invoice_number": "A-1"}})


def _an_approval(sessions: sessionmaker[Session], clock: TickingClock, n: int = 1,
                 proposal: dict | None = None, contact_id: int | None = None) -> int:  # type: ignore[type-arg]
    from decimal import Decimal

    from memory import approvals_store
    from memory.ap_schema import ApRun
    from memory.inbox_schema import InboxMessage

    with unit_of_work(sessions) as session:
        now = clock.now()
        message = InboxMessage(message_id=f"<m{n}@x>", body_hash="a" * 64, raw_sha256="b" * 64, size=1,
                               channel="api", received_at=now, subject="", status="received")
        session.add(message)
        session.flush()
        run = ApRun(inbox_message_id=message.id, thread_id=f"t-{n}", state="awaiting_approval",
                    admitted_at=now, updated_at=now)
        session.add(run)
        session.flush()
        return approvals_store.open_approval(
            session, clock, run_id=run.id, inbox_message_id=message.id, contact_id=contact_id,
            amount=Decimal("10.00"), required_role="approver", confidence=0.5, proposal_hash="c" * 64,
            proposal=proposal or {}, reasons=[], evidence={}).id


def test_every_version_is_kept_and_the_latest_is_current(sessions: sessionmaker[Session],
                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        assert layouts_store.latest(session, ABN) is None
        _record(session, clock, _layout(1))
        _record(session, clock, None, outcome="refused")
        _record(session, clock, _layout(2, "ref doc"))
    with unit_of_work(sessions) as session:
        assert layouts_store.latest(session, ABN) == _layout(2, "ref doc")
        lessons = layouts_store.lessons(session, ABN)
        assert [(x.version, x.outcome) for x in lessons] == [(1, "learned"), (None, "refused"),
                                                             (2, "learned")]
        assert lessons[0].layout == _layout(1) and lessons[0].taught_by == "key:7 (approver)"
        assert lessons[0].lesson == {"corrected": {"invoice_number": "A-1"}}
        assert lessons[0].as_dict()["layout"]["anchors"][0]["label"] == "docket"
        actions = session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "supplier_layout")).all()
        assert actions == ["supplier_layout.learned", "supplier_layout.refused", "supplier_layout.learned"]
    assert StoredLayouts(sessions).latest(ABN) == _layout(2, "ref doc")
    assert StoredLayouts(sessions).latest("11111111111") is None


def test_a_version_must_follow_the_current_one(sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        _record(session, clock, _layout(1))
    with pytest.raises(LayoutConflict), unit_of_work(sessions) as session:
        _record(session, clock, _layout(1, "again"))  # another lesson took version 1 first
    with pytest.raises(LayoutConflict), unit_of_work(sessions) as session:
        _record(session, clock, _layout(3))


def test_one_lesson_per_approval(sessions: sessionmaker[Session], clock: TickingClock) -> None:
    approval_id = _an_approval(sessions, clock)
    with unit_of_work(sessions) as session:
        first, created = _record(session, clock, _layout(1), approval_id=approval_id)
        again, created_again = _record(session, clock, _layout(2), approval_id=approval_id)
        assert created and not created_again and again.id == first.id and again.version == 1
        assert layouts_store.lesson_for(session, approval_id).id == first.id  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(text("supplier_layouts"))) == 1


def test_lessons_are_write_once(sessions: sessionmaker[Session], clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        row_id = _record(session, clock, _layout(1))[0].id
    for statement in (f"UPDATE supplier_layouts SET version = 5 WHERE id = {row_id}",
                      f"DELETE FROM supplier_layouts WHERE id = {row_id}"):
        with pytest.raises(DBAPIError, match="append_only"), unit_of_work(sessions) as session:
            session.execute(text(statement))


def test_a_learned_lesson_has_its_version_and_layout(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(DBAPIError), unit_of_work(sessions) as session:
        session.execute(text("INSERT INTO supplier_layouts (supplier_abn, outcome, taught_by, lesson, "
                             "created_at) VALUES ('53004085616', 'learned', 'x', '{}', CURRENT_TIMESTAMP)"))


def test_the_migration_creates_exactly_the_layouts_model(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    assert [d for d in flat if "supplier_layouts" in repr(d)] == []


def test_the_line_coding_people_approved(sessions: sessionmaker[Session], clock: TickingClock) -> None:
    from memory import approvals_store
    from memory.contacts_store import ContactsStore
    from memory.ledger_store import LedgerStore

    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "test").create_organisation("Harbour & Vine", "51824753556", state="NSW")
        contact = ContactsStore(session, clock, "test").create("Metro Freight", abn=ABN, supplier=True).id
    lines = {"lines": [{"description": "Pallet delivery", "account": "5100", "source_line": 0},
                       {"description": "Fuel levy", "account": "5100", "source_line": 1},
                       {"description": "Adjustment", "account": "5100", "source_line": None}]}
    edited, approved, waiting = (_an_approval(sessions, clock, n, lines, contact) for n in (1, 2, 3))
    with unit_of_work(sessions) as session:
        approvals_store.decide(session, clock, edited, decision="edit", actor="a", role="approver",
                               proposal_hash="c" * 64, key="k1",
                               changes={"lines": [{"index": 1, "account_code": "5200"}]})
        approvals_store.decide(session, clock, approved, decision="approve", actor="a", role="approver",
                               proposal_hash="c" * 64, key="k2")
    with unit_of_work(sessions) as session:
        got = layouts_store.approved_line_accounts(session, contact)
        assert got == [("Pallet delivery", "5100"), ("Fuel levy", "5100"),
                       ("Pallet delivery", "5100"), ("Fuel levy", "5200")]
        assert layouts_store.approved_line_accounts(session, contact, exclude_approval_id=approved) == [
            ("Pallet delivery", "5100"), ("Fuel levy", "5200")]
    assert waiting
