"""Xero's CSV exports: Chart of Accounts (Accounting > Chart of accounts > Export), Contacts
(Contacts > Export), Sales invoices and Bills (Business > Invoices / Bills to pay > Export), and
opening balances as Xero's Trial Balance report exports them with account codes (or the
conversion-balances layout *AccountCode, Debit, Credit). Which one a file is, is told by its header.

Column names follow Xero's own import/export templates (the `*` marks a column Xero requires).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from tools.imports import codes
from tools.imports.contacts import contact_from_row
from tools.imports.invoices import InvoiceRow, group_invoices
from tools.imports.model import ExportFile, ImportedAccount, ImportRefused, OpeningBalance, Source
from tools.imports.read import Table, parse_amount, parse_date, refuse_unknown

CHART = frozenset({"code", "name", "type", "tax code", "description", "dashboard", "expense claims",
                   "enable payments", "balance", "ytd", "report code"})
CONTACTS = frozenset({
    "contactname", "accountnumber", "emailaddress", "firstname", "lastname", "poattentionto",
    "poaddressline1", "poaddressline2", "poaddressline3", "poaddressline4", "pocity", "poregion",
    "popostalcode", "pocountry", "saattentionto", "saaddressline1", "saaddressline2",
    "saaddressline3", "saaddressline4", "sacity", "saregion", "sapostalcode", "sacountry",
    "phonenumber", "faxnumber", "mobilenumber", "ddinumber", "skypename", "bankaccountname",
    "bankaccountnumber", "bankaccountparticulars", "taxnumber", "taxnumbertype",
    "accountsreceivabletaxcodename", "accountspayabletaxcodename", "website", "legalname",
    "discount", "companynumber", "duedatebillday", "duedatebillterm", "duedatesalesday",
    "duedatesalesterm", "salesaccount", "purchasesaccount", "brandingtheme", "defaulttaxbills",
    "defaulttaxsales", "contactgroups", "issubcontractor", "status", "contactid",
})
CONTACT_PATTERNS = (r"person\d+(firstname|lastname|email|includeinemail)",
                    r"(sales|purchases)?trackingoption\d+", r"trackingname\d+")
INVOICES = frozenset({
    "contactname", "emailaddress", "poaddressline1", "poaddressline2", "poaddressline3",
    "poaddressline4", "pocity", "poregion", "popostalcode", "pocountry", "saaddressline1",
    "saaddressline2", "saaddressline3", "saaddressline4", "sacity", "saregion", "sapostalcode",
    "sacountry", "invoicenumber", "reference", "invoicedate", "duedate", "planneddate", "total",
    "taxtotal", "invoiceamountpaid", "invoiceamountdue", "inventoryitemcode", "description",
    "quantity", "unitamount", "discount", "lineamount", "accountcode", "taxtype", "taxamount",
    "currency", "type", "sent", "status", "brandingtheme", "lastupdated", "lineamounttypes",
})
INVOICE_PATTERNS = (r"trackingname\d+", r"trackingoption\d+")
OPENING = frozenset({"accountcode", "account code", "account", "accountname", "account name",
                     "account type", "debit", "credit", "debit - year to date",
                     "credit - year to date", "ytd debit", "ytd credit"})

_BILL_TYPES = {"bill", "bills", "accpay", "accounts payable", "purchase"}
_SALE_TYPES = {"sales invoice", "invoice", "accrec", "accounts receivable", "sale"}


def detect(keys: tuple[str, ...]) -> str | None:
    k = set(keys)
    if {"contactname", "invoicenumber", "invoicedate"} <= k:
        return "invoices"
    if "contactname" in k:
        return "contacts"
    if {"code", "name", "type"} <= k:
        return "accounts"
    if ({"accountcode", "account code"} & k) and ({"debit", "debit - year to date", "ytd debit"} & k):
        return "opening_balances"
    return None


def read(table: Table, kind: str) -> ExportFile:
    reader = {"accounts": _chart, "contacts": _contacts, "invoices": _invoices,
              "opening_balances": _opening}[kind]
    return reader(table)


def _chart(t: Table) -> ExportFile:
    refuse_unknown(t, CHART, "Xero chart of accounts")
    accounts = []
    for line, r in t.rows:
        code, name = r.get("code", ""), r.get("name", "")
        if not code or not name:
            raise ImportRefused.at("missing_value", "an account needs its *Code and *Name", t.file, line)
        typ, subtype = codes.account_type(r.get("type", ""), t.file, line)
        tax = codes.tax_code(r.get("tax code", ""), t.file, line, default="N-T")
        accounts.append(ImportedAccount(code, name, typ, subtype, tax, Source(t.file, line),
                                        codes.system_role(name, r.get("type", ""))))
    return ExportFile(t.file, "xero", "accounts", len(t.rows), accounts=tuple(accounts))


def _contacts(t: Table) -> ExportFile:
    refuse_unknown(t, CONTACTS, "Xero contacts export", CONTACT_PATTERNS)
    out = []
    for line, r in t.rows:
        terms = None
        if r.get("duedatebillterm", "").upper() == "DAYSAFTERBILLDATE" and r.get("duedatebillday"):
            terms = int(parse_amount(r["duedatebillday"], t.file, line, "DueDateBillDay"))
        address = ", ".join(v for v in (r.get("poaddressline1"), r.get("poaddressline2"), r.get("pocity"),
                                        r.get("poregion"), r.get("popostalcode")) if v) or None
        out.append(contact_from_row(
            t.file, line, name=r.get("contactname", ""), abn=r.get("taxnumber"),
            email=r.get("emailaddress"), address=address, bank_name=r.get("bankaccountname"),
            bank_number=r.get("bankaccountnumber"), default_account=r.get("purchasesaccount") or None,
            payment_terms_days=terms))
    return ExportFile(t.file, "xero", "contacts", len(t.rows), contacts=tuple(out))


def _invoices(t: Table) -> ExportFile:
    refuse_unknown(t, INVOICES, "Xero invoices/bills export", INVOICE_PATTERNS)
    rows, skipped = [], []
    default_kind = "bill" if "bill" in t.file.lower() else "sale"
    for line, r in t.rows:
        typ = r.get("type", "").strip().lower()
        kind = "bill" if typ in _BILL_TYPES else "sale" if typ in _SALE_TYPES else (
            default_kind if not typ else None)
        if kind is None:
            raise ImportRefused.at("unknown_invoice_type", f"Type {r.get('type')!r} is neither a bill "
                                   "nor a sales invoice", t.file, line)
        status = r.get("status", "").strip().lower()
        if status in ("draft", "deleted", "voided", "void"):
            skipped.append(f"row {line}: {r.get('invoicenumber')} is {status} in Xero, not imported")
            continue
        if r.get("currency") and r["currency"].upper() != "AUD":
            raise ImportRefused.at("currency_foreign", f"{r.get('invoicenumber')} is in "
                                   f"{r['currency']}; only AUD books are imported", t.file, line)
        issue = parse_date(r.get("invoicedate", ""), t.file, line, "InvoiceDate")
        due = parse_date(r["duedate"], t.file, line, "DueDate") if r.get("duedate") else None
        qty = parse_amount(r.get("quantity", "") or "1", t.file, line, "Quantity")
        unit = parse_amount(r.get("unitamount", ""), t.file, line, "UnitAmount")
        discount = parse_amount(r.get("discount", ""), t.file, line, "Discount")
        line_amount = (parse_amount(r["lineamount"], t.file, line, "LineAmount") if r.get("lineamount")
                       else (qty * unit * (Decimal(100) - discount) / Decimal(100)))
        rows.append(InvoiceRow(
            Source(t.file, line), kind, r.get("contactname", ""), r.get("invoicenumber", ""), issue, due,
            r.get("description", ""), qty, line_amount, r.get("accountcode", ""),
            codes.tax_code(r.get("taxtype", ""), t.file, line),
            parse_amount(r["taxamount"], t.file, line, "TaxAmount") if r.get("taxamount") else None,
            parse_amount(r["total"], t.file, line, "Total") if r.get("total") else None,
            parse_amount(r.get("invoiceamountpaid", ""), t.file, line, "InvoiceAmountPaid"),
            status == "paid", r.get("reference") or None))
    return ExportFile(t.file, "xero", "invoices", len(t.rows), invoices=group_invoices(rows),
                      skipped=tuple(skipped))


def _opening(t: Table) -> ExportFile:
    refuse_unknown(t, OPENING, "Xero trial balance")
    out = []
    for line, r in t.rows:
        code = r.get("accountcode") or r.get("account code") or ""
        if not code:   # the report's headings and its Total row carry no code
            continue
        debit = _first(r, line, t.file, ("debit", "debit - year to date", "ytd debit"))
        credit = _first(r, line, t.file, ("credit", "credit - year to date", "ytd credit"))
        if debit and credit:
            raise ImportRefused.at("debit_and_credit", f"account {code} has both a debit and a credit",
                                   t.file, line)
        if debit - credit:
            out.append(OpeningBalance(code, debit - credit, Source(t.file, line)))
    return ExportFile(t.file, "xero", "opening_balances", len(t.rows), opening=tuple(out))


def _first(r: Mapping[str, str], line: int, file: str, names: tuple[str, ...]) -> Decimal:
    for n in names:
        if r.get(n):
            return parse_amount(r[n], file, line, n)
    return Decimal(0)

