"""GET /v1/bills/{id} and GET /v1/ledger/trial-balance (the CLI's JSON, exactly), and the Money
type every amount in a request goes through."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from sqlalchemy import select

from api.cli import cli
from api.schemas import Money
from memory.ap_schema import ApRun
from memory.db import unit_of_work
from memory.schema import Invoice
from tests.api.conftest import Api, MakeApi


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


def _auto_posted(api: Api) -> ApRun:
    with unit_of_work(api.runtime.sessions) as session:
        run = session.scalars(select(ApRun).where(ApRun.state == "posted")
                              .where(ApRun.approval_id.is_(None))).first()
        assert run is not None
        return run


def test_a_bill_posted_by_the_worker(shared: Api) -> None:
    run = _auto_posted(shared)
    r = shared.client.get(f"/v1/bills/{run.bill_id}", headers=shared.auth("clerk"))
    assert r.status_code == 200
    bill = r.json()
    assert bill["id"] == run.bill_id and bill["status"] == "posted" and bill["journal_id"]
    assert bill["inbox_message_id"] == run.inbox_message_id and bill["approval_id"] is None
    assert bill["supplier"]["name"] and len(bill["supplier"]["abn"]) == 11
    total = Decimal(bill["subtotal"]) + Decimal(bill["tax"])
    assert total == Decimal(bill["total"])
    assert sum(Decimal(ln["amount"]) for ln in bill["lines"]) == Decimal(bill["subtotal"])
    assert all(ln["account_code"] and ln["tax_code"] for ln in bill["lines"])
    assert [ln["line_no"] for ln in bill["lines"]] == sorted(ln["line_no"] for ln in bill["lines"])


def test_bills_that_are_not_there_are_404(shared: Api) -> None:
    with unit_of_work(shared.runtime.sessions) as session:
        sale = session.scalar(select(Invoice.id).where(Invoice.kind == "sale"))
    for bill_id in (999999, sale):
        r = shared.client.get(f"/v1/bills/{bill_id}", headers=shared.auth("owner"))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    for bad in ("x", "0", "1e3", str(2 ** 64)):
        assert shared.client.get(f"/v1/bills/{bad}", headers=shared.auth("owner")).status_code == 422


def _cli_trial_balance(api: Api, *args: str) -> Any:
    env = {"BACKOFFICE_HOME": str(api.home), "BACKOFFICE_DATABASE_URL": None}
    result = CliRunner().invoke(cli, ["ledger", "trial-balance", "--json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("as_of", [None, "2026-03-31"])
def test_the_trial_balance_is_the_clis_json(shared: Api, as_of: str | None) -> None:
    params = {"as_of": as_of} if as_of else {}
    r = shared.client.get("/v1/ledger/trial-balance", params=params, headers=shared.auth("auditor"))
    assert r.status_code == 200
    body = r.json()
    assert body == _cli_trial_balance(shared, *(["--as-of", as_of] if as_of else []))
    assert body["balanced"] is True and body["total_debit"] == body["total_credit"]
    assert body["as_of"] == as_of


@pytest.mark.parametrize("as_of", ["31/03/2026", "2026-02-30", "yesterday", "NaN"])
def test_a_bad_as_of_date_is_422(shared: Api, as_of: str) -> None:
    r = shared.client.get("/v1/ledger/trial-balance", params={"as_of": as_of},
                          headers=shared.auth("owner"))
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["loc"] == ["query", "as_of"]


# -- Money ------------------------------------------------------------------------------------

MONEY = TypeAdapter(Money)


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money


@pytest.mark.parametrize("value, expected", [
    ("123.45", "123.45"), ("0", "0.00"), ("-5.5", "-5.50"), ("1.230", "1.23"), (7, "7.00"),
    (12.34, "12.34"), (Decimal("99.90"), "99.90"), ("9999999999999.99", "9999999999999.99"),
])
def test_money_reads_exact_amounts(value: Any, expected: str) -> None:
    amount = MONEY.validate_python(value)
    assert isinstance(amount, Decimal) and str(amount) == expected
    assert Payment(amount=value).model_dump(mode="json") == {"amount": expected}


@pytest.mark.parametrize("value", [
    "NaN", "nan", "Infinity", "-inf", "sNaN", float("nan"), float("inf"), Decimal("NaN"),
    "1.005", "0.001", 0.1 + 0.2, 1.005, "1e3", "1E-2", 1e20, "12,34", "1_000", " 1.00", "$5",
    "", "10000000000000.00", True, None, [], {"amount": 1},
])
def test_money_refuses_nan_infinity_fractions_of_a_cent_and_junk(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Payment(amount=value)
    assert info.value.errors()[0]["loc"] == ("amount",)


def test_money_in_json_bodies() -> None:
    assert Payment.model_validate_json('{"amount": "10.10"}').amount == Decimal("10.10")
    assert Payment.model_validate_json('{"amount": 10.1}').amount == Decimal("10.10")
    for raw in ('{"amount": NaN}', '{"amount": "10.101"}', '{"amount": 1e400}',
                '{"amount": "1", "currency": "AUD"}'):
        with pytest.raises(ValidationError):
            Payment.model_validate_json(raw)
    schema = Payment.model_json_schema()["properties"]["amount"]
    assert schema["type"] == "string" and "pattern" in schema
