"""The authorisation matrix (every route × every role, and every way of not being authenticated),
and the app's error contract: one error shape, no stack traces, no echoed input."""

from __future__ import annotations

import base64
import itertools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.views import PERMISSIONS
from core.settings import load_settings
from tests.api.conftest import ROLES, Api, MakeApi

_counter = itertools.count(1)
XERO_FIXTURES = Path(__file__).parents[1] / "tools" / "imports" / "fixtures" / "xero"

# The matrix, written out (api.deps documents the same table): route → roles allowed.
EXPECTED = {
    "POST /v1/inbox/messages": {"clerk", "approver", "owner"},
    "GET /v1/inbox/messages/{message_id}": set(ROLES),
    "GET /v1/approvals": {"approver", "owner", "auditor", "admin"},
    "GET /v1/approvals/{approval_id}": {"approver", "owner", "auditor", "admin"},
    "POST /v1/approvals/{approval_id}/decision": {"approver", "owner"},
    "GET /v1/bills/{bill_id}": set(ROLES),
    "GET /v1/ledger/trial-balance": {"owner", "auditor", "admin"},
    "GET /v1/reports/monthly": {"owner", "auditor", "admin"},
    "POST /v1/payroll/check": {"owner", "auditor", "admin"},
    "POST /v1/chat": set(ROLES),
    "GET /v1/chat/{thread_id}": set(ROLES),
    "GET /v1/apikeys": {"admin"},
    "POST /v1/apikeys": {"admin"},
    "DELETE /v1/apikeys/{key_id}": {"admin"},
    "POST /v1/apikeys/{key_id}/activation": {"owner"},
    "POST /v1/bank/statements": {"clerk", "approver", "owner"},
    "POST /v1/bank/reconcile": {"clerk", "approver", "owner"},
    "GET /v1/bank/exceptions": {"clerk", "approver", "owner", "auditor"},
    "GET /v1/bank/status": {"clerk", "approver", "owner", "auditor"},
    "POST /v1/bank/lines/{line_id}/accept": {"clerk", "approver", "owner"},
    "POST /v1/bank/lines/{line_id}/match": {"clerk", "approver", "owner"},
    "POST /v1/bank/lines/{line_id}/categorise": {"clerk", "approver", "owner"},
    "GET /v1/bank/rules": {"clerk", "approver", "owner", "auditor"},
    "POST /v1/bank/rules": {"approver", "owner"},
    "POST /v1/bank/rules/{rule_id}/status": {"approver", "owner"},
    "GET /v1/payments/runs": {"clerk", "approver", "owner", "auditor"},
    "POST /v1/payments/runs": {"clerk", "approver", "owner"},
    "GET /v1/payments/runs/{run_id}": {"clerk", "approver", "owner", "auditor"},
    "POST /v1/payments/runs/{run_id}/approval": {"approver", "owner"},
    "POST /v1/payments/runs/{run_id}/file": {"approver", "owner"},
    "POST /v1/payments/runs/{run_id}/remittances": {"approver", "owner"},
    "POST /v1/payments/runs/{run_id}/cancel": {"approver", "owner"},
    "POST /v1/imports/{system}": {"owner", "admin"},
    "GET /v1/exports/hledger": {"owner", "auditor"},
    "GET /v1/exports/{target}/{kind}": {"owner", "auditor"},
    "GET /v1/status": set(ROLES),
    "GET /metrics": {"owner", "auditor", "admin"},
}
PUBLIC = {"GET /healthz"}


def _email() -> bytes:
    n = next(_counter)
    return (f"From: Supplier <ar@example.com>\r\nTo: ap@example.com\r\nSubject: note {n}\r\n"
            f"Message-ID: <auth-{n}@example.com>\r\n\r\nNo invoice, just a note.\r\n").encode()


def _request(api: Api, route: str, headers: dict[str, str]) -> Any:
    """One call of `route` that succeeds (or reaches the handler) for a role allowed to make it;
    also the status that proves the handler was reached."""
    c = api.client
    if route == "POST /v1/inbox/messages":
        return c.post("/v1/inbox/messages", content=_email(),
                      headers={**headers, "Content-Type": "message/rfc822"}), 202
    if route == "GET /v1/inbox/messages/{message_id}":
        return c.get("/v1/inbox/messages/1", headers=headers), 200
    if route == "GET /v1/approvals":
        return c.get("/v1/approvals", params={"status": "pending"}, headers=headers), 200
    if route == "GET /v1/approvals/{approval_id}":
        return c.get("/v1/approvals/1", headers=headers), 200
    if route == "POST /v1/approvals/{approval_id}/decision":
        return c.post("/v1/approvals/999999/decision", json={"decision": "reject",
                      "proposal_hash": "0" * 64}, headers={**headers, "Idempotency-Key": "m-1"}), 404
    if route == "GET /v1/bills/{bill_id}":
        return c.get(f"/v1/bills/{api.bill_id}", headers=headers), 200  # type: ignore[attr-defined]
    if route == "GET /v1/ledger/trial-balance":
        return c.get("/v1/ledger/trial-balance", headers=headers), 200
    if route == "GET /v1/reports/monthly":
        return c.get("/v1/reports/monthly", params={"month": "2026-06"}, headers=headers), 200
    if route == "POST /v1/payroll/check":
        return c.post("/v1/payroll/check", json={"period_start": "2026-05-20", "period_end": "2026-06-30"},
                      headers=headers), 200
    if route == "POST /v1/chat":
        return c.post("/v1/chat", json={"question": "What is waiting for approval?"},
                      headers=headers), 200
    if route == "GET /v1/chat/{thread_id}":
        return c.get("/v1/chat/chat-" + "0" * 32, headers=headers), 404
    if route == "GET /v1/apikeys":
        return c.get("/v1/apikeys", headers=headers), 200
    if route == "POST /v1/apikeys":
        return c.post("/v1/apikeys", json={"name": "made in a test", "role": "clerk"},
                      headers=headers), 201
    if route == "DELETE /v1/apikeys/{key_id}":
        return c.delete("/v1/apikeys/999999", headers=headers), 404
    if route == "POST /v1/apikeys/{key_id}/activation":
        return c.post("/v1/apikeys/999999/activation", headers=headers), 404
    if route == "POST /v1/bank/statements":
        return c.post("/v1/bank/statements", content=b"%PDF-1.7", params={"account": "1100"},
                      headers={**headers, "Content-Type": "application/octet-stream"}), 422
    if route == "POST /v1/bank/reconcile":
        return c.post("/v1/bank/reconcile", params={"auto": "false"}, headers=headers), 200
    if route in ("GET /v1/bank/exceptions", "GET /v1/bank/status", "GET /v1/bank/rules"):
        return c.get(route.split()[1], headers=headers), 200
    if route.startswith("POST /v1/bank/lines/"):
        action = route.rsplit("/", 1)[1]
        body = {"accept": {}, "match": {"items": ["X-1"]}, "categorise": {"account_code": "6110"}}
        return c.post(f"/v1/bank/lines/999999/{action}", json=body[action], headers=headers), 404
    if route == "POST /v1/bank/rules":
        return c.post("/v1/bank/rules", json={"name": "x", "account_code": "6110"},
                      headers=headers), 422
    if route == "POST /v1/bank/rules/{rule_id}/status":
        return c.post("/v1/bank/rules/999999/status", json={"status": "disabled"},
                      headers=headers), 404
    if route == "GET /v1/payments/runs":
        return c.get("/v1/payments/runs", headers=headers), 200
    if route == "POST /v1/payments/runs":   # nothing is due by 2000: reaches the service, changes nothing
        return c.post("/v1/payments/runs", json={"due_by": "2000-01-01"},
                      headers={**headers, "Idempotency-Key": "m-pay-1"}), 409
    if route == "GET /v1/payments/runs/{run_id}":
        return c.get("/v1/payments/runs/999999", headers=headers), 404
    if route == "POST /v1/payments/runs/{run_id}/file":   # the shared app has no ABA settings
        return c.post("/v1/payments/runs/999999/file", headers=headers), 409
    if route.startswith("POST /v1/payments/runs/{run_id}/"):
        return c.post(f"/v1/payments/runs/999999/{route.rsplit('/', 1)[1]}", headers=headers), 404
    if route == "POST /v1/imports/{system}":
        chart = XERO_FIXTURES / "ChartOfAccounts.csv"
        return c.post("/v1/imports/xero", json={"files": [{
            "name": chart.name, "content_base64": base64.b64encode(chart.read_bytes()).decode()}]},
            headers=headers), 200
    if route == "GET /v1/exports/hledger":
        return c.get("/v1/exports/hledger", headers=headers), 200
    if route == "GET /v1/exports/{target}/{kind}":
        return c.get("/v1/exports/xero/bills", params={"from": "2026-06-01"}, headers=headers), 200
    if route in ("GET /v1/status", "GET /metrics"):
        return c.get(route.split()[1], headers=headers), 200
    raise AssertionError(route)


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    api = make_api()
    from sqlalchemy import select

    from memory.ap_schema import ApRun
    from memory.db import unit_of_work

    with unit_of_work(api.runtime.sessions) as session:
        api.bill_id = session.scalar(select(ApRun.bill_id).where(ApRun.bill_id.is_not(None)))  # type: ignore[attr-defined]
    assert api.bill_id  # type: ignore[attr-defined]
    return api


def test_every_route_is_in_the_matrix(shared: Api) -> None:
    """Every route the API describes is in the matrix (a new route must be added to it)."""
    paths = shared.app.openapi()["paths"]
    routes = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    assert routes - PUBLIC == set(EXPECTED)


def test_the_matrix_matches_the_permissions_table() -> None:
    assert PERMISSIONS["inbox.submit"] == EXPECTED["POST /v1/inbox/messages"]
    assert PERMISSIONS["approvals.decide"] == EXPECTED["POST /v1/approvals/{approval_id}/decision"]
    assert PERMISSIONS["ledger.read"] == EXPECTED["GET /v1/ledger/trial-balance"]
    assert not PERMISSIONS["approvals.decide"] & {"admin", "auditor", "clerk"}
    assert PERMISSIONS["apikeys.activate"] == EXPECTED["POST /v1/apikeys/{key_id}/activation"]
    assert not PERMISSIONS["apikeys.activate"] & PERMISSIONS["apikeys.manage"]
    assert PERMISSIONS["payments.approve"] == EXPECTED["POST /v1/payments/runs/{run_id}/approval"]
    assert PERMISSIONS["payments.write"] == EXPECTED["POST /v1/payments/runs/{run_id}/file"]
    assert PERMISSIONS["books.import"] == EXPECTED["POST /v1/imports/{system}"]
    assert PERMISSIONS["books.export"] == EXPECTED["GET /v1/exports/hledger"]
    assert not PERMISSIONS["payments.approve"] & {"admin", "auditor", "clerk"}
    assert PERMISSIONS["metrics"] == EXPECTED["GET /metrics"]
    assert PERMISSIONS["status.read"] == EXPECTED["GET /v1/status"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_role_matrix(shared: Api, route: str, role: str) -> None:
    response, ok_status = _request(shared, route, shared.auth(role))
    if role in EXPECTED[route]:
        assert response.status_code == ok_status, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"code": "forbidden",
                                             "message": "This API key's role may not do this."}}


BAD_AUTH: dict[str, dict[str, str]] = {
    "no key": {},
    "unknown key": {"Authorization": "Bearer bo_" + "x" * 43},
    "not a key": {"Authorization": "Bearer hello"},
    "basic scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    "empty bearer": {"Authorization": "Bearer "},
    "huge key": {"X-API-Key": "bo_" + "a" * 5000},
    "unknown x-api-key": {"X-API-Key": "bo_nothing"},
}


@pytest.mark.parametrize("how", sorted(BAD_AUTH) + ["revoked key", "revoked x-api-key"])
@pytest.mark.parametrize("route", sorted(EXPECTED) + ["GET /v1/nowhere", "GET /v1"])
def test_every_failure_to_authenticate_gets_the_same_401(shared: Api, route: str, how: str) -> None:
    if how == "revoked key":
        headers = shared.auth("revoked")
    elif how == "revoked x-api-key":
        headers = {"X-API-Key": shared.keys["revoked"]}
    else:
        headers = BAD_AUTH[how]
    if route in EXPECTED:
        response, _ = _request(shared, route, headers)
    else:
        response = shared.client.get(route.split(" ", 1)[1], headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized",
                                         "message": "A valid API key is required."}}
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_both_header_forms_authenticate(shared: Api) -> None:
    for headers in (shared.auth("auditor"), {"X-API-Key": shared.keys["auditor"]},
                    {"authorization": f"bearer {shared.keys['auditor']}"}):
        assert shared.client.get("/v1/approvals", headers=headers).status_code == 200


def test_a_malformed_body_from_a_stranger_is_401_not_a_parse_error(shared: Api) -> None:
    r = shared.client.post("/v1/approvals/1/decision", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert r.status_code == 401


def test_an_api_key_created_through_the_api_works_and_can_be_revoked(shared: Api) -> None:
    c = shared.client
    created = c.post("/v1/apikeys", json={"name": "mail relay", "role": "clerk"},
                     headers=shared.auth("admin"))
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith("bo_") and body["role"] == "clerk"
    listed = c.get("/v1/apikeys", headers=shared.auth("admin")).json()
    assert body["key"] not in str(listed) and any(k["id"] == body["id"] for k in listed)
    new = {"X-API-Key": body["key"]}
    assert c.get("/v1/inbox/messages/1", headers=new).status_code == 200
    gone = c.delete(f"/v1/apikeys/{body['id']}", headers=shared.auth("admin"))
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    assert c.get("/v1/inbox/messages/1", headers=new).status_code == 401
    assert c.delete(f"/v1/apikeys/{body['id']}", headers=shared.auth("admin")).status_code == 404
    bad = c.post("/v1/apikeys", json={"name": "x", "role": "god"}, headers=shared.auth("admin"))
    assert bad.status_code == 422
    extra = c.post("/v1/apikeys", json={"name": "x", "role": "clerk", "admin": True},
                   headers=shared.auth("admin"))
    assert extra.status_code == 422 and extra.json()["error"]["fields"][0]["type"] == "extra_forbidden"


# -- the app's contract -----------------------------------------------------------------------

def test_health_needs_no_key(shared: Api) -> None:
    r = shared.client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_health_is_503_when_the_database_is_not_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(load_settings(home=tmp_path / "empty", database_url=None))
    client = TestClient(app)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    r = client.get("/v1/approvals", headers={"X-API-Key": "bo_" + "k" * 43})
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert r.headers["retry-after"]


def test_openapi_is_served_to_key_holders_and_describes_the_security(shared: Api) -> None:
    assert shared.client.get("/v1/openapi.json").status_code == 401
    r = shared.client.get("/v1/openapi.json", headers=shared.auth("auditor"))
    assert r.status_code == 200
    doc = r.json()
    assert "/v1/approvals/{approval_id}/decision" in doc["paths"]
    assert {"bearer", "apiKey"} <= set(doc["components"]["securitySchemes"])
    assert "message/rfc822" in doc["paths"]["/v1/inbox/messages"]["post"]["requestBody"]["content"]


def test_an_unexpected_failure_is_a_500_without_details(make_api: MakeApi,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    api = make_api()

    @api.app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret detail: password=hunter2")

    r = api.client.get("/v1/boom", headers=api.auth("clerk"))
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal_error",
                                  "message": "Something went wrong on our side; it has been logged."}}
    assert "hunter2" not in r.text and "Traceback" not in r.text
    assert "hunter2" in caplog.text  # logged server-side


def test_validation_errors_say_where_but_never_echo_the_input(shared: Api) -> None:
    secret = "S3CRET-" + "x" * 50_000
    r = shared.client.post("/v1/approvals/1/decision",
                           json={"decision": "approve", "proposal_hash": secret, "comment": secret},
                           headers=shared.auth("approver", **{"Idempotency-Key": "v-1"}))
    assert r.status_code == 422
    assert "S3CRET" not in r.text and len(r.text) < 2000
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert {tuple(f["loc"]) for f in error["fields"]} == {("body", "proposal_hash"), ("body", "comment")}


def test_unknown_routes_and_methods_keep_the_error_shape(shared: Api) -> None:
    r = shared.client.get("/v1/nowhere", headers=shared.auth("owner"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = shared.client.put("/v1/approvals", headers=shared.auth("owner"))
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
