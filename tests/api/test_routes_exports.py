"""/v1/exports over the demo books: the hledger journal hledger itself accepts, and Xero and MYOB
CSV whose rows, read back, add up to the books."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from memory.db import unit_of_work
from memory.schema import Invoice
from tests.api.conftest import Api, MakeApi


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


def rows(text: str) -> list[dict[str, str]]:
    return [r for r in csv.DictReader(io.StringIO(text)) if any((v or "").strip() for v in r.values())]


def money(value: str) -> Decimal:
    return Decimal((value or "0").replace(",", "").replace("$", "") or "0")


def june_bills(api: Api) -> tuple[int, Decimal]:
    with unit_of_work(api.runtime.sessions) as session:
        count, total = session.execute(
            select(func.count(), func.sum(Invoice.total)).where(
                Invoice.kind == "bill", Invoice.issue_date.between(date(2026, 6, 1),
                                                                   date(2026, 6, 30)))).one()
    return int(count), Decimal(total).quantize(Decimal("0.01"))


def test_hledger_journal_is_accepted_by_hledger(shared: Api) -> None:
    r = shared.client.get("/v1/exports/hledger", headers=shared.auth("auditor"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    assert 'filename="books.journal"' in r.headers["content-disposition"]
    assert int(r.headers["x-export-records"]) > 100 and "account " in r.text
    if shutil.which("hledger") is None:
        pytest.skip("hledger is not installed")
    for args in (["check"], ["check", "--strict"]):
        done = subprocess.run(["hledger", "-f", "-", *args], input=r.content, capture_output=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode()[:2000]


def test_xero_bills_add_up_to_the_books(shared: Api) -> None:
    r = shared.client.get("/v1/exports/xero/bills", params={"from": "2026-06-01", "to": "2026-06-30"},
                          headers=shared.auth("owner"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="xero-bills-20260601-20260630.csv"' in r.headers["content-disposition"]
    lines = rows(r.text)
    by_bill: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        assert line["*InvoiceDate"].endswith("/06/2026")
        by_bill[(line["*ContactName"], line["*InvoiceNumber"])] += (
            money(line["*Quantity"]) * money(line["*UnitAmount"]) + money(line["TaxAmount"]))
    count, total = june_bills(shared)
    assert count > 0 and len(by_bill) == count == int(r.headers["x-export-records"])
    assert sum(v.quantize(Decimal("0.01")) for v in by_bill.values()) == total


def test_journals_balance_when_read_back(shared: Api) -> None:
    xero = shared.client.get("/v1/exports/xero/journals", params={"from": "2026-06-01"},
                             headers=shared.auth("owner"))
    assert xero.status_code == 200, xero.text
    journals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in rows(xero.text):
        journals[(line["*Narration"], line["*Date"])] += money(line["*Amount"])
    assert journals and all(v == 0 for v in journals.values()), {
        k: v for k, v in journals.items() if v}
    myob = shared.client.get("/v1/exports/myob/journals", params={"from": "2026-06-01"},
                             headers=shared.auth("auditor"))
    assert myob.status_code == 200, myob.text
    assert myob.headers["content-disposition"].endswith('.txt"')
    lines = rows(myob.text)
    debit = sum(money(x["Debit Ex-Tax Amount"]) for x in lines)
    credit = sum(money(x["Credit Ex-Tax Amount"]) for x in lines)
    assert lines and debit == credit > 0


def test_myob_bills_carry_every_june_bill(shared: Api) -> None:
    r = shared.client.get("/v1/exports/myob/bills", params={"from": "2026-06-01", "to": "2026-06-30"},
                          headers=shared.auth("owner"))
    assert r.status_code == 200, r.text
    count, _ = june_bills(shared)
    assert int(r.headers["x-export-records"]) == count


def test_only_owners_and_auditors_export_and_dates_are_checked(shared: Api) -> None:
    for who in ("clerk", "approver", "admin"):
        assert shared.client.get("/v1/exports/hledger", headers=shared.auth(who)).status_code == 403
    bad = shared.client.get("/v1/exports/xero/bills", params={"from": "2026-06-30", "to": "2026-06-01"},
                            headers=shared.auth("owner"))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_dates"
    assert shared.client.get("/v1/exports/sage/bills", headers=shared.auth("owner")).status_code == 422
    assert shared.client.get("/v1/exports/xero/payslips", headers=shared.auth("owner")).status_code == 422
