"""The soak's checker passes books that are right and names each kind of breach: a message lost,
a message with no outcome, a bill twice, an unbalanced journal, an edited audit row. (If it could
not see these, a soak that passed would mean nothing.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, text

from agent.checkpointer import open_checkpointer
from agent.graphs.invoice import build_invoice_graph
from agent.worker import Worker
from demo.mail_batch import invoice_emails
from evals.soak.check import check, progress
from memory.blobs import BlobStore
from memory.db import unit_of_work
from memory.inbox_store import InboxStore
from memory.schema import Invoice, Journal, JournalLineRow
from services.intake import MessageIntake
from tests.agent.conftest import Books, books, demo_template  # noqa: F401 — fixtures
from tests.memory.test_audit import without_append_only_guard
from tools.inbox.parsing import message_identity


def _worked(books: Books) -> list[str]:  # noqa: F811
    """Two fresh emails recorded and the whole mailbox worked through; their Message-IDs."""
    intake = MessageIntake(InboxStore(books.sessions, books.ctx.clock,
                                      BlobStore(books.settings.blob_path), actor="test"))
    emails = invoice_emails(2, seed=3, tag="check")
    for raw in emails:
        intake.record(raw, channel="api")
    with open_checkpointer(books.settings.resolved_database_url) as saver:
        Worker(books.ctx, scan_maildir=False).tick(build_invoice_graph().compile(checkpointer=saver))
    return [message_identity(raw).message_id for raw in emails]


def _problems(books: Books, ids: list[str]) -> list[str]:  # noqa: F811
    with unit_of_work(books.sessions) as session:
        return check(session, ids).problems


def test_books_worked_through_pass_with_every_message_at_rest(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    with unit_of_work(books.sessions) as session:
        found = check(session, ids)
        assert progress(session, ids) == (2, 0)
    assert found.ok, found.problems
    assert found.recorded == 2 and sum(found.outcomes.values()) == 17  # the demo's 15 and ours
    assert found.outcomes["posted"] >= 9 and found.audit_head and found.audit_entries > 100


def test_a_message_sent_but_never_recorded_is_lost(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    problems = _problems(books, [*ids, "<never-arrived@example.com>"])
    assert problems == [("lost: <never-arrived@example.com> was sent and acknowledged but is not "
                         "in the inbox")]


def test_a_message_still_waiting_has_no_outcome(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    late = invoice_emails(1, seed=4, tag="late")[0]
    MessageIntake(InboxStore(books.sessions, books.ctx.clock, BlobStore(books.settings.blob_path),
                             actor="test")).record(late, channel="api")
    with unit_of_work(books.sessions) as session:
        assert progress(session, ids) == (2, 1)
    problems = _problems(books, ids)
    assert len(problems) == 1 and problems[0].startswith("no outcome: message ")


def test_a_bill_twice_under_another_spelling_of_its_number_is_found(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    with unit_of_work(books.sessions) as session:
        bill = session.scalars(select(Invoice).where(Invoice.kind == "bill")
                               .order_by(Invoice.id.desc())).first()
        assert bill is not None and bill.number != bill.number.lower()
        session.add(Invoice(kind="bill", contact_id=bill.contact_id, number=bill.number.lower(),
                            issue_date=bill.issue_date, due_date=bill.due_date, status="draft",
                            subtotal=bill.subtotal, tax=bill.tax, total=bill.total))
    problems = _problems(books, ids)
    assert problems == [f"twice: bill ({bill.contact_id}, '{bill.number.upper()}') x2"]


def test_an_unbalanced_journal_and_ledger_are_found(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    with unit_of_work(books.sessions) as session:
        account = session.scalar(select(JournalLineRow.account_id).limit(1))
        journal = Journal(date=date(2026, 6, 30), narration="half a journal", created_by="test",
                          created_at=books.ctx.clock.now())
        session.add(journal)
        session.flush()
        session.add(JournalLineRow(journal_id=journal.id, line_no=1, account_id=account,
                                   amount=Decimal("5.00")))
    problems = _problems(books, ids)
    assert problems == [f"unbalanced: journal {journal.id} is out by 5.00",
                        "unbalanced: the ledger is out by 5.00"]


def test_an_edited_audit_row_breaks_the_chain(books: Books) -> None:  # noqa: F811
    ids = _worked(books)
    with unit_of_work(books.sessions) as session:
        without_append_only_guard(session)
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 7"))
    problems = _problems(books, ids)
    assert len(problems) == 1 and problems[0].startswith("audit chain broken:")
    assert "first_bad_seq=7" in problems[0]
