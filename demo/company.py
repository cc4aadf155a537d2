"""The demo company's master data: Harbour & Vine Homewares, a Sydney homewares retailer.

Fictional people and businesses. ABNs are made valid from fixed prefixes; rates are the 2025-26
award minimums (../shared/awards/facts-2025-26.md) except where an underpayment is seeded on purpose
for the payroll check to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tools.ledger.abn import complete_abn

D = Decimal


def _abn(prefix: str) -> str:
    abn = complete_abn(prefix)
    assert abn is not None, prefix
    return abn


ORGANISATION = {"name": "Harbour & Vine Homewares Pty Ltd", "abn": _abn("513246781"), "state": "NSW",
                "address": ("Shop 4, 88 Darling Street", "Balmain NSW 2041"),
                "email": "accounts@harbourandvine.com.au"}
FY_START = date(2025, 7, 1)
FY_END = date(2026, 6, 30)
LOCK_DATE = date(2026, 3, 31)  # the March quarter's BAS is lodged


@dataclass(frozen=True)
class DemoSupplier:
    key: str
    name: str
    abn: str
    email: str
    bsb: str
    account_number: str
    address: tuple[str, ...]
    default_account: str
    terms_days: int
    monthly_spend: Decimal     # typical GST-exclusive spend a month
    items: tuple[tuple[str, Decimal], ...]  # catalogue: description, unit price ex GST
    layout: str                # how its PDF invoices look ("ubl" sends PEPPOL e-invoices)
    uses_purchase_orders: bool = False
    tax_code: str = "GST"
    fixed_monthly: bool = False  # a subscription-style bill: each item once a month


def _supplier(key: str, name: str, prefix: str, domain: str, bsb: str, acct: str, street: str,
              suburb: str, account: str, terms: int, spend: str, items: list[tuple[str, str]],
              layout: str, po: bool = False, tax: str = "GST", fixed: bool = False) -> DemoSupplier:
    return DemoSupplier(key, name, _abn(prefix), f"accounts@{domain}", bsb, acct, (street, suburb),
                        account, terms, D(spend), tuple((d, D(p)) for d, p in items), layout, po, tax,
                        fixed)


SUPPLIERS: tuple[DemoSupplier, ...] = (
    _supplier("ceramics", "Coastal Ceramics Wholesale Pty Ltd", "612345670", "coastalceramics.com.au",
              "062000", "10458832", "14 Kiln Road", "Marrickville NSW 2204", "5000", 30, "28000",
              [("Stoneware dinner plate 27cm - Sand", "9.80"), ("Stoneware side plate 20cm - Sand", "6.40"),
               ("Glazed serving bowl large - Ocean", "21.50"), ("Speckled mug 350ml", "5.90"),
               ("Terracotta planter 30cm", "17.25")], "classic", po=True),
    _supplier("linen", "Southern Cross Linen Co", "633219840", "southerncrosslinen.com.au", "082080",
              "553210987", "2/31 Bourke Road", "Alexandria NSW 2015", "5000", 30, "22000",
              [("French flax tablecloth 150x250 - Natural", "38.00"), ("Linen napkin set of 4 - Sage", "16.50"),
               ("Waffle bath towel - White", "14.20"), ("Linen cushion cover 50x50", "12.80")],
              "modern", po=True),
    _supplier("glass", "Glassworks Artisan Supply", "645550231", "glassworksartisan.com.au", "112879",
              "40917735", "7 Foundry Lane", "Newcastle NSW 2300", "5000", 30, "13000",
              [("Hand-blown tumbler set of 6", "28.00"), ("Recycled glass carafe 1L", "15.60"),
               ("Glass storage jar 2L", "11.90")], "ubl", po=True),
    _supplier("packaging", "Kookaburra Packaging Supplies", "658812004", "kookaburrapack.com.au",
              "033172", "287654", "55 Industrial Drive", "Wetherill Park NSW 2164", "5200", 14, "1800",
              [("Kraft gift box medium (100)", "64.00"), ("Tissue paper ream 500 sheets", "39.50"),
               ("Branded paper bags large (250)", "118.00")], "compact"),
    _supplier("freight", "Metro Freight Logistics Pty Ltd", "661234508", "metrofreight.com.au", "012003",
              "198765432", "Unit 9, 3 Transport Ave", "Botany NSW 2019", "5100", 14, "2400",
              [("Metro pallet delivery", "145.00"), ("Courier satchel 5kg", "12.50"),
               ("Fuel levy", "18.20")], "trade"),
    _supplier("rent", "Balmain Property Trust", "674433219", "balmainproperty.com.au", "032000",
              "771234", "Level 3, 10 Spring Street", "Sydney NSW 2000", "6100", 7, "12500",
              [("Rent - Shop 4, 88 Darling Street", "11800.00"), ("Outgoings contribution", "700.00")],
              "classic", fixed=True),
    _supplier("power", "AusGrid Energy Retail", "687123340", "ausgridenergy.com.au", "062001",
              "22334455", "PO Box 1200", "Parramatta NSW 2124", "6060", 14, "1650",
              [("Electricity usage - peak kWh", "0.3410"), ("Supply charge (days)", "1.2100")], "ubl"),
    _supplier("telco", "Southern Telco Business", "691287653", "southerntelco.com.au", "083004",
              "667788990", "400 George Street", "Sydney NSW 2000", "6120", 14, "420",
              [("Business NBN 100/40 plan", "139.00"), ("Mobile fleet plan x4", "240.00"),
               ("Hardware repayment", "41.00")], "modern", fixed=True),
    _supplier("software", "Cloudbooks Software Pty Ltd", "702345671", "cloudbooks.com.au", "063010",
              "10987654", "21 Macquarie Place", "Sydney NSW 2000", "6040", 7, "390",
              [("POS software subscription - 3 registers", "249.00"), ("E-commerce plan", "141.00")],
              "ubl", fixed=True),
    _supplier("cleaning", "Greenleaf Cleaning Services", "715678902", "greenleafclean.com.au",
              "082401", "334455667", "8 Ferry Road", "Glebe NSW 2037", "6030", 14, "1300",
              [("Retail floor clean - weekly service", "295.00"), ("Window cleaning - external", "160.00")],
              "compact"),
    _supplier("electrical", "Bright Spark Electrical Services", "728901235", "brightspark.net.au",
              "062140", "10112233", "3/12 Parramatta Road", "Annandale NSW 2038", "6110", 14, "700",
              [("Electrician call-out", "120.00"), ("Labour per hour", "98.00"),
               ("LED downlight replacement", "42.50")], "trade"),
    _supplier("office", "Pinnacle Office Supplies", "731234566", "pinnacleoffice.com.au", "082001",
              "456123789", "90 Church Street", "Parramatta NSW 2150", "6090", 30, "350",
              [("A4 copy paper carton (5 reams)", "36.90"), ("Receipt paper rolls (box of 24)", "48.00"),
               ("Toner cartridge HP 58A", "119.00")], "modern"),
    _supplier("insurance", "Shield Insurance Brokers", "744567897", "shieldinsure.com.au", "032050",
              "889900", "1 Market Street", "Sydney NSW 2000", "6070", 14, "980",
              [("Business pack insurance - monthly instalment", "890.00"),
               ("Broker fee", "90.00")], "classic", fixed=True),
    _supplier("accounting", "Apex Accounting Partners", "757890128", "apexaccounting.com.au", "012250",
              "345678912", "Suite 5, 60 Pitt Street", "Sydney NSW 2000", "6000", 14, "1100",
              [("Monthly bookkeeping and BAS preparation", "950.00"), ("Payroll processing", "150.00")],
              "letterhead", fixed=True),
    _supplier("marketing", "Blue Gum Marketing Studio", "760123459", "bluegummarketing.com.au",
              "062300", "10556677", "17 Oxford Street", "Paddington NSW 2021", "6010", 14, "1500",
              [("Social media management - monthly", "1100.00"), ("Paid social ad spend (pass-through)", "400.00")],
              "compact", fixed=True),
)


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    abn: str
    email: str
    monthly_sales: Decimal
    pays_after_days: int  # how late this customer usually pays


CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer("The Grounds Cafe Group", _abn("771122334"), "ap@thegroundscafe.com.au", D("6200"), 28),
    DemoCustomer("Rocks Boutique Hotel Pty Ltd", _abn("784455667"), "finance@rockshotel.com.au", D("8800"), 45),
    DemoCustomer("Studio Nord Interiors", _abn("797788990"), "studio@nordinteriors.com.au", D("5400"), 21),
    DemoCustomer("Bayside Events & Styling", _abn("800011223"), "accounts@baysideevents.com.au", D("3900"), 60),
    DemoCustomer("Inner West Florist Collective", _abn("813344556"), "hello@iwflorist.com.au", D("2100"), 14),
    DemoCustomer("Palisade Restaurant Group", _abn("826677889"), "payables@palisadegroup.com.au", D("7300"), 35),
)
POS_CUSTOMER = "Retail Sales (POS)"


@dataclass(frozen=True)
class DemoEmployee:
    code: str
    name: str
    award: str
    classification: str
    employment_type: str
    hours_per_week: Decimal
    hourly_rate_paid: Decimal
    role_title: str
    date_of_birth: date
    start_date: date


# Award minimum hourly rates from 1 July 2025 (facts-2025-26.md §2.1 and §3.1), casual loading 25%.
RETAIL_RATES = {"L1": D("26.55"), "L2": D("27.16"), "L3": D("27.58"), "L4": D("28.12"), "L5": D("29.27")}
CLERKS_RATES = {"L1Y1": D("25.74"), "L2Y1": D("28.12"), "L3": D("29.70"), "L4": D("31.19")}


def _employee(n: int, name: str, award: str, cls: str, kind: str, hours: str, role: str, born: date,
              started: date, rate: str | None = None) -> DemoEmployee:
    base = (RETAIL_RATES if award == "MA000004" else CLERKS_RATES)[cls]
    award_rate = (base * D("1.25")).quantize(D("0.01")) if kind == "casual" else base
    return DemoEmployee(f"E{n:03d}", name, award, cls, kind, D(hours),
                        D(rate) if rate else award_rate, role, born, started)


R, C = "MA000004", "MA000002"
EMPLOYEES: tuple[DemoEmployee, ...] = (
    _employee(1, "Olivia Tran", R, "L5", "full_time", "38", "Store Manager", date(1986, 4, 12), date(2019, 2, 4), "34.50"),
    _employee(2, "Jack Morrison", R, "L4", "full_time", "38", "Assistant Manager", date(1991, 9, 3), date(2021, 6, 14), "30.00"),
    _employee(3, "Priya Nair", R, "L3", "full_time", "38", "Visual Merchandiser", date(1994, 1, 22), date(2022, 3, 7)),
    _employee(4, "Liam O'Connor", R, "L2", "full_time", "38", "Stock Controller", date(1997, 11, 8), date(2023, 1, 16)),
    _employee(5, "Mia Campbell", R, "L1", "part_time", "24", "Retail Assistant", date(2000, 5, 30), date(2023, 8, 1)),
    _employee(6, "Noah Williams", R, "L1", "part_time", "20", "Retail Assistant", date(1999, 7, 19), date(2024, 2, 12)),
    _employee(7, "Chloe Nguyen", R, "L1", "casual", "16", "Retail Assistant", date(2003, 3, 2), date(2024, 10, 5)),
    _employee(8, "Ethan Brown", R, "L1", "casual", "12", "Retail Assistant", date(2004, 12, 14), date(2025, 1, 20)),
    _employee(9, "Zoe Papadopoulos", R, "L2", "casual", "18", "Online Orders Packer", date(2001, 8, 25), date(2024, 6, 3)),
    _employee(10, "Lucas Kim", R, "L1", "casual", "10", "Retail Assistant", date(2008, 2, 9), date(2025, 3, 1)),
    _employee(11, "Ava Robinson", R, "L1", "casual", "14", "Retail Assistant", date(2002, 10, 17), date(2024, 11, 11)),
    _employee(12, "Oscar Singh", R, "L2", "part_time", "25", "Warehouse Assistant", date(1995, 6, 6), date(2022, 9, 19)),
    _employee(13, "Isla Martin", R, "L3", "part_time", "30", "Customer Service Lead", date(1990, 12, 1), date(2021, 4, 26)),
    _employee(14, "Harper Lee", R, "L1", "casual", "8", "Weekend Assistant", date(2007, 9, 29), date(2025, 5, 10)),
    _employee(15, "Henry Walsh", R, "L2", "casual", "15", "Retail Assistant", date(1998, 4, 4), date(2023, 12, 2)),
    _employee(16, "Sophie Davies", R, "L1", "casual", "12", "Retail Assistant", date(2005, 1, 11), date(2025, 2, 8)),
    _employee(17, "Ruby Chen", C, "L4", "full_time", "38", "Office Manager", date(1983, 7, 7), date(2018, 8, 13), "33.00"),
    _employee(18, "Daniel Fraser", C, "L3", "full_time", "38", "Accounts Officer", date(1988, 3, 15), date(2020, 11, 2)),
    _employee(19, "Grace Wilson", C, "L2Y1", "part_time", "22.8", "Payroll and Admin Officer", date(1993, 5, 27), date(2023, 5, 8)),
    _employee(20, "Samuel Ahmed", C, "L1Y1", "casual", "15", "Admin Assistant", date(2006, 10, 3), date(2025, 4, 14)),
    _employee(21, "Ella Thompson", R, "L3", "full_time", "38", "Online Store Coordinator", date(1996, 2, 18), date(2022, 7, 4)),
    _employee(22, "Max Kowalski", R, "L2", "full_time", "38", "Delivery Driver", date(1992, 8, 21), date(2021, 10, 11)),
)

# Underpayments seeded in the last pay run for the payroll check to find (employee code → rate paid).
SEEDED_UNDERPAYMENTS = {
    "E009": D("33.19"),  # a Level 2 casual paid the Level 1 casual rate
    "E019": D("26.96"),  # a Clerks Level 2 paid the Level 1 Year 2 rate
    "E015": D("27.16"),  # a casual paid without the 25% casual loading
}

# The business's direct entry (ABA) details, as CommBank issued them: the user name and APCA user
# id on the descriptive record, and what suppliers' statements show the money is from. The run is
# paid from 1100 Business Cheque Account (its BSB and number are the bank feed's identifier).
DIRECT_ENTRY = {"bank": "CBA", "apca_id": "301500", "user_name": "HARBOUR & VINE HOMEWARES",
                "remitter": "HARBOUR AND VINE"}
PAYMENT_PROPOSER = "demo:clerk"      # proposes the run (the bank details were recorded by "demo")
PAYMENT_APPROVER = "demo:owner"      # approves it and writes the file: neither of the others
