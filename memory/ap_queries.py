"""What the AP kernel (tools.matching, tools.ap, tools.policies) needs from the books: thin reads.

Every function takes a session and returns the kernel's own immutable values, so the kernel stays
pure and a decision can be replayed from what was read here.
- Received quantities are the sum of goods receipt lines against each PO line; billed quantities
  the sum of bill lines linked to it (void bills excluded).
- Recent bills include documents already read from the inbox but not yet posted (extracted
  documents whose normalised number is not a bill's), so invoices split and sent together are seen
  together even while the first waits for approval.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from memory.documents_schema import ExtractedDocument
from memory.schema import (
    AccountRow, AuditEntry, Contact, ContactBankDetails, GoodsReceiptLine, Invoice, InvoiceLine,
    PurchaseOrder, TaxCodeRow,
)
from tools.ap.propose import PastBillLine, ProposalChart, SupplierPosting
from tools.documents.duplicates import normalise_invoice_number
from tools.matching.po_match import OpenPurchaseOrder, POLine, normalise_po_number
from tools.policies.decide import RecentBill

__all__ = [
    "UNCLASSIFIED_ROLES", "bank_details_last_changed_by", "chart_for_proposals",
    "find_purchase_order", "open_purchase_orders", "past_bill_lines",
    "purchase_orders_for_match", "recent_bills", "supplier_posting",
]

# An account with one of these roles is the designated "unclassified expense" account.
UNCLASSIFIED_ROLES = ("unclassified_expense", "suspense")
# Accounts a bill line may never be posted to: bank, control and tax accounts.
_NOT_FOR_LINES = frozenset({"bank", "accounts_receivable", "accounts_payable", "gst_collected",
                            "gst_paid", "payg_withholding", "superannuation_payable",
                            "wages_payable"})
ZERO = Decimal(0)


def _states(session: Session, pos: list[PurchaseOrder]) -> tuple[OpenPurchaseOrder, ...]:
    line_ids = [ln.id for po in pos for ln in po.lines]
    if not line_ids:
        return tuple(OpenPurchaseOrder(po.number, po.contact_id, (), po.status, po.issue_date, po.id)
                     for po in pos)
    received: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for receipt_line, qty in session.execute(
            select(GoodsReceiptLine.purchase_order_line_id, func.sum(GoodsReceiptLine.quantity))
            .where(GoodsReceiptLine.purchase_order_line_id.in_(line_ids))
            .group_by(GoodsReceiptLine.purchase_order_line_id)):
        received[receipt_line] = qty or ZERO
    billed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for billed_line, qty in session.execute(
            select(InvoiceLine.purchase_order_line_id, func.sum(InvoiceLine.quantity))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.purchase_order_line_id.in_(line_ids), Invoice.kind == "bill",
                   Invoice.status != "void")
            .group_by(InvoiceLine.purchase_order_line_id)):
        if billed_line is not None:
            billed[billed_line] = qty or ZERO
    codes = {row_id: code for row_id, code in session.execute(select(AccountRow.id, AccountRow.code))}
    return tuple(
        OpenPurchaseOrder(
            po.number, po.contact_id,
            tuple(POLine(ln.line_no, ln.description, ln.quantity, ln.unit_price,
                         codes[ln.account_id], ln.tax_code, received[ln.id], billed[ln.id], ln.id)
                  for ln in po.lines),
            po.status, po.issue_date, po.id)
        for po in pos)


def open_purchase_orders(session: Session, contact_id: int | None = None
                         ) -> tuple[OpenPurchaseOrder, ...]:
    """Purchase orders not closed (one supplier's, or everyone's), with received and billed
    quantities per line, oldest first."""
    query = select(PurchaseOrder).where(PurchaseOrder.status != "closed")
    if contact_id is not None:
        query = query.where(PurchaseOrder.contact_id == contact_id)
    pos = list(session.scalars(query.order_by(PurchaseOrder.issue_date, PurchaseOrder.id)))
    return _states(session, pos)


def find_purchase_order(session: Session, reference: str | None) -> OpenPurchaseOrder | None:
    """The purchase order an invoice quotes, whatever its status or supplier: the exact number,
    else the one order whose normalised number is the same (None when none or several)."""
    text = (reference or "").strip()
    if not text:
        return None
    exact = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == text))
    if exact is None:
        key = normalise_po_number(text)
        if not key:
            return None
        numbers = [n for n in session.scalars(select(PurchaseOrder.number))
                   if normalise_po_number(n) == key]
        if len(numbers) != 1:
            return None
        exact = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == numbers[0]))
    return _states(session, [exact])[0] if exact is not None else None


def purchase_orders_for_match(session: Session, contact_id: int | None,
                              reference: str | None) -> tuple[OpenPurchaseOrder, ...]:
    """What tools.matching needs for one invoice: the supplier's open orders plus the order the
    invoice quotes (so a closed order, or another supplier's, is recognised as such)."""
    pos = list(open_purchase_orders(session, contact_id)) if contact_id is not None else []
    quoted = find_purchase_order(session, reference)
    if quoted is not None and all(po.number != quoted.number for po in pos):
        pos.append(quoted)
    return tuple(pos)


def _origin(session: Session, contact_id: int) -> str:
    payload = session.scalar(
        select(AuditEntry.payload).where(AuditEntry.action == "contact.created",
                                         AuditEntry.entity_type == "contact",
                                         AuditEntry.entity_id == str(contact_id))
        .order_by(AuditEntry.seq).limit(1))
    try:
        source = json.loads(payload).get("source") if payload else None
    except (ValueError, AttributeError):
        source = None
    return str(source or "manual")


def supplier_posting(session: Session, contact_id: int) -> SupplierPosting | None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        return None
    default = session.scalar(select(AccountRow.code).where(
        AccountRow.id == contact.default_account_id)) if contact.default_account_id else None
    bills = session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.contact_id == contact_id, Invoice.kind == "bill", Invoice.status != "void")) or 0
    return SupplierPosting(contact.id, contact.name, default, contact.payment_terms_days,
                           _origin(session, contact.id), bills, contact.established)


def past_bill_lines(session: Session, contact_id: int, limit: int = 500
                    ) -> tuple[PastBillLine, ...]:
    """The supplier's bill lines with the account each went to, newest first."""
    rows = session.execute(
        select(InvoiceLine.description, AccountRow.code, Invoice.issue_date, InvoiceLine.tax_code)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(AccountRow, AccountRow.id == InvoiceLine.account_id)
        .where(Invoice.contact_id == contact_id, Invoice.kind == "bill", Invoice.status != "void")
        .order_by(Invoice.issue_date.desc(), InvoiceLine.id.desc()).limit(limit))
    return tuple(PastBillLine(desc, code, issued, tax) for desc, code, issued, tax in rows)


def recent_bills(session: Session, contact_id: int, since: date, *,
                 exclude_document_id: int | None = None,
                 include_pending: bool = True) -> tuple[RecentBill, ...]:
    """The supplier's bills issued on or after `since`, and (include_pending) documents read from
    the inbox for that supplier not yet posted as bills, except `exclude_document_id`."""
    bills = [RecentBill(issued, total, number) for issued, total, number in session.execute(
        select(Invoice.issue_date, Invoice.total, Invoice.number)
        .where(Invoice.contact_id == contact_id, Invoice.kind == "bill", Invoice.status != "void",
               Invoice.issue_date >= since)
        .order_by(Invoice.issue_date, Invoice.id))]
    if not include_pending:
        return tuple(bills)
    posted = {normalise_invoice_number(n) for (n,) in session.execute(
        select(Invoice.number).where(Invoice.contact_id == contact_id, Invoice.kind == "bill"))}
    query = (select(ExtractedDocument)
             .where(ExtractedDocument.contact_id == contact_id,
                    ExtractedDocument.document_type == "invoice",
                    ExtractedDocument.issue_date >= since, ExtractedDocument.total.is_not(None))
             .order_by(ExtractedDocument.issue_date, ExtractedDocument.id))
    if exclude_document_id is not None:
        query = query.where(ExtractedDocument.id != exclude_document_id)
    seen = set(posted)
    for doc in session.scalars(query):
        key = normalise_invoice_number(doc.invoice_number)
        if key and key in seen:
            continue  # already a bill, or the same invoice read twice
        if key:
            seen.add(key)
        assert doc.issue_date is not None and doc.total is not None
        bills.append(RecentBill(doc.issue_date, doc.total, doc.invoice_number))
    return tuple(bills)


def chart_for_proposals(session: Session, unclassified_account: str | None = None
                        ) -> ProposalChart:
    """Trade creditors, GST paid, the accounts a bill line may use (active expense and asset
    accounts that are not bank, control or tax accounts), tax rates and the unclassified-expense
    account: `unclassified_account` when it names an active expense account, else one the chart
    designates (role "unclassified_expense" or "suspense"), else none."""
    rows = list(session.scalars(select(AccountRow)))
    roles = {r.role: r.code for r in rows if r.role}
    lines = frozenset(r.code for r in rows
                      if r.active and r.type in ("expense", "asset")
                      and r.role not in _NOT_FOR_LINES and r.subtype != "bank")
    chosen = next((r.code for r in rows if r.code == unclassified_account and r.active
                   and r.type == "expense"), None)
    unclassified = chosen or next((roles[r] for r in UNCLASSIFIED_ROLES if r in roles), None)
    rates = {t.code: t.rate for t in session.scalars(select(TaxCodeRow))}
    return ProposalChart(accounts_payable=roles["accounts_payable"], gst_paid=roles["gst_paid"],
                         line_accounts=lines | ({unclassified} if unclassified else frozenset()),
                         tax_rates=rates, unclassified_account=unclassified)


def bank_details_last_changed_by(session: Session, contact_id: int) -> str | None:
    """Who recorded the supplier's current bank details (None: none on file)."""
    return session.scalar(
        select(ContactBankDetails.changed_by).where(ContactBankDetails.contact_id == contact_id)
        .order_by(ContactBankDetails.id.desc()).limit(1))
