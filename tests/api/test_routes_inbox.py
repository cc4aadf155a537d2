"""POST /v1/inbox/messages and GET /v1/inbox/messages/{id}: raw MIME in, one id per message,
the body limit enforced on the bytes actually sent, and each status the worker can lead to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from memory import ap_store
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from tests.api.conftest import Api, MakeApi, find_approval, with_message_id

LIMIT = 64 * 1024
NOTE = (b"From: Supplier <ar@example.com>\r\nTo: ap@example.com\r\nSubject: A note\r\n"
        b"Message-ID: <note-1@example.com>\r\nMIME-Version: 1.0\r\n\r\nNo invoice here.\r\n")


def _post(api: Api, body: bytes | Iterator[bytes], who: str = "clerk",
          content_type: str | None = "message/rfc822", **headers: str):  # type: ignore[no-untyped-def]
    h = api.auth(who, **headers)
    if content_type is not None:
        h["Content-Type"] = content_type
    return api.client.post("/v1/inbox/messages", content=body, headers=h)


def _count(api: Api) -> int:
    with unit_of_work(api.runtime.sessions) as session:
        return session.scalar(select(func.count()).select_from(InboxMessage)) or 0


def _get(api: Api, message_id: int, who: str = "clerk") -> dict:  # type: ignore[type-arg]
    r = api.client.get(f"/v1/inbox/messages/{message_id}", headers=api.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _nested(depth: int) -> bytes:
    part = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    for i in range(depth):
        b = f"b{i}".encode()
        part = (b"Content-Type: multipart/mixed; boundary=" + b + b"\r\n\r\n--" + b + b"\r\n" + part
                + b"\r\n--" + b + b"--\r\n")
    return (b"From: x@example.com\r\nSubject: deep\r\nMessage-ID: <deep@example.com>\r\n"
            b"MIME-Version: 1.0\r\n" + part)


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api(api_max_body_bytes=LIMIT)


def test_a_new_message_is_accepted_and_the_same_one_again_gets_the_same_id(shared: Api) -> None:
    before = _count(shared)
    first = _post(shared, NOTE)
    assert first.status_code == 202
    body = first.json()
    assert body["status"] == "received" and body["duplicate"] is False
    assert first.headers["location"] == f"/v1/inbox/messages/{body['id']}"
    again = _post(shared, NOTE, who="owner", content_type="message/rfc822; charset=utf-8")
    assert again.status_code == 200
    assert again.json() == {"id": body["id"], "status": "received", "duplicate": True}
    assert _count(shared) == before + 1
    view = _get(shared, body["id"], who="auditor")
    assert view["channel"] == "api" and view["subject"] == "A note" and view["status"] == "received"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json",
                                          "multipart/form-data; boundary=x", "message/rfc8220"])
def test_other_content_types_are_415(shared: Api, content_type: str | None) -> None:
    r = _post(shared, NOTE, content_type=content_type)
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body, code", [
    (b"", "empty_body"), (b"\r\n\r\n  ", "empty_body"),
    (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "not_an_email"),
    (b'{"subject": "hi"}', "not_an_email"),
    (b"\x00\x01\x02garbage\xff" * 50, "not_an_email"),
])
def test_a_body_that_is_not_an_email_is_400_and_not_recorded(shared: Api, body: bytes, code: str) -> None:
    before = _count(shared)
    r = _post(shared, body)
    assert r.status_code == 400 and r.json()["error"]["code"] == code
    assert _count(shared) == before


def test_a_body_over_the_limit_is_413_by_content_length(shared: Api) -> None:
    before = _count(shared)
    big = NOTE + b"x" * LIMIT
    r = _post(shared, big)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    assert _count(shared) == before


def test_a_chunked_body_over_the_limit_is_413_while_it_is_read(shared: Api) -> None:
    before = _count(shared)
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        yield NOTE
        for _ in range(40):  # 40 × 8 KiB = 320 KiB, five times the limit
            sent.append(1)
            yield b"y" * 8192

    r = _post(shared, chunks())
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert _count(shared) == before
    small = _post(shared, iter([NOTE.replace(b"note-1", b"note-chunked"), b"more text\r\n"]))
    assert small.status_code == 202  # a chunked body under the limit is fine


def test_malformed_mime_is_recorded_quarantined_with_the_reason(shared: Api) -> None:
    r = _post(shared, _nested(30))
    assert r.status_code == 202 and r.json()["status"] == "quarantined"
    view = _get(shared, r.json()["id"])
    assert view["status"] == "quarantined"
    assert view["reasons"][0]["code"] == "quarantined" and "mime_too_deep" in view["reasons"][0]["message"]


def test_message_ids_out_of_range_or_unknown(shared: Api) -> None:
    h = shared.auth("clerk")
    assert shared.client.get("/v1/inbox/messages/999999", headers=h).status_code == 404
    for bad in ("0", "-1", "abc", "1.5", str(2 ** 70), "NaN"):
        r = shared.client.get(f"/v1/inbox/messages/{bad}", headers=h)
        assert r.status_code == 422, bad


def test_the_status_follows_the_run_through_the_worker(api: Api) -> None:
    """received → processing → awaiting_approval → posted; rejected; a message without an
    invoice is quarantined by the worker with its reason."""
    model = find_approval(api, "po_price_mismatch")  # a bill still waiting: copies of it can post
    raw = api.raw_message(model["inbox_message_id"])
    to_post = _post(api, with_message_id(raw, "<copy-post@example.com>")).json()["id"]
    to_reject = _post(api, with_message_id(raw, "<copy-reject@example.com>")).json()["id"]
    broken = (b"From: ar@example.com\r\nSubject: broken\r\nMessage-ID: <broken@example.com>\r\n"
              b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
              b"--zz\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
              b"Content-Disposition: attachment; filename=\"inv.pdf\"\r\n\r\n!!!not base64!!!\r\n")
    no_invoice = _post(api, broken).json()["id"]
    assert _get(api, to_post) == {**_get(api, to_post), "status": "received", "bill_id": None,
                                  "approval_id": None, "reasons": []}

    with unit_of_work(api.runtime.sessions) as session:
        ap_store.admit_received(session, api.clock)
    assert _get(api, to_post)["status"] == "processing"

    api.tick()
    waiting = _get(api, to_post)
    assert waiting["status"] == "awaiting_approval" and waiting["approval_id"] is not None
    assert "duplicate_suspected" in {r["code"] for r in waiting["reasons"]}
    quarantined = _get(api, no_invoice)
    assert quarantined["status"] == "quarantined" and quarantined["reasons"]

    for message_id, verdict in ((to_post, "approve"), (to_reject, "reject")):
        approval_id = _get(api, message_id)["approval_id"]
        a = api.client.get(f"/v1/approvals/{approval_id}", headers=api.auth("owner")).json()
        r = api.client.post(f"/v1/approvals/{approval_id}/decision",
                            json={"decision": verdict, "proposal_hash": a["proposal_hash"]},
                            headers=api.auth("owner", **{"Idempotency-Key": f"k-{message_id}"}))
        assert r.status_code == 200, r.text
    posted = _get(api, to_post)
    assert posted["status"] == "posted" and posted["bill_id"] is not None
    assert _get(api, to_reject)["status"] == "rejected"


def test_a_message_is_picked_up_by_the_next_worker_pass(api: Api) -> None:
    r = _post(api, NOTE.replace(b"note-1", b"note-worker"))
    report = api.tick()
    assert report.admitted == 1 and len(report.results) == 1
    assert _get(api, r.json()["id"])["status"] == "quarantined"  # no invoice in it
