"""The soak's short form (CI): fresh invoice emails over SMTP and the API, some over both, to three
`backoffice worker` processes and the API on one PostgreSQL database, while a worker or the API
is killed with SIGKILL every moment or two and started again. Every message must be recorded once
and come to exactly one outcome; nothing may be booked twice; the books balance; the chain
verifies. Then a payment run through the API, still under the kills. The long form (500 emails,
several seeds, >= 20 kills) is evals/benchmarks/soak_bench.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from evals.benchmarks.pg_schemas import drop_schema, schema_url
from evals.soak.run import SoakConfig, run_soak

pytestmark = [pytest.mark.postgres, pytest.mark.soak]


@pytest.mark.parametrize("seed", [5])
def test_kill_9_of_workers_and_the_api_loses_nothing_and_does_nothing_twice(
        postgres_server_url: str, tmp_path: Path, seed: int) -> None:
    schema = f"soak_{uuid.uuid4().hex[:10]}"
    url = schema_url(postgres_server_url, schema)
    try:
        report = run_soak(SoakConfig(emails=40, workers=3, seed=seed, min_kills=8, timeout=600),
                          tmp_path / "home", url)
    finally:
        drop_schema(postgres_server_url, schema)
    found = report.findings
    assert found.problems == []
    assert found.recorded == 40 and report.channels["smtp"] > 5 and report.channels["api"] > 5
    assert report.total_kills >= 8 and report.kills.get("api", 0) >= 2, report.kills
    assert sum(1 for name in report.kills if name.startswith("worker-")) == 3
    assert found.retried_runs >= 1  # some kills landed mid-run
    # The demo's own 15 messages and the 40 sent, each at rest: posted, or waiting for a person
    # (above a limit, a split, a new supplier's bank details): never given up on.
    assert sum(found.outcomes.values()) == 55
    assert set(found.outcomes) <= {"posted", "awaiting_approval", "quarantined"}
    assert found.outcomes["posted"] >= 25
    # The payment run, proposed, approved and written through the API while it was being killed:
    # one run, its file the same bytes when asked for again (checked above), paying each bill once.
    assert report.payment is not None and report.payment.status == "written"
