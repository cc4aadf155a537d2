"""Suppliers and customers, with every change of bank details kept (who, when, from where)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from memory import audit
from memory.ledger_store import LedgerStore, guarded
from memory.schema import Contact, ContactBankDetails
from core.clock import Clock
from tools.ledger.abn import normalise_abn
from tools.ledger.contacts import BankDetails, SupplierRecord, email_domain
from tools.ledger.problems import LedgerError, Problem


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class ContactsStore:
    def __init__(self, session: Session, clock: Clock, actor: str) -> None:
        self.session, self.clock, self.actor = session, clock, actor
        self.ledger = LedgerStore(session, clock, actor)

    def by_abn(self, abn: str) -> Contact | None:
        return self.session.scalar(select(Contact).where(Contact.abn == normalise_abn(abn)))

    def get(self, contact_id: int) -> Contact:
        contact = self.session.get(Contact, contact_id)
        if contact is None:
            raise LedgerError.single("unknown_contact", f"There is no contact {contact_id}")
        return contact

    def create(self, name: str, *, abn: str | None = None, email: str | None = None,
               address: str | None = None, supplier: bool = False, customer: bool = False,
               payment_terms_days: int = 30, default_account: str | None = None,
               bank: BankDetails | None = None, source: str = "manual",
               established: bool = False) -> Contact:
        if not name.strip():
            raise LedgerError.single("no_name", "A contact needs a name")
        abn_digits = normalise_abn(abn) if abn else None
        if abn_digits and self.by_abn(abn_digits) is not None:
            raise LedgerError.single("duplicate_abn", f"A contact with ABN {abn_digits} already exists")
        account_id = self.ledger.account_id(default_account) if default_account else None
        contact = Contact(name=name.strip(), abn=abn_digits, email=email, domain=email_domain(email),
                          address=address, is_supplier=supplier, is_customer=customer,
                          payment_terms_days=payment_terms_days, default_account_id=account_id,
                          established=established, created_at=self.clock.now(), created_by=self.actor)
        with guarded(self.session):
            self.session.add(contact)
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="contact.created",
                         entity_type="contact", entity_id=contact.id,
                         payload={"name": contact.name, "abn": abn_digits, "email": email,
                                  "source": source, **({"established": True} if established else {})})
            if bank is not None:
                self._append_bank_details(contact, bank, source)
        return contact

    def set_trading_roles(self, contact_id: int, *, supplier: bool, customer: bool,
                          source: str = "manual") -> bool:
        """Mark a contact a supplier and/or customer (never unmarks); False when nothing changed."""
        contact = self.get(contact_id)
        changes = {k: True for k, want, have in (("is_supplier", supplier, contact.is_supplier),
                                                 ("is_customer", customer, contact.is_customer))
                   if want and not have}
        if not changes:
            return False
        with guarded(self.session):
            for attr in changes:
                setattr(contact, attr, True)
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="contact.updated",
                         entity_type="contact", entity_id=contact.id,
                         payload={**changes, "source": source})
        return True

    def set_bank_details(self, contact_id: int, bank: BankDetails, source: str = "manual") -> bool:
        """Record new bank details; returns False when they equal the current ones."""
        contact = self.get(contact_id)
        with guarded(self.session):
            return self._append_bank_details(contact, bank, source)

    def _append_bank_details(self, contact: Contact, bank: BankDetails, source: str) -> bool:
        current = self.session.scalar(
            select(ContactBankDetails).where(ContactBankDetails.contact_id == contact.id)
            .order_by(ContactBankDetails.id.desc()).limit(1))
        if current is not None and (current.bsb, current.account_number, current.account_name) == (
                bank.bsb, bank.account_number, bank.account_name):
            return False
        self.session.add(ContactBankDetails(
            contact_id=contact.id, bsb=bank.bsb, account_number=bank.account_number,
            account_name=bank.account_name, changed_by=self.actor, changed_at=self.clock.now(),
            source=source))
        self.session.flush()
        self.session.expire(contact, ["bank_details"])
        audit.append(self.session, self.clock, actor=self.actor,
                     action="contact.bank_details_set" if current is None
                     else "contact.bank_details_changed",
                     entity_type="contact", entity_id=contact.id,
                     payload={"bsb": bank.bsb, "account_number": bank.account_number,
                              "account_name": bank.account_name, "source": source,
                              "previous": None if current is None else
                              [current.bsb, current.account_number]})
        return True

    def import_suppliers(self, records: list[object]) -> ImportResult:
        """Upsert suppliers by ABN. Every record is checked before anything is written."""
        self.ledger.organisation()  # no books yet is its own, clearer error
        known_accounts = self.ledger.accounts()
        parsed: list[SupplierRecord] = []
        problems: list[Problem] = []
        for n, raw in enumerate(records, start=1):
            name = raw.get("name") if isinstance(raw, dict) else None
            label = f"Supplier {n} ({name})" if isinstance(name, str) and name.strip() else f"Supplier {n}"
            try:
                rec = SupplierRecord.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"]) or "record"
                    problems.append(Problem(
                        "bad_supplier", f"{label}: {where}: {err['msg'].removeprefix('Value error, ')}"))
                continue
            if rec.default_account and rec.default_account not in known_accounts:
                problems.append(Problem("unknown_account",
                                        f"{label}: there is no account {rec.default_account!r}"))
            parsed.append(rec)
        if problems:
            raise LedgerError(problems)
        result = ImportResult()
        with guarded(self.session):
            for rec in parsed:
                self._upsert(rec, result)
        return result

    def _upsert(self, rec: SupplierRecord, result: ImportResult) -> None:
        existing = self.by_abn(rec.abn)
        if existing is None:
            self.create(rec.name, abn=rec.abn, email=rec.email, address=rec.address, supplier=True,
                        payment_terms_days=rec.payment_terms_days,
                        default_account=rec.default_account, bank=rec.bank_details, source="import",
                        established=rec.established)
            result.created.append(rec.abn)
            return
        changes: dict[str, object] = {}
        wanted = {"name": rec.name, "email": rec.email, "domain": email_domain(rec.email),
                  "address": rec.address, "payment_terms_days": rec.payment_terms_days,
                  "is_supplier": True, "established": rec.established or None}
        if rec.default_account:
            wanted["default_account_id"] = self.ledger.account_id(rec.default_account)
        for attr, value in wanted.items():
            if value is not None and getattr(existing, attr) != value:
                changes[attr] = value
                setattr(existing, attr, value)
        if changes:
            self.session.flush()
            audit.append(self.session, self.clock, actor=self.actor, action="contact.updated",
                         entity_type="contact", entity_id=existing.id,
                         payload={k: v for k, v in changes.items()})
        bank_changed = self._append_bank_details(existing, rec.bank_details, "import")
        (result.updated if changes or bank_changed else result.unchanged).append(rec.abn)
