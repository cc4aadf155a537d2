"""The workplace's inbox, bank, payroll and audit pages on the demo company (tests/api/conftest):
signed in through the browser's door (GET /login, its CSRF token, POST /login with an API key),
each page shows what the JSON API and the stores hold, the role matrix is the API's, a form
without its CSRF token changes nothing, and text from outside senders is escaped, never run."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from memory import audit
from memory.bank_store import BankStore
from memory.db import unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry, PayRun
from services import bank_reconcile
from tests.api.conftest import Api, MakeApi
from tests.api.web.conftest import csrf_of, sign_in

ROW = re.compile(r'<tr data-href="/inbox/(\d+)">.*?<span class="badge (\w+)"', re.DOTALL)
SCRIPT_SUBJECT = "<script>alert('subject')</script> Invoice 42"


def _deep_mime(depth: int) -> bytes:
    part = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for i in range(depth):
        b = f"b{i}".encode()
        part = (b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n" + part
                + b"\r\n--" + b + b"--\r\n")
    return (b"From: deep@example.com\r\nSubject: Too deep to read\r\n"
            b"Message-ID: <web-deep@example.com>\r\nMIME-Version: 1.0\r\n" + part)


def _hostile_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = '"<img src=x onerror=alert(1)>" <evil@example.com>'
    msg["To"] = "ap@example.com"
    msg["Subject"] = SCRIPT_SUBJECT
    msg["Message-ID"] = "<web-hostile@example.com>"
    msg.set_content("Please pay.\n<script>alert('body')</script>\n")
    msg.add_alternative("<p>Please pay.</p><script>alert('html')</script>", subtype="html")
    msg.add_attachment(b"%PDF-1.4\n%%EOF\n", maintype="application", subtype="pdf",
                       filename="invoice-42.pdf")
    return msg.as_bytes()


SUBMITTED: dict[str, int] = {}   # what this module sent to the inbox → its id


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Iterator[Api]:
    api = make_api()
    for name, raw in (("hostile", _hostile_mail()), ("deep", _deep_mime(30))):
        r = api.client.post("/v1/inbox/messages", content=raw,
                            headers=api.auth("clerk", **{"Content-Type": "message/rfc822"}))
        assert r.status_code == 202, r.text
        SUBMITTED[name] = r.json()["id"]
    yield api


_signed_in: dict[tuple[int, str], TestClient] = {}


def browser(api: Api, role: str) -> TestClient:
    """A browser signed in with `role`'s key (one per role and app)."""
    key = (id(api.app), role)
    if key not in _signed_in:
        client = TestClient(api.app, raise_server_exceptions=True)
        sign_in(client, api.keys[role])
        _signed_in[key] = client
    return _signed_in[key]


def _shown(text: str) -> str:
    """`text` as the pages show it (Jinja2's autoescaping)."""
    return str(escape(text))


def _flash(page: str) -> str:
    found = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.DOTALL)
    assert found is not None, page
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def _api_status(api: Api, message_id: int) -> dict:  # type: ignore[type-arg]
    r = api.client.get(f"/v1/inbox/messages/{message_id}", headers=api.auth("clerk"))
    assert r.status_code == 200, r.text
    return r.json()


# -- the inbox ---------------------------------------------------------------------------------

def test_the_inbox_lists_every_message_with_the_apis_outcome(shared: Api) -> None:
    r = browser(shared, "clerk").get("/inbox")
    assert r.status_code == 200
    rows = [(int(i), status) for i, status in ROW.findall(r.text)]
    assert len(rows) == _api_count(shared) and len(rows) >= 10
    assert [i for i, _ in rows] == sorted((i for i, _ in rows), reverse=True)  # newest first
    for message_id, status in rows:
        view = _api_status(shared, message_id)
        assert status == view["status"], message_id
        if view["approval_id"]:
            assert f"Approval {view['approval_id']}" in r.text
    outcomes = {status for _, status in rows}
    assert {"posted", "awaiting_approval", "quarantined", "received"} <= outcomes
    # a clerk may not open approvals, so the approval is named, not linked
    assert 'href="/approvals/' not in r.text
    owner = browser(shared, "owner").get("/inbox")
    assert re.search(r'href="/approvals/\d+"', owner.text)


def _api_count(api: Api) -> int:
    from memory.inbox_schema import InboxMessage

    with unit_of_work(api.runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0


def test_the_quarantined_filter_shows_them_with_their_reasons_in_words(shared: Api) -> None:
    r = browser(shared, "clerk").get("/inbox", params={"status": "quarantined"})
    assert r.status_code == 200
    rows = ROW.findall(r.text)
    assert rows and {status for _, status in rows} == {"quarantined"}
    assert str(SUBMITTED["deep"]) in {i for i, _ in rows}
    reason = _api_status(shared, SUBMITTED["deep"])["reasons"][0]["message"]
    assert "mime_too_deep" in reason and _shown(reason) in r.text
    page = browser(shared, "clerk").get(f"/inbox/{SUBMITTED['deep']}")
    assert page.status_code == 200 and "Why it was quarantined" in page.text
    assert _shown(reason) in page.text and "could not be read" in page.text
    posted = browser(shared, "clerk").get("/inbox", params={"status": "posted"})
    assert {status for _, status in ROW.findall(posted.text)} == {"posted"}
    assert "Bill " in posted.text


def test_outside_text_is_escaped_and_the_message_page_shows_text_only(shared: Api) -> None:
    listing = browser(shared, "clerk").get("/inbox").text
    message_id = SUBMITTED["hostile"]
    assert _api_status(shared, message_id)["subject"] == SCRIPT_SUBJECT
    page = browser(shared, "clerk").get(f"/inbox/{message_id}")
    assert page.status_code == 200
    for text in (listing, page.text):
        assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in text
        assert "<script>alert" not in text and "<img src=x" not in text
    assert "evil@example.com" in page.text                         # the sender
    assert "invoice-42.pdf" in page.text                           # the attachment, by name
    assert "&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;" in page.text   # plain text body
    assert "alert('html')" not in html.unescape(page.text)          # the HTML part is never shown
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert browser(shared, "clerk").get("/inbox/999999").status_code == 404


# -- the role matrix ---------------------------------------------------------------------------

def test_each_page_is_refused_in_words_to_a_role_without_its_permission(shared: Api) -> None:
    clerk = browser(shared, "clerk")
    for path in ("/audit", "/payroll"):
        r = clerk.get(path)
        assert r.status_code == 403 and "Not for your role" in r.text, path
    assert 'href="/audit"' not in clerk.get("/inbox").text
    admin = browser(shared, "admin").get("/bank")
    assert admin.status_code == 403 and "may not open the bank" in admin.text
    anonymous = TestClient(shared.app).get("/bank", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


# -- the bank ----------------------------------------------------------------------------------

def _open_lines(api: Api) -> list[dict]:  # type: ignore[type-arg]
    """Open lines the books can still take (after the lock date), with a suggestion."""
    with unit_of_work(api.runtime.sessions) as session:
        locked = LedgerStore(session, api.runtime.clock, "test").lock_date() or date(1900, 1, 1)
    return [ln for ln in bank_reconcile.exceptions(api.runtime, limit=1000)
            if ln["posted"] > locked and ln["suggestions"]
            and ln["suggestions"][0]["kind"] == "categorise"]


def _line_state(api: Api, line_id: int) -> tuple[str, str | None, str | None]:
    with unit_of_work(api.runtime.sessions) as session:
        store = BankStore(session, api.runtime.clock, "test")
        rec = store.reconciliation_for(line_id)
        return (store.line(line_id).status, rec.decided_by if rec else None,
                rec.account_code if rec else None)


def test_the_bank_page_shows_each_feed_and_the_exceptions(shared: Api) -> None:
    r = browser(shared, "clerk").get("/bank")
    assert r.status_code == 200
    for feed in bank_reconcile.feed_status(shared.runtime):
        assert f"<td>{feed['account']}</td>" in r.text and _shown(feed["name"]) in r.text
    open_ids = [ln["id"] for ln in bank_reconcile.exceptions(shared.runtime, limit=50)]
    assert open_ids and [int(i) for i in re.findall(r'<article class="bank-line" id="line-(\d+)"',
                                                     r.text)] == open_ids
    first = bank_reconcile.exceptions(shared.runtime, limit=1)[0]
    for reason in first["suggestions"][0]["reasons"]:
        assert _shown(reason) in r.text
    assert r.text.count('name="csrf_token"') > len(open_ids)  # accept/categorise forms
    auditor = browser(shared, "auditor").get("/bank")
    assert auditor.status_code == 200 and "/accept" not in auditor.text


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(shared: Api) -> None:
    line = _open_lines(shared)[0]
    clerk = browser(shared, "clerk")
    r = clerk.post(f"/bank/lines/{line['id']}/accept", data={"choice": "1"})
    assert r.status_code == 403 and "Form refused" in r.text
    r = clerk.post(f"/bank/lines/{line['id']}/accept", data={"choice": "1", "csrf_token": "x" * 40})
    assert r.status_code == 403
    assert _line_state(shared, line["id"]) == ("open", None, None)


def test_accepting_a_suggestion_reconciles_the_line_once(shared: Api) -> None:
    line = _open_lines(shared)[0]
    clerk = browser(shared, "clerk")
    token = csrf_of(clerk.get("/bank").text)
    r = clerk.post(f"/bank/lines/{line['id']}/accept", data={"choice": "1", "csrf_token": token},
                   follow_redirects=False)
    assert r.status_code == 303, r.text
    page = clerk.get(r.headers["location"])
    assert _flash(page.text) == f"Bank line {line['id']} reconciled as suggested."
    assert f'id="line-{line["id"]}"' not in page.text
    status, decided_by, account = _line_state(shared, line["id"])
    assert status != "open" and decided_by == shared.principal("clerk").actor
    assert account == line["suggestions"][0]["account_code"]
    # the same form again (a double submit, another tab): refused in words, nothing posted twice
    again = clerk.post(f"/bank/lines/{line['id']}/accept",
                       data={"choice": "1", "csrf_token": token})
    assert again.status_code == 409 and "already reconciled" in _flash(again.text)
    assert "nothing was posted twice" in _flash(again.text)


def test_categorising_posts_to_the_chosen_account_and_refusals_are_words(shared: Api) -> None:
    line = _open_lines(shared)[-1]
    clerk = browser(shared, "clerk")
    token = csrf_of(clerk.get("/bank").text)
    r = clerk.post(f"/bank/lines/{line['id']}/categorise",
                   data={"account_code": "2100", "csrf_token": token})
    assert r.status_code == 422 and "not by categorising" in _flash(r.text)
    assert _line_state(shared, line["id"])[0] == "open"
    r = clerk.post(f"/bank/lines/{line['id']}/categorise",
                   data={"account_code": "6110", "tax_code": "", "csrf_token": token})
    assert r.status_code == 200 and _flash(r.text) == f"Bank line {line['id']} categorised to 6110."
    assert _line_state(shared, line["id"])[0] != "open"
    assert _line_state(shared, line["id"])[2] == "6110"
    r = clerk.post("/bank/lines/999999/categorise", data={"account_code": "6110",
                                                          "csrf_token": token})
    assert r.status_code == 404 and "no bank line 999999" in _flash(r.text)
    auditor = browser(shared, "auditor")
    other = _open_lines(shared)[0]
    r = auditor.post(f"/bank/lines/{other['id']}/accept",
                     data={"choice": "1", "csrf_token": csrf_of(auditor.get("/bank").text)})
    assert r.status_code == 403 and "not reconcile" in _flash(r.text)
    assert _line_state(shared, other["id"])[0] == "open"


# -- payroll -----------------------------------------------------------------------------------

def test_the_payroll_check_shows_the_underpayments_with_their_clauses(shared: Api) -> None:
    owner = browser(shared, "owner")
    period = {"period_start": "2026-05-20", "period_end": "2026-06-30"}
    r = owner.get("/payroll", params=period)
    assert r.status_code == 200
    body = shared.client.post("/v1/payroll/check", json=period, headers=shared.auth("owner")).json()
    assert body["underpaid_employees"] > 0
    assert f"{body['underpaid_employees']} employees were underpaid" in r.text
    underpaid = [e for run in body["pay_runs"] for e in run["employees"]
                 if e["status"] == "underpaid"]
    assert {"E007", "E013", "E016"} <= {e["employee_id"] for e in underpaid}
    for n, run in enumerate(body["pay_runs"], start=1):
        for e in run["employees"]:
            if e["status"] != "underpaid":
                continue
            assert f'<h4 id="e-{n}-{e["employee_id"]}-head">' in r.text
            for finding in e["findings"]:
                assert _shown(finding["message"]) in r.text
                assert _shown(", ".join(finding["clauses"])) in r.text
    # no choice: the latest pay run
    with unit_of_work(shared.runtime.sessions) as session:
        latest = session.scalars(select(PayRun).order_by(PayRun.payment_date.desc())).first()
    assert latest is not None
    default = owner.get("/payroll")
    assert f'<h2 id="result">{latest.period_start} to {latest.period_end}</h2>' in default.text
    assert f'<option value="{latest.id}" selected>' in default.text
    bad = owner.get("/payroll", params={"period_start": "2026-06-30", "period_end": "2026-06-01"})
    assert bad.status_code == 422 and "before it starts" in bad.text


# -- the audit log -----------------------------------------------------------------------------

def test_the_audit_log_is_paged_newest_first_and_the_chain_verifies(shared: Api) -> None:
    auditor = browser(shared, "auditor")
    with unit_of_work(shared.runtime.sessions) as session:
        newest = [s for s in session.scalars(select(AuditEntry.seq)
                                             .order_by(AuditEntry.seq.desc()).limit(50))]
    first = auditor.get("/audit", params={"per": 25})
    assert first.status_code == 200
    seqs = [int(s) for s in re.findall(r'<td class="num">(\d+)</td>\s*<td><time', first.text)]
    assert seqs == newest[:25]
    second = auditor.get("/audit", params={"per": 25, "page": 2})
    assert [int(s) for s in re.findall(r'<td class="num">(\d+)</td>\s*<td><time',
                                       second.text)] == newest[25:50]
    r = auditor.get("/audit", params={"verify": "1"})
    with unit_of_work(shared.runtime.sessions) as session:
        report = audit.verify(session)
    assert report.intact
    assert "The audit log is intact" in r.text and f"{report.rows_checked} rows checked" in r.text
    assert report.head_hash in r.text
    gone = auditor.get("/audit", params={"verify": "1", "expect_head": "ab" * 32})
    assert "The audit log is broken" in gone.text and "is not on the chain" in gone.text
