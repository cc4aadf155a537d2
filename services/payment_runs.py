"""Payment runs (ARCHITECTURE.md §4b's other direction): propose the approved bills due by a
date, grouped by supplier; a person approves the run; the run writes the ABA file for the bank;
remittance advice goes to each supplier through the configured relay.

Segregation of duties, enforced at the approval and again where money moves (the file): the
approver is neither the run's creator nor whoever last changed any payee's bank details. The file
is written only from the supplier master as it is at that moment: a payee whose bank details
changed since the approval, a bill paid or no longer approved, or a processing date in a closed
period refuses the whole file, naming the row, and nothing is written (one unit of work; the file
lands on disk in one rename, and is removed again if the commit fails).

Writing the file pays nothing. The bills are marked paid when the bank feed shows the payment:
services.bank_reconcile gives a written run's bills the run's reference (`PAYRUN 1000nn`), which
the statement's line for the file quotes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

from adapters.files import write_atomically
from adapters.remittance import RelayNotConfigured, send_remittance
from memory.db import read_only, unit_of_work
from memory.ledger_store import LedgerStore
from memory.payments_schema import PaymentRunItem, PaymentRunRow
from memory.payments_store import PaymentsStore
from services.context import BooksContext
from tools.ledger.problems import LedgerError, Problem
from tools.payments.aba import Credit, Remitter, aba_file
from tools.payments.proposal import (
    PayableBill,
    Payee,
    approval_problems,
    changed_payees,
    from_cents,
    lodgement_reference,
    propose,
    stale_bills,
    to_cents,
)


def _view(store: PaymentsStore, run: PaymentRunRow) -> dict:
    items = store.items(run.id)
    approval = store.approval(run.id)
    written = store.aba_file(run.id)
    suppliers: dict[int, dict] = {}
    for it in items:
        s = suppliers.setdefault(it.contact_id, {
            "contact_id": it.contact_id, "supplier": it.supplier, "bsb": it.bsb,
            "account_number": it.account_number, "account_name": it.account_name,
            "amount": 0, "bills": []})
        s["amount"] += to_cents(it.amount)
        s["bills"].append({"bill_id": it.invoice_id, "number": it.number,
                           "due_date": it.due_date, "amount": it.amount})
    for s in suppliers.values():
        s["amount"] = from_cents(s["amount"])
    return {"id": run.id, "reference": run.reference, "status": run.status, "due_by": run.due_by,
            "total": run.total, "created_by": run.created_by, "created_at": run.created_at,
            "approved_by": approval.approved_by if approval else None,
            "approved_at": approval.approved_at if approval else None,
            "file": None if written is None else {
                "filename": written.filename, "sha256": written.sha256,
                "process_on": written.process_on, "self_balanced": written.self_balanced,
                "records": written.records, "written_by": written.written_by},
            "remittances": [{"contact_id": r.contact_id, "email": r.email, "sent_at": r.sent_at}
                            for r in store.remittances(run.id)],
            "suppliers": list(suppliers.values())}


def _snapshot(items: list[PaymentRunItem]) -> list[Payee]:
    seen: dict[int, Payee] = {}
    for it in items:
        seen.setdefault(it.contact_id, Payee(it.contact_id, it.bank_details_id, it.bsb,
                                             it.account_number, it.account_name))
    return list(seen.values())


def _as_proposed(items: list[PaymentRunItem]) -> list[PayableBill]:
    return [PayableBill(it.invoice_id, it.contact_id, it.supplier, it.number, it.due_date,
                        "posted", to_cents(it.amount)) for it in items]


def _check_open(store: PaymentsStore, items: list[PaymentRunItem], on: date, what: str) -> None:
    problems = list(stale_bills(_as_proposed(items), store.bills_now([i.invoice_id for i in items])))
    lock = LedgerStore(store.session, store.clock, store.actor).lock_date()
    if lock is not None and on <= lock:
        problems.append(Problem("period_locked", f"The books are locked to {lock:%d/%m/%Y}: {what} "
                                                 f"dated {on:%d/%m/%Y} falls in a closed period"))
    if problems:
        raise LedgerError(problems)


def propose_run(ctx: BooksContext, due_by: date, *, actor: str,
                idempotency_key: str | None = None) -> dict:
    """Propose a run of every approved, unpaid bill due by `due_by` not already in a run.
    Suppliers with no bank details on file are left out, named in `left_out`."""
    key = idempotency_key or f"payrun:{uuid.uuid4()}"
    with unit_of_work(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, actor)
        earlier = store.by_key(key)
        if earlier is not None:
            if earlier.due_by != due_by:
                raise LedgerError.single("idempotency_conflict", f"Idempotency key {key!r} was "
                                         f"already used for payment run {earlier.id}")
            return {**_view(store, earlier), "left_out": [], "replayed": True}
        groups = propose(store.open_bills(), due_by)
        payees = store.payees_now(p.contact_id for p in groups)
        left_out = [{"supplier": p.supplier, "bills": [b.number for b in p.bills],
                     "reason": "no bank details on file"}
                    for p in groups if payees.get(p.contact_id) is None]
        groups = tuple(p for p in groups if payees.get(p.contact_id) is not None)
        if not groups:
            raise LedgerError.single("nothing_due", f"No approved bill with bank details on file "
                                     f"is due by {due_by:%d/%m/%Y}"
                                     + (f" ({len(left_out)} supplier(s) have no bank details)"
                                        if left_out else ""))
        run = store.create_run(due_by, groups, {k: v for k, v in payees.items() if v}, key)
        return {**_view(store, run), "left_out": left_out, "replayed": False}


def approve_run(ctx: BooksContext, run_id: int, *, actor: str) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, actor)
        run = store.run(run_id)
        if run.status != "proposed":
            raise LedgerError.single("run_not_proposed", f"Payment run {run_id} is {run.status}; "
                                     "only a proposed run can be approved")
        items = store.items(run_id)
        contacts = {i.contact_id for i in items}
        names = {i.contact_id: i.supplier for i in items}
        problems = list(approval_problems(actor, run.created_by, store.bank_changed_by(contacts),
                                          names))
        problems += changed_payees(_snapshot(items), store.payees_now(contacts), names,
                                   "the run was proposed")
        if problems:
            raise LedgerError(problems)
        _check_open(store, items, ctx.clock.now().date(), "a payment approved today")
        store.approve(run, {p.contact_id: p.details_id for p in _snapshot(items)})
        return _view(store, run)


def cancel_run(ctx: BooksContext, run_id: int, *, actor: str, reason: str = "") -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, actor)
        run = store.run(run_id)
        if run.status not in ("proposed", "approved"):
            raise LedgerError.single("run_final", f"Payment run {run_id} is {run.status}")
        store.cancel(run, reason)
        return _view(store, run)


def write_run(ctx: BooksContext, run_id: int, remitter: Remitter, *, actor: str,
              out: Path | None = None, process_on: date | None = None,
              self_balance: bool = True) -> dict:
    """Write the approved run's ABA file (to `out` too, when given). A run already written gives
    back the very file it wrote; nothing is written twice."""
    on = process_on or ctx.clock.now().date()
    landed: bytes | None = None
    try:
        with unit_of_work(ctx.sessions) as session:
            store = PaymentsStore(session, ctx.clock, actor)
            run = store.run(run_id)
            if run.status == "written":
                earlier = store.aba_file(run_id)
                assert earlier is not None
                if out is not None:
                    write_atomically(out, earlier.content.encode("ascii"))
                return {**_view(store, run), "content": earlier.content, "replayed": True}
            if run.status != "approved":
                raise LedgerError.single("run_not_approved", f"Payment run {run_id} is "
                                         f"{run.status}; it must be approved before its file is "
                                         "written")
            data, records = _file(store, run, remitter, on, self_balance)
            store.record_file(run, data, out.name if out else f"payrun-{run.id}.aba", on,
                              self_balance, records)
            if out is not None:
                write_atomically(out, data)
                landed = data
            view = _view(store, run)
    except BaseException:
        if landed is not None and out is not None:
            out.unlink(missing_ok=True)      # the commit failed: no file the books do not hold
        raise
    return {**view, "content": data.decode("ascii"), "replayed": False}


def _file(store: PaymentsStore, run: PaymentRunRow, remitter: Remitter, on: date,
          self_balance: bool) -> tuple[bytes, int]:
    """Every check made again where money moves, then the file's bytes and its detail count."""
    items = store.items(run.id)
    approval = store.approval(run.id)
    assert approval is not None
    contacts = {i.contact_id for i in items}
    names = {i.contact_id: i.supplier for i in items}
    approved = {int(k): v for k, v in json.loads(approval.payees).items()}
    problems = list(approval_problems(approval.approved_by, run.created_by,
                                      store.bank_changed_by(contacts), names))
    snapshot = [replace(p, details_id=approved.get(p.contact_id, -1)) for p in _snapshot(items)]
    problems += changed_payees(snapshot, store.payees_now(contacts), names, "the run was approved")
    if problems:
        raise LedgerError(problems)
    _check_open(store, items, on, "the payment file")
    credits = []
    for payee in _snapshot(items):
        mine = [i for i in items if i.contact_id == payee.contact_id]
        credits.append(Credit(payee.bsb, payee.account_number, payee.account_name or mine[0].supplier,
                              sum(to_cents(i.amount) for i in mine),
                              lodgement_reference([i.number for i in mine]), mine[0].supplier))
    data = aba_file(remitter, credits, on, self_balance=self_balance,
                    balance_reference=run.reference)
    return data, len(credits) + (1 if self_balance else 0)


def send_remittances(ctx: BooksContext, run_id: int, *, actor: str) -> list[dict]:
    """One advice per supplier of a written run, each once (key `remittance:<run>:<contact>`,
    recorded when the relay accepted it): a retry sends only what was not sent."""
    with read_only(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, actor)
        run = store.run(run_id)
        if run.status != "written":
            raise LedgerError.single("run_not_written", f"Payment run {run_id} is {run.status}; "
                                     "remittance advice follows the written file")
        items = store.items(run_id)
        contacts = store.contacts(i.contact_id for i in items)
        written = store.aba_file(run_id)
        assert written is not None
        plan = []
        for cid, contact in sorted(contacts.items(), key=lambda kv: kv[1].name):
            mine = [i for i in items if i.contact_id == cid]
            plan.append((cid, contact.email, contact.name, mine, f"remittance:{run_id}:{cid}",
                         store.remittance(f"remittance:{run_id}:{cid}") is not None))
    out = []
    for cid, to, name, mine, key, done in plan:
        result = {"contact_id": cid, "supplier": name, "email": to}
        if done:
            out.append({**result, "status": "already_sent"})
            continue
        if not to:
            out.append({**result, "status": "no_email"})
            continue
        message_id = f"<{key.replace(':', '.')}.{written.sha256[:12]}@backoffice>"
        try:
            send_remittance(ctx.settings, to=to, subject=f"Remittance advice {run.reference}",
                            body=_advice(name, run, written.process_on, mine),
                            message_id=message_id)
        except RelayNotConfigured as exc:
            out.append({**result, "status": "not_sent", "reason": str(exc)})
            continue
        except OSError as exc:     # smtplib.SMTPException is an OSError
            out.append({**result, "status": "failed", "reason": type(exc).__name__})
            continue
        with unit_of_work(ctx.sessions) as session:
            PaymentsStore(session, ctx.clock, actor).record_remittance(run_id, cid, to,
                                                                       message_id, key)
        out.append({**result, "status": "sent"})
    return out


def _advice(name: str, run: PaymentRunRow, on: date, items: list[PaymentRunItem]) -> str:
    total = sum(to_cents(i.amount) for i in items)
    paid = (f"We have paid you ${from_cents(total):,.2f} by direct entry, processed "
            f"{on:%d/%m/%Y} (our reference {run.reference}), to BSB {items[0].bsb[:3]}-"
            f"{items[0].bsb[3:]} account ending {items[0].account_number[-3:]}.")
    lines = [f"To {name},", "", paid, "", "Bills paid:"]
    lines += [f"  {i.number}  due {i.due_date:%d/%m/%Y}  ${i.amount:,.2f}" for i in items]
    return "\n".join(lines + ["", "This is an automated remittance advice."]) + "\n"


def show_run(ctx: BooksContext, run_id: int) -> dict:
    with read_only(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, "read")
        return _view(store, store.run(run_id))


def list_runs(ctx: BooksContext) -> list[dict]:
    from sqlalchemy import select
    with read_only(ctx.sessions) as session:
        store = PaymentsStore(session, ctx.clock, "read")
        rows = session.scalars(select(PaymentRunRow).order_by(PaymentRunRow.id.desc()))
        return [{k: v for k, v in _view(store, r).items() if k != "suppliers"} for r in rows]
