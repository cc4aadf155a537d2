"""Which known supplier sent this invoice, and do the payee bank details match the supplier master.

Why: the two costliest AP frauds are a fake supplier and a real supplier's invoice with the bank
details swapped (business email compromise). A bill is matched to the supplier master by the
strongest evidence first: ABN (unique, checksummed), then the email domain (the sender's, then the
one printed on the invoice; free-mail and invoicing-platform domains prove nothing and are skipped),
then the normalised name. The bank details on the invoice are then compared digit by digit with
the master; any difference, or details for a supplier who has none on file, is a hard hold
(ARCHITECTURE.md §4.6).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tools.documents.model import Issue, Payment, Supplier
from tools.ledger.contacts import email_domain

FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "outlook.com.au", "hotmail.com",
    "hotmail.com.au", "live.com", "live.com.au", "msn.com", "yahoo.com", "yahoo.com.au",
    "ymail.com", "bigpond.com", "bigpond.com.au", "bigpond.net.au", "icloud.com", "me.com",
    "mac.com", "aol.com", "optusnet.com.au", "iinet.net.au", "internode.on.net", "tpg.com.au",
    "westnet.com.au", "dodo.com.au", "proton.me", "protonmail.com", "gmx.com", "mail.com",
    "fastmail.com", "zoho.com", "yandex.com", "qq.com", "163.com",
})
# Invoices sent through an accounting platform come from the platform's domain, not the supplier's.
PLATFORM_DOMAINS = frozenset({
    "xero.com", "myob.com", "intuit.com", "quickbooks.com", "stripe.com", "paypal.com",
    "squareup.com", "square.com", "invoice2go.com", "freshbooks.com", "reckon.com", "sage.com",
    "servicem8.com", "bill.com", "zohoinvoice.com", "waveapps.com",
})
MATCH_CONFIDENCE = {"abn": 1.0, "email_domain": 0.8, "name": 0.6}

_LEGAL_SUFFIXES = frozenset({
    "pty", "ltd", "limited", "proprietary", "co", "company", "inc", "incorporated", "corp",
    "corporation", "llc", "plc", "pl", "gmbh", "ag", "bv", "nv", "sa", "srl",
})
_TRADING_AS = re.compile(r"\b(?:t/as?|trading\s+as|t\.a\.)\s", re.IGNORECASE)


@dataclass(frozen=True)
class KnownSupplier:
    """One row of the supplier master, as the store hands it over."""

    contact_id: int
    name: str
    abn: str | None = None
    email: str | None = None
    domain: str | None = None
    bsb: str | None = None
    account_number: str | None = None
    account_name: str | None = None


@dataclass(frozen=True)
class SupplierMatch:
    supplier: KnownSupplier | None
    by: Literal["abn", "email_domain", "name"] | None
    confidence: float


NO_MATCH = SupplierMatch(None, None, 0.0)


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def normalise_name(name: str | None) -> str:
    """Case, accents, punctuation, "&"/"and", "the" and legal suffixes (Pty Ltd, Limited, Co) go.

    "The Smith & Sons Pty. Ltd." and "smith and sons" both give "smith sons"."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").casefold()
    text = re.sub(r"['’`]", "", text).replace("&", " and ").replace("+", " and ")
    tokens = [t for t in re.split(r"[\W_]+", text) if t and t not in ("and", "the")]
    while tokens and (tokens[-1] in _LEGAL_SUFFIXES or tokens[-2:] == ["p", "l"]):
        tokens = tokens[:-2] if tokens[-2:] == ["p", "l"] else tokens[:-1]
    return " ".join(tokens)


def _name_keys(name: str | None) -> set[str]:
    """The normalised name, and each side of "X t/a Y" (trading as)."""
    parts = [name or "", *_TRADING_AS.split(name or "")]
    return {key for key in (normalise_name(p) for p in parts) if key}


def usable_domain(domain: str | None) -> str | None:
    """The domain, or None when it says nothing about the sender (free mail, invoicing
    platforms)."""
    d = (domain or "").strip().lower().lstrip("@").rstrip(".")
    if not d or "." not in d or d in FREE_MAIL_DOMAINS:
        return None
    if any(d == p or d.endswith("." + p) for p in PLATFORM_DOMAINS):
        return None
    return d


def _supplier_domains(s: KnownSupplier) -> set[str]:
    return {d for d in (usable_domain(s.domain), usable_domain(email_domain(s.email))) if d}


def _domain_matches(domain: str, known: set[str]) -> bool:
    return any(domain == k or domain.endswith("." + k) for k in known)


def match_supplier(supplier: Supplier, suppliers: Iterable[KnownSupplier], *,
                   sender_email: str | None = None, own_abn: str | None = None) -> SupplierMatch:
    """The best match in the master: ABN, then sender/invoice email domain, then normalised name.

    Several suppliers sharing a domain or a name are told apart by the name (or domain); if they
    still cannot be, there is no match rather than a guess."""
    rows = tuple(suppliers)
    abn = digits(supplier.abn)
    if len(abn) == 11 and abn != digits(own_abn):
        by_abn = [s for s in rows if digits(s.abn) == abn]
        if by_abn:
            keys = _name_keys(supplier.name)
            best = next((s for s in by_abn if _name_keys(s.name) & keys), by_abn[0])
            return SupplierMatch(best, "abn", MATCH_CONFIDENCE["abn"])
    keys = _name_keys(supplier.name)
    for email in (sender_email, supplier.email):
        domain = usable_domain(email_domain(email))
        if domain is None:
            continue
        found = [s for s in rows if _domain_matches(domain, _supplier_domains(s))]
        if len(found) > 1:
            found = [s for s in found if _name_keys(s.name) & keys]
        if len(found) == 1:
            return SupplierMatch(found[0], "email_domain", MATCH_CONFIDENCE["email_domain"])
    if keys:
        found = [s for s in rows if _name_keys(s.name) & keys]
        if len(found) == 1:
            return SupplierMatch(found[0], "name", MATCH_CONFIDENCE["name"])
    return NO_MATCH


def _masked(account: str) -> str:
    return f"account ending {account[-3:]}" if len(account) > 3 else "account"


def _bsb(bsb: str) -> str:
    return f"{bsb[:3]}-{bsb[3:]}" if len(bsb) == 6 else bsb


def bank_issues(payment: Payment | None, supplier: KnownSupplier) -> list[Issue]:
    """`bank_details_new` / `bank_details_changed` for the matched supplier.

    Digits only are compared (dashes and spaces ignored; leading zeros of the account number too).
    An IBAN on the invoice of a supplier held with an Australian BSB counts as changed: Australian
    accounts have no IBAN. Account numbers are shown by their last three digits only."""
    if payment is None:
        return []
    bsb, account = digits(payment.bsb), digits(payment.account_number)
    iban = (payment.iban or "").strip()
    if not (bsb or account or iban):
        return []
    known_bsb, known_account = digits(supplier.bsb), digits(supplier.account_number)
    shown = ", ".join(x for x in (f"BSB {_bsb(bsb)}" if bsb else "",
                                  _masked(account) if account else "",
                                  "an IBAN" if iban else "") if x)
    verify = ("Confirm the details with the supplier by phone, on a number you already hold (not "
              "one from this invoice or email), before paying.")
    if not (known_bsb or known_account):
        return [Issue(code="bank_details_new", field="payment",
                      message=f"The invoice asks for payment to {shown}, but {supplier.name} has "
                              f"no bank details on file. {verify}")]
    changed = []
    if bsb and known_bsb and bsb != known_bsb:
        changed.append(f"BSB {_bsb(bsb)} instead of {_bsb(known_bsb)}")
    if account and known_account and account.lstrip("0") != known_account.lstrip("0"):
        changed.append(f"{_masked(account)} instead of {_masked(known_account)}")
    if iban and known_bsb:
        changed.append(f"an IBAN, while {supplier.name} is paid by BSB {_bsb(known_bsb)}")
    if not changed:
        return []
    return [Issue(code="bank_details_changed", field="payment",
                  message=f"The bank details on the invoice differ from {supplier.name}'s "
                          f"record: {'; '.join(changed)}. Changed bank details are the most "
                          f"common invoice fraud. {verify}")]
