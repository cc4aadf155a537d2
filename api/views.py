"""What the API and the CLI show, built once for both: plain JSON-ready dicts from the stores
(amounts as decimal strings, dates and times ISO 8601), and who may see or do what.

`PERMISSIONS` is the role matrix both the API (api.deps) and the CLI (api.cli_ap) enforce; the
approval service (services.approvals) checks deciding again, per approval (limits,
segregation of duties).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from memory import ap_store
from memory.ap_schema import ROLES, Approval, ApRun
from memory.approvals_store import ApprovalRecord
from memory.inbox_schema import InboxMessage
from memory.ledger_store import LedgerStore
from memory.schema import AccountRow, Contact, Invoice
from core.clock import Clock

ALL_ROLES = frozenset(ROLES)

# permission → the roles that have it. Deciding is kept away from admin and auditor (segregation
# of duties: whoever manages keys or audits the books does not approve payments).
PERMISSIONS: dict[str, frozenset[str]] = {
    "inbox.submit": frozenset({"clerk", "approver", "owner"}),
    "inbox.read": ALL_ROLES,
    "bills.read": ALL_ROLES,
    "approvals.read": frozenset({"approver", "owner", "auditor", "admin"}),
    "approvals.decide": frozenset({"approver", "owner"}),
    "ledger.read": frozenset({"owner", "auditor", "admin"}),
    "reports.read": frozenset({"owner", "auditor", "admin"}),
    "payroll.check": frozenset({"owner", "auditor", "admin"}),
    "apikeys.manage": frozenset({"admin"}),
    # Switching on a deciding key an admin minted: a second person, an owner (tools.policies.key_rules).
    "apikeys.activate": frozenset({"owner"}),
    # Everyone may ask; each assistant tool checks the caller's role again (agent.chat.tools).
    "chat.ask": ALL_ROLES,
    # The bank: a clerk (the bookkeeper) works the exceptions; a rule reconciles with no person,
    # so writing one is for an approver or owner.
    "bank.read": frozenset({"clerk", "approver", "owner", "auditor"}),
    "bank.import": frozenset({"clerk", "approver", "owner"}),
    "bank.reconcile": frozenset({"clerk", "approver", "owner"}),
    "bank.rules": frozenset({"approver", "owner"}),
    # Paying bills: a clerk proposes a run; only an approver or owner (not its creator, not the
    # last person to change a payee's bank details: services.payment_runs) approves and writes it.
    "payments.read": frozenset({"clerk", "approver", "owner", "auditor"}),
    "payments.propose": frozenset({"clerk", "approver", "owner"}),
    "payments.approve": frozenset({"approver", "owner"}),
    "payments.write": frozenset({"approver", "owner"}),
    # Moving the books in is for the owner (or the admin setting the company up); handing them
    # out, for the owner and an auditor (an accountant receiving the books gets an auditor key).
    "books.import": frozenset({"owner", "admin"}),
    "books.export": frozenset({"owner", "auditor"}),
    # Self-monitoring: whoever follows the inbox may see whether it is being worked (GET
    # /v1/status); the Prometheus scrape (/metrics) is for the people who run the service.
    "status.read": ALL_ROLES,
    "metrics": frozenset({"owner", "admin", "auditor"}),
}

# What a caller of GET /v1/inbox/messages/{id} sees, from the AP run's state.
RUN_STATUS = {"admitted": "processing", "running": "processing", "resuming": "processing",
              "awaiting_approval": "awaiting_approval", "posted": "posted", "rejected": "rejected",
              "quarantined": "quarantined", "failed": "quarantined"}
MESSAGE_STATUSES = ("received", "processing", "posted", "awaiting_approval", "rejected",
                    "quarantined")


def jsonable(value: Any) -> Any:
    """Decimal → its exact string, date/datetime → ISO 8601, recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _iso(value: datetime | date | None) -> str | None:
    """ISO 8601; times in UTC with their offset (SQLite hands back naive UTC times)."""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return None if value is None else value.isoformat()


# -- inbox messages ---------------------------------------------------------------------------

def message_status(inbox_status: str, run_state: str | None) -> str:
    """received | processing | posted | awaiting_approval | rejected | quarantined."""
    if inbox_status == "quarantined":
        return "quarantined"
    if run_state is None:
        return {"received": "received", "processing": "processing"}.get(inbox_status, "posted")
    return RUN_STATUS.get(run_state, "processing")


def message_view(session: Session, message_id: int) -> dict[str, Any] | None:
    row = session.get(InboxMessage, message_id)
    if row is None:
        return None
    run = ap_store.for_message(session, message_id)
    status = message_status(row.status, run.state if run else None)
    reasons = [dict(r) for r in run.reasons] if run else []
    if status == "quarantined" and not reasons and row.quarantine_reason:
        reasons = [{"code": "quarantined", "message": row.quarantine_reason, "hard": True}]
    return {"id": row.id, "status": status, "bill_id": run.bill_id if run else None,
            "approval_id": run.approval_id if run else None, "reasons": reasons,
            "message_id": row.message_id, "channel": row.channel,
            "received_at": _iso(row.received_at), "subject": row.subject, "sender": row.sender}


# -- approvals --------------------------------------------------------------------------------

def approval_summary(a: Any) -> dict[str, Any]:
    """One approval in a list: what is asked and why, without the full proposal and evidence.
    `a` is an ApprovalRecord, or a row of `_QUEUE_COLUMNS` (proposal and reasons still JSON)."""
    p = a.proposal if isinstance(a.proposal, dict) else json.loads(a.proposal)
    reasons = a.reasons if isinstance(a.reasons, list) else json.loads(a.reasons)
    return {"id": a.id, "status": a.status, "amount": _money(a.amount),
            "required_role": a.required_role, "confidence": a.confidence,
            "supplier": p.get("supplier_name"), "contact_id": a.contact_id,
            "invoice_number": p.get("number"), "issue_date": p.get("issue_date"),
            "due_date": p.get("due_date"), "reasons": reasons, "proposal_hash": a.proposal_hash,
            "run_id": a.run_id, "inbox_message_id": a.inbox_message_id,
            "created_at": _iso(a.created_at), "escalated_at": _iso(a.escalated_at),
            "decision": a.decision, "decided_by": a.decided_by, "decided_at": _iso(a.decided_at)}


_QUEUE_COLUMNS = (Approval.id, Approval.status, Approval.amount, Approval.required_role,
                  Approval.confidence, Approval.contact_id, Approval.proposal_hash,
                  Approval.proposal, Approval.reasons, Approval.run_id, Approval.inbox_message_id,
                  Approval.created_at, Approval.escalated_at, Approval.decision,
                  Approval.decided_by, Approval.decided_at)
# The API's hottest read (GET /v1/approvals): its statements are built once, and a row's summary
# is kept by the row's whole content (a pure function of it, so never stale; parsing the proposal's
# JSON for four fields was half the request: evals/benchmarks/load_bench.py).
_QUEUE = (select(*_QUEUE_COLUMNS).order_by(Approval.created_at, Approval.id)
          .limit(bindparam("limit")).offset(bindparam("offset")))
_QUEUE_BY_STATUS = _QUEUE.where(Approval.status == bindparam("status"))


@lru_cache(maxsize=1024)
def _summary_of_row(row: Any) -> dict[str, Any]:
    return approval_summary(row)


def approval_queue(session: Session, *, status: str | None = None, limit: int = 100,
                   offset: int = 0) -> list[dict[str, Any]]:
    """`approval_summary` of each approval, in memory.approvals_store.list_approvals's order, read
    as columns (the evidence is never loaded)."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if status:
        params["status"] = status
    rows = session.execute(_QUEUE_BY_STATUS if status else _QUEUE, params)
    return [dict(_summary_of_row(row)) for row in rows]  # (a copy: callers may add to it)


def approval_detail(a: ApprovalRecord) -> dict[str, Any]:
    """Everything an approver needs: reasons, evidence, the proposal and its hash, confidence."""
    return {**approval_summary(a), "proposal": a.proposal, "evidence": a.evidence,
            "decided_role": a.decided_role, "changes": a.changes, "comment": a.comment}


def run_view(session: Session, run_id: int) -> dict[str, Any] | None:
    run = ap_store.get(session, run_id)
    if run is None:
        return None
    return {"id": run.id, "state": run.state, "bill_id": run.bill_id,
            "approval_id": run.approval_id}


# -- bills ------------------------------------------------------------------------------------

def bill_view(session: Session, bill_id: int) -> dict[str, Any] | None:
    bill = session.get(Invoice, bill_id)
    if bill is None or bill.kind != "bill":
        return None
    contact = session.get(Contact, bill.contact_id)
    codes = {row[0]: row[1] for row in session.execute(select(AccountRow.id, AccountRow.code))}
    run = session.scalar(select(ApRun).where(ApRun.bill_id == bill.id))
    return {
        "id": bill.id, "number": bill.number, "status": bill.status,
        "supplier": {"contact_id": bill.contact_id, "name": contact.name if contact else None,
                     "abn": contact.abn if contact else None},
        "issue_date": _iso(bill.issue_date), "due_date": _iso(bill.due_date),
        "reference": bill.reference, "purchase_order_id": bill.purchase_order_id,
        "subtotal": _money(bill.subtotal), "tax": _money(bill.tax), "total": _money(bill.total),
        "journal_id": bill.journal_id,
        "inbox_message_id": run.inbox_message_id if run else None,
        "approval_id": run.approval_id if run else None,
        "lines": [{"line_no": ln.line_no, "description": ln.description,
                   "quantity": str(ln.quantity), "unit_price": str(ln.unit_price),
                   "amount": _money(ln.amount), "tax_code": ln.tax_code,
                   "tax_amount": _money(ln.tax_amount), "account_code": codes.get(ln.account_id)}
                  for ln in bill.lines],
    }


# -- the ledger -------------------------------------------------------------------------------

def trial_balance_view(session: Session, clock: Clock, as_of: date | None = None) -> dict[str, Any]:
    """The same JSON as `backoffice ledger trial-balance --json`."""
    tb = LedgerStore(session, clock, "api").trial_balance(as_of)
    rows = [{"code": r.code, "name": r.name, "type": r.type, "debit": str(r.debit),
             "credit": str(r.credit), "balance": str(r.balance)} for r in tb.rows]
    return {"as_of": _iso(tb.as_of), "rows": rows, "total_debit": str(tb.total_debit),
            "total_credit": str(tb.total_credit), "balanced": tb.balanced}


# -- API keys ---------------------------------------------------------------------------------

def apikey_view(listing: Any) -> dict[str, Any]:
    """One key (an apikeys_store.KeyListing) as the API and `apikey list --json` show it."""
    p = listing.principal
    status = ("revoked" if listing.revoked_at else "active" if listing.activated_at
              else "pending_activation")
    return {"id": p.key_id, "name": p.name, "role": p.role, "holder": p.holder,
            "prefix": listing.prefix, "status": status, "created_at": _iso(listing.created_at),
            "created_by": listing.created_by, "activated_at": _iso(listing.activated_at),
            "activated_by": listing.activated_by, "revoked_at": _iso(listing.revoked_at)}
