"""The API against its own description: schemathesis generates requests for every operation of
/v1/openapi.json (valid ones, and ones that break the schema), sends them in-process (ASGI, no
network) with each role's key over a fresh copy of the test company, and checks every answer:

- no server error (5xx);
- its status is one the operation documents (a 403 for a role it refuses, a 404, a 409...);
- its Content-Type and body match the documented response for that status;
- a request that breaks the schema is refused (4xx), never done.

Generated ids are sometimes swapped for ids the company holds (approvals, bills, messages, bank
lines and rules, payment runs, keys, chat threads, the approvals' proposal hashes) and an inbox
body for one of its real emails under a new Message-ID, so requests reach past "not found" into
the routes' real work: decisions, bank decisions, payment runs, revocations change the company,
which is why each role gets its own copy.

Every failing check is collected (not just the first), so a failure lists them all. The CI form
is bounded and derandomised (`BACKOFFICE_FUZZ_EXAMPLES`, default 8 per operation; schemathesis's
explicit examples and fuzzing phases). A longer run:

    BACKOFFICE_FUZZ_EXAMPLES=100 BACKOFFICE_FUZZ_PHASES=examples,coverage,fuzzing \\
        .venv/bin/pytest -q -p no:cacheprovider -m fuzz tests/api/test_fuzz_openapi.py

(`coverage` adds schemathesis's boundary values of every parameter: ~1,500 requests a role).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from memory.db import unit_of_work
from tests.api.conftest import ROLES, Api, MakeApi, with_message_id

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("BACKOFFICE_FUZZ_EXAMPLES", "8"))
PHASES = [HypothesisTestMode(p.strip()) for p in
          os.environ.get("BACKOFFICE_FUZZ_PHASES", "examples,fuzzing").split(",") if p.strip()]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]
MAX_ID = 2_147_483_647
HASH = re.compile(r"[0-9a-f]{64}")

# The raw-email body is bytes, as application/octet-stream's are.
schemathesis.serializer.alias(["message/rfc822", "message/global"], "application/octet-stream")


@dataclass(frozen=True)
class Finding:
    role: str
    operation: str
    kind: str          # the failed check's title, or the harness error
    detail: str        # the check's message (status received, what was documented...)
    request: str       # the request as a curl command (the key filtered out)

    def __str__(self) -> str:
        return f"[{self.role}] {self.operation}: {self.kind}\n{self.detail}\n{self.request}"


def company_values(api: Api, role: str) -> dict[str, list[Any]]:
    """What the company holds, by the parameter names the API gives it (never the caller's own
    key: revoking it would leave the rest of the run unauthenticated)."""
    own = api.principal(role).key_id
    queries = {
        "approval_id": "SELECT id FROM approvals",
        "bill_id": "SELECT id FROM invoices",
        "message_id": "SELECT id FROM inbox_messages",
        "line_id": "SELECT id FROM bank_lines",
        "rule_id": "SELECT id FROM bank_rules",
        "run_id": "SELECT id FROM payment_runs",
        "key_id": f"SELECT id FROM api_keys WHERE id != {int(own)}",
        "thread_id": "SELECT DISTINCT thread_id FROM checkpoints WHERE thread_id LIKE 'chat-%'",
        "proposal_hash": "SELECT proposal_hash FROM approvals",
    }
    with unit_of_work(api.runtime.sessions) as session:
        return {name: sorted(row[0] for row in session.execute(text(sql)))
                for name, sql in queries.items()}


def _valid(name: str, value: Any) -> bool:
    """Only a value that is already valid is swapped for a real one: a schema-breaking value
    (negative mode) stays schema-breaking."""
    if name == "proposal_hash":
        return isinstance(value, str) and HASH.fullmatch(value) is not None
    if name == "thread_id":
        return isinstance(value, str)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _mixed(values: Any, real: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    if not isinstance(values, dict):
        return st.just(values)
    return st.fixed_dictionaries({
        name: st.sampled_from([value, *real[name]]) if real.get(name) and _valid(name, value)
        else st.just(value)
        for name, value in values.items()})


def install_hooks(schema: Any, real: dict[str, list[Any]], emails: list[bytes]) -> None:
    def flatmap_path_parameters(context: Any, path_parameters: Any) -> st.SearchStrategy[Any]:
        return _mixed(path_parameters, real)

    def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
        if context.operation is not None and context.operation.path == "/v1/inbox/messages":
            if isinstance(body, (bytes, str)):
                return st.one_of(st.just(body), st.builds(
                    lambda raw, n: with_message_id(raw, f"<fuzz-{n}@example.test>"),
                    st.sampled_from(emails), st.integers(0, 10**9)))
            return st.just(body)
        return _mixed(body, real)

    schema.hook(flatmap_path_parameters)
    schema.hook(flatmap_body)


@dataclass
class Run:
    findings: list[Finding]
    operations: set[str]      # every operation of the description
    reached: set[str]         # those that were sent at least one request
    requests: int


def fuzz(api: Api, role: str, examples: int = EXAMPLES,
         phases: list[HypothesisTestMode] = PHASES) -> Run:
    """Every operation, `examples` generated requests each (and the phases' own), every failed
    check kept."""
    auth = {"Authorization": f"Bearer {api.keys[role]}"}
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", api.app, headers=auth)
    install_hooks(schema, company_values(api, role), [api.raw_message(1), api.raw_message(2)])
    run = Run([], set(), set(), 0)
    settings = hypothesis.settings(max_examples=examples, derandomize=True, database=None,
                                   deadline=None, suppress_health_check=list(hypothesis.HealthCheck))

    def caller(label: str) -> Callable[[Any], None]:
        def call(case: Any) -> None:
            run.requests += 1
            run.reached.add(label)
            try:
                case.call_and_validate(headers=auth, checks=CHECKS)
            except FailureGroup as group:
                run.findings.extend(Finding(role, label, failure.title, str(failure)[:800],
                                            case.as_curl_command()[:800])
                                    for failure in group.exceptions)
            except Exception as exc:  # noqa: BLE001 — the app raised (its 500 was sent first)
                run.findings.append(Finding(role, label, "Server error",
                                            f"the app raised {type(exc).__name__}: {exc}"[:800],
                                            case.as_curl_command()[:800]))
        return call

    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations.add(operation.label)
        test: Callable[[], None] = create_test(operation=operation,
                                               test_func=caller(operation.label),
                                               config=HypothesisTestConfig(
                                                   project=schema.config, modes=phases,
                                                   settings=settings))
        try:
            test()
        except hypothesis.errors.Unsatisfiable:
            pass  # negative mode for an operation with nothing to break (no parameters, no body)
        except Exception as exc:  # noqa: BLE001 — the harness itself failed: report it
            run.findings.append(Finding(role, operation.label, type(exc).__name__,
                                        str(exc)[:800], ""))
    return run


def summary(findings: list[Finding]) -> str:
    seen: dict[tuple[str, str, str], Finding] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for f in findings:
        key = (f.operation, f.kind, f.detail.split("\n\n", 1)[-1][:120])
        seen.setdefault(key, f)
        counts[key] = counts.get(key, 0) + 1
    return f"{len(findings)} failed checks, {len(seen)} distinct:\n\n" + "\n\n".join(
        f"x{counts[key]} {finding}" for key, finding in seen.items())


@pytest.fixture(scope="module", autouse=True)
def _stop_lifespans() -> Any:
    yield
    asgi.shutdown_lifespans()  # the apps schemathesis started (each role's)


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_its_description_says(role: str, make_api: MakeApi) -> None:
    run = fuzz(make_api(), role)
    assert run.reached == run.operations and len(run.operations) >= 30, \
        sorted(run.operations - run.reached)
    assert not run.findings, summary(run.findings)


def test_a_server_error_is_reported(make_api: MakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness can fail: a route made to raise is reported as a server error."""
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("api.routes.approvals.approval_queue", broken)
    run = fuzz(make_api(), "owner", examples=2, phases=[HypothesisTestMode.FUZZING])
    assert {f.kind for f in run.findings if f.operation == "GET /v1/approvals"} == {"Server error"}
