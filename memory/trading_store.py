"""Purchase orders, goods receipts, bills, sales invoices, payments, employees and pay runs.

Documents that move money post their journal through LedgerStore, in the same savepoint, so a
document and its journal are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memory import audit
from memory.contacts_store import ContactsStore
from memory.ledger_store import LedgerStore, guarded
from memory.schema import (
    Employee, GoodsReceipt, GoodsReceiptLine, Invoice, InvoiceLine, Journal as JournalRow, Payment,
    PayRun, Payslip, PurchaseOrder, PurchaseOrderLine,
)
from tools.ap.propose import BillProposal
from core.clock import Clock
from tools.ledger.postings import (
    DocumentLine, document_journal, document_totals, payment_journal, payroll_journal,
)
from tools.ledger.problems import LedgerError
from tools.policies.approval_rules import Approval, check_posting_allowed
from tools.policies.decide import Decision, PolicyConfig


class TradingStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor
        self.ledger = LedgerStore(session, clock, actor)
        self.contacts = ContactsStore(session, clock, actor)

    def _audit(self, action: str, entity_type: str, entity_id: object, payload: dict) -> None:
        audit.append(self.session, self.clock, actor=self.actor, action=action,
                     entity_type=entity_type, entity_id=entity_id, payload=payload)

    # -- purchasing ---------------------------------------------------------------------------
    def create_purchase_order(self, number: str, contact_id: int, issue_date: date,
                              lines: Sequence[DocumentLine], expected: date | None = None) -> PurchaseOrder:
        self.contacts.get(contact_id)
        po = PurchaseOrder(number=number, contact_id=contact_id, issue_date=issue_date,
                           expected_date=expected, status="open")
        with guarded(self.session):
            self.session.add(po)
            self.session.flush()
            for n, ln in enumerate(lines, start=1):
                self.session.add(PurchaseOrderLine(
                    purchase_order_id=po.id, line_no=n, description=ln.description,
                    quantity=ln.quantity, unit_price=ln.unit_price,
                    account_id=self.ledger.account_id(ln.account_code), tax_code=ln.tax_code))
            self.session.flush()
            self._audit("purchase_order.created", "purchase_order", po.id,
                        {"number": number, "contact_id": contact_id, "lines": len(lines)})
        return po

    def receive_goods(self, number: str, po: PurchaseOrder, received: date,
                      quantities: dict[int, Decimal], received_by: str) -> GoodsReceipt:
        """Record a delivery against PO line numbers; the PO's status follows what has arrived."""
        by_no = {ln.line_no: ln for ln in po.lines}
        unknown = set(quantities) - set(by_no)
        if unknown:
            raise LedgerError.single("unknown_po_line",
                                     f"Purchase order {po.number} has no line {sorted(unknown)[0]}")
        receipt = GoodsReceipt(number=number, purchase_order_id=po.id, received_date=received,
                               received_by=received_by)
        with guarded(self.session):
            self.session.add(receipt)
            self.session.flush()
            for line_no, qty in quantities.items():
                self.session.add(GoodsReceiptLine(goods_receipt_id=receipt.id,
                                                  purchase_order_line_id=by_no[line_no].id,
                                                  quantity=qty))
            self.session.flush()
            po.status = self._receipt_status(po)
            self._audit("goods_receipt.created", "goods_receipt", receipt.id,
                        {"number": number, "purchase_order": po.number,
                         "quantities": {str(k): v for k, v in quantities.items()}})
        return receipt

    def _receipt_status(self, po: PurchaseOrder) -> str:
        received: dict[int, Decimal] = dict(self.session.execute(  # type: ignore[arg-type]
            select(GoodsReceiptLine.purchase_order_line_id, func.sum(GoodsReceiptLine.quantity))
            .where(GoodsReceiptLine.purchase_order_line_id.in_([ln.id for ln in po.lines]))
            .group_by(GoodsReceiptLine.purchase_order_line_id)).all())
        if all(received.get(ln.id, 0) >= ln.quantity for ln in po.lines):
            return "received"
        return "partially_received" if received else "open"

    # -- bills and sales invoices -------------------------------------------------------------
    def create_invoice(self, kind: str, contact_id: int, number: str, issue_date: date,
                       lines: Sequence[DocumentLine], *, due_date: date | None = None,
                       purchase_order: PurchaseOrder | None = None, reference: str | None = None,
                       idempotency_key: str | None = None) -> Invoice:
        """Record and post a bill or sales invoice: the document and its journal, together."""
        if kind not in ("bill", "sale"):
            raise LedgerError.single("bad_kind", f"An invoice is a 'bill' or a 'sale', not {kind!r}")
        if not lines:
            raise LedgerError.single("no_lines", f"{number} has no lines")
        contact = self.contacts.get(contact_id)
        duplicate = self.session.scalar(select(Invoice).where(
            Invoice.kind == kind, Invoice.contact_id == contact_id, Invoice.number == number))
        if duplicate is not None:
            raise LedgerError.single("duplicate_invoice",
                                     f"{contact.name} {number} is already recorded (#{duplicate.id})")
        rates = self.ledger.tax_rates()
        unknown_tax = sorted({ln.tax_code for ln in lines} - set(rates))
        if unknown_tax:
            raise LedgerError.single("unknown_tax_code", f"There is no tax code {unknown_tax[0]!r}")
        totals = document_totals(lines, rates)
        journal = document_journal(kind, number, contact.name, contact.id, issue_date, lines, totals,
                                   self.ledger.roles())
        if idempotency_key:
            journal = replace(journal, idempotency_key=idempotency_key)
        due = due_date or issue_date + timedelta(days=contact.payment_terms_days)
        with guarded(self.session):
            journal_id = self.ledger.post(journal)
            invoice = Invoice(kind=kind, contact_id=contact_id, number=number, issue_date=issue_date,
                              due_date=due, status="posted", reference=reference,
                              purchase_order_id=purchase_order.id if purchase_order else None,
                              subtotal=totals.subtotal, tax=totals.tax, total=totals.total,
                              journal_id=journal_id)
            self.session.add(invoice)
            if kind == "bill" and purchase_order is not None and purchase_order.status == "received":
                purchase_order.status = "closed"  # delivered and billed: nothing left to match
            self.session.flush()
            po_lines = {ln.description: ln.id for ln in purchase_order.lines} if purchase_order else {}
            for n, (ln, tax) in enumerate(zip(lines, totals.line_tax), start=1):
                self.session.add(InvoiceLine(
                    invoice_id=invoice.id, line_no=n, description=ln.description,
                    quantity=ln.quantity, unit_price=ln.unit_price, amount=ln.amount,
                    tax_code=ln.tax_code, tax_amount=tax,
                    account_id=self.ledger.account_id(ln.account_code),
                    purchase_order_line_id=po_lines.get(ln.description)))
            self.session.flush()
            self._audit(f"{kind}.posted", "invoice", invoice.id,
                        {"number": number, "contact_id": contact_id, "total": totals.total,
                         "journal_id": journal_id})
        return invoice

    def post_bill_proposal(self, proposal: BillProposal, *, idempotency_key: str,
                           purchase_order_number: str | None, decision: Decision,
                           approval: Approval | None = None,
                           policy: PolicyConfig | None = None) -> Invoice:
        """Record and post a bill exactly as the AP kernel proposed it (tools.ap.propose).

        Where money moves the permission is checked again (tools.policies.check_posting_allowed):
        the decision must be for this very proposal (hash), and unless it is an auto-post an
        approval of the same hash by someone who may approve it now (not whoever last changed the
        supplier's bank details) must come with it. The journal is the proposal's own, with the
        invoice's stated GST. The same idempotency key again returns the bill already posted (it
        was authorised when it was posted; nothing moves again); a different proposal under the
        same key is refused (idempotency_conflict). Bill lines are
        linked to the lines of `purchase_order_number` they were matched with, and the order is
        closed once every line is billed in full."""
        if not idempotency_key:
            raise LedgerError.single("no_idempotency_key", "Posting a proposed bill needs an "
                                                           "idempotency key")
        if proposal.supplier is None or proposal.journal is None:
            raise LedgerError.single(
                "proposal_incomplete",
                f"Bill {proposal.number} cannot be posted: "
                + ("the supplier is not in the supplier master" if proposal.supplier is None
                   else "some lines have no account") + ".")
        if proposal.purchase_order_number and purchase_order_number != proposal.purchase_order_number:
            raise LedgerError.single(
                "purchase_order_mismatch",
                f"Bill {proposal.number} was proposed against purchase order "
                f"{proposal.purchase_order_number}, not {purchase_order_number!r}.")
        from memory.ap_queries import bank_details_last_changed_by
        contact_id = proposal.supplier.contact_id
        proposal_hash = proposal.proposal_hash()
        earlier = self.session.scalar(
            select(Invoice).join(JournalRow, JournalRow.id == Invoice.journal_id)
            .where(JournalRow.idempotency_key == idempotency_key))
        if earlier is not None:  # a replay: it was authorised when it was posted
            if not self._is_posting_of(earlier, proposal, purchase_order_number):
                raise LedgerError.single(
                    "idempotency_conflict",
                    f"Idempotency key {idempotency_key!r} was already used for a different bill")
            return earlier
        problems = check_posting_allowed(
            proposal_hash, decision, approval,
            supplier_bank_changed_by=bank_details_last_changed_by(self.session, contact_id),
            config=policy or PolicyConfig())
        if problems:
            raise LedgerError(problems)
        contact = self.contacts.get(contact_id)
        duplicate = self.session.scalar(select(Invoice).where(
            Invoice.kind == "bill", Invoice.contact_id == contact_id,
            Invoice.number == proposal.number))
        if duplicate is not None:
            raise LedgerError.single(
                "duplicate_invoice", f"{contact.name} {proposal.number} is already recorded "
                                     f"(#{duplicate.id})")
        po: PurchaseOrder | None = None
        po_lines: dict[int, int] = {}
        if purchase_order_number:
            po = self.session.scalar(select(PurchaseOrder).where(
                PurchaseOrder.number == purchase_order_number))
            if po is None:
                raise LedgerError.single("unknown_purchase_order",
                                         f"There is no purchase order {purchase_order_number!r}")
            if po.contact_id != contact_id:
                raise LedgerError.single(
                    "purchase_order_mismatch",
                    f"Purchase order {po.number} belongs to another supplier")
            po_lines = {ln.line_no: ln.id for ln in po.lines}
        journal = replace(proposal.journal, idempotency_key=idempotency_key)
        with guarded(self.session):
            journal_id = self.ledger.post(journal)
            invoice = Invoice(kind="bill", contact_id=contact_id, number=proposal.number,
                              issue_date=proposal.issue_date, due_date=proposal.due_date,
                              status="posted", reference=purchase_order_number,
                              purchase_order_id=po.id if po else None, subtotal=proposal.subtotal,
                              tax=proposal.tax, total=proposal.total, journal_id=journal_id)
            self.session.add(invoice)
            self.session.flush()
            for n, ln in enumerate(proposal.lines, start=1):
                assert ln.account_code is not None
                self.session.add(InvoiceLine(
                    invoice_id=invoice.id, line_no=n, description=ln.description[:500],
                    quantity=ln.quantity, unit_price=ln.unit_price, amount=ln.amount,
                    tax_code=ln.tax_code, tax_amount=ln.tax_amount,
                    account_id=self.ledger.account_id(ln.account_code),
                    purchase_order_line_id=po_lines.get(ln.po_line_no)  # type: ignore[arg-type]
                    if ln.po_line_no is not None else None))
            self.session.flush()
            if po is not None and self._fully_billed(po):
                po.status = "closed"
                self.session.flush()
            self._audit("bill.posted", "invoice", invoice.id,
                        {"number": proposal.number, "contact_id": contact_id,
                         "total": proposal.total, "journal_id": journal_id,
                         "proposal_hash": proposal_hash, "decision": decision.outcome,
                         "approved_by": approval.actor_id if approval else None,
                         "purchase_order": purchase_order_number})
        return invoice

    def _fully_billed(self, po: PurchaseOrder) -> bool:
        billed: dict[int, Decimal] = dict(self.session.execute(  # type: ignore[arg-type]
            select(InvoiceLine.purchase_order_line_id, func.sum(InvoiceLine.quantity))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.purchase_order_line_id.in_([ln.id for ln in po.lines]),
                   Invoice.status != "void")
            .group_by(InvoiceLine.purchase_order_line_id)).all())
        return bool(po.lines) and all(billed.get(ln.id, 0) >= ln.quantity for ln in po.lines)

    def _is_posting_of(self, invoice: Invoice, proposal: BillProposal,
                       purchase_order_number: str | None) -> bool:
        """Whether a stored bill is this proposal, posted (the idempotent replay)."""
        assert proposal.supplier is not None
        head = (invoice.contact_id, invoice.number, invoice.issue_date, invoice.due_date,
                invoice.subtotal, invoice.tax, invoice.total, invoice.reference)
        if head != (proposal.supplier.contact_id, proposal.number, proposal.issue_date,
                    proposal.due_date, proposal.subtotal, proposal.tax, proposal.total,
                    purchase_order_number):
            return False
        codes = {v: k for k, v in ((c, self.ledger.account_id(c)) for c in
                                   {ln.account_code for ln in proposal.lines if ln.account_code})}
        stored = [(ln.description, ln.quantity, ln.unit_price, ln.amount, ln.tax_code,
                   ln.tax_amount, codes.get(ln.account_id)) for ln in invoice.lines]
        wanted = [(ln.description[:500], ln.quantity, ln.unit_price, ln.amount, ln.tax_code,
                   ln.tax_amount, ln.account_code) for ln in proposal.lines]
        return stored == wanted

    def amount_paid(self, invoice: Invoice) -> Decimal:
        paid = self.session.scalar(select(func.sum(Payment.amount)).where(Payment.invoice_id == invoice.id))
        return paid or Decimal("0.00")

    def record_payment(self, invoice: Invoice, on: date, amount: Decimal, *,
                       bank_code: str | None = None, reference: str | None = None,
                       idempotency_key: str | None = None) -> Payment:
        bank = bank_code or self.ledger.roles()["bank"]
        if idempotency_key:
            earlier = self.session.scalar(select(Payment).where(Payment.idempotency_key == idempotency_key))
            if earlier is not None:
                if (earlier.invoice_id, earlier.date, earlier.amount, earlier.bank_account_id) != (
                        invoice.id, on, amount, self.ledger.account_id(bank)):
                    raise LedgerError.single(
                        "idempotency_conflict",
                        f"Idempotency key {idempotency_key!r} was already used for a different payment")
                return earlier
        outstanding = invoice.total - self.amount_paid(invoice)
        if amount <= 0 or amount > outstanding:
            raise LedgerError.single(
                "bad_payment", f"{invoice.number}: a payment must be more than $0.00 and at most "
                               f"the ${outstanding:,.2f} outstanding, not ${amount:,.2f}")
        roles = self.ledger.roles()
        contact = self.contacts.get(invoice.contact_id)
        journal = payment_journal(invoice.kind, invoice.number, contact.name, contact.id, on, amount,
                                  bank, roles)
        with guarded(self.session):
            journal_id = self.ledger.post(journal)
            payment = Payment(invoice_id=invoice.id, date=on, amount=amount,
                              bank_account_id=self.ledger.account_id(bank), reference=reference,
                              journal_id=journal_id, idempotency_key=idempotency_key)
            self.session.add(payment)
            if amount == outstanding:
                invoice.status = "paid"
            self.session.flush()
            self._audit("payment.recorded", "payment", payment.id,
                        {"invoice_id": invoice.id, "amount": amount, "journal_id": journal_id})
        return payment

    def record_settlement(self, invoice: Invoice, on: date, amount: Decimal, *, journal_id: int,
                          bank_code: str, reference: str | None, idempotency_key: str) -> Payment:
        """A payment that a bank reconciliation's journal (already posted, possibly settling several
        bills at once) made: the bill's share of it, refused above what is still outstanding."""
        earlier = self.session.scalar(select(Payment).where(Payment.idempotency_key == idempotency_key))
        if earlier is not None:
            return earlier
        outstanding = invoice.total - self.amount_paid(invoice)
        if amount <= 0 or amount > outstanding or invoice.status not in ("posted",):
            raise LedgerError.single(
                "bad_payment", f"{invoice.number}: ${amount:,.2f} cannot settle it "
                               f"(${outstanding:,.2f} outstanding, status {invoice.status})")
        with guarded(self.session):
            payment = Payment(invoice_id=invoice.id, date=on, amount=amount,
                              bank_account_id=self.ledger.account_id(bank_code), reference=reference,
                              journal_id=journal_id, idempotency_key=idempotency_key)
            self.session.add(payment)
            if amount == outstanding:
                invoice.status = "paid"
            self.session.flush()
            self._audit("payment.recorded", "payment", payment.id,
                        {"invoice_id": invoice.id, "amount": amount, "journal_id": journal_id})
        return payment

    def open_invoices(self, kind: str) -> list[tuple[Invoice, Decimal]]:
        """Posted bills or sales with what is still outstanding on each."""
        paid = dict(self.session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount)).group_by(Payment.invoice_id)).all())
        rows = self.session.scalars(select(Invoice).where(Invoice.kind == kind,
                                                          Invoice.status == "posted"))
        return [(inv, inv.total - (paid.get(inv.id) or Decimal("0.00"))) for inv in rows
                if inv.total - (paid.get(inv.id) or Decimal("0.00")) > 0]

    # -- people and pay -----------------------------------------------------------------------
    def add_employee(self, **fields: object) -> Employee:
        employee = Employee(**fields)
        with guarded(self.session):
            self.session.add(employee)
            self.session.flush()
            self._audit("employee.created", "employee", employee.id,
                        {"code": employee.employee_code, "award": employee.award,
                         "classification": employee.classification,
                         "employment_type": employee.employment_type})
        return employee

    def record_pay_run(self, period_start: date, period_end: date, payment_date: date,
                       payslips: Sequence[Payslip]) -> PayRun:
        """A pay run, its payslips and its one payroll journal (wages, PAYG, super, net pay)."""
        if not payslips:
            raise LedgerError.single("empty_pay_run", "A pay run needs at least one payslip")
        for slip in payslips:
            if slip.gross - slip.payg_withheld != slip.net:
                raise LedgerError.single(
                    "payslip_net_mismatch",
                    f"Employee {slip.employee_id}: net pay ${slip.net:,.2f} is not gross "
                    f"${slip.gross:,.2f} less PAYG ${slip.payg_withheld:,.2f}")
        gross = sum((p.gross for p in payslips), Decimal("0.00"))
        payg = sum((p.payg_withheld for p in payslips), Decimal("0.00"))
        sg = sum((p.superannuation for p in payslips), Decimal("0.00"))
        period = f"{period_start:%d/%m/%Y}-{period_end:%d/%m/%Y}"
        journal = payroll_journal(payment_date, period, gross, payg, sg, self.ledger.roles(),
                                  self.ledger.roles()["bank"])
        with guarded(self.session):
            journal_id = self.ledger.post(journal)
            run = PayRun(period_start=period_start, period_end=period_end,
                         payment_date=payment_date, journal_id=journal_id)
            self.session.add(run)
            self.session.flush()
            for slip in payslips:
                slip.pay_run_id = run.id
                self.session.add(slip)
            self.session.flush()
            self._audit("pay_run.recorded", "pay_run", run.id,
                        {"period": period, "gross": gross, "payg": payg, "super": sg,
                         "payslips": len(payslips), "journal_id": journal_id})
        return run
