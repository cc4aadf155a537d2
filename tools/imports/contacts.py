"""A contact row checked: the ABN by the ATO checksum, the bank account split into BSB and number
(Xero keeps both in one field, e.g. "062-000 1234 5678")."""

from __future__ import annotations

import re

from tools.imports.model import ImportedContact, ImportRefused, Source
from tools.ledger.abn import normalise_abn
from tools.ledger.contacts import normalise_account_number, normalise_bsb
from tools.ledger.problems import LedgerError


def split_bank_account(text: str, file: str, row: int) -> tuple[str, str]:
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"[0-9]{11,16}", digits):
        raise ImportRefused.at("bank_account_malformed", f"bank account {text!r} is not a 6-digit BSB "
                               "and a 5-10 digit account number", file, row)
    return digits[:6], digits[6:]


def contact_from_row(file: str, row: int, *, name: str, abn: str | None, email: str | None,
                     address: str | None, bank_name: str | None, bank_number: str | None,
                     bsb: str | None = None, supplier: bool = False, customer: bool = False,
                     default_account: str | None = None,
                     payment_terms_days: int | None = None) -> ImportedContact:
    if not name.strip():
        raise ImportRefused.at("missing_value", "a contact needs a name", file, row)
    abn_digits = None
    if abn and abn.strip():
        try:
            abn_digits = normalise_abn(abn)
        except LedgerError as exc:
            raise ImportRefused.at("abn_invalid", f"{name}: {exc}", file, row) from None
    number = None
    if bank_number and bank_number.strip():
        try:
            if bsb and bsb.strip():
                bsb, number = normalise_bsb(bsb), normalise_account_number(bank_number)
            else:
                bsb, number = split_bank_account(bank_number, file, row)
                number = normalise_account_number(number)
        except LedgerError as exc:
            raise ImportRefused.at("bank_account_malformed", f"{name}: {exc}", file, row) from None
    else:
        bsb = None
    if payment_terms_days is not None and not 0 <= payment_terms_days <= 365:
        raise ImportRefused.at("bad_terms", f"{name}: payment terms of {payment_terms_days} days", file, row)
    return ImportedContact(name.strip(), Source(file, row), abn_digits, (email or "").strip() or None,
                           address, bsb, number, (bank_name or "").strip() or None if number else None,
                           supplier, customer, default_account, payment_terms_days)
