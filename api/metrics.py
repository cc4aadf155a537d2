"""Prometheus metrics (GET /metrics, api.routes.monitoring) and the request middleware that feeds
them and the logs.

Each app has its own `CollectorRegistry` (nothing global at import time, so two apps in one
process, as in the tests, do not share counters):

- the database gauges are read at scrape time by `DatabaseCollector`, in one read transaction of
  a handful of aggregate queries (memory.monitoring_queries): inbox messages by status, AP runs by
  state, the queue and its oldest message's age, approvals pending/overdue and the oldest's age,
  quarantined, failed and retrying runs, each worker's heartbeat age and how many are live, open
  bank lines, and which alerts are open;
- the HTTP counters live in this process: requests by method, route template and status, and a
  duration histogram by method and route. The route is the template (`/v1/approvals/{approval_id}`),
  never the raw path, so an id or a scanner's probe cannot grow the label set; a request that
  matched no route (or was refused before routing: 401) counts under "unmatched".

`ObservabilityMiddleware` also gives every request an id (the caller's `X-Request-ID` if it is a
sane token, else a new one), echoes it in the response, puts it in the log context of everything
logged while the request runs, and logs one access line per request (method, path, route, status,
duration_ms, request_id).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.logs import log_context
from services.monitoring import Observed
from tools.monitoring.alerts import CODES

access_log = logging.getLogger("backoffice.http")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _gauge(name: str, doc: str, value: float | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=0.0 if value is None else float(value))


def _labelled(name: str, doc: str, label: str, values: dict[str, int | float]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], float(value))
    return family


class DatabaseCollector(Collector):
    """The gauges, from `observe()` at every scrape (see the module docstring)."""

    def __init__(self, observe: Callable[[], Observed]) -> None:
        self.observe = observe

    def describe(self) -> list[Metric]:
        return []  # not asked at registration: that would query the database

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        o = self.observe()
        n = o.numbers
        yield _labelled("backoffice_inbox_messages", "Inbox messages by status", "status",
                        dict(n.messages_by_status))
        yield _labelled("backoffice_ap_runs", "AP runs by state", "state", dict(n.runs_by_state))
        yield _gauge("backoffice_queue_waiting_messages",
                     "Messages waiting for the machine (received, or processing and not paused "
                     "for an approval)", n.waiting)
        yield _gauge("backoffice_queue_oldest_age_seconds",
                     "Age of the oldest message waiting for the machine (0: none)", o.oldest_waiting_age)
        yield _gauge("backoffice_approvals_pending", "Approvals waiting for a person",
                     n.approvals_pending)
        yield _gauge("backoffice_approvals_overdue",
                     "Approvals pending longer than BACKOFFICE_APPROVAL_ESCALATE_HOURS",
                     n.approvals_overdue)
        yield _gauge("backoffice_approval_oldest_pending_age_seconds",
                     "Age of the oldest pending approval (0: none)", o.oldest_pending_approval_age)
        yield _gauge("backoffice_quarantined_messages", "Messages quarantined (all time)",
                     n.messages_by_status.get("quarantined", 0))
        yield _gauge("backoffice_ap_runs_failed", "AP runs in the failed state",
                     n.runs_by_state.get("failed", 0))
        yield _gauge("backoffice_ap_runs_retrying", "Runnable AP runs after a failed attempt",
                     n.runs_retrying)
        ages = GaugeMetricFamily("backoffice_worker_heartbeat_age_seconds",
                                 "Seconds since each recorded worker's last tick", labels=["worker"])
        for beat, age in zip(n.heartbeats, o.heartbeat_ages(), strict=True):
            ages.add_metric([beat.name], age)
        yield ages
        yield _gauge("backoffice_workers_live",
                     "Workers that ticked within BACKOFFICE_ALERT_WORKER_STALE_SECONDS", o.workers_live)
        yield _gauge("backoffice_bank_lines_open", "Bank statement lines not reconciled",
                     n.bank_lines_open)
        yield _labelled("backoffice_alert_open", "1 while the watchdog's alert is open", "code",
                        {code: int(code in n.open_alert_codes) for code in CODES})
        yield _gauge("backoffice_metrics_query_seconds", "How long this scrape's queries took",
                     time.perf_counter() - started)


class Metrics:
    """One app's registry: the database collector and the HTTP counters."""

    def __init__(self, observe: Callable[[], Observed]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DatabaseCollector(observe))
        self.requests = Counter("backoffice_http_requests", "HTTP requests",
                                ["method", "route", "status"], registry=self.registry)
        self.duration = Histogram("backoffice_http_request_duration_seconds",
                                  "HTTP request duration", ["method", "route"], buckets=BUCKETS,
                                  registry=self.registry)
        self._templates: dict[int, str] = {}

    def learn_routes(self, routes: Iterable[Any], *, prefix: str) -> None:
        """A router included under `prefix` keeps its routes' own paths (FastAPI hands the
        matched route, not the prefixed copy, to the scope): remember their full templates."""
        for route in routes:
            if isinstance(getattr(route, "path", None), str):
                self._templates[id(route)] = prefix + route.path

    def route_label(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return "unmatched"
        path = self._templates.get(id(route)) or getattr(route, "path", None)
        return path if isinstance(path, str) and path else "unmatched"

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1").strip()
            if REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class ObservabilityMiddleware:
    """Request ids, the HTTP metrics and the access log (see the module docstring)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, log_requests: bool = True) -> None:
        self.app, self.metrics, self.log_requests = app, metrics, log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = [500]   # what an exception that escapes the app becomes
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        method, path = scope.get("method", ""), scope.get("path", "")
        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = self.metrics.route_label(scope)
                self.metrics.observe_request(method, route, status[0], seconds)
                if self.log_requests:
                    access_log.info("%s %s %s", method, path, status[0], extra=_fields(
                        method=method, path=path, route=route, status=status[0],
                        duration_ms=round(seconds * 1000, 1)))


def _fields(**fields: Any) -> dict[str, Any]:
    return fields
