"""Self-monitoring over HTTP: /metrics parses as Prometheus text and its numbers are the
database's, before and after the worker runs; it needs a key whose role may see metrics;
GET /v1/status; every response carries its X-Request-ID; JSON log lines carry it too (and a
worker run's lines its run and message ids)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from adapters.logs import configure_logging
from memory.ap_schema import Approval, ApRun
from memory.bank_schema import BankLineRow
from memory.db import unit_of_work
from memory.inbox_schema import InboxMessage
from services.monitoring import watch
from tests.api.conftest import Api

_n = iter(range(1, 10_000))


def _note() -> bytes:
    n = next(_n)
    return (f"From: Supplier <ar@example.com>\r\nTo: ap@example.com\r\nSubject: note {n}\r\n"
            f"Message-ID: <monitoring-{n}@example.com>\r\n\r\nNo invoice, just a note.\r\n").encode()


def _submit(api: Api) -> None:
    r = api.client.post("/v1/inbox/messages", content=_note(),
                        headers=api.auth("clerk", **{"Content-Type": "message/rfc822"}))
    assert r.status_code == 202, r.text


def scrape(api: Api, who: str = "auditor") -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """{sample name: {sorted labels: value}}"""
    r = api.client.get("/metrics", headers=api.auth(who))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def by_label(samples: dict[tuple[tuple[str, str], ...], float], label: str) -> dict[str, float]:
    return {dict(k)[label]: v for k, v in samples.items()}


def single(samples: dict[str, Any], name: str) -> float:
    [value] = samples[name].values()
    return value


def database(api: Api) -> dict[str, Any]:
    with unit_of_work(api.runtime.sessions) as session:
        return {
            "messages": dict(session.execute(select(InboxMessage.status, func.count())
                                             .group_by(InboxMessage.status)).all()),
            "runs": dict(session.execute(select(ApRun.state, func.count())
                                         .group_by(ApRun.state)).all()),
            "pending": session.scalar(select(func.count()).select_from(Approval)
                                      .where(Approval.status == "pending")),
            "oldest_received": session.scalar(select(func.min(InboxMessage.received_at))
                                              .where(InboxMessage.status == "received")),
            "bank_open": session.scalar(select(func.count()).select_from(BankLineRow)
                                        .where(BankLineRow.status == "open")),
        }


def nonzero(values: dict[str, float]) -> dict[str, int]:
    return {k: int(v) for k, v in values.items() if v}


def test_metrics_are_the_databases_numbers_before_and_after_the_worker(api: Api) -> None:
    _submit(api)
    _submit(api)
    db = database(api)
    before = api.clock.current
    m = scrape(api)
    after = api.clock.current
    assert nonzero(by_label(m["backoffice_inbox_messages"], "status")) == db["messages"]
    assert db["messages"]["received"] == 2
    assert nonzero(by_label(m["backoffice_ap_runs"], "state")) == db["runs"]
    assert single(m, "backoffice_queue_waiting_messages") == 2  # the others wait for a person
    oldest = db["oldest_received"].replace(tzinfo=before.tzinfo)
    age = single(m, "backoffice_queue_oldest_age_seconds")
    assert (before - oldest).total_seconds() <= age <= (after - oldest).total_seconds()
    assert single(m, "backoffice_approvals_pending") == db["pending"] >= 5
    assert single(m, "backoffice_approvals_overdue") == 0
    assert single(m, "backoffice_bank_lines_open") == db["bank_open"]
    assert single(m, "backoffice_quarantined_messages") == db["messages"].get("quarantined", 0)
    # the demo's worker (stale: it ran the evening before) and the template's (just now)
    assert set(by_label(m["backoffice_worker_heartbeat_age_seconds"], "worker")) == {
        "demo-worker", "template"}
    assert single(m, "backoffice_workers_live") == 1
    assert by_label(m["backoffice_alert_open"], "code") == {
        "approval_overdue": 0, "queue_aged": 0, "worker_stopped": 0}
    requests = m["backoffice_http_requests_total"]
    assert requests[(("method", "POST"), ("route", "/v1/inbox/messages"), ("status", "202"))] == 2

    api.tick()  # the worker records, runs and finishes both notes
    db = database(api)
    m = scrape(api)
    assert nonzero(by_label(m["backoffice_inbox_messages"], "status")) == db["messages"]
    assert "received" not in db["messages"]
    assert nonzero(by_label(m["backoffice_ap_runs"], "state")) == db["runs"]
    assert single(m, "backoffice_queue_waiting_messages") == 0
    assert single(m, "backoffice_queue_oldest_age_seconds") == 0
    ages = by_label(m["backoffice_worker_heartbeat_age_seconds"], "worker")
    assert set(ages) == {"demo-worker", "template", "test"} and ages["test"] < 60
    assert ages["demo-worker"] > api.settings.alert_worker_stale_seconds
    assert single(m, "backoffice_workers_live") == 2
    # the first scrape is counted, by its route template
    assert m["backoffice_http_requests_total"][
        (("method", "GET"), ("route", "/metrics"), ("status", "200"))] == 1
    assert m["backoffice_http_request_duration_seconds_count"][
        (("method", "GET"), ("route", "/metrics"))] == 1

    # a run retried after an error, and one that failed
    with unit_of_work(api.runtime.sessions) as session:
        first, second = session.scalars(select(ApRun).order_by(ApRun.id.desc()).limit(2)).all()
        first.state, first.last_error = "running", "TimeoutError: the OCR took too long"
        second.state = "failed"
    m = scrape(api)
    assert single(m, "backoffice_ap_runs_retrying") == 1
    assert single(m, "backoffice_ap_runs_failed") == 1
    assert nonzero(by_label(m["backoffice_ap_runs"], "state")) == database(api)["runs"]


def test_metrics_need_a_key_whose_role_may_see_them(make_api: Any) -> None:
    api = make_api()
    bare = api.client.get("/metrics")
    assert bare.status_code == 401 and bare.headers["www-authenticate"].startswith("Bearer")
    assert bare.json() == {"error": {"code": "unauthorized", "message": "A valid API key is required."}}
    assert api.client.get("/metrics", headers=api.auth("revoked")).status_code == 401
    for role in ("clerk", "approver"):
        r = api.client.get("/metrics", headers=api.auth(role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    for role in ("owner", "admin", "auditor"):
        assert "backoffice_inbox_messages" in scrape(api, role)


def test_status_shows_the_queue_workers_and_the_alerts_that_hold(api: Api) -> None:
    _submit(api)
    r = api.client.get("/v1/status", headers=api.auth("clerk"))
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["attention"] is False and s["alerts"] == []
    assert s["queue"]["waiting"] == 1 and s["queue"]["received"] == 1
    assert [w["name"] for w in s["workers"]["list"]] == ["template", "demo-worker"]
    assert s["workers"]["live"] == 1
    assert [w["live"] for w in s["workers"]["list"]] == [True, False]
    assert s["approvals"]["pending"] == database(api)["pending"] and s["approvals"]["overdue"] == 0
    assert s["outcomes_24h"] == {k: v for k, v in database(api)["runs"].items()}

    api.clock.current += timedelta(hours=api.settings.approval_escalate_hours + 1)
    s = api.client.get("/v1/status", headers=api.auth("auditor")).json()
    assert s["attention"] is True
    assert [a["code"] for a in s["alerts"]] == ["worker_stopped", "queue_aged", "approval_overdue"]
    assert all(a["since"] is None for a in s["alerts"])  # the watchdog has not run yet
    assert s["approvals"]["overdue"] == s["approvals"]["pending"]
    assert s["workers"]["list"][0]["live"] is False and s["outcomes_24h"] == {}

    watch(api.settings, api.runtime.sessions, api.clock, by="test")
    s = api.client.get("/v1/status", headers=api.auth("auditor")).json()
    assert all(a["since"] and a["notified"].startswith("recorded") for a in s["alerts"])
    m = scrape(api)
    assert by_label(m["backoffice_alert_open"], "code") == {
        "approval_overdue": 1, "queue_aged": 1, "worker_stopped": 1}


def test_every_response_carries_its_request_id(make_api: Any) -> None:
    api = make_api()
    given = api.client.get("/v1/status", headers=api.auth("clerk", **{"X-Request-ID": "trace-42"}))
    assert given.headers["x-request-id"] == "trace-42"
    made = api.client.get("/v1/status", headers=api.auth("clerk"))
    assert len(made.headers["x-request-id"]) == 32
    refused = api.client.get("/v1/status", headers={"X-Request-ID": "not a token; <script>"})
    assert refused.status_code == 401
    assert refused.headers["x-request-id"] != "not a token; <script>"
    assert api.client.get("/healthz").headers["x-request-id"]
    assert api.client.get("/", follow_redirects=False).headers["x-request-id"]


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("json", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is JSON


def test_json_log_lines_carry_the_request_id_and_the_run(api: Api, json_logs: io.StringIO) -> None:
    r = api.client.get("/v1/approvals", params={"status": "pending"},
                       headers=api.auth("owner", **{"X-Request-ID": "req-7"}))
    assert r.status_code == 200
    [access] = [e for e in _lines(json_logs) if e.get("request_id") == "req-7"]
    assert access["logger"] == "backoffice.http" and access["level"] == "INFO"
    assert (access["method"], access["path"], access["route"], access["status"]) == (
        "GET", "/v1/approvals", "/v1/approvals", 200)
    assert isinstance(access["duration_ms"], float) and access["time"].endswith("+00:00")
    assert access["message"] == "GET /v1/approvals 200"

    _submit(api)
    api.tick()
    runs = [e for e in _lines(json_logs) if e["logger"] == "agent.worker" and "run_id" in e]
    assert runs, json_logs.getvalue()[-2000:]
    with unit_of_work(api.runtime.sessions) as session:
        newest = session.scalar(select(ApRun).order_by(ApRun.id.desc()).limit(1))
    assert newest is not None
    assert {(e["run_id"], e["message_id"], e["state"]) for e in runs} == {
        (newest.id, newest.inbox_message_id, newest.state)}


def test_the_api_watchdog_notices_that_every_worker_has_died(api: Api) -> None:
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app
    from memory import monitoring_store

    api.settings.alert_check_seconds = 0.1
    api.clock.current += timedelta(hours=1)  # the template's worker last ticked an hour ago
    alerts: list[Any] = []
    with TestClient(create_app(api.runtime, watchdog=True)):
        deadline = time.monotonic() + 30
        while not alerts and time.monotonic() < deadline:
            time.sleep(0.1)
            with unit_of_work(api.runtime.sessions) as session:
                alerts = monitoring_store.open_alerts(session)
    assert [a.code for a in alerts] == ["worker_stopped"]
    assert alerts[0].opened_by.startswith("api:")
