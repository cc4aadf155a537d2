"""What must hold after a soak, read straight from the database: every message sent is recorded
once and has exactly one outcome; no bill, journal, approval or payment exists twice; every journal
balances and so does the ledger; the audit chain verifies. Each breach is a problem in words."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memory import audit
from memory.ap_schema import Approval, ApRun
from memory.inbox_schema import InboxMessage
from memory.payments_schema import AbaFileRow, PaymentRunItem, PaymentRunRow
from memory.schema import AuditEntry, Invoice, Journal, JournalLineRow, Payment

# Where a run may rest: a final state, or parked at the approval step (a person's turn).
RESTING = ("posted", "rejected", "quarantined", "awaiting_approval")
OUTCOME_ACTIONS = ("ap.posted", "ap.rejected", "ap.quarantined")


@dataclass
class Findings:
    sent: int
    recorded: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    max_attempts: int = 0
    retried_runs: int = 0        # runs taken up again after their worker died mid-run
    audit_entries: int = 0
    audit_head: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def outcome_of(message: InboxMessage, run: ApRun | None) -> str | None:
    """The message's one outcome, or None while it is still being worked."""
    if message.status == "quarantined" and (run is None or run.state in RESTING):
        return "quarantined"
    if run is None or run.state not in RESTING:
        return None
    return run.state


def progress(session: Session, message_ids: list[str]) -> tuple[int, int]:
    """(how many of the Message-IDs sent are recorded, how many messages of any kind are still
    being worked): the soak ends when all are recorded and none is in flight."""
    rows = session.execute(select(InboxMessage, ApRun).outerjoin(
        ApRun, ApRun.inbox_message_id == InboxMessage.id)).all()
    recorded = len({m.message_id for m, _ in rows} & set(message_ids))
    return recorded, sum(1 for m, r in rows if outcome_of(m, r) is None)


def check(session: Session, message_ids: list[str]) -> Findings:
    found = Findings(sent=len(message_ids))
    problem = found.problems.append
    rows = session.execute(select(InboxMessage, ApRun).outerjoin(
        ApRun, ApRun.inbox_message_id == InboxMessage.id)).all()
    per_id = Counter(m.message_id for m, _ in rows)
    found.recorded = len(set(message_ids) & set(per_id))
    for missing in sorted(set(message_ids) - set(per_id)):
        problem(f"lost: {missing} was sent and acknowledged but is not in the inbox")
    for message_id, n in per_id.items():
        if n > 1:
            problem(f"twice: {message_id} is recorded {n} times")
    runs_per_message = Counter(m.id for m, r in rows if r is not None)
    for message_id, n in runs_per_message.items():
        if n > 1:
            problem(f"twice: inbox message {message_id} has {n} AP runs")
    for message, run in rows:
        outcome = outcome_of(message, run)
        if outcome is None:
            problem(f"no outcome: message {message.id} is {message.status}, run "
                    f"{run.state if run else 'none'}")
            continue
        found.outcomes[outcome] += 1
        if run is not None:
            found.max_attempts = max(found.max_attempts, run.attempts)
            found.retried_runs += run.attempts > 1
            if run.state == "quarantined" and "Processing failed" in (run.last_error or ""):
                problem(f"gave up: run {run.id} failed {run.attempts} times ({run.last_error})")
            if (run.bill_id is not None) != (run.state == "posted"):
                problem(f"run {run.id} is {run.state} with bill {run.bill_id}")
    _once(session, problem)
    _balanced(session, problem)
    report = audit.verify(session)
    found.audit_entries, found.audit_head = report.rows_checked, report.head_hash
    if not report.intact:
        problem(f"audit chain broken: {report}")
    return found


def _once(session: Session, problem) -> None:  # type: ignore[no-untyped-def]
    """Nothing twice: bills, their posting journals, approvals, outcomes and payments."""
    twice = [
        ("bill", select(Invoice.contact_id, func.upper(Invoice.number), func.count())
         .where(Invoice.kind == "bill").group_by(Invoice.contact_id, func.upper(Invoice.number))),
        ("run per bill", select(ApRun.bill_id, func.count()).where(ApRun.bill_id.is_not(None))
         .group_by(ApRun.bill_id)),
        ("journal per source", select(Journal.source_type, Journal.source_ref, func.count())
         .where(Journal.source_ref.is_not(None), Journal.reverses_journal_id.is_(None))
         .group_by(Journal.source_type, Journal.source_ref)),
        ("bill per journal", select(Invoice.journal_id, func.count())
         .where(Invoice.journal_id.is_not(None)).group_by(Invoice.journal_id)),
        ("pending approval per run", select(Approval.run_id, func.count())
         .where(Approval.status == "pending").group_by(Approval.run_id)),
        ("outcome per message", select(AuditEntry.entity_id, func.count())
         .where(AuditEntry.action.in_(OUTCOME_ACTIONS)).group_by(AuditEntry.entity_id)),
        ("payment per reference", select(Payment.invoice_id, Payment.reference, func.count())
         .group_by(Payment.invoice_id, Payment.reference)),
        ("bill in live payment runs", select(PaymentRunItem.invoice_id, func.count())
         .join(PaymentRunRow, PaymentRunRow.id == PaymentRunItem.run_id)
         .where(PaymentRunRow.status != "cancelled").group_by(PaymentRunItem.invoice_id)),
    ]
    for what, query in twice:
        for *key, n in session.execute(query.having(func.count() > 1)).all():
            problem(f"twice: {what} {tuple(key)} x{n}")
    overpaid = select(Invoice.id, Invoice.total, func.sum(Payment.amount)).join(
        Payment, Payment.invoice_id == Invoice.id).group_by(Invoice.id, Invoice.total).having(
        func.sum(Payment.amount) > Invoice.total)
    for invoice_id, total, paid in session.execute(overpaid).all():
        problem(f"twice: bill {invoice_id} of {total} is paid {paid}")


def _balanced(session: Session, problem) -> None:  # type: ignore[no-untyped-def]
    off = select(JournalLineRow.journal_id, func.sum(JournalLineRow.amount)).group_by(
        JournalLineRow.journal_id).having(func.sum(JournalLineRow.amount) != 0)
    for journal_id, amount in session.execute(off).all():
        problem(f"unbalanced: journal {journal_id} is out by {amount}")
    total = session.scalar(select(func.coalesce(func.sum(JournalLineRow.amount), 0)))
    if Decimal(total) != 0:
        problem(f"unbalanced: the ledger is out by {total}")


def payment_problems(session: Session, run_id: int, credits: list[tuple[str, int]]) -> list[str]:
    """The run paid through the API: its bills each once, its total their sum, its one file
    paying exactly that (`credits`: the ABA file's credit records, evals.soak.payments)."""
    problems = []
    run = session.get(PaymentRunRow, run_id)
    if run is None:
        return [f"lost: payment run {run_id} is not in the books"]
    items = session.scalars(select(PaymentRunItem).where(PaymentRunItem.run_id == run_id)).all()
    bills = Counter(i.invoice_id for i in items)
    problems += [f"twice: bill {b} is {n} times in run {run_id}" for b, n in bills.items() if n > 1]
    cents = sum(int(i.amount * 100) for i in items)
    if int(run.total * 100) != cents:
        problems.append(f"run {run_id}'s total {run.total} is not its bills' {Decimal(cents) / 100}")
    if sum(c for _, c in credits) != cents:
        problems.append(f"run {run_id}'s file pays {sum(c for _, c in credits)} cents, its bills "
                        f"come to {cents}")
    files = session.scalar(select(func.count()).select_from(AbaFileRow)
                           .where(AbaFileRow.run_id == run_id))
    if files != 1:
        problems.append(f"run {run_id} has {files} ABA files")
    if not items:
        problems.append(f"run {run_id} pays no bill")
    return problems
