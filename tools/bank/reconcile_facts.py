"""What a bank line shows, worked out once for all the matching (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from tools.bank.model import BankLine
from tools.bank.payee import find_references, normalise_text, payee_tokens, reference_keys

NOUNS = {"bill": "bill", "sale": "invoice", "payrun": "pay run", "super": "super payment",
         "tax": "tax payment"}
ROLES = {"bill": "supplier", "sale": "customer"}

PAYROLL_WORDS = re.compile(r"\b(?:PAYROLL|WAGES?|SALARY|SALARIES|PAY ?RUN|NET PAY)\b")
SUPER_WORDS = re.compile(r"\b(?:SUPER|SUPERANNUATION|SUPERCHOICE|SUPERSTREAM|CLEARING HOUSE|SGC"
                    r"|HOSTPLUS|HESTA|CBUS|[A-Z]+SUPER)\b")
ATO_WORDS = re.compile(r"\b(?:ATO|TAX OFFICE|TAXATION|DEPUTY COMMISSIONER|BAS|PAYG|IAS)\b")
TRANSFER_WORDS = re.compile(r"\b(?:TRANSFER|TFR|TRF|XFER)(?: (?:TO|FROM))?\b")
TRANSFER_KINDS = frozenset({"XFER", "TRANSFER", "TFR"})   # OFX "INT" is interest, not this


def money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


@dataclass(frozen=True)
class LineFacts:
    """What a line shows, worked out once."""
    line: BankLine
    direction: str
    size: Decimal
    text: str                       # normalised: upper case, punctuation as spaces
    tokens: tuple[str, ...]         # the payee's words
    reference_keys: frozenset[str]
    says_payroll: bool
    says_super: bool
    says_ato: bool
    says_transfer: bool

    @classmethod
    def of(cls, line: BankLine) -> LineFacts:
        text = normalise_text(line.text)
        keys = frozenset().union(*(reference_keys(r) for r in find_references(line.text)))
        says_super = bool(SUPER_WORDS.search(text))
        return cls(line, "in" if line.amount > 0 else "out", abs(line.amount), text,
                   payee_tokens(line.text), keys, bool(PAYROLL_WORDS.search(text)), says_super,
                   bool(ATO_WORDS.search(text)), bool(TRANSFER_WORDS.search(text))
                   or line.kind.upper() in TRANSFER_KINDS)

