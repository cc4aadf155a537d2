"""GET /v1/reports/monthly and POST /v1/payroll/check on the demo company: the same contracts as
the CLI, and bad input as a clear 422."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, MakeApi


@pytest.fixture(scope="module")
def shared_api(make_api: MakeApi) -> Api:
    return make_api()


def test_the_monthly_report_has_the_contracts_sections(shared_api: Api) -> None:
    r = shared_api.client.get("/v1/reports/monthly", params={"month": "2026-06"},
                              headers=shared_api.auth("owner"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert {"profit_and_loss", "balance_sheet", "cash_forecast", "variances", "commentary"} <= set(report)
    assert len(report["cash_forecast"]["weeks"]) == 13
    assert report["commentary"]["path"] == "offline" and report["commentary"]["paragraphs"]


def test_a_bad_month_is_a_422_not_a_500(shared_api: Api) -> None:
    for month, status in (("2026-13", 422), ("26-06", 422), ("2031-01", 422)):
        r = shared_api.client.get("/v1/reports/monthly", params={"month": month},
                                  headers=shared_api.auth("owner"))
        assert r.status_code == status, (month, r.text)
        assert "error" in r.json()


def test_the_payroll_check_finds_the_demos_underpayments(shared_api: Api) -> None:
    r = shared_api.client.post("/v1/payroll/check", headers=shared_api.auth("owner"),
                               json={"period_start": "2026-05-20", "period_end": "2026-06-30"})
    assert r.status_code == 200, r.text
    body = r.json()
    text = str(body)
    assert "E007" in text and "E016" in text and "E013" in text
    r = shared_api.client.post("/v1/payroll/check", headers=shared_api.auth("owner"),
                               json={"period_start": "2026-06-17", "period_end": "2026-06-04"})
    assert r.status_code == 422
    r = shared_api.client.post("/v1/payroll/check", headers=shared_api.auth("owner"),
                               json={"period_start": "2026-06-04", "period_end": "2026-06-17", "extra": 1})
    assert r.status_code == 422
    # decimal strings, never floats, in the body
    assert not any(isinstance(v, float) for v in _values(body))


def _values(node: object):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for v in node.values():
            yield from _values(v)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v)
    else:
        yield node
