"""Build the demo company: reset the demo home, migrate, post a year of books, fill the AP inbox."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from time import perf_counter

from sqlalchemy import Engine, func, inspect, select, text

from core.settings import Settings
from demo import history as h
from demo.ap_step import ApSummary, process_inbox
from demo.assistant_step import AssistantSummary, ask_demo_questions
from demo.bank_step import BankSummary, reconcile_demo_bank
from demo.inbox_step import IntakeSummary, read_inbox
from demo.knowledge_step import KnowledgeSummary, build_knowledge_base
from demo.mailbox import MAILBOX_SUPPLIERS, open_purchase_orders, write_mailbox
from demo.pay_step import PaySummary, pay_due_bills
from demo.payroll_step import PayrollSummary, check_last_pay_run, record_timesheets
from demo.report_step import ReportSummary, write_month_end_report
from memory import audit
from memory.contacts_store import ContactsStore
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.tables import metadata
from memory.schema import Contact, Employee, Invoice, Journal, Organisation
from memory.trading_store import TradingStore
from adapters.clock import SteppingClock
from demo.company import LOCK_DATE, ORGANISATION
from tools.ledger.problems import LedgerError

AEST = timezone(timedelta(hours=10))
SEED = 20260630


@dataclass
class DemoSummary:
    home: Path
    database: str
    maildir: Path
    manifest: Path
    organisation: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    total_debit: Decimal = Decimal("0.00")
    total_credit: Decimal = Decimal("0.00")
    audit_rows: int = 0
    audit_head: str = ""
    intake: IntakeSummary = field(default_factory=IntakeSummary)
    payroll: PayrollSummary = field(default_factory=PayrollSummary)
    ap: ApSummary = field(default_factory=ApSummary)
    report: ReportSummary = field(default_factory=ReportSummary)
    knowledge: KnowledgeSummary = field(default_factory=KnowledgeSummary)
    assistant: AssistantSummary = field(default_factory=AssistantSummary)
    bank: BankSummary = field(default_factory=BankSummary)
    pay: PaySummary = field(default_factory=PaySummary)

    def as_dict(self) -> dict[str, object]:
        return {"organisation": self.organisation, "home": str(self.home), "database": self.database,
                "maildir": str(self.maildir), "inbox_manifest": str(self.manifest),
                "counts": self.counts,
                "trial_balance": {"total_debit": str(self.total_debit),
                                  "total_credit": str(self.total_credit),
                                  "balanced": self.total_debit == self.total_credit},
                "audit": {"rows": self.audit_rows, "head_hash": self.audit_head},
                "intake": self.intake.as_dict(),
                "payroll": self.payroll.as_dict(),
                "ap": self.ap.as_dict(),
                "report": self.report.as_dict(),
                "knowledge": self.knowledge.as_dict(),
                "assistant": self.assistant.as_dict(),
                "bank": self.bank.as_dict(),
                "pay": self.pay.as_dict(),
                "seconds": round(self.seconds, 2)}

    def as_text(self) -> str:
        c = self.counts
        lines = [
            f"Demo company built: {self.organisation} ({self.seconds:.1f} s)",
            f"  books        FY2025-26, {c['journals']} journals, locked to {LOCK_DATE:%d/%m/%Y}",
            f"  trial balance debits ${self.total_debit:,.2f} = credits ${self.total_credit:,.2f}",
            f"  contacts     {c['suppliers']} suppliers, {c['customers']} customers",
            f"  documents    {c['bills']} bills, {c['sales']} sales invoices, {c['payments']} payments, "
            f"{c['open_purchase_orders']} open purchase orders",
            f"  payroll      {c['employees']} employees, {c['pay_runs']} pay runs",
            f"  AP inbox     {c['inbox_messages']} supplier emails received into {self.maildir}",
            self.intake.as_text(),
            self.ap.as_text(),
            self.payroll.as_text(),
            self.bank.as_text(),
            self.pay.as_text(),
            self.report.as_text(),
            self.knowledge.as_text(),
            self.assistant.as_text(),
            f"  audit log    {self.audit_rows} rows, head {self.audit_head[:16]}…",
            f"  database     {self.database}",
            "Next: backoffice ledger trial-balance; backoffice audit verify",
        ]
        return "\n".join(lines)


def build_demo(settings: Settings, *, run_ap_agent: bool = True,
               with_assistant: bool = True, with_bank: bool = True) -> DemoSummary:
    """Build the demo company; `run_ap_agent=False` leaves the recorded mailbox for the AP agent
    (tests that drive the agent themselves start from there); `with_assistant=False` skips the
    knowledge base and the assistant's questions (suites that never ask anything);
    `with_bank=False` skips the year of bank statements and their reconciliation. The payment run
    of the bills due (demo.pay_step) follows the AP agent, and is skipped with it."""
    started = perf_counter()
    home = settings.home.resolve()
    engine = _fresh_database(settings)
    upgrade(engine)
    maildir, manifest = home / "mail" / "inbox", home / "demo" / "inbox_manifest.json"
    shutil.rmtree(maildir, ignore_errors=True)
    clock = SteppingClock(datetime(2026, 6, 30, 17, 0, tzinfo=AEST))
    rng = random.Random(SEED)
    record = h.History()
    with unit_of_work(session_factory(engine)) as session:
        ledger = LedgerStore(session, clock, "demo")
        ledger.create_organisation(ORGANISATION["name"], ORGANISATION["abn"], state=ORGANISATION["state"])
        trading = TradingStore(session, clock, "demo")
        h.set_up_contacts(ContactsStore(session, clock, "demo"), record)
        h.opening_balances(ledger)
        h.post_sales(trading, rng, record)
        h.post_bills(trading, rng, record, MAILBOX_SUPPLIERS)
        h.post_payroll(trading, rng, record)
        record_timesheets(session, clock)  # the last pay run's shifts, underpayments seeded
        h.post_monthly_overheads(ledger, record)
        h.settle_quarters(ledger, record)
    sessions = session_factory(engine)
    # The bank is reconciled through March before the quarter is locked, as a bookkeeper would.
    bank = reconcile_demo_bank(settings, sessions, clock) if with_bank else BankSummary()
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "demo").set_lock_date(LOCK_DATE, "March quarter BAS lodged")
        inbox = write_mailbox(TradingStore(session, clock, "demo"),
                              {k: c.id for k, c in record.suppliers.items()},
                              lambda s: h.supplier_lines(rng, s), maildir, manifest)
    intake = read_inbox(settings, sessions, clock)
    ap = process_inbox(settings, sessions, clock, manifest) if run_ap_agent else ApSummary()
    # The approved bills due by mid-July in one payment run: approved, its ABA file written.
    pay = pay_due_bills(settings, sessions, clock) if run_ap_agent else PaySummary()
    # Month end: the June 2026 report (read-only on the books) into HOME/reports/.
    report = write_month_end_report(settings, sessions, clock)
    knowledge, assistant = KnowledgeSummary(), AssistantSummary()
    if with_assistant:
        knowledge = build_knowledge_base(settings)
        assistant = ask_demo_questions(settings, sessions, clock)
    with unit_of_work(sessions) as session:
        counts = _counts(session, TradingStore(session, clock, "demo"), len(inbox))
        tb = LedgerStore(session, clock, "demo").trial_balance()
        payroll = check_last_pay_run(session, clock)  # finds the seeded underpayments
        chain = audit.verify(session)
    url = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    return DemoSummary(home, url, maildir, manifest, ORGANISATION["name"], perf_counter() - started,
                       counts, tb.total_debit, tb.total_credit, chain.rows_checked, chain.head_hash,
                       intake, payroll=payroll, ap=ap, report=report, knowledge=knowledge,
                       assistant=assistant, bank=bank, pay=pay)


def _counts(session, trading: TradingStore, inbox: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    def count(model, *where) -> int:  # type: ignore[no-untyped-def]
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {"journals": count(Journal, Journal.status == "posted"),
            "suppliers": count(Contact, Contact.is_supplier.is_(True)),
            "customers": count(Contact, Contact.is_customer.is_(True)),
            "bills": count(Invoice, Invoice.kind == "bill"),
            "sales": count(Invoice, Invoice.kind == "sale"),
            "payments": session.scalar(text("SELECT count(*) FROM payments")) or 0,
            "open_purchase_orders": open_purchase_orders(trading),
            "employees": count(Employee),
            "pay_runs": session.scalar(text("SELECT count(*) FROM pay_runs")) or 0,
            "inbox_messages": inbox}


def _fresh_database(settings: Settings) -> Engine:
    """An empty database for the demo. It only ever replaces the demo's own books."""
    engine = create_db_engine(settings.resolved_database_url,
                              busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    existing = _organisation_name(engine)
    if existing is None:
        return engine
    if existing != ORGANISATION["name"]:
        engine.dispose()
        raise LedgerError.single(
            "demo_refused",
            f"The database already holds the books of {existing}; the demo will not replace them. "
            "Point BACKOFFICE_HOME (or BACKOFFICE_DATABASE_URL) somewhere else.")
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return create_db_engine(settings.resolved_database_url,
                                busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    # Append-only rules forbid DELETE, so the demo's own tables are dropped and recreated.
    with engine.begin() as connection:
        metadata.drop_all(connection)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return engine


def _organisation_name(engine: Engine) -> str | None:
    if not inspect(engine).has_table("organisation"):
        return None
    with engine.connect() as connection:
        return connection.scalar(select(Organisation.name).where(Organisation.id == 1))
