"""The workplace's sign-in, sessions, CSRF and the approval pages, through the app (TestClient):
a session is only as good as its key, every form needs its token, a role sees only its pages,
and a decision in the browser is the same decision as the API's (one outcome, 409s in words)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from memory import apikeys_store
from memory.db import unit_of_work
from tests.api.conftest import Api, MakeApi, find_approval, pending
from tests.api.web.conftest import csrf_of, sign_in


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


def _status(api: Api, approval_id: int) -> str:
    r = api.client.get(f"/v1/approvals/{approval_id}", headers=api.auth("owner"))
    return str(r.json()["status"])


def _decide_form(api: Api, approval: dict[str, Any], csrf: str, decision: str = "approve",
                 key: str = "web-key-1", **fields: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "decision": decision, "proposal_hash": approval["proposal_hash"],
            "idempotency_key": key, **fields}
    return api.client.post(f"/approvals/{approval['id']}/decision", data=data,
                           follow_redirects=False)


# -- signing in -------------------------------------------------------------------------------

def test_a_page_without_a_session_sends_you_to_sign_in_and_back(shared: Api) -> None:
    shared.client.cookies.clear()
    r = shared.client.get("/approvals?status=approved", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/approvals%3Fstatus%3Dapproved"
    form = shared.client.get("/login?next=/approvals")
    r = shared.client.post("/login", data={"api_key": shared.keys["approver"], "next": "/approvals",
                                           "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/approvals"
    cookie = r.headers["set-cookie"]
    assert "bo_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie           # plain http on loopback
    assert shared.keys["approver"] not in cookie                   # the key is not the cookie
    assert shared.client.get("/approvals").status_code == 200
    shared.client.cookies.clear()


@pytest.mark.parametrize("who", ["revoked", "not-a-key"])
def test_a_bad_key_is_refused_in_words(shared: Api, who: str) -> None:
    shared.client.cookies.clear()
    key = shared.keys.get(who, "bo_" + "x" * 40)
    form = shared.client.get("/login")
    r = shared.client.post("/login", data={"api_key": key, "csrf_token": csrf_of(form.text)},
                           follow_redirects=False)
    assert r.status_code == 401 and "not valid" in r.text and "bo_session" not in r.headers.get(
        "set-cookie", "")


def test_the_sign_in_form_needs_its_own_token(shared: Api) -> None:
    shared.client.cookies.clear()
    r = shared.client.post("/login", data={"api_key": shared.keys["owner"]},
                           follow_redirects=False)
    assert r.status_code == 403 and "bo_session" not in r.headers.get("set-cookie", "")


def test_next_never_leaves_the_site(shared: Api) -> None:
    shared.client.cookies.clear()
    form = shared.client.get("/login")
    r = shared.client.post("/login", data={"api_key": shared.keys["owner"], "next": "//evil.example/x",
                                           "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    shared.client.cookies.clear()


def test_signing_out_ends_the_session_for_good(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["owner"])
    token = api.client.cookies.get("bo_session")
    r = api.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?reason=signed_out"
    api.client.cookies.set("bo_session", token)          # the old cookie, replayed
    r = api.client.get("/", follow_redirects=False)
    assert r.status_code == 303 and "reason=expired" in r.headers["location"]
    with unit_of_work(api.runtime.sessions) as session:
        actions = [row[0] for row in session.execute(text(
            "SELECT action FROM audit_log WHERE entity_type = 'web_session' ORDER BY seq"))]
    assert actions == ["web.signed_in", "web.signed_out"]


def test_a_session_expires_and_a_revoked_key_ends_it(api: Api) -> None:
    sign_in(api.client, api.keys["owner"])
    assert api.client.get("/", follow_redirects=False).status_code == 200
    api.clock.current += timedelta(hours=8, minutes=1)
    r = api.client.get("/approvals", follow_redirects=False)
    assert r.status_code == 303 and "reason=expired" in r.headers["location"]
    sign_in(api.client, api.keys["approver"])
    with unit_of_work(api.runtime.sessions) as session:
        key_id = apikeys_store.authenticate(session, api.keys["approver"]).key_id  # type: ignore[union-attr]
        apikeys_store.revoke(session, api.clock, key_id, actor="test")
    assert api.client.get("/approvals", follow_redirects=False).status_code == 303


# -- roles ------------------------------------------------------------------------------------

def test_a_clerk_sees_only_their_pages_and_is_told_why_otherwise(make_api: MakeApi) -> None:
    api = make_api()
    sign_in(api.client, api.keys["clerk"])
    home = api.client.get("/").text
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', home, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert 'href="/inbox"' in nav and 'href="/approvals"' not in nav and 'href="/audit"' not in nav
    r = api.client.get("/approvals")
    assert r.status_code == 403 and "Your role (clerk) may not open the approval queue" in r.text


def test_an_auditor_reads_an_approval_but_cannot_decide_it(shared: Api) -> None:
    shared.client.cookies.clear()
    csrf = sign_in(shared.client, shared.keys["auditor"])
    a = pending(shared)[0]
    page = shared.client.get(f"/approvals/{a['id']}")
    assert page.status_code == 200 and "data-shortcut=\"approve\"" not in page.text
    r = _decide_form(shared, a, csrf)
    assert r.status_code == 403 and "may read approvals but not decide them" in r.text
    assert _status(shared, a["id"]) == "pending"
    shared.client.cookies.clear()


# -- the queue and one approval ---------------------------------------------------------------

def test_the_queue_lists_what_the_api_lists(shared: Api) -> None:
    shared.client.cookies.clear()
    sign_in(shared.client, shared.keys["approver"])
    page = shared.client.get("/approvals").text
    ids = [int(i) for i in re.findall(r'<tr data-href="/approvals/(\d+)">', page)]
    assert ids == [a["id"] for a in pending(shared)]
    assert "duplicate_suspected" in page and "bank_details_changed" in page


def test_the_detail_shows_the_document_pages_and_marks_weak_fields(shared: Api) -> None:
    shared.client.cookies.clear()
    sign_in(shared.client, shared.keys["approver"])
    a = find_approval(shared, "duplicate_suspected")
    page = shared.client.get(f"/approvals/{a['id']}").text
    assert a["proposal_hash"] in page and a["invoice_number"] in page
    image = shared.client.get(f"/approvals/{a['id']}/pages/1.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert shared.client.get(f"/approvals/{a['id']}/pages/99.png").status_code == 404
    confidence = a["evidence"]["extraction"]["confidence"]
    weak = [k for k, v in confidence.items() if v < a["evidence"]["threshold"]]
    assert page.count('class="field-low"') == sum(
        1 for k in weak if k in {"invoice_number", "issue_date", "due_date", "subtotal", "tax",
                                 "total", "supplier.name"})


def test_every_page_carries_a_strict_content_security_policy(shared: Api) -> None:
    r = shared.client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert shared.client.get("/static/app.css").headers["x-content-type-options"] == "nosniff"


def test_a_script_in_an_invoice_field_is_shown_not_run(api: Api) -> None:
    a = pending(api)[0]
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with unit_of_work(api.runtime.sessions) as session:
        session.execute(text("UPDATE approvals SET proposal = json_set(proposal, '$.supplier_name', "
                             ":p) WHERE id = :id"), {"p": payload, "id": a["id"]})
    sign_in(api.client, api.keys["owner"])
    for path in ("/approvals", f"/approvals/{a['id']}"):
        html = api.client.get(path).text
        assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
        assert "<img src=x" not in html


# -- deciding ---------------------------------------------------------------------------------

def _postable(api: Api) -> dict[str, Any]:
    for item in pending(api):
        codes = {r["code"] for r in item["reasons"]}
        if item["required_role"] == "approver" and "duplicate_suspected" not in codes \
                and item["contact_id"]:
            detail = api.client.get(f"/v1/approvals/{item['id']}", headers=api.auth("owner")).json()
            if detail["proposal"]["complete"]:
                return detail
    raise AssertionError("no postable approval")


def test_a_form_without_its_csrf_token_changes_nothing(api: Api) -> None:
    sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    r = _decide_form(api, a, csrf="")
    assert r.status_code == 403 and "security token" in r.text
    r = _decide_form(api, a, csrf="forged-token")
    assert r.status_code == 403 and _status(api, a["id"]) == "pending"


def test_approving_in_the_browser_posts_the_bill_once_even_when_submitted_twice(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    first = _decide_form(api, a, csrf, key="double-click")
    second = _decide_form(api, a, csrf, key="double-click")
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == f"/approvals?done={a['id']}&verdict=approve"
    detail = api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("owner")).json()
    assert detail["status"] == "approved" and detail["decided_by"].startswith("key:")
    message = api.client.get(f"/v1/inbox/messages/{a['inbox_message_id']}",
                             headers=api.auth("clerk")).json()
    assert message["status"] == "posted"
    assert f"Approval {a['id']} approved." in api.client.get(first.headers["location"]).text


def test_a_decision_taken_in_another_tab_is_explained_not_applied(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    api.client.get(f"/approvals/{a['id']}")     # the page is open in this tab...
    other = api.client.post(f"/v1/approvals/{a['id']}/decision",  # ...and decided elsewhere
                            json={"decision": "approve", "proposal_hash": a["proposal_hash"]},
                            headers=api.auth("owner", **{"Idempotency-Key": "other-tab"}))
    assert other.status_code == 200
    r = _decide_form(api, a, csrf, "reject", key="this-tab", comment="wrong supplier")
    assert r.status_code == 409
    assert "Nothing you sent was applied" in r.text and 'role="alert"' in r.text
    assert _status(api, a["id"]) == "approved"


def test_editing_recodes_the_line_and_posts_it(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    page = api.client.get(f"/approvals/{a['id']}").text
    options = re.findall(r'<option value="(\d+)"', page)
    current = a["proposal"]["lines"][0]["account"]
    other = next(code for code in options if code != current)
    r = _decide_form(api, a, csrf, "edit", key="edit-1", line_0_account=other)
    assert r.status_code == 303, r.text
    detail = api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("owner")).json()
    assert detail["decision"] == "edit"
    assert detail["changes"]["lines"] == [{"index": 0, "account_code": other}]


def test_an_edit_that_changes_nothing_or_does_not_add_up_is_refused_in_words(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    r = _decide_form(api, a, csrf, "edit", key="edit-none")
    assert r.status_code == 422 and "Nothing was changed" in r.text
    r = _decide_form(api, a, csrf, "edit", key="edit-bad", total="1.00")
    assert r.status_code == 422 and _status(api, a["id"]) == "pending"


def test_rejecting_needs_a_reason_and_records_it(api: Api) -> None:
    csrf = sign_in(api.client, api.keys["approver"])
    a = _postable(api)
    r = _decide_form(api, a, csrf, "reject", key="rej-1")
    assert r.status_code == 422 and "Say why" in r.text and _status(api, a["id"]) == "pending"
    r = _decide_form(api, a, csrf, "reject", key="rej-2", comment="not our order")
    assert r.status_code == 303
    detail = api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("owner")).json()
    assert detail["status"] == "rejected" and detail["comment"] == "not our order"
