"""The accounts-payable kernel: proposing how a supplier bill is posted (pure domain code)."""

from tools.ap.propose import (
    BLOCKING_CODES, INFORMATIONAL_CODES, LEARN_THRESHOLD, BillLine, BillProposal, Evidence,
    PastBillLine, POLineEvidence, ProposalChart, ProposalRefused, SupplierPosting, apportion,
    propose_bill,
)

__all__ = [
    "BLOCKING_CODES", "INFORMATIONAL_CODES", "LEARN_THRESHOLD", "BillLine", "BillProposal",
    "Evidence", "POLineEvidence", "PastBillLine", "ProposalChart", "ProposalRefused",
    "SupplierPosting", "apportion", "propose_bill",
]
