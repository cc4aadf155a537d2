"""Contact data as a bookkeeper types it, normalised and checked (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, field_validator

from tools.ledger.abn import normalise_abn
from tools.ledger.problems import LedgerError


def normalise_bsb(bsb: str) -> str:
    digits = re.sub(r"[\s-]", "", bsb or "")
    if not re.fullmatch(r"[0-9]{6}", digits):
        raise LedgerError.single("bsb_malformed", f"BSB {bsb!r} must be 6 digits, e.g. 062-000")
    return digits


def normalise_account_number(number: str) -> str:
    digits = re.sub(r"[\s-]", "", number or "")
    if not re.fullmatch(r"[0-9]{5,10}", digits):
        raise LedgerError.single(
            "account_number_malformed", f"Bank account number {number!r} must be 5 to 10 digits")
    return digits


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


@dataclass(frozen=True)
class BankDetails:
    bsb: str
    account_number: str
    account_name: str | None

    @classmethod
    def parse(cls, bsb: str, account_number: str, account_name: str | None) -> "BankDetails":
        return cls(normalise_bsb(bsb), normalise_account_number(account_number),
                   (account_name or "").strip() or None)


class SupplierRecord(BaseModel):
    """One supplier in `backoffice suppliers import FILE.json`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    abn: str
    email: str | None = None
    bsb: str
    account_number: str
    account_name: str | None = None
    address: str | None = None
    payment_terms_days: int = 30
    default_account: str | None = None
    # Already trading with the business (its bills were in the system it moves from): its first
    # bill here is not held as a new supplier's. Leave it false for a supplier who is truly new.
    established: bool = False

    @field_validator("abn")
    @classmethod
    def _abn(cls, value: str) -> str:
        try:
            return normalise_abn(value)
        except LedgerError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("bsb")
    @classmethod
    def _bsb(cls, value: str) -> str:
        try:
            return normalise_bsb(value)
        except LedgerError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("account_number")
    @classmethod
    def _account_number(cls, value: str) -> str:
        try:
            return normalise_account_number(value)
        except LedgerError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("payment_terms_days")
    @classmethod
    def _terms(cls, value: int) -> int:
        if not 0 <= value <= 365:
            raise ValueError("payment terms must be 0 to 365 days")
        return value

    @property
    def bank_details(self) -> BankDetails:
        return BankDetails(self.bsb, self.account_number, self.account_name)
