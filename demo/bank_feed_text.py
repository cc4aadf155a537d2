"""The wording of the demo's bank feed: how a CommBank business account prints what the books
hold (bill payments, receipts, settlements, pay runs, the ATO) and the everyday card spending,
transfers and odd items the books do not hold yet.

Banks truncate names (about 20 characters), print store numbers and shortened suburbs, and drop
references as often as they keep them; the matcher has to live with that, so the demo does too.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

D = Decimal
CARD = "4821"                       # the business Visa Debit card on the cheque account
CHEQUE_TAIL, SAVINGS_TAIL, OWNER_TAIL = "1234", "5678", "9012"
OWNER = "E CALLAGHAN"               # the director, who draws round amounts to her own account
LOAN = "4471-22"
MERCHANT_ID = "4412"

# NSW bank holidays in FY2025-26 (banks do not settle direct entries on them); weekends aside.
HOLIDAYS = frozenset({
    date(2025, 8, 4), date(2025, 10, 6), date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1),
    date(2026, 1, 26), date(2026, 4, 3), date(2026, 4, 6), date(2026, 6, 8)})


def business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def next_business_day(day: date, after: int = 0) -> date:
    """`day` rolled forward to a business day, then `after` more business days."""
    while not business_day(day):
        day += timedelta(days=1)
    for _ in range(after):
        day += timedelta(days=1)
        while not business_day(day):
            day += timedelta(days=1)
    return day


_NOT_NAME = re.compile(r"[^A-Z0-9&\- ]+")


def bank_name(name: str, width: int) -> str:
    """A name as a bank prints it: capitals, punctuation gone, cut at `width` characters."""
    return " ".join(_NOT_NAME.sub(" ", name.upper()).split())[:width].rstrip()


# -- what the books hold ----------------------------------------------------------------------

def bill_payment(rng: random.Random, payee: str, number: str) -> str:
    """NetBank "pay anyone": the payee as saved in the address book, the bill number sometimes."""
    ref = rng.choices([number, number.split("-")[-1], f"INV {number}", ""], [50, 15, 10, 25])[0]
    lead = rng.choices(["PAYMENT TO", "NETBANK TFR", "TRANSFER TO"], [70, 15, 15])[0]
    return " ".join(p for p in (lead, payee, ref) if p)


def receipt(rng: random.Random, osko: bool, remitter: str, payer: str, number: str) -> str:
    """A customer's payment: a direct-entry credit with the payer's user id, or an Osko one."""
    ref = rng.choices([number, "", f"REMIT {rng.randint(10000, 99999)}",
                       number.replace("-", "")], [55, 20, 15, 10])[0]
    lead = f"FAST TRANSFER FROM {payer}" if osko else f"DIRECT CREDIT {remitter} {payer}"
    return f"{lead} {ref}".rstrip()


def pos_settlement(rng: random.Random, takings: date) -> str:
    return rng.choices([f"MERCHANT SETTLEMENT {MERCHANT_ID} HARBOUR&VINE",
                        "SQUARE AUSTRALIA SETTLEMENT", f"MERCHANT SETTLEMENT {MERCHANT_ID}",
                        f"SQUARE AUSTRALIA SQ{takings:%y%m%d}"], [45, 30, 15, 10])[0]


def wages(rng: random.Random, paid: date, period_end: date | None) -> str:
    options = [f"PAYROLL PAY RUN {paid:%d/%m}", "PAYROLL HARBOUR AND VINE"]
    if period_end is not None:
        options.append(f"WAGES PE {period_end:%d%m%y}")
    return rng.choices(options, [60, 20, 20][:len(options)])[0]


def superannuation(rng: random.Random, due: date) -> str:
    return rng.choice(["QUICKSUPER CLEARING", f"QUICKSUPER CLEARING SG{due:%y%m}",
                       "QUICKSUPER 0021 CLEARING HSE"])


def ato(rng: random.Random, abn: str, money_in: bool) -> str:
    prn = f"551{abn[-9:]}".ljust(12, "0")
    if money_in:
        return rng.choice(["ATO REFUND", f"TAX OFFICE PAYMENTS REFUND {prn}"])
    return rng.choice([f"ATO BPAY {prn}", f"TAX OFFICE PAYMENTS NETBANK BPAY 75556 {prn}"])


def account_fee(rng: random.Random) -> str:
    return rng.choice(["ACCOUNT FEE", "MERCHANT FEES", "MONTHLY ACCOUNT FEE"])


def loan_repayment(rng: random.Random) -> str:
    return rng.choice([f"LOAN REPAYMENT {LOAN}", f"LN REPAY {LOAN}", f"LOAN REPAYMENT {LOAN} BUS"])


def other_entry(narration: str) -> str:
    return bank_name(narration, 40)


# -- what the books do not hold yet -----------------------------------------------------------

@dataclass(frozen=True)
class Merchant:
    """A place the business card is used: where it prints, what it is (account and tax code),
    how often in a month and for how much. `day` fixes a subscription's billing day; `usd` bills
    in US dollars (the AUD charge follows the day's rate, plus a foreign transaction fee)."""

    outlets: tuple[str, ...]
    account: str
    tax: str
    per_month: tuple[int, int]
    low: Decimal
    high: Decimal
    chance: float = 1.0          # the chance the merchant appears at all in a month
    day: int | None = None
    usd: bool = False


def _m(outlets: tuple[str, ...], account: str, tax: str, per_month: tuple[int, int], low: str,
       high: str, **kw: object) -> Merchant:
    return Merchant(outlets, account, tax, per_month, D(low), D(high), **kw)  # type: ignore[arg-type]


MERCHANTS: tuple[Merchant, ...] = (
    _m(("BUNNINGS 452000 MARRICKVILLE NS", "BUNNINGS 4521 MARRICKVL", "BUNNINGS 452000 ALEXANDRIA"),
       "6110", "GST", (1, 3), "8.95", "186.40"),
    _m(("OFFICEWORKS 0312 LEICHHARDT", "OFFICEWORKS BROADWAY NS", "OFFICEWORKS 0312"),
       "6090", "GST", (1, 2), "12.50", "142.00"),
    _m(("SHELL COLES EXP 2219 ROZELLE", "BP EXPRESS ANNANDALE", "AMPOL FOODARY 3318 LILYFIELD",
        "AMPOL ST PETERS 2044"), "6080", "GST", (3, 5), "62.00", "118.00"),
    _m(("WOOLWORTHS 1234 BALMAIN", "COLES 0876 ROZELLE", "WOOLWORTHS METRO BALMAIN E"),
       "6230", "GST", (2, 4), "9.60", "64.80"),
    _m(("TELSTRA PREPAID MELBOURNE", "TELSTRA CORP LTD 1800"), "6120", "GST", (1, 1), "45.00",
       "45.00", day=8),
    _m(("GOOGLE*ADS4417209913 SYDNEY", "GOOGLE ADS 4417209913"), "6010", "GST", (1, 2), "150.00",
       "480.00"),
    _m(("FACEBK *K7TQ2LHNX2 SYDNEY", "META PLATFORMS ADS FB.ME"), "6010", "GST", (0, 2), "60.00",
       "260.00"),
    _m(("ADOBE *CREATIVE CLOUD SYDNEY", "ADOBE SYSTEMS SOFTWARE"), "6040", "GST", (1, 1), "87.99",
       "87.99", day=11),
    _m(("MICROSOFT*MICROSOFT 365 B", "MSFT * E0400RBQW1"), "6040", "GST", (1, 1), "30.80",
       "30.80", day=3),
    _m(("CANVA* 04417-2291735 SYDNEY",), "6040", "GST", (1, 1), "19.99", "19.99", day=21),
    _m(("UBER *TRIP HELP.UBER.COM", "UBER *TRIP SYDNEY"), "6130", "GST", (0, 3), "14.20", "58.90"),
    _m(("QANTAS AIRWAYS 0812345678 MASCOT", "QANTAS AIR 081 MASCOT"), "6130", "GST", (1, 1),
       "189.00", "612.00", chance=0.3),
    _m(("VIRGIN AUSTRALIA 7951234 BRISBANE",), "6130", "GST", (1, 1), "149.00", "420.00",
       chance=0.2),
    _m(("AUSTRALIA POST 216452 BALMAIN", "AUSTRALIA POST BALMAIN"), "6090", "GST", (1, 2), "2.40",
       "28.80"),
    _m(("AUSPOST MYPOST BUSINESS", "AUSTRALIA POST ONLINE SHIPPING"), "5100", "GST", (1, 3),
       "38.00", "165.00"),
    _m(("SECURE PARKING 0212 SYDNEY", "CITY OF SYDNEY PARKING METER", "WILSON PARKING BROADWAY"),
       "6080", "GST", (0, 3), "4.50", "32.00"),
    _m(("AMAZON WEB SERVICES AWS.AMAZON.CO",), "6040", "FRE", (1, 1), "9.20", "16.80", day=3,
       usd=True),
    _m(("ZOOM.COM 888-799-9666 CA",), "6040", "FRE", (1, 1), "15.99", "15.99", day=17, usd=True),
)
FX_FEE = (D("0.03"), "6020", "INP")  # the bank's foreign transaction fee: 3% of the AUD charge


def card_purchase(rng: random.Random, outlet: str, bought: date) -> str:
    return rng.choices([f"{outlet} AUS Card xx{CARD} Value Date: {bought:%d/%m/%Y}",
                        f"VISA PURCHASE {bought:%d/%m} {outlet}", f"EFTPOS {outlet}"],
                       [50, 35, 15])[0]


def fx_purchase(outlet: str, usd: Decimal, bought: date) -> str:
    return f"{outlet} USD {usd:.2f} Card xx{CARD} Value Date: {bought:%d/%m/%Y}"


def fx_fee(rng: random.Random, bought: date) -> str:
    return rng.choice([f"INTNL TRANSACTION FEE Value Date: {bought:%d/%m/%Y}",
                       "INTNL TRANSACTION FEE"])


def transfer_out() -> str:
    return f"TRANSFER TO XX{SAVINGS_TAIL} SAVINGS"


def transfer_in() -> str:
    return f"TRANSFER FROM XX{CHEQUE_TAIL}"


def drawing(rng: random.Random) -> str:
    return rng.choice([f"TRANSFER TO XX{OWNER_TAIL} NETBANK {OWNER}", f"TRANSFER TO {OWNER}",
                       f"TRANSFER TO XX{OWNER_TAIL} NETBANK DRAWINGS"])


DRAWING_AMOUNTS = tuple(D(a) for a in ("500", "1000", "1500", "2000", "2500", "3000", "5000"))
INTEREST = "CREDIT INTEREST"


def interest_rate(on: date) -> Decimal:
    """The savings account's rate a year: one cut in February 2026."""
    return D("0.0435") if on < date(2026, 2, 1) else D("0.0410")


def unknown(rng: random.Random, bought: date) -> tuple[str, Decimal]:
    """Something nobody wrote down: the text and the signed amount."""
    cents = D(rng.randint(100, 9999)) / 100

    def times(low: int, high: int) -> Decimal:
        return (cents * rng.randint(low, high)).quantize(D("0.01"))

    pick = rng.randrange(7)
    if pick == 0:
        account = f"{rng.randint(62000, 62999):06d} {rng.randint(10000000, 99999999)}"
        return f"TRANSFER TO {account} NETBANK", -times(3, 20)
    if pick == 1:
        user, ref = rng.randint(100000, 999999), rng.randint(10**7, 10**8)
        return f"DIRECT DEBIT {user} ZIP CO LTD {ref}", -cents
    if pick == 2:
        atm = rng.randint(1000, 9999)
        return f"CASH WITHDRAWAL ATM {atm} BALMAIN", -D(rng.choice([100, 200, 300]))
    if pick == 3:
        return f"CHEQUE {rng.randint(100, 900):06d}", -times(2, 12)
    if pick == 4:
        biller, ref = rng.randint(10000, 99999), rng.randint(10**9, 10**10)
        return f"BPAY {biller} {ref}", -times(1, 6)
    if pick == 5:
        return f"DIRECT CREDIT {rng.randint(100000, 999999)} M CHEN REFUND", cents
    return f"CASH DEPOSIT BALMAIN BRANCH {bought:%d%m}", times(1, 4)
