"""MYOB AccountRight's export files (File > Import/Export Assistant, tab-separated TXT, sometimes
with a "{}" line first): the Accounts list (its Balance column read as opening balances), Supplier
and Customer cards, and Service purchases and sales (one row per line, a blank line between
records). Field names follow MYOB's "Import and export fields" reference for AccountRight (AU).

Item purchases and sales carry no account (the item's own account decides), so they are refused
with the reason rather than coded by a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from tools.imports import codes
from tools.imports.contacts import contact_from_row
from tools.imports.invoices import InvoiceRow, group_invoices
from tools.imports.model import ExportFile, ImportedAccount, ImportRefused, OpeningBalance, Source
from tools.imports.read import Table, parse_amount, parse_date, refuse_unknown

ACCOUNTS = frozenset({
    "account number", "account name", "header", "balance", "opening balance", "account type",
    "last cheque number", "tax code", "gst code", "currency code", "exchange account",
    "inactive account", "description", "classification for statement of cash flow",
    "bsb code", "bank account number", "bank account name", "company trading name",
    "create bank files", "bank code", "direct entry user id", "self-balancing transaction",
    "account description", "level", "use description on sales", "import duty code",
})
ACCOUNT_PATTERNS = (r"- .*",)
CARDS = frozenset({
    "co./last name", "first name", "card id", "card status", "currency code", "picture", "notes",
    "identifiers", "a.b.n.", "a.b.n. branch", "abn", "tax id no.", "tax code", "freight tax code",
    "use supplier's tax code", "use customer's tax code", "credit limit", "volume discount %",
    "current balance", "expense account", "income account", "payment memo", "bsb",
    "bank account number", "bank account name", "account number", "account name",
    "statement text", "salesperson", "salesperson card id", "shipping method", "printed form",
    "invoice/purchase order delivery", "purchase order delivery", "invoice delivery", "record id",
    "payment method", "payment notes", "name on card", "card number", "expiry date",
    "sale layout", "purchase layout", "price level", "billing rate", "cost per hour", "comment",
    "gst id no.", "terms - payment is due", "hourly billing rate", "sale comment", "purchase comment",
})
CARD_PATTERNS = (r"addr \d - .*", r"- .*", r"custom (list|field) \d", r"terms - .*")
TRANSACTIONS = frozenset({
    "co./last name", "first name", "inclusive", "purchase #", "purchase no.", "invoice #",
    "invoice no.", "date", "supplier invoice #", "supplier invoice no.", "customer po",
    "ship via", "deliver via", "delivery status", "already printed", "description", "account #",
    "account no.", "amount", "inc-tax amount", "job", "comment", "journal memo", "shipping date",
    "promised date", "tax code", "non-gst amount", "gst amount", "lct amount", "import duty amount",
    "freight amount", "inc-tax freight amount", "freight tax code", "freight non-gst amount",
    "freight gst amount", "freight lct amount", "freight import duty amount", "purchase status",
    "sale status", "currency code", "exchange rate", "terms - payment is due", "amount paid",
    "payment method", "payment notes", "name on card", "card number", "expiry date",
    "authorisation code", "bsb", "account number", "account name", "cheque number", "category",
    "card id", "record id", "salesperson last name", "salesperson first name", "referral source",
    "sale layout", "purchase layout", "printed form", "invoice delivery", "order", "received",
    "billed", "drawer/bsb/account number", "is tax inclusive",
})
TRANSACTION_PATTERNS = (r"addr \d - .*", r"- .*")
_TYPE_BY_DIGIT = {"1": "Other Current Asset", "2": "Other Current Liability", "3": "Equity",
                  "4": "Income", "5": "Cost of Sales", "6": "Expense", "8": "Other Income",
                  "9": "Other Expense"}


def detect(keys: tuple[str, ...]) -> str | None:
    k = set(keys)
    if "co./last name" in k and ({"account #", "account no."} & k):
        return "invoices"
    if "co./last name" in k and "item number" in k:
        return "item_transactions"
    if "co./last name" in k:
        return "contacts"
    if {"account number", "account name"} <= k:
        return "accounts"
    return None


def read(table: Table, kind: str) -> ExportFile:
    if kind == "item_transactions":
        raise ImportRefused.at("item_lines_unsupported", "is an MYOB item purchases/sales export: "
                               "export the Service layout (lines with an Account #) instead",
                               table.file, 1)
    return {"accounts": _accounts, "contacts": _cards, "invoices": _transactions}[kind](table)


def _name(r: Mapping[str, str]) -> str:
    last, first = r.get("co./last name", ""), r.get("first name", "")
    return f"{first} {last}".strip() if first else last


def _accounts(t: Table) -> ExportFile:
    refuse_unknown(t, ACCOUNTS, "MYOB accounts list", ACCOUNT_PATTERNS)
    accounts, opening, skipped = [], [], []
    for line, r in t.rows:
        code, name = r.get("account number", ""), r.get("account name", "")
        if not code or not name:
            raise ImportRefused.at("missing_value", "an account needs its Account Number and Name",
                                   t.file, line)
        if r.get("header"):
            skipped.append(f"row {line}: {code} {name} is a header account (a subtotal), not imported")
            continue
        old_type = r.get("account type") or _TYPE_BY_DIGIT.get(code[:1], "")
        typ, subtype = codes.account_type(old_type, t.file, line)
        tax = codes.tax_code(r.get("tax code") or r.get("gst code", ""), t.file, line, default="N-T")
        account = ImportedAccount(code, name, typ, subtype, tax, Source(t.file, line),
                                  codes.system_role(name, old_type))
        accounts.append(account)
        balance = parse_amount(r.get("balance") or r.get("opening balance", ""), t.file, line, "Balance")
        if balance:
            # MYOB prints a balance on the account's natural side: debit for assets and expenses.
            debit_side = typ in ("asset", "expense")
            opening.append(OpeningBalance(code, balance if debit_side else -balance, Source(t.file, line)))
    return ExportFile(t.file, "myob", "accounts", len(t.rows), accounts=tuple(accounts),
                      opening=tuple(opening), skipped=tuple(skipped))


def _cards(t: Table) -> ExportFile:
    refuse_unknown(t, CARDS, "MYOB cards export", CARD_PATTERNS)
    customers = "income account" in t.keys or "salesperson" in t.keys
    out = []
    for line, r in t.rows:
        terms = r.get("- balance due days")
        address = ", ".join(v for v in (r.get("addr 1 - line 1"), r.get("addr 1 - city"),
                                        r.get("addr 1 - state"), r.get("addr 1 - postcode")) if v) or None
        out.append(contact_from_row(
            t.file, line, name=_name(r), abn=r.get("a.b.n.") or r.get("abn"),
            email=r.get("addr 1 - email"), address=address,
            bank_name=r.get("bank account name") or r.get("account name"),
            bank_number=r.get("bank account number") or r.get("account number"), bsb=r.get("bsb"),
            supplier=not customers, customer=customers,
            default_account=(r.get("expense account") or None) if not customers else None,
            payment_terms_days=int(parse_amount(terms, t.file, line, "Balance Due Days")) if terms else None))
    return ExportFile(t.file, "myob", "contacts", len(t.rows), contacts=tuple(out))


def _transactions(t: Table) -> ExportFile:
    refuse_unknown(t, TRANSACTIONS, "MYOB service purchases/sales export", TRANSACTION_PATTERNS)
    kind = "sale" if ({"invoice #", "invoice no.", "sale status"} & set(t.keys)) else "bill"
    rows, skipped = [], []
    for line, r in t.rows:
        status = (r.get("purchase status") or r.get("sale status") or "").upper()
        number_own = r.get("purchase #") or r.get("purchase no.") or r.get("invoice #") or r.get("invoice no.", "")
        if status in ("O", "Q"):
            skipped.append(f"row {line}: {number_own} is {'an order' if status == 'O' else 'a quote'}, not imported")
            continue
        if r.get("currency code") and r["currency code"].upper() != "AUD":
            raise ImportRefused.at("currency_foreign", f"{number_own} is in {r['currency code']}; "
                                   "only AUD books are imported", t.file, line)
        for freight in ("freight amount", "inc-tax freight amount"):
            if parse_amount(r.get(freight, ""), t.file, line, freight):
                raise ImportRefused.at("freight_unsupported", f"{number_own} has freight: record it "
                                       "as a line with its own account", t.file, line)
        issue = parse_date(r.get("date", ""), t.file, line, "Date")
        days = r.get("- balance due days")
        due = issue + timedelta(days=int(parse_amount(days, t.file, line, "Balance Due Days"))) if days else None
        ex = parse_amount(r.get("amount", ""), t.file, line, "Amount")
        inc = parse_amount(r["inc-tax amount"], t.file, line, "Inc-Tax Amount") if r.get("inc-tax amount") else None
        number = (r.get("supplier invoice #") or r.get("supplier invoice no.") or number_own) if kind == "bill" else number_own
        rows.append(InvoiceRow(
            Source(t.file, line), kind, _name(r), number, issue, due, r.get("description", ""),
            Decimal(1), ex, r.get("account #") or r.get("account no.", ""),
            codes.tax_code(r.get("tax code", ""), t.file, line),
            (inc - ex) if inc is not None else None, None,
            parse_amount(r.get("amount paid", ""), t.file, line, "Amount Paid"), False,
            number_own if number != number_own else None, inclusive=False))
    invoices = group_invoices(rows)
    return ExportFile(t.file, "myob", "invoices", len(t.rows), invoices=invoices, skipped=tuple(skipped))
