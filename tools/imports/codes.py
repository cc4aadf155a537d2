"""The old system's tax rates and account types in our terms (the standard chart's tax codes GST,
CAP, FRE, INP, N-T and the five account types with their subtypes)."""

from __future__ import annotations

import re

from tools.imports.model import AccountType, ImportRefused

# Xero AU tax rates by display name and by API code; MYOB AU tax codes.
_TAX = {
    "gst on expenses": "GST", "gst on income": "GST", "input": "GST", "output": "GST",
    "gst on capital": "CAP", "capexinput": "CAP", "gst on capital imports": "CAP",
    "gst free expenses": "FRE", "gst free income": "FRE", "gst free exports": "FRE",
    "gst free capital": "FRE", "exemptexpenses": "FRE", "exemptoutput": "FRE",
    "exemptexport": "FRE", "exemptcapital": "FRE",
    "input taxed": "INP", "inputtaxed": "INP", "input taxed sales": "INP",
    "bas excluded": "N-T", "basexcluded": "N-T", "no gst": "N-T", "none": "N-T",
    "gst on imports": "GST", "gstonimports": "GST",
    # MYOB
    "gst": "GST", "cap": "CAP", "fre": "FRE", "exp": "FRE", "inp": "INP", "its": "INP",
    "n-t": "N-T", "nt": "N-T",
}


def tax_code(text: str, file: str, row: int, *, default: str | None = None) -> str:
    key = re.sub(r"\s+", " ", re.sub(r"\s*\(?\d+(\.\d+)?%\)?\s*", " ", text or "")).strip().lower()
    if not key and default is not None:
        return default
    code = _TAX.get(key)
    if code is None:
        raise ImportRefused.at("unknown_tax_type", f"the tax type {text!r} has no equivalent here "
                               "(GST, CAP, FRE, INP or N-T)", file, row)
    return code


# (type, subtype) by the old system's account type (Xero's "Type", MYOB's "Account Type").
_TYPES: dict[str, tuple[AccountType, str]] = {
    # Xero
    "bank": ("asset", "bank"), "current asset": ("asset", "current"), "inventory": ("asset", "inventory"),
    "fixed asset": ("asset", "fixed"), "non-current asset": ("asset", "non_current"),
    "prepayment": ("asset", "current"), "current liability": ("liability", "current"),
    "liability": ("liability", "current"), "non-current liability": ("liability", "non_current"),
    "term liability": ("liability", "non_current"), "equity": ("equity", "equity"),
    "revenue": ("revenue", "sales"), "sales": ("revenue", "sales"),
    "other income": ("revenue", "other_income"), "direct costs": ("expense", "direct_costs"),
    "expense": ("expense", "overheads"), "overhead": ("expense", "overheads"),
    "overheads": ("expense", "overheads"), "depreciation": ("expense", "overheads"),
    "wages expense": ("expense", "employment"), "superannuation expense": ("expense", "employment"),
    "paygliability": ("liability", "current"), "payg liability": ("liability", "current"),
    "superannuation liability": ("liability", "current"),
    "wages payable liability": ("liability", "current"),
    # MYOB AccountRight (detail account types)
    "accounts receivable": ("asset", "current"), "other current asset": ("asset", "current"),
    "other asset": ("asset", "non_current"), "asset": ("asset", "current"),
    "credit card": ("liability", "current"), "accounts payable": ("liability", "current"),
    "other current liability": ("liability", "current"),
    "long term liability": ("liability", "non_current"), "other liability": ("liability", "current"),
    "capital": ("equity", "equity"), "income": ("revenue", "sales"),
    "cost of sales": ("expense", "direct_costs"), "other expense": ("expense", "overheads"),
}


def account_type(text: str, file: str, row: int) -> tuple[AccountType, str]:
    found = _TYPES.get(re.sub(r"\s+", " ", (text or "").strip().lower()))
    if found is None:
        raise ImportRefused.at("unknown_account_type", f"the account type {text!r} is not one this "
                               "import knows", file, row)
    return found


# The old books' own system accounts: their balances belong on ours (the role's account), not on
# a second payables or GST account that nothing here would ever clear.
_SYSTEM_NAMES = {
    "accounts payable": "accounts_payable", "trade creditors": "accounts_payable",
    "accounts receivable": "accounts_receivable", "trade debtors": "accounts_receivable",
    "gst": "gst_collected", "gst collected": "gst_collected", "gst paid": "gst_paid",
    "retained earnings": "retained_earnings", "payg withholdings payable": "payg_withholding",
    "payg withholding payable": "payg_withholding",
}


def system_role(name: str, old_type: str) -> str | None:
    role = _SYSTEM_NAMES.get(re.sub(r"\s+", " ", name.strip().lower()))
    if role is None and old_type.strip().lower() in ("accounts payable", "accounts receivable"):
        role = old_type.strip().lower().replace(" ", "_")
    return role
