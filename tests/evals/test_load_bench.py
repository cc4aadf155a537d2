"""The load benchmark's generator is open-loop: a slow server's queueing is in the latencies."""

from __future__ import annotations

import asyncio

import httpx

from evals.benchmarks.load_bench import Scenario, best_of, new_message, open_loop, table


def _client(delay: float, status: int = 200) -> httpx.AsyncClient:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(delay)
        return httpx.Response(status, json={"id": 1})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://bench")


def _scenario(rate: float, ok: frozenset[int] = frozenset({200})) -> Scenario:
    return Scenario("approvals", "GET /x", rate, 0.5, lambda c, i: c.get("/x"), ok=ok)


async def _run(delay: float, rate: float, connections: int, status: int = 200):  # type: ignore[no-untyped-def]
    async with _client(delay, status) as client:
        return await open_loop(client, _scenario(rate), 0.5, connections)


def test_requests_are_sent_on_schedule_and_waiting_counts() -> None:
    # 50 requests due over 0.5 s, one connection, 30 ms each: the server needs 1.5 s, so the
    # last request waits ~1 s for its turn, and that wait is its latency.
    out = asyncio.run(_run(0.03, 100, 1))
    assert len(out.latencies) == 50 and out.errors == 0
    assert max(out.latencies) > 900
    assert out.latencies[0] < 100


def test_enough_connections_keep_latency_at_the_service_time() -> None:
    out = asyncio.run(_run(0.03, 100, 8))
    assert len(out.latencies) == 50
    assert max(out.latencies) < 200


def test_unexpected_statuses_are_errors() -> None:
    out = asyncio.run(_run(0.0, 50, 2, status=500))
    assert out.errors == 25 and out.latencies == [] and out.statuses[500] == 25


def test_a_new_message_is_the_same_email_under_a_new_message_id() -> None:
    raw = b"From: a@b.test\r\nSubject: Invoice\r\nMessage-ID: <one@b.test>\r\n\r\nbody\r\n"
    first, second = new_message(raw), new_message(raw)
    assert b"<one@b.test>" not in first and first != second
    assert b"Subject: Invoice" in first and b"body" in first


def test_the_best_run_is_reported_with_every_runs_p99() -> None:
    runs = [{"latency_ms": {"p50": 1, "p95": 2, "p99": p99, "max": 9}, "loadavg_1m_before": load,
             "endpoint": "GET /v1/approvals", "rate_target": 200, "achieved_rate": 200.0,
             "errors": 0, "server_cpu_ms_per_request": 1.0, "meets_target": p99 <= 50}
            for p99, load in ((70.0, 5.0), (12.0, 0.5))]
    best = best_of(runs)
    assert best["latency_ms"]["p99"] == 12.0 and best["p99_ms_of_runs"] == [70.0, 12.0]
    text = table({"database": "sqlite", "machine": {"cpus": 2}, "scenarios": [best],
                  "meets_target": True})
    assert "| GET /v1/approvals | 200/s | 200.0 | 1 | 2 | 12.0 | 9 | 0 | 1.0 |" in text
