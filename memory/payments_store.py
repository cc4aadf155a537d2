"""Payment runs' storage: the bills a run may pay as the books hold them now, the supplier
master's current bank details, and the run's rows (items, approval, file, remittances), each
write with its audit entry. It stores; services.payment_runs decides."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.clock import Clock
from memory import audit
from memory.ledger_store import guarded
from memory.payments_schema import (
    AbaFileRow,
    PaymentRunApproval,
    PaymentRunItem,
    PaymentRunRow,
    RemittanceRow,
)
from memory.schema import Contact, ContactBankDetails, Invoice, Payment
from tools.ledger.problems import LedgerError
from tools.payments.proposal import PayableBill, Payee, SupplierPayment, from_cents, to_cents

ACTIVE = ("proposed", "approved", "written")


def run_reference(run_id: int) -> str:
    """The run's reference on the bank statements: six digits a narrative quotes as a number."""
    return f"PAYRUN {100000 + run_id}"


class PaymentsStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor

    def _audit(self, action: str, run_id: int, payload: dict) -> None:
        audit.append(self.session, self.clock, actor=self.actor, action=action,
                     entity_type="payment_run", entity_id=run_id, payload=payload)

    # -- the books as they are now ----------------------------------------------------------
    def _paid(self, ids: Iterable[int] | None = None) -> dict[int, object]:
        query = select(Payment.invoice_id, func.sum(Payment.amount)).group_by(Payment.invoice_id)
        if ids is not None:
            query = query.where(Payment.invoice_id.in_(list(ids)))
        return dict(self.session.execute(query).all())  # type: ignore[arg-type]

    def _bill(self, inv: Invoice, name: str, paid: dict) -> PayableBill:
        return PayableBill(inv.id, inv.contact_id, name, inv.number, inv.due_date, inv.status,
                           to_cents(inv.total - (paid.get(inv.id) or 0)))

    def open_bills(self) -> list[PayableBill]:
        """Posted bills not in an active run, with what is outstanding on each."""
        in_runs = select(PaymentRunItem.invoice_id).join(
            PaymentRunRow, PaymentRunRow.id == PaymentRunItem.run_id).where(
            PaymentRunRow.status.in_(ACTIVE))
        rows = self.session.execute(
            select(Invoice, Contact.name).join(Contact, Contact.id == Invoice.contact_id)
            .where(Invoice.kind == "bill", Invoice.status == "posted",
                   Invoice.id.not_in(in_runs))).all()
        paid = self._paid()
        return [self._bill(inv, name, paid) for inv, name in rows]

    def bills_now(self, ids: Sequence[int]) -> dict[int, PayableBill]:
        rows = self.session.execute(
            select(Invoice, Contact.name).join(Contact, Contact.id == Invoice.contact_id)
            .where(Invoice.id.in_(list(ids)))).all()
        paid = self._paid(ids)
        return {inv.id: self._bill(inv, name, paid) for inv, name in rows}

    def payees_now(self, contact_ids: Iterable[int]) -> dict[int, Payee | None]:
        out: dict[int, Payee | None] = {}
        for cid in set(contact_ids):
            row = self.session.scalar(select(ContactBankDetails).where(
                ContactBankDetails.contact_id == cid).order_by(ContactBankDetails.id.desc()).limit(1))
            out[cid] = None if row is None else Payee(cid, row.id, row.bsb, row.account_number,
                                                     row.account_name)
        return out

    def bank_changed_by(self, contact_ids: Iterable[int]) -> dict[int, str | None]:
        """Who recorded each contact's current bank details."""
        return {cid: self.session.scalar(
            select(ContactBankDetails.changed_by).where(ContactBankDetails.contact_id == cid)
            .order_by(ContactBankDetails.id.desc()).limit(1)) for cid in set(contact_ids)}

    def contacts(self, contact_ids: Iterable[int]) -> dict[int, Contact]:
        ids = list(set(contact_ids))
        return {c.id: c for c in self.session.scalars(select(Contact).where(Contact.id.in_(ids)))}

    # -- runs ---------------------------------------------------------------------------------
    def by_key(self, key: str) -> PaymentRunRow | None:
        return self.session.scalar(select(PaymentRunRow).where(PaymentRunRow.idempotency_key == key))

    def run(self, run_id: int) -> PaymentRunRow:
        row = self.session.get(PaymentRunRow, run_id)
        if row is None:
            raise LedgerError.single("unknown_payment_run", f"There is no payment run {run_id}")
        return row

    def items(self, run_id: int) -> list[PaymentRunItem]:
        return list(self.session.scalars(select(PaymentRunItem).where(
            PaymentRunItem.run_id == run_id).order_by(PaymentRunItem.id)))

    def create_run(self, due_by: date, payments: Sequence[SupplierPayment],
                   payees: dict[int, Payee], key: str) -> PaymentRunRow:
        total = sum(p.cents for p in payments)
        with guarded(self.session):
            next_id = (self.session.scalar(select(func.max(PaymentRunRow.id))) or 0) + 1
            run = PaymentRunRow(id=next_id, reference=run_reference(next_id), status="proposed",
                                due_by=due_by, total=from_cents(total), created_by=self.actor,
                                created_at=self.clock.now(), idempotency_key=key)
            self.session.add(run)
            self.session.flush()
            for p in payments:
                payee = payees[p.contact_id]
                for b in p.bills:
                    self.session.add(PaymentRunItem(
                        run_id=run.id, invoice_id=b.bill_id, contact_id=p.contact_id,
                        supplier=p.supplier, number=b.number, due_date=b.due,
                        amount=from_cents(b.outstanding_cents), bank_details_id=payee.details_id,
                        bsb=payee.bsb, account_number=payee.account_number,
                        account_name=payee.account_name))
            self.session.flush()
            self._audit("payment_run.proposed", run.id, {
                "due_by": due_by, "total": run.total, "reference": run.reference,
                "bills": [b.bill_id for p in payments for b in p.bills]})
        return run

    def approval(self, run_id: int) -> PaymentRunApproval | None:
        return self.session.scalar(select(PaymentRunApproval).where(PaymentRunApproval.run_id == run_id))

    def approve(self, run: PaymentRunRow, payees: dict[int, int]) -> PaymentRunApproval:
        with guarded(self.session):
            row = PaymentRunApproval(run_id=run.id, approved_by=self.actor,
                                     approved_at=self.clock.now(),
                                     payees=json.dumps({str(k): v for k, v in sorted(payees.items())}))
            self.session.add(row)
            run.status = "approved"
            self.session.flush()
            self._audit("payment_run.approved", run.id, {"total": run.total, "payees": payees})
        return row

    def cancel(self, run: PaymentRunRow, reason: str) -> None:
        with guarded(self.session):
            run.status = "cancelled"
            self.session.flush()
            self._audit("payment_run.cancelled", run.id, {"reason": reason})

    def aba_file(self, run_id: int) -> AbaFileRow | None:
        return self.session.scalar(select(AbaFileRow).where(AbaFileRow.run_id == run_id))

    def record_file(self, run: PaymentRunRow, data: bytes, filename: str, process_on: date,
                    self_balanced: bool, records: int) -> AbaFileRow:
        digest = hashlib.sha256(data).hexdigest()
        with guarded(self.session):
            row = AbaFileRow(run_id=run.id, filename=filename, sha256=digest,
                             content=data.decode("ascii"), process_on=process_on,
                             self_balanced=self_balanced, records=records, written_by=self.actor,
                             written_at=self.clock.now())
            self.session.add(row)
            run.status = "written"
            self.session.flush()
            self._audit("payment_run.written", run.id, {
                "sha256": digest, "filename": filename, "process_on": process_on,
                "records": records, "self_balanced": self_balanced, "total": run.total})
        return row

    # -- remittances ----------------------------------------------------------------------------
    def remittance(self, key: str) -> RemittanceRow | None:
        return self.session.scalar(select(RemittanceRow).where(RemittanceRow.idempotency_key == key))

    def record_remittance(self, run_id: int, contact_id: int, email: str, message_id: str,
                          key: str) -> RemittanceRow:
        with guarded(self.session):
            row = RemittanceRow(run_id=run_id, contact_id=contact_id, email=email,
                                message_id=message_id, idempotency_key=key,
                                sent_at=self.clock.now())
            self.session.add(row)
            self.session.flush()
            self._audit("payment_run.remittance_sent", run_id, {
                "contact_id": contact_id, "email": email, "message_id": message_id})
        return row

    def remittances(self, run_id: int) -> list[RemittanceRow]:
        return list(self.session.scalars(select(RemittanceRow).where(RemittanceRow.run_id == run_id)))


def written_run_references(session: Session) -> dict[int, str]:
    """Bill id → the reference of the written run paying it: what the bank line quotes."""
    rows = session.execute(select(PaymentRunItem.invoice_id, PaymentRunRow.reference).join(
        PaymentRunRow, PaymentRunRow.id == PaymentRunItem.run_id).where(
        PaymentRunRow.status == "written")).all()
    return {invoice_id: ref for invoice_id, ref in rows}
