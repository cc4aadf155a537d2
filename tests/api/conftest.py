"""The API's test company: the demo books with their AP mailbox run through the worker once (so
about ten approvals are pending: a duplicate, changed bank details, an unknown supplier, bills only
the owner may approve…), and one API key per role plus a revoked one. Built once per session;
each test (or module) gets its own copy of the home, and an app over it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from agent.context import RunContext
from demo.homes import copy_home
from core.settings import Settings, load_settings
from api.app import create_app
from services.runtime import Runtime
from memory import apikeys_store
from memory.ap_schema import Approval
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.inbox_schema import InboxMessage
from tests.conftest import TickingClock

ROLES = ("clerk", "approver", "owner", "auditor", "admin")
TODAY = datetime(2026, 7, 1, tzinfo=UTC)  # the demo's "today": just after June


@dataclass(frozen=True)
class Template:
    home: Path
    keys: dict[str, str]        # role (and "approver2", "revoked") → key


@pytest.fixture(scope="session")
def api_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    from agent.checkpointer import open_checkpointer
    from agent.graphs.invoice import build_invoice_graph
    from agent.worker import Worker
    from demo.build import build_demo

    home = tmp_path_factory.mktemp("api-demo") / "home"
    settings = load_settings(home=home, database_url=None)
    build_demo(settings)
    engine = create_db_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    clock = TickingClock(TODAY)
    ctx = RunContext.build(settings, sessions, clock)
    with open_checkpointer(settings.resolved_database_url) as saver:  # (the demo may have run it)
        Worker(ctx, name="template").tick(build_invoice_graph().compile(checkpointer=saver))
    keys: dict[str, str] = {}
    with unit_of_work(sessions) as session:
        waiting = session.scalar(select(func.count()).select_from(Approval)
                                 .where(Approval.status == "pending"))
        assert waiting is not None and waiting >= 5, waiting
        for role in ROLES:
            keys[role] = apikeys_store.create(session, clock, name=f"{role}-1", role=role,
                                              created_by="test").key
        keys["approver2"] = apikeys_store.create(session, clock, name="approver-2",
                                                 role="approver", created_by="test").key
        revoked = apikeys_store.create(session, clock, name="gone", role="owner", created_by="test")
        apikeys_store.revoke(session, clock, revoked.principal.key_id, actor="test")
        keys["revoked"] = revoked.key
    engine.dispose()
    (home / "keys.json").write_text(json.dumps(keys), encoding="utf-8")
    return Template(home, keys)


@dataclass
class Api:
    home: Path
    settings: Settings
    runtime: Runtime
    app: FastAPI
    client: TestClient
    keys: dict[str, str]
    clock: TickingClock = field(default_factory=lambda: TickingClock(TODAY))

    def auth(self, who: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}", **headers}

    def principal(self, who: str) -> apikeys_store.Principal:
        with unit_of_work(self.runtime.sessions) as session:
            principal = apikeys_store.authenticate(session, self.keys[who])
        assert principal is not None
        return principal

    def run_context(self) -> RunContext:
        return self.app.state.run_context

    def tick(self) -> Any:
        """One pass of the AP worker over this home."""
        from agent.checkpointer import open_checkpointer
        from agent.graphs.invoice import build_invoice_graph
        from agent.worker import Worker

        with open_checkpointer(self.settings.resolved_database_url) as saver:
            return Worker(self.run_context(), name="test").tick(
                build_invoice_graph().compile(checkpointer=saver))

    def raw_message(self, message_id: int) -> bytes:
        from memory.blobs import BlobStore

        with unit_of_work(self.runtime.sessions) as session:
            sha = session.scalar(select(InboxMessage.raw_sha256).where(InboxMessage.id == message_id))
        assert sha is not None
        return BlobStore(self.settings.blob_path).get(sha)

    def close(self) -> None:
        self.client.close()
        if self.app.state.read_engine is not None:
            self.app.state.read_engine.dispose()
        self.runtime.engine.dispose()


def with_message_id(raw: bytes, message_id: str) -> bytes:
    """The same email under another Message-ID (a new message to the inbox)."""
    msg = message_from_bytes(raw, policy=policy.default)
    del msg["Message-ID"]
    msg["Message-ID"] = message_id
    return msg.as_bytes()


MakeApi = Callable[..., Api]


@pytest.fixture(scope="session")
def make_api(api_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeApi]:
    """Builds an Api over a fresh copy of the template home; settings may be overridden."""
    made: list[Api] = []

    def make(**overrides: object) -> Api:
        home = copy_home(api_template.home, tmp_path_factory.mktemp("api") / "home")
        settings = load_settings(home=home, database_url=None, **overrides)
        clock = TickingClock(TODAY)
        runtime = Runtime(settings, clock)
        app = create_app(runtime)
        api = Api(home, settings, runtime, app, TestClient(app, raise_server_exceptions=False),
                  dict(api_template.keys), clock)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """A fresh copy per test: for tests that change things."""
    return make_api()


def pending(api: Api) -> list[dict[str, Any]]:
    r = api.client.get("/v1/approvals", params={"status": "pending"}, headers=api.auth("owner"))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def find_approval(api: Api, reason: str | None = None, *, role: str = "approver",
                  complete: bool = True) -> dict[str, Any]:
    """A pending approval needing `role`, with reason code `reason` if given, in full."""
    for item in pending(api):
        codes = {r["code"] for r in item["reasons"]}
        if item["required_role"] != role or (reason is not None and reason not in codes):
            continue
        detail = api.client.get(f"/v1/approvals/{item['id']}", headers=api.auth("owner")).json()
        if detail["proposal"].get("complete", False) == complete:
            return detail
    raise AssertionError(f"no pending {role} approval with {reason!r} (complete={complete})")
