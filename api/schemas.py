"""Request and response models of the HTTP API.

Request models forbid unknown fields (`extra="forbid"`): a misspelt field is a 422, never silently
ignored. Amounts travel as decimal strings; `Money` is the one type for an amount in a request:
finite, whole cents (1.230 is 1.23; 1.005 is refused), at most 13 digits before the point, no
exponent, no NaN or Infinity. JSON numbers are accepted and read through their shortest decimal
form, so 12.34 is 12.34 and 0.1 + 0.2 (0.30000000000000004) is refused.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

# -- Money ------------------------------------------------------------------------------------

MONEY_PATTERN = r"^-?\d{1,13}(\.\d+)?$"
_MONEY = re.compile(MONEY_PATTERN)
_CENT = Decimal("0.01")


def parse_money(value: Any) -> Decimal:
    """An exact amount in dollars and cents, or ValueError saying why not."""
    if isinstance(value, bool):  # pydantic reports ValueError (not TypeError) as a 422 field error
        raise ValueError("an amount must be a decimal string such as \"123.45\"")  # noqa: TRY004
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("an amount must be a finite number")
        value = repr(value)  # the shortest decimal that reads back as this float
        if "e" in value or "E" in value:
            raise ValueError("an amount must be written without an exponent")
    elif isinstance(value, int):
        value = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("an amount must be a finite number")
        value = format(value, "f")
    if not isinstance(value, str) or len(value) > 40 or not _MONEY.match(value):
        raise ValueError("an amount must be a decimal string such as \"123.45\" (digits, at most "
                         "one point, no exponent, no NaN or Infinity)")
    try:
        amount = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise ValueError("an amount must be a decimal number") from None
    if amount != amount.quantize(_CENT):
        raise ValueError("an amount has at most 2 decimal places (whole cents)")
    return amount.quantize(_CENT)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.50"]}),
]

# -- dates ------------------------------------------------------------------------------------

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(value: Any) -> date:
    """A calendar date written YYYY-MM-DD (or a date), or ValueError: pydantic alone would read a
    number as seconds since 1970 (`?as_of=0` is not 1 January 1970) and accept other spellings."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return date.fromisoformat(value)  # a day that does not exist (2026-02-30) is a ValueError


Day = Annotated[date, BeforeValidator(parse_day)]

# -- requests ---------------------------------------------------------------------------------

AccountCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")]
ProposalHash = Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$",
                                    description="The proposal_hash shown with the approval")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineChange(Strict):
    index: int = Field(ge=0, le=999, description="Position of the line in the proposal, from 0")
    account_code: AccountCode


Identifier = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")]


class Changes(Strict):
    """An edit: re-code lines, move the due date, and correct what the invoice was read as (the
    correction is learned for the supplier's next invoices). Corrected money must add up:
    subtotal + tax = total (each field not sent keeps the proposal's value)."""

    lines: list[LineChange] = Field(default_factory=list, max_length=200)
    due_date: Day | None = None
    invoice_number: Identifier | None = None
    issue_date: Day | None = None
    purchase_order: Identifier | None = None
    subtotal: Money | None = None
    tax: Money | None = None
    total: Money | None = None


class DecisionRequest(Strict):
    decision: Literal["approve", "reject", "edit"]
    proposal_hash: ProposalHash
    comment: str | None = Field(default=None, max_length=2000)
    changes: Changes | None = Field(default=None, description="Only with decision \"edit\"")

    @model_validator(mode="after")
    def _changes_only_with_edit(self) -> DecisionRequest:
        if self.decision == "edit" and self.changes is None:
            raise ValueError("an edit needs its changes")
        if self.decision != "edit" and self.changes is not None:
            raise ValueError("changes are only allowed with decision \"edit\"")
        return self


class ApiKeyRequest(Strict):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["clerk", "approver", "owner", "auditor", "admin"]
    holder: str | None = Field(default=None, min_length=1, max_length=100,
                               description="The person the key is issued to (default: its name)")


# -- responses --------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]


class Reason(BaseModel):
    code: str
    message: str
    hard: bool | None = None


class MessageAccepted(BaseModel):
    id: int
    status: Literal["received", "processing", "posted", "awaiting_approval", "rejected",
                    "quarantined"]
    duplicate: bool


class MessageOut(BaseModel):
    id: int
    status: Literal["received", "processing", "posted", "awaiting_approval", "rejected",
                    "quarantined"]
    bill_id: int | None
    approval_id: int | None
    reasons: list[dict[str, Any]]
    message_id: str
    channel: str
    received_at: str
    subject: str
    sender: str | None


class ApprovalSummary(BaseModel):
    id: int
    status: Literal["pending", "approved", "rejected"]
    amount: str
    required_role: str
    confidence: str
    supplier: str | None
    contact_id: int | None
    invoice_number: str | None
    issue_date: str | None
    due_date: str | None
    reasons: list[dict[str, Any]]
    proposal_hash: str
    run_id: int
    inbox_message_id: int
    created_at: str
    escalated_at: str | None
    decision: str | None
    decided_by: str | None
    decided_at: str | None


class ApprovalList(BaseModel):
    items: list[ApprovalSummary]
    limit: int
    offset: int


class ApprovalDetail(ApprovalSummary):
    proposal: dict[str, Any]
    evidence: dict[str, Any]
    decided_role: str | None
    changes: dict[str, Any] | None
    comment: str | None


class RunOut(BaseModel):
    id: int
    state: str
    bill_id: int | None
    approval_id: int | None


class DecisionOut(BaseModel):
    approval: ApprovalDetail
    replayed: bool
    run: RunOut | None


class BillLineOut(BaseModel):
    line_no: int
    description: str
    quantity: str
    unit_price: str
    amount: str
    tax_code: str
    tax_amount: str
    account_code: str | None


class BillOut(BaseModel):
    id: int
    number: str
    status: str
    supplier: dict[str, Any]
    issue_date: str
    due_date: str
    reference: str | None
    purchase_order_id: int | None
    subtotal: str
    tax: str
    total: str
    journal_id: int | None
    inbox_message_id: int | None
    approval_id: int | None
    lines: list[BillLineOut]


class TrialBalanceRowOut(BaseModel):
    code: str
    name: str
    type: str
    debit: str
    credit: str
    balance: str


class TrialBalanceOut(BaseModel):
    as_of: str | None
    rows: list[TrialBalanceRowOut]
    total_debit: str
    total_credit: str
    balanced: bool


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: str
    holder: str | None
    prefix: str
    status: Literal["active", "pending_activation", "revoked"] = Field(
        description="pending_activation: a deciding key minted through the API, waiting for an "
                    "owner to activate it (POST /v1/apikeys/{id}/activation); it works for nothing "
                    "until then")
    created_at: str
    created_by: str
    activated_at: str | None
    activated_by: str | None
    revoked_at: str | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret: shown this once, never again")
