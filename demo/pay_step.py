"""The demo's payment run: once the AP agent has worked the inbox, the approved bills due by
14 July 2026 are proposed as one run (by the clerk), approved (by the owner: neither the run's
creator nor whoever recorded any payee's bank details), and its ABA file is written to
HOME/payments/ for the bank, dated by the demo's clock so a rebuild writes the same bytes.

Writing the file pays nothing: the bills stay unpaid in the books until the bank statement shows
the payment (services.payment_runs). No remittance advice is emailed: the demo is offline, with
no relay; `backoffice pay remit ID` sends it once one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.settings import Settings
from demo.bank_feed import CHEQUE, IDENTIFIERS
from demo.company import DIRECT_ENTRY, PAYMENT_APPROVER, PAYMENT_PROPOSER
from services import payment_runs
from tools.payments.aba import Remitter

DUE_BY = date(2026, 7, 14)       # two weeks after the demo's last day: the open bills are due


@dataclass
class PaySummary:
    run_id: int = 0
    reference: str = ""
    due_by: date | None = None
    bills: int = 0
    suppliers: int = 0
    total: Decimal = Decimal("0.00")
    proposed_by: str = ""
    approved_by: str = ""
    file: Path | None = None
    sha256: str = ""
    records: int = 0
    left_out: list[str] = field(default_factory=list)
    remittances: str = "not sent (offline, no relay)"

    def as_dict(self) -> dict[str, object]:
        return {"run_id": self.run_id or None, "reference": self.reference,
                "due_by": self.due_by.isoformat() if self.due_by else None,
                "bills": self.bills, "suppliers": self.suppliers, "total": str(self.total),
                "proposed_by": self.proposed_by, "approved_by": self.approved_by,
                "file": str(self.file) if self.file else None, "sha256": self.sha256,
                "records": self.records, "left_out": self.left_out,
                "remittances": self.remittances, "bills_marked_paid": 0}

    def as_text(self) -> str:
        if not self.run_id:
            return "  pay          no payment run"
        due = f"{self.due_by:%d/%m/%Y}" if self.due_by else ""
        return (f"  pay          payment run {self.run_id} ({self.reference}): {self.bills} bills due "
                f"by {due} to {self.suppliers} suppliers, ${self.total:,.2f}, proposed by "
                f"{self.proposed_by}, approved by {self.approved_by}; remittance advice "
                f"{self.remittances}\n"
                f"               ABA file ({self.suppliers} credits and the balancing debit) "
                f"written to {self.file}; the bills stay unpaid in the books until the bank "
                "statement shows the payment")


@dataclass(frozen=True)
class _Context:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock


def remitter() -> Remitter:
    """The business's direct entry details, paying from 1100 Business Cheque Account."""
    bsb, account = IDENTIFIERS[CHEQUE].split(" ", 1)
    return Remitter(bank=DIRECT_ENTRY["bank"], user_name=DIRECT_ENTRY["user_name"],
                    apca_id=DIRECT_ENTRY["apca_id"], bsb=bsb,
                    account_number=account.replace(" ", ""),
                    remitter_name=DIRECT_ENTRY["remitter"])


def pay_due_bills(settings: Settings, sessions: sessionmaker[Session], clock: Clock) -> PaySummary:
    """Propose, approve and write the run of the bills due by DUE_BY (see the module doc)."""
    ctx = _Context(settings, sessions, clock)
    proposed = payment_runs.propose_run(ctx, DUE_BY, actor=PAYMENT_PROPOSER,
                                        idempotency_key=f"demo:payrun:{DUE_BY.isoformat()}")
    run_id = proposed["id"]
    approved = payment_runs.approve_run(ctx, run_id, actor=PAYMENT_APPROVER)
    target = settings.home.resolve() / "payments" / f"payrun-{run_id}.aba"
    written = payment_runs.write_run(ctx, run_id, remitter(), actor=PAYMENT_APPROVER, out=target)
    suppliers = written["suppliers"]
    return PaySummary(
        run_id=run_id, reference=written["reference"], due_by=DUE_BY,
        bills=sum(len(s["bills"]) for s in suppliers), suppliers=len(suppliers),
        total=written["total"], proposed_by=proposed["created_by"],
        approved_by=approved["approved_by"], file=target, sha256=written["file"]["sha256"],
        records=written["file"]["records"],
        left_out=[f"{x['supplier']}: {x['reason']}" for x in proposed["left_out"]])
