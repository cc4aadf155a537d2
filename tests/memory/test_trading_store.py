"""Bills, sales, payments, purchase orders, goods receipts and pay runs on both databases: each
document and its journal are written together, balanced and exact, or not at all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement

from memory.contacts_store import ContactsStore
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import (
    AuditEntry, Invoice, InvoiceLine, Journal, JournalLineRow, Payment, PayRun, Payslip, PurchaseOrder,
)
from memory.trading_store import TradingStore
from tests.conftest import TickingClock
from tools.ledger.contacts import BankDetails
from tools.ledger.postings import DocumentLine
from tools.ledger.problems import LedgerError

D = Decimal
Sessions = sessionmaker[Session]


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> Sessions:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        LedgerStore(session, clock, "test:setup").create_organisation(
            "Harbour & Vine Homewares Pty Ltd", "51 824 753 556", state="NSW")
        contacts = ContactsStore(session, clock, "test:setup")
        contacts.create("Pinnacle Office Supplies", abn="53 004 085 616", supplier=True,
                        email="accounts@pinnacleoffice.com.au", payment_terms_days=14,
                        default_account="6090", bank=BankDetails("082001", "456123789", None))
        contacts.create("Coastal Ceramics Wholesale Pty Ltd", abn="33 051 775 556", supplier=True,
                        payment_terms_days=30, default_account="5000")
        contacts.create("The Grounds Cafe Group", email="ap@thegroundscafe.com.au", customer=True,
                        payment_terms_days=30)
    return factory


SUPPLIER, CERAMICS, CUSTOMER = 1, 2, 3  # contact ids, in the order the fixture creates them

BILL_LINES = [
    # 3 x 19.99 = 59.97, GST 5.997 -> 6.00
    DocumentLine("A4 copy paper carton (5 reams)", D("3"), D("19.99"), "6090", "GST"),
    # GST-free: milk for the staff room
    DocumentLine("Milk 2L", D("2"), D("7.25"), "6230", "FRE"),
    # 0.5 x 12.35 = 6.175 -> 6.18, GST 0.618 -> 0.62
    DocumentLine("Receipt paper rolls (half box)", D("0.5"), D("12.35"), "6090", "GST"),
]


def _count(session: Session, model: type, *where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(_count(session, m) for m in (Invoice, InvoiceLine, Journal, JournalLineRow, Payment,
                                              PayRun, Payslip, AuditEntry))


def _lines_by_account(ledger: LedgerStore, journal_id: int) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for line in ledger.journal(journal_id).lines:
        totals[line.account_code] = totals.get(line.account_code, D("0.00")) + line.amount
    return totals


def _bill(session: Session, clock: TickingClock, number: str = "POS-88123",
          issue: date = date(2026, 5, 4), lines: list[DocumentLine] | None = None,
          **kw: object) -> Invoice:
    return TradingStore(session, clock, "clerk").create_invoice(
        "bill", SUPPLIER, number, issue, lines or BILL_LINES, **kw)  # type: ignore[arg-type]


# -- bills and sales -------------------------------------------------------------------------

def test_a_bill_posts_a_balanced_journal_with_exact_totals(sessions: Sessions,
                                                           clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        bill = _bill(session, clock)
        bill_id = bill.id
    with unit_of_work(sessions) as session:
        bill = session.get(Invoice, bill_id)
        assert bill is not None
        assert (bill.subtotal, bill.tax, bill.total) == (D("80.65"), D("6.62"), D("87.27"))
        assert bill.status == "posted" and bill.kind == "bill"
        assert [(ln.amount, ln.tax_amount, ln.tax_code) for ln in bill.lines] == [
            (D("59.97"), D("6.00"), "GST"), (D("14.50"), D("0.00"), "FRE"), (D("6.18"), D("0.62"), "GST")]
        ledger = LedgerStore(session, clock, "clerk")
        assert _lines_by_account(ledger, bill.journal_id) == {
            "6090": D("66.15"), "6230": D("14.50"), "2210": D("6.62"), "2100": D("-87.27")}
        journal = ledger.journal(bill.journal_id)
        assert sum(ln.amount for ln in journal.lines) == 0
        assert journal.source_type == "bill" and journal.source_ref == "POS-88123"
        assert journal.date == date(2026, 5, 4)
        assert {ln.tax_code for ln in journal.lines if ln.account_code == "6230"} == {"FRE"}
        assert [ln.contact_id for ln in journal.lines if ln.account_code == "2100"] == [SUPPLIER]
        tb = ledger.trial_balance()
        assert tb.balanced and tb.total_debit == D("87.27")
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert actions[-2:] == ["journal.posted", "bill.posted"]


def test_due_date_comes_from_the_supplier_terms_unless_given(sessions: Sessions,
                                                             clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        assert _bill(session, clock, "A-1", date(2026, 2, 20)).due_date == date(2026, 3, 6)  # 14 days
        assert _bill(session, clock, "A-2", date(2026, 2, 20),
                     due_date=date(2026, 2, 27)).due_date == date(2026, 2, 27)
        ceramics = TradingStore(session, clock, "clerk").create_invoice(
            "bill", CERAMICS, "A-1", date(2026, 2, 20), BILL_LINES)
        assert ceramics.due_date == date(2026, 3, 22)  # 30 days; same number, another supplier


def test_a_duplicate_supplier_invoice_number_is_refused_and_nothing_written(sessions: Sessions,
                                                                            clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        _bill(session, clock)
    with unit_of_work(sessions) as session:
        before = _counts(session)
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        _bill(session, clock, lines=[DocumentLine("Toner", D("1"), D("119.00"), "6090", "GST")])
    assert info.value.codes == ("duplicate_invoice",)
    assert "Pinnacle Office Supplies POS-88123" in str(info.value)
    with unit_of_work(sessions) as session:
        assert _counts(session) == before


def test_a_sale_mirrors_a_bill(sessions: Sessions, clock: TickingClock) -> None:
    line = DocumentLine("Homewares and tableware - trade order", D("37"), D("167.57"), "4100", "GST")
    with unit_of_work(sessions) as session:
        sale = TradingStore(session, clock, "clerk").create_invoice(
            "sale", CUSTOMER, "INV-260501", date(2026, 5, 6), [line])
        assert (sale.subtotal, sale.tax, sale.total) == (D("6200.09"), D("620.01"), D("6820.10"))
        assert sale.due_date == date(2026, 6, 5)
        ledger = LedgerStore(session, clock, "clerk")
        assert _lines_by_account(ledger, sale.journal_id) == {
            "4100": D("-6200.09"), "2200": D("-620.01"), "1200": D("6820.10")}
        assert ledger.journal(sale.journal_id).narration == "Invoice INV-260501 The Grounds Cafe Group"


def test_bad_invoice_input_gives_typed_errors(sessions: Sessions, clock: TickingClock) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"kind": "credit"}, "bad_kind"),
        ({"lines": []}, "no_lines"),
        ({"contact_id": 999}, "unknown_contact"),
        ({"lines": [DocumentLine("Paper", D("1"), D("10.00"), "6090", "XYZ")]}, "unknown_tax_code"),
        ({"lines": [DocumentLine("Paper", D("1"), D("10.00"), "9999", "GST")]}, "unknown_account"),
    ]
    for overrides, code in cases:
        args: dict[str, object] = {"kind": "bill", "contact_id": SUPPLIER, "number": "X-1",
                                   "issue_date": date(2026, 5, 4), "lines": BILL_LINES}
        args.update(overrides)
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            TradingStore(session, clock, "clerk").create_invoice(**args)  # type: ignore[arg-type]
        assert code in info.value.codes, overrides
    with unit_of_work(sessions) as session:
        assert _count(session, Invoice) == 0 and _count(session, Journal) == 0


def test_a_float_price_is_a_typed_error_not_a_crash(sessions: Sessions,
                                                    clock: TickingClock) -> None:
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        _bill(session, clock, lines=[DocumentLine("A4 copy paper carton", D("3"), 19.99,  # type: ignore[arg-type]
                                                  "6090", "GST")])
    assert info.value.codes == ("float_amount",)
    assert "19.99" in str(info.value) and "A4 copy paper carton" in str(info.value)
    with unit_of_work(sessions) as session:
        assert _count(session, Invoice) == 0


def test_a_bill_into_a_locked_period_is_refused_and_leaves_no_invoice(sessions: Sessions,
                                                                      clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        LedgerStore(session, clock, "owner").set_lock_date(date(2026, 3, 31), "March BAS lodged")
    with unit_of_work(sessions) as session:
        before = _counts(session)
    for day in (date(2026, 3, 15), date(2026, 3, 31)):
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            _bill(session, clock, f"L-{day:%d}", day)
        assert info.value.codes == ("period_locked",)
        assert "31/03/2026" in str(info.value)
    with unit_of_work(sessions) as session:
        assert _counts(session) == before
        assert _bill(session, clock, "L-01", date(2026, 4, 1)).status == "posted"


# -- payments --------------------------------------------------------------------------------

def test_part_then_full_payment_marks_the_bill_paid(sessions: Sessions,
                                                    clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        bill_id = _bill(session, clock).id
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "clerk")
        bill = session.get(Invoice, bill_id)
        first = trading.record_payment(bill, date(2026, 5, 10), D("50.00"), reference="EFT 1")
        assert bill.status == "posted"
        assert trading.amount_paid(bill) == D("50.00")
        assert _lines_by_account(trading.ledger, first.journal_id) == {"2100": D("50.00"),
                                                                       "1100": D("-50.00")}
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "clerk")
        bill = session.get(Invoice, bill_id)
        trading.record_payment(bill, date(2026, 5, 18), D("37.27"), bank_code="1110")
        assert trading.amount_paid(bill) == D("87.27")
    with unit_of_work(sessions) as session:
        bill = session.get(Invoice, bill_id)
        assert bill is not None and bill.status == "paid"
        ledger = LedgerStore(session, clock, "clerk")
        assert ledger.movement("2100", date(2026, 1, 1), date(2026, 12, 31)) == D("0.00")
        assert ledger.movement("1110", date(2026, 1, 1), date(2026, 12, 31)) == D("-37.27")


def test_a_sale_receipt_debits_the_bank_and_credits_debtors(sessions: Sessions,
                                                            clock: TickingClock) -> None:
    line = DocumentLine("Trade order", D("1"), D("100.00"), "4100", "GST")
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "clerk")
        sale = trading.create_invoice("sale", CUSTOMER, "INV-1", date(2026, 5, 6), [line])
        receipt = trading.record_payment(sale, date(2026, 6, 1), D("110.00"))
        assert _lines_by_account(trading.ledger, receipt.journal_id) == {"1100": D("110.00"),
                                                                         "1200": D("-110.00")}
        assert sale.status == "paid"


def test_a_payment_over_the_outstanding_amount_or_not_positive_is_refused(sessions: Sessions,
                                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        bill_id = _bill(session, clock).id
    with unit_of_work(sessions) as session:
        before = _counts(session)
    for amount in (D("87.28"), D("0.00"), D("-5.00")):
        with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
            TradingStore(session, clock, "clerk").record_payment(session.get(Invoice, bill_id),
                                                                 date(2026, 5, 10), amount)
        assert info.value.codes == ("bad_payment",), amount
        assert "$87.27 outstanding" in str(info.value)
    with unit_of_work(sessions) as session:
        assert _counts(session) == before
        assert session.get(Invoice, bill_id).status == "posted"


def test_an_overpayment_after_a_part_payment_is_refused(sessions: Sessions,
                                                        clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "clerk")
        bill = _bill(session, clock)
        trading.record_payment(bill, date(2026, 5, 10), D("80.00"))
        with pytest.raises(LedgerError) as info:
            trading.record_payment(bill, date(2026, 5, 11), D("8.00"))
        assert "$7.27 outstanding" in str(info.value)
        assert trading.amount_paid(bill) == D("80.00")
        assert bill.status == "posted"


def test_a_float_payment_is_refused_as_float_amount(sessions: Sessions,
                                                    clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        bill_id = _bill(session, clock).id
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        TradingStore(session, clock, "clerk").record_payment(session.get(Invoice, bill_id),
                                                             date(2026, 5, 10), 10.5)  # type: ignore[arg-type]
    assert "float_amount" in info.value.codes
    with unit_of_work(sessions) as session:
        assert _count(session, Payment) == 0


def test_a_payment_idempotency_key_pays_once(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        bill_id = _bill(session, clock).id
    ids = []
    for _ in range(2):
        with unit_of_work(sessions) as session:
            payment = TradingStore(session, clock, "agent").record_payment(
                session.get(Invoice, bill_id), date(2026, 5, 10), D("87.27"),
                idempotency_key="pay:POS-88123")
            ids.append((payment.id, payment.journal_id))
    assert ids[0] == ids[1]
    with unit_of_work(sessions) as session:
        assert _count(session, Payment) == 1
        assert _count(session, Journal, Journal.source_type == "payment") == 1
        assert session.get(Invoice, bill_id).status == "paid"


def test_reusing_a_payment_key_for_a_different_payment_is_a_conflict(sessions: Sessions,
                                                                     clock: TickingClock) -> None:
    """As with journals (idempotency_conflict), a key must not silently stand for another payment."""
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "agent")
        bill = _bill(session, clock)
        trading.record_payment(bill, date(2026, 5, 10), D("20.00"), idempotency_key="pay:1")
        with pytest.raises(LedgerError) as info:
            trading.record_payment(bill, date(2026, 5, 10), D("30.00"), idempotency_key="pay:1")
        assert info.value.codes == ("idempotency_conflict",)


# -- purchase orders and goods receipts ------------------------------------------------------

PO_LINES = [DocumentLine("Stoneware dinner plate 27cm - Sand", D("120"), D("9.80"), "5000", "GST"),
            DocumentLine("Speckled mug 350ml", D("48"), D("5.90"), "5000", "GST")]


def test_receipts_move_a_purchase_order_to_received_and_billing_closes_it(sessions: Sessions,
                                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "buyer")
        po = trading.create_purchase_order("PO-2605-CER", CERAMICS, date(2026, 5, 1), PO_LINES,
                                           expected=date(2026, 5, 8))
        assert po.status == "open"
        assert [ln.line_no for ln in po.lines] == [1, 2]
        trading.receive_goods("GR-1", po, date(2026, 5, 8), {1: D("60")}, "Liam O'Connor")
        assert po.status == "partially_received"
        trading.receive_goods("GR-2", po, date(2026, 5, 9), {1: D("60"), 2: D("48")}, "Liam O'Connor")
        assert po.status == "received"
        bill = trading.create_invoice("bill", CERAMICS, "CC-24001", date(2026, 5, 10), PO_LINES,
                                      purchase_order=po, reference=po.number)
        assert po.status == "closed"
        assert bill.purchase_order_id == po.id
        assert [ln.purchase_order_line_id for ln in bill.lines] == [ln.id for ln in po.lines]
        assert bill.total == D("1605.12")  # (1176.00 + 283.20) * 1.1
    with unit_of_work(sessions) as session:
        assert session.scalar(select(PurchaseOrder.status)) == "closed"


def test_billing_a_partly_received_order_leaves_it_open_for_the_rest(sessions: Sessions,
                                                                     clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "buyer")
        po = trading.create_purchase_order("PO-2605-CER", CERAMICS, date(2026, 5, 1), PO_LINES)
        trading.receive_goods("GR-1", po, date(2026, 5, 8), {2: D("48")}, "Liam O'Connor")
        assert po.status == "partially_received"
        trading.create_invoice("bill", CERAMICS, "CC-24001", date(2026, 5, 10), PO_LINES,
                               purchase_order=po)
        assert po.status == "partially_received"


def test_a_receipt_for_a_line_the_order_does_not_have_is_refused(sessions: Sessions,
                                                                 clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "buyer")
        po = trading.create_purchase_order("PO-2605-CER", CERAMICS, date(2026, 5, 1), PO_LINES)
        with pytest.raises(LedgerError) as info:
            trading.receive_goods("GR-1", po, date(2026, 5, 8), {3: D("1")}, "Liam O'Connor")
        assert info.value.codes == ("unknown_po_line",)
        assert "PO-2605-CER" in str(info.value) and "3" in str(info.value)
        assert po.status == "open"


# -- pay runs --------------------------------------------------------------------------------

def _employees(trading: TradingStore) -> tuple[int, int]:
    common = {"award": "MA000004", "employment_type": "full_time", "state": "NSW",
              "start_date": date(2022, 3, 7), "ordinary_hours_per_week": D("38")}
    a = trading.add_employee(employee_code="E001", name="Olivia Tran", classification="L5",
                             hourly_rate_paid=D("34.50"), role_title="Store Manager", **common)
    b = trading.add_employee(employee_code="E002", name="Jack Morrison", classification="L4",
                             hourly_rate_paid=D("30.00"), **common)
    return a.id, b.id


def test_a_pay_run_posts_wages_payg_super_and_net_pay(sessions: Sessions,
                                                      clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "payroll")
        olivia, jack = _employees(trading)
        slips = [
            Payslip(employee_id=olivia, ordinary_hours=D("76"), gross=D("2622.00"),
                    payg_withheld=D("512.00"), net=D("2110.00"), superannuation=D("314.64")),
            Payslip(employee_id=jack, ordinary_hours=D("76"), gross=D("2280.00"),
                    payg_withheld=D("402.00"), net=D("1878.00"), superannuation=D("273.60")),
        ]
        run = trading.record_pay_run(date(2026, 5, 4), date(2026, 5, 17), date(2026, 5, 20), slips)
        run_id, journal_id = run.id, run.journal_id
    with unit_of_work(sessions) as session:
        ledger = LedgerStore(session, clock, "payroll")
        assert _lines_by_account(ledger, journal_id) == {
            "6200": D("4902.00"), "2300": D("-914.00"), "1100": D("-3988.00"),
            "6210": D("588.24"), "2310": D("-588.24")}
        journal = ledger.journal(journal_id)
        assert journal.date == date(2026, 5, 20) and journal.source_type == "payroll"
        assert journal.narration == "Pay run 04/05/2026-17/05/2026"
        run = session.get(PayRun, run_id)
        assert [(p.gross, p.net) for p in run.payslips] == [(D("2622.00"), D("2110.00")),
                                                            (D("2280.00"), D("1878.00"))]


def test_the_database_enforces_net_equals_gross_less_payg(sessions: Sessions,
                                                          clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        olivia, _ = _employees(TradingStore(session, clock, "payroll"))
    with unit_of_work(sessions) as session:
        before = _counts(session)
    bad = Payslip(employee_id=olivia, ordinary_hours=D("76"), gross=D("2622.00"),
                  payg_withheld=D("512.00"), net=D("2120.00"), superannuation=D("314.64"))
    with pytest.raises((IntegrityError, LedgerError)), unit_of_work(sessions) as session:
        TradingStore(session, clock, "payroll").record_pay_run(
            date(2026, 5, 4), date(2026, 5, 17), date(2026, 5, 20), [bad])
    with unit_of_work(sessions) as session:
        assert _counts(session) == before  # no pay run, no journal, no audit row
    # Straight past the application: the CHECK constraint itself refuses the row.
    with unit_of_work(sessions) as session:
        run = PayRun(period_start=date(2026, 5, 4), period_end=date(2026, 5, 17),
                     payment_date=date(2026, 5, 20))
        session.add(run)
        session.flush()
        run_id = run.id
    with pytest.raises(IntegrityError) as info, unit_of_work(sessions) as session:
        session.execute(insert(Payslip).values(
            pay_run_id=run_id, employee_id=olivia, ordinary_hours=D("76"), gross=D("2622.00"),
            payg_withheld=D("512.00"), net=D("2120.00"), superannuation=D("314.64")))
    assert "net_is_gross_less_tax" in str(info.value)


def test_an_empty_pay_run_is_refused(sessions: Sessions, clock: TickingClock) -> None:
    with pytest.raises(LedgerError) as info, unit_of_work(sessions) as session:
        TradingStore(session, clock, "payroll").record_pay_run(
            date(2026, 5, 4), date(2026, 5, 17), date(2026, 5, 20), [])
    assert info.value.codes == ("empty_pay_run",)
