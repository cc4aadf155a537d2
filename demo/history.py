"""A year of the demo company's trading (FY2025-26), written through the real stores.

Seeded randomness keeps it realistic and repeatable: every rebuild gives the same books.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")

from demo.payroll_step import SEEDED_SUPER_RATES
from memory.contacts_store import ContactsStore
from memory.ledger_store import LedgerStore
from memory.schema import Contact, Payslip
from memory.trading_store import TradingStore
from demo.company import (
    CUSTOMERS, EMPLOYEES, FY_END, FY_START, ORGANISATION, POS_CUSTOMER, SEEDED_UNDERPAYMENTS,
    SUPPLIERS, DemoSupplier,
)
from tools.ledger.contacts import BankDetails
from tools.ledger.model import Journal, cr, dr
from tools.ledger.money import round_cents
from tools.ledger.postings import DocumentLine

D = Decimal
# Retail seasonality by calendar month: Christmas peak, winter lull.
SEASON = {7: D("0.85"), 8: D("0.85"), 9: D("0.90"), 10: D("1.00"), 11: D("1.15"), 12: D("1.60"),
          1: D("0.95"), 2: D("0.85"), 3: D("0.95"), 4: D("1.00"), 5: D("1.05"), 6: D("0.95")}
WEEKLY_POS_BASE = D("34000")
SUPER_RATE = D("0.12")


@dataclass
class History:
    contacts: dict[str, Contact] = field(default_factory=dict)
    suppliers: dict[str, Contact] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1


def _months() -> list[date]:
    return [date(FY_START.year + (FY_START.month + i - 1) // 12, (FY_START.month + i - 1) % 12 + 1, 1)
            for i in range(12)]


def _money(rng: random.Random, centre: Decimal, spread: str = "0.10") -> Decimal:
    factor = D(1) + D(rng.randint(-1000, 1000)) / D(1000) * D(spread)
    return round_cents(centre * factor)


def _payg(fortnightly_gross: Decimal) -> Decimal:
    """Demo estimate of PAYG withholding: resident 2025-26 tax rates on the annualised pay, plus
    the 2% Medicare levy, to the whole dollar. The real withholding schedules differ a little."""
    annual = fortnightly_gross * 26
    brackets = ((D(190000), D("0.45")), (D(135000), D("0.37")), (D(45000), D("0.30")),
                (D(18200), D("0.16")))
    tax, rest = D(0), annual
    for threshold, rate in brackets:
        if rest > threshold:
            tax += (rest - threshold) * rate
            rest = threshold
    if annual > D(27222):
        tax += annual * D("0.02")
    return (tax / 26).quantize(D(1))


def set_up_contacts(contacts: ContactsStore, history: History) -> None:
    for s in SUPPLIERS:
        history.suppliers[s.key] = contacts.create(
            s.name, abn=s.abn, email=s.email, address="\n".join(s.address), supplier=True,
            payment_terms_days=s.terms_days, default_account=s.default_account,
            bank=BankDetails(s.bsb, s.account_number, s.name), source="demo")
    for c in CUSTOMERS:
        history.contacts[c.name] = contacts.create(c.name, abn=c.abn, email=c.email, customer=True,
                                                   payment_terms_days=30, source="demo")
    history.contacts[POS_CUSTOMER] = contacts.create(POS_CUSTOMER, customer=True,
                                                     payment_terms_days=0, source="demo")


def opening_balances(ledger: LedgerStore) -> None:
    day = FY_START - timedelta(days=1)
    lines = (dr("1100", D("85000.00"), "Opening balance"), dr("1300", D("120000.00"), "Opening stock"),
             dr("1530", D("45000.00"), "Shop fittings"), dr("1500", D("12000.00"), "Office equipment"),
             dr("1520", D("38000.00"), "Delivery van"), cr("2800", D("60000.00"), "Bank loan"),
             cr("3100", D("100000.00"), "Owner's capital"), cr("3200", D("140000.00"), "Retained earnings"))
    ledger.post(Journal(day, "Opening balances at 30 June 2025", lines, source_type="opening",
                        idempotency_key="demo:opening"))


def supplier_lines(rng: random.Random, supplier: DemoSupplier, scale: Decimal = D(1)) -> list[DocumentLine]:
    """Catalogue lines whose total lands near the supplier's usual monthly spend."""
    if supplier.fixed_monthly:
        return [DocumentLine(desc, D(1), price, supplier.default_account, supplier.tax_code)
                for desc, price in supplier.items]
    target = _money(rng, supplier.monthly_spend * scale, "0.15")
    picks = supplier.items if len(supplier.items) <= 3 else tuple(rng.sample(supplier.items, 3))
    share = target / len(picks)
    return [DocumentLine(desc, max(D(1), (share / price).quantize(D(1))), price,
                         supplier.default_account, supplier.tax_code) for desc, price in picks]


def post_bills(trading: TradingStore, rng: random.Random, history: History,
               skip_june: frozenset[str]) -> None:
    for month in _months():
        for s in SUPPLIERS:
            if month.month == 6 and s.key in skip_june:
                continue  # that supplier's June invoice is waiting in the AP inbox
            contact = history.suppliers[s.key]
            issue = month + timedelta(days=2 + SUPPLIERS.index(s) % 9)
            number = f"{s.key[:3].upper()}-{issue:%y%m}{SUPPLIERS.index(s):02d}"
            lines = supplier_lines(rng, s, SEASON[month.month] if s.uses_purchase_orders else D(1))
            po = None
            if s.uses_purchase_orders:
                po = trading.create_purchase_order(f"PO-{issue:%y%m}-{s.key[:3].upper()}", contact.id,
                                                   issue - timedelta(days=7), lines)
                trading.receive_goods(f"GR-{issue:%y%m}-{s.key[:3].upper()}", po,
                                      issue - timedelta(days=1),
                                      {ln.line_no: ln.quantity for ln in po.lines}, "Liam O'Connor")
            bill = trading.create_invoice("bill", contact.id, number, issue, lines, purchase_order=po,
                                          reference=po.number if po else None,
                                          idempotency_key=f"demo:bill:{number}")
            history.count("bills")
            if bill.due_date <= FY_END - timedelta(days=3):
                trading.record_payment(bill, bill.due_date, bill.total,
                                       idempotency_key=f"demo:pay:{number}")
                history.count("payments")


def post_sales(trading: TradingStore, rng: random.Random, history: History) -> None:
    pos = history.contacts[POS_CUSTOMER]
    week_end = FY_START + timedelta(days=(6 - FY_START.weekday()) % 7)
    while week_end <= FY_END:
        amount = _money(rng, WEEKLY_POS_BASE * SEASON[week_end.month])
        line = DocumentLine(f"Retail sales week ending {week_end:%d/%m/%Y}", D(1), amount, "4000", "GST")
        sale = trading.create_invoice("sale", pos.id, f"POS-{week_end:%Y%m%d}", week_end, [line],
                                      due_date=week_end)
        trading.record_payment(sale, week_end, sale.total)
        history.count("sales")
        week_end += timedelta(days=7)
    for month in _months():
        for n, c in enumerate(CUSTOMERS):
            issue = month + timedelta(days=5 + 4 * n)
            amount = _money(rng, c.monthly_sales * SEASON[month.month], "0.25")
            units = D(rng.randint(20, 80))
            line = DocumentLine("Homewares and tableware - trade order", units,
                                (amount / units).quantize(D("0.01")), "4100", "GST")
            sale = trading.create_invoice("sale", history.contacts[c.name].id,
                                          f"INV-{issue:%y%m}{n + 1:02d}", issue, [line])
            history.count("sales")
            paid_on = issue + timedelta(days=c.pays_after_days + rng.randint(-5, 10))
            if paid_on <= FY_END:
                trading.record_payment(sale, paid_on, sale.total)
                history.count("receipts")


def post_payroll(trading: TradingStore, rng: random.Random, history: History) -> None:
    employees = {e.code: trading.add_employee(
        employee_code=e.code, name=e.name, award=e.award, classification=e.classification,
        employment_type=e.employment_type, state=ORGANISATION["state"], date_of_birth=e.date_of_birth,
        start_date=e.start_date, ordinary_hours_per_week=e.hours_per_week,
        hourly_rate_paid=SEEDED_UNDERPAYMENTS.get(e.code, e.hourly_rate_paid), role_title=e.role_title)
        for e in EMPLOYEES}
    start = FY_START - timedelta(days=FY_START.weekday())  # the Monday on or before 1 July
    runs: list[tuple[date, date, date]] = []
    while start + timedelta(days=16) <= FY_END:
        runs.append((start, start + timedelta(days=13), start + timedelta(days=16)))
        start += timedelta(days=14)
    for n, (period_start, period_end, paid) in enumerate(runs):
        last = n == len(runs) - 1
        slips = []
        for e in EMPLOYEES:
            hours = e.hours_per_week * 2
            if e.employment_type == "casual":
                hours = max(D(3), hours + D(rng.randint(-6, 6)))
            rate = SEEDED_UNDERPAYMENTS.get(e.code, e.hourly_rate_paid) if last else e.hourly_rate_paid
            super_rate = SEEDED_SUPER_RATES.get(e.code, SUPER_RATE) if last else SUPER_RATE
            gross = round_cents(hours * rate)
            payg = _payg(gross)
            slips.append(Payslip(employee_id=employees[e.code].id, ordinary_hours=hours, gross=gross,
                                 payg_withheld=payg, net=gross - payg,
                                 superannuation=round_cents(gross * super_rate)))
        trading.record_pay_run(period_start, period_end, paid, slips)
        history.count("pay_runs")


def post_monthly_overheads(ledger: LedgerStore, history: History) -> None:
    for month in _months():
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        ledger.post(Journal(end, f"Bank fees {month:%B %Y}",
                            (dr("6020", D("48.50"), "Merchant and account fees"), cr("1100", D("48.50"))),
                            source_type="bank", idempotency_key=f"demo:fees:{month:%Y%m}"))
        ledger.post(Journal(month.replace(day=15), f"Loan repayment {month:%B %Y}",
                            (dr("2800", D("1000.00"), "Principal"), dr("6150", D("312.40"), "Interest"),
                             cr("1100", D("1312.40"))), source_type="bank",
                            idempotency_key=f"demo:loan:{month:%Y%m}"))
        ledger.post(Journal(end, f"Depreciation {month:%B %Y}",
                            (dr("6140", D("655.00")), cr("1510", D("655.00"))), source_type="manual",
                            idempotency_key=f"demo:depn:{month:%Y%m}"))
        history.count("journals_overheads")


def settle_quarters(ledger: LedgerStore, history: History) -> None:
    """BAS (net GST and PAYG withheld) and super, paid on the 28th after each quarter that has closed."""
    quarters = [(date(2025, 7, 1), date(2025, 9, 30), date(2025, 10, 28)),
                (date(2025, 10, 1), date(2025, 12, 31), date(2026, 2, 28)),
                (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 28))]
    # The previous quarter's settlement falls inside this quarter (the 28th after it): add it back
    # so each settlement pays exactly that quarter's GST, PAYG and super.
    before = {"2200": ZERO, "2210": ZERO, "2300": ZERO, "2310": ZERO}
    for q_start, q_end, due in quarters:
        collected = -ledger.movement("2200", q_start, q_end) + before["2200"]
        paid = ledger.movement("2210", q_start, q_end) + before["2210"]
        withheld = -ledger.movement("2300", q_start, q_end) + before["2300"]
        superannuation = -ledger.movement("2310", q_start, q_end) + before["2310"]
        before = {"2200": collected, "2210": paid, "2300": withheld, "2310": superannuation}
        label = f"{q_start:%b}-{q_end:%b %Y}"
        ledger.post(Journal(due, f"BAS {label}: GST and PAYG withholding",
                            (dr("2200", collected, "GST collected (1A)"), cr("2210", paid, "GST paid (1B)"),
                             dr("2300", withheld, "PAYG withheld (W2)"),
                             cr("1100", collected - paid + withheld, "Paid to the ATO")),
                            source_type="bas", idempotency_key=f"demo:bas:{q_end}"))
        ledger.post(Journal(due, f"Superannuation guarantee {label}",
                            (dr("2310", superannuation), cr("1100", superannuation, "Paid to clearing house")),
                            source_type="super", idempotency_key=f"demo:super:{q_end}"))
        history.count("quarters_settled")
