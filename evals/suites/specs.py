"""Case-schema pieces more than one suite's data uses: strict frozen models for an invoice's
parties and payee account, as the case files write them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartySpec(Strict):
    name: str
    abn: str | None
    email: str | None
    address: tuple[str, ...]
    phone: str | None = None


class PaymentSpec(Strict):
    bsb: str
    account_number: str
    account_name: str
    reference: str | None = None
