"""/v1/bank on the demo company: a card statement imported (a merchant the demo's bank never
saw), reconciled and a line categorised through the API with the role matrix enforced; a decision already taken is 409, an unknown line 404, a
refused statement 422 with nothing stored."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, MakeApi

JUNE = b"""\
"27/06/2026","-87.45","VISA PURCHASE OFFICEWORKS 0312 RI","+1000.00"
"28/06/2026","-39.90","VISA PURCHASE TOTAL TOOLS 4521 MARRICKVL","+960.10"
"""


@pytest.fixture(scope="module")
def shared_api(make_api: MakeApi) -> Api:
    return make_api()


def _import(api: Api, role: str, data: bytes = JUNE, **params: str):  # type: ignore[no-untyped-def]
    return api.client.post("/v1/bank/statements", content=data, headers={
        **api.auth(role), "content-type": "application/octet-stream"},
        params={"filename": "june-card.csv", "account": "2400", **params})


def test_the_role_matrix_holds(shared_api: Api) -> None:
    assert _import(shared_api, "auditor").status_code == 403
    assert _import(shared_api, "admin").status_code == 403
    assert shared_api.client.get("/v1/bank/exceptions", headers=shared_api.auth("admin")).status_code == 403
    assert shared_api.client.get("/v1/bank/exceptions", headers=shared_api.auth("auditor")).status_code == 200
    rule = {"name": "Officeworks", "account_code": "6090", "contains": ["OFFICEWORKS"]}
    assert shared_api.client.post("/v1/bank/rules", json=rule,
                                  headers=shared_api.auth("clerk")).status_code == 403


def test_import_reconcile_and_decide_through_the_api(shared_api: Api) -> None:
    r = _import(shared_api, "clerk")
    assert r.status_code == 201, r.text
    assert r.json()["statements"][0]["new"] == 2
    again = _import(shared_api, "clerk")
    assert again.json()["statements"][0]["new"] == 0
    r = shared_api.client.post("/v1/bank/reconcile", headers=shared_api.auth("clerk"))
    assert r.status_code == 200, r.text
    lines = shared_api.client.get("/v1/bank/exceptions", params={"limit": 1000},
                                  headers=shared_api.auth("clerk")).json()
    tools_line = next(ln for ln in lines if "TOTAL TOOLS 4521" in ln["text"] and ln["amount"] == "-39.90")
    r = shared_api.client.post(f"/v1/bank/lines/{tools_line['id']}/categorise",
                               json={"account_code": "6110"}, headers=shared_api.auth("clerk"))
    assert r.status_code == 200, r.text
    assert r.json()["method"] == "categorise" and r.json()["journal_ids"]
    r = shared_api.client.post(f"/v1/bank/lines/{tools_line['id']}/categorise",
                               json={"account_code": "6110"}, headers=shared_api.auth("approver"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_reconciled"
    r = shared_api.client.post("/v1/bank/lines/99999/accept", json={},
                               headers=shared_api.auth("clerk"))
    assert r.status_code == 404
    r = shared_api.client.post(f"/v1/bank/lines/{lines[0]['id']}/categorise",
                               json={"account_code": "2100"}, headers=shared_api.auth("clerk"))
    assert r.status_code in (409, 422) and r.json()["error"]["code"] in ("control_account",
                                                                        "already_reconciled")


def test_a_refused_statement_is_422_and_stores_nothing(shared_api: Api) -> None:
    before = shared_api.client.get("/v1/bank/status", headers=shared_api.auth("clerk")).json()
    broken = JUNE.replace(b'"+960.10"', b'"+999.99"')
    r = _import(shared_api, "clerk", broken, filename="broken.csv")
    assert r.status_code == 422 and r.json()["error"]["code"] == "running_balance_break"
    r = _import(shared_api, "clerk", b"%PDF-1.7", filename="statement.pdf")
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_text"
    assert shared_api.client.get("/v1/bank/status", headers=shared_api.auth("clerk")).json() == before
