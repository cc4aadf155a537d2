"""Suppliers and customers on both databases: bank-detail history that can only grow, and a supplier
import that upserts by ABN and writes nothing unless every record is valid."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement

from memory.ap_queries import supplier_posting as posting
from memory.contacts_store import ContactsStore
from memory.db import rule_violation, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry, Contact, ContactBankDetails
from tests.conftest import TickingClock
from tools.ledger.contacts import BankDetails
from tools.ledger.problems import LedgerError

COASTAL_ABN = "53004085616"
PLUMBING_ABN = "51824753556"
OLD_BANK = BankDetails("062000", "10458832", "Coastal Ceramics Wholesale")
NEW_BANK = BankDetails("033000", "99887766", "Coastal Ceramics Wholesale")
Sessions = sessionmaker[Session]


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> Sessions:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        LedgerStore(session, clock, "test:setup").create_organisation(
            "Harbour & Vine Homewares Pty Ltd", "51 824 753 556", state="NSW")
    return factory


def _count(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _audit_actions(session: Session, contact_id: int) -> list[str]:
    return list(session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "contact",
                                        AuditEntry.entity_id == str(contact_id))
        .order_by(AuditEntry.seq)))


def _supplier(name: str = "Coastal Ceramics Wholesale Pty Ltd", abn: str = "53 004 085 616",
              **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "name": name, "abn": abn, "email": "accounts@coastalceramics.com.au",
        "bsb": "062-000", "account_number": "1045 8832", "account_name": "Coastal Ceramics Wholesale",
        "address": "14 Kiln Road, Marrickville NSW 2204", "payment_terms_days": 30,
        "default_account": "5000"}
    record.update(overrides)
    return record


def _plumber(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "Harbourside Plumbing & Gas Pty Ltd", "abn": "51 824 753 556",
        "email": "invoices@harboursideplumbing.com.au", "bsb": "082-080",
        "account_number": "553210987", "account_name": "Harbourside Plumbing", "address": None,
        "payment_terms_days": 14, "default_account": "6110"}
    fields.update(overrides)
    return _supplier(**fields)  # type: ignore[arg-type]


# -- create and bank details -----------------------------------------------------------------

def test_create_with_bank_details_writes_history_and_audit(sessions: Sessions,
                                                           clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        contact = ContactsStore(session, clock, "clerk:amy").create(
            "Coastal Ceramics Wholesale Pty Ltd", abn="53 004 085 616",
            email="Accounts@CoastalCeramics.com.au", supplier=True, payment_terms_days=30,
            default_account="5000", bank=OLD_BANK)
        contact_id = contact.id
    with unit_of_work(sessions) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert contact.abn == COASTAL_ABN
        assert contact.domain == "coastalceramics.com.au"
        assert contact.is_supplier and not contact.is_customer
        assert contact.created_by == "clerk:amy"
        history = contact.bank_details
        assert [(b.bsb, b.account_number, b.account_name) for b in history] == [
            ("062000", "10458832", "Coastal Ceramics Wholesale")]
        assert history[0].changed_by == "clerk:amy"
        assert contact.current_bank_details is not None
        assert contact.current_bank_details.id == history[0].id
        assert _audit_actions(session, contact_id) == ["contact.created", "contact.bank_details_set"]


def test_same_bank_details_again_change_nothing(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        contact_id = ContactsStore(session, clock, "clerk").create(
            "Coastal Ceramics", abn=COASTAL_ABN, supplier=True, bank=OLD_BANK).id
    with unit_of_work(sessions) as session:
        audit_before = _count(session, AuditEntry)
        assert ContactsStore(session, clock, "clerk").set_bank_details(
            contact_id, BankDetails("062000", "10458832", "Coastal Ceramics Wholesale")) is False
    with unit_of_work(sessions) as session:
        assert _count(session, ContactBankDetails) == 1
        assert _count(session, AuditEntry) == audit_before


def test_new_bank_details_are_added_and_the_old_ones_kept(sessions: Sessions,
                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        contact_id = ContactsStore(session, clock, "clerk:amy").create(
            "Coastal Ceramics", abn=COASTAL_ABN, supplier=True, bank=OLD_BANK).id
    before = clock.current
    with unit_of_work(sessions) as session:
        assert ContactsStore(session, clock, "approver:ben").set_bank_details(
            contact_id, NEW_BANK, source="phone call to 02 9555 0101") is True
    with unit_of_work(sessions) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        history = contact.bank_details
        assert [(b.bsb, b.account_number) for b in history] == [("062000", "10458832"),
                                                                ("033000", "99887766")]
        assert [b.changed_by for b in history] == ["clerk:amy", "approver:ben"]
        assert history[1].source == "phone call to 02 9555 0101"
        changed_at = history[1].changed_at
        if changed_at.tzinfo is None:  # SQLite hands back naive datetimes
            changed_at = changed_at.replace(tzinfo=before.tzinfo)
        assert before < changed_at <= clock.current
        assert contact.current_bank_details is not None
        assert contact.current_bank_details.bsb == "033000"
        assert _audit_actions(session, contact_id) == [
            "contact.created", "contact.bank_details_set", "contact.bank_details_changed"]
        payload = session.scalar(select(AuditEntry.payload).where(
            AuditEntry.action == "contact.bank_details_changed"))
        assert '"previous":["062000","10458832"]' in (payload or "")
        assert '"source":"phone call to 02 9555 0101"' in (payload or "")


def test_set_bank_details_for_an_unknown_contact_is_unknown_contact(sessions: Sessions,
                                                                    clock: TickingClock) -> None:
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").set_bank_details(999, NEW_BANK)
    assert info.value.codes == ("unknown_contact",)
    assert "999" in str(info.value)


@pytest.mark.parametrize("statement", [
    "UPDATE contact_bank_details SET account_number = '99887766'",
    "DELETE FROM contact_bank_details",
])
def test_the_database_refuses_to_rewrite_bank_history(sessions: Sessions, clock: TickingClock,
                                                      statement: str) -> None:
    with unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").create("Coastal Ceramics", abn=COASTAL_ABN,
                                                      supplier=True, bank=OLD_BANK)
    with pytest.raises(DBAPIError) as info, unit_of_work(sessions) as session:
        session.execute(text(statement))
    typed = rule_violation(info.value)
    assert typed is not None and typed.codes == ("append_only",)
    assert "contact_bank_details" in str(typed)
    with unit_of_work(sessions) as session:
        assert session.execute(select(ContactBankDetails.bsb, ContactBankDetails.account_number)
                               ).all() == [("062000", "10458832")]


def test_duplicate_abn_on_create_is_refused_however_it_is_spaced(sessions: Sessions,
                                                                 clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").create("Coastal Ceramics", abn=COASTAL_ABN, supplier=True)
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").create("Coastal Ceramics (again)", abn="53 004 085 616")
    assert info.value.codes == ("duplicate_abn",)
    assert COASTAL_ABN in str(info.value)
    with unit_of_work(sessions) as session:
        assert _count(session, Contact) == 1


def test_create_refuses_a_bad_abn_an_unknown_account_or_no_name(sessions: Sessions,
                                                                clock: TickingClock) -> None:
    cases = [({"name": "X", "abn": "53 004 085 617"}, "abn_checksum"),
             ({"name": "X", "default_account": "9999"}, "unknown_account"),
             ({"name": "   "}, "no_name")]
    for kwargs, code in cases:
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            ContactsStore(session, clock, "clerk").create(**kwargs)  # type: ignore[arg-type]
        assert info.value.codes == (code,)
    with unit_of_work(sessions) as session:
        assert _count(session, Contact) == 0


# -- import ----------------------------------------------------------------------------------

def test_import_creates_then_updates_by_abn_then_reports_unchanged(sessions: Sessions,
                                                                   clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        result = ContactsStore(session, clock, "cli:amy").import_suppliers([_supplier(), _plumber()])
    assert result.created == [COASTAL_ABN, PLUMBING_ABN]
    assert result.updated == result.unchanged == []

    changed = _supplier(abn="53004085616", email="ap@coastalceramics.net.au", bsb="033-000",
                        account_number="9988 7766")
    with unit_of_work(sessions) as session:
        result = ContactsStore(session, clock, "cli:amy").import_suppliers([changed, _plumber()])
    assert result.created == []
    assert result.updated == [COASTAL_ABN]
    assert result.unchanged == [PLUMBING_ABN]

    with unit_of_work(sessions) as session:
        store = ContactsStore(session, clock, "cli:amy")
        coastal = store.by_abn(COASTAL_ABN)
        assert coastal is not None
        assert coastal.email == "ap@coastalceramics.net.au"
        assert coastal.domain == "coastalceramics.net.au"
        assert [(b.bsb, b.account_number, b.source) for b in coastal.bank_details] == [
            ("062000", "10458832", "import"), ("033000", "99887766", "import")]
        assert _audit_actions(session, coastal.id) == [
            "contact.created", "contact.bank_details_set", "contact.updated",
            "contact.bank_details_changed"]
        plumber = store.by_abn("51 824 753 556")
        assert plumber is not None and plumber.payment_terms_days == 14
        assert len(plumber.bank_details) == 1
        assert _count(session, Contact) == 2
        audit_rows = _count(session, AuditEntry)

    with unit_of_work(sessions) as session:
        result = ContactsStore(session, clock, "cli:amy").import_suppliers([changed, _plumber()])
    assert result.unchanged == [COASTAL_ABN, PLUMBING_ABN]
    assert result.created == result.updated == []
    with unit_of_work(sessions) as session:
        assert _count(session, AuditEntry) == audit_rows
        assert _count(session, ContactBankDetails) == 3


def test_import_marks_established_suppliers_and_never_unmarks_them(sessions: Sessions,
                                                                   clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        ContactsStore(session, clock, "cli:amy").import_suppliers(
            [{**_supplier(), "established": True}, _plumber()])
    with unit_of_work(sessions) as session:
        store = ContactsStore(session, clock, "cli:amy")
        coastal, plumber = store.by_abn(COASTAL_ABN), store.by_abn(PLUMBING_ABN)
        assert coastal is not None and coastal.established
        assert plumber is not None and not plumber.established
        assert posting(session, coastal.id).established and not posting(session, plumber.id).established
        result = store.import_suppliers([_supplier(), {**_plumber(), "established": True}])
        assert result.updated == [PLUMBING_ABN] and result.unchanged == [COASTAL_ABN]
    with unit_of_work(sessions) as session:
        store = ContactsStore(session, clock, "cli:amy")
        assert store.by_abn(COASTAL_ABN).established      # a re-import without the flag keeps it
        assert store.by_abn(PLUMBING_ABN).established
    with pytest.raises(LedgerError), unit_of_work(sessions) as session:
        ContactsStore(session, clock, "cli:amy").import_suppliers([{**_supplier(), "established": "yes please"}])


def test_import_makes_an_existing_customer_a_supplier_too(sessions: Sessions,
                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").create("Coastal Ceramics", abn=COASTAL_ABN, customer=True)
    with unit_of_work(sessions) as session:
        result = ContactsStore(session, clock, "clerk").import_suppliers([_supplier()])
        assert result.updated == [COASTAL_ABN]
    with unit_of_work(sessions) as session:
        contact = ContactsStore(session, clock, "clerk").by_abn(COASTAL_ABN)
        assert contact is not None and contact.is_supplier and contact.is_customer
        assert contact.name == "Coastal Ceramics Wholesale Pty Ltd"


BAD_RECORDS = [
    (_plumber(abn="51 824 753 557"), "bad_supplier", "Supplier 2 (Harbourside Plumbing & Gas Pty Ltd): abn"),
    (_plumber(default_account="9999"), "unknown_account",
     "Supplier 2 (Harbourside Plumbing & Gas Pty Ltd): there is no account '9999'"),
    (_plumber(tax_file_number="123456782"), "bad_supplier", "Supplier 2 (Harbourside Plumbing & Gas Pty Ltd): tax_file_number"),
    (_plumber(bsb="82-080"), "bad_supplier", "Supplier 2 (Harbourside Plumbing & Gas Pty Ltd): bsb"),
    ({"name": "No bank"}, "bad_supplier", "Supplier 2 (No bank): abn"),
    ("Harbourside Plumbing", "bad_supplier", "Supplier 2"),
]


def test_one_bad_record_stops_the_whole_batch(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").import_suppliers([_supplier(abn="33 051 775 556")])
    with unit_of_work(sessions) as session:
        contacts, history, audit_rows = (_count(session, Contact), _count(session, ContactBankDetails),
                                         _count(session, AuditEntry))
    changed_existing = _supplier(abn="33 051 775 556", email="new@coastalceramics.com.au")
    for bad, code, words in BAD_RECORDS:
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            ContactsStore(session, clock, "clerk").import_suppliers([_supplier(), bad, changed_existing])
        assert code in info.value.codes, bad
        assert words in str(info.value), bad
        with unit_of_work(sessions) as session:
            assert _count(session, Contact) == contacts == 1, bad
            assert _count(session, ContactBankDetails) == history, bad
            assert _count(session, AuditEntry) == audit_rows, bad
            existing = ContactsStore(session, clock, "clerk").by_abn("33051775556")
            assert existing is not None and existing.email == "accounts@coastalceramics.com.au"


def test_every_problem_in_a_batch_names_its_own_record_number(sessions: Sessions,
                                                              clock: TickingClock) -> None:
    """Record 1 has a bad ABN and record 2 an unknown account: each message must point at the right
    record, so the bookkeeper fixes the right line of the file."""
    records = [_supplier(abn="53 004 085 617"), _plumber(default_account="9999")]
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        ContactsStore(session, clock, "clerk").import_suppliers(records)
    messages = {p.code: p.message for p in info.value.problems}
    assert set(messages) == {"bad_supplier", "unknown_account"}
    assert messages["bad_supplier"].startswith("Supplier 1 (Coastal Ceramics Wholesale Pty Ltd): abn")
    assert messages["unknown_account"].startswith("Supplier 2 (Harbourside Plumbing & Gas Pty Ltd)")


def test_import_of_an_empty_list_does_nothing(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        result = ContactsStore(session, clock, "clerk").import_suppliers([])
    assert (result.created, result.updated, result.unchanged) == ([], [], [])


def test_created_at_comes_from_the_clock(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        contact = ContactsStore(session, clock, "clerk").create("Coastal Ceramics", abn=COASTAL_ABN)
        created = contact.created_at
    assert isinstance(created, datetime)
    assert created.year == 2026 and created.month == 1
