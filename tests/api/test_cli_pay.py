"""`backoffice pay …` through click (the group as the lead will register it): propose, approve
as an approver's key, write the ABA file with the business's direct entry details, show."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from api.cli_pay import pay
from core.settings import Settings
from memory import apikeys_store
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.migrate import upgrade
from services.runtime import Runtime
from tests.conftest import TickingClock
from tests.services.test_payment_runs import seed
from tests.tools.payments.aba_parser import parse

ABA = ["--bank", "CBA", "--apca-id", "301500", "--user-name", "Harbour & Vine Homewares",
       "--bsb", "062-000", "--account", "10458921"]


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'books.db'}")
    engine = create_db_engine(settings.resolved_database_url)
    upgrade(engine)
    seed(session_factory(engine), TickingClock())
    engine.dispose()
    return Runtime(settings)


def invoke(runtime: Runtime, *args: str) -> Result:
    @click.group()
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = runtime

    root.add_command(pay)
    return CliRunner().invoke(root, ["pay", *args], catch_exceptions=False)


def _key(runtime: Runtime, role: str, name: str) -> str:
    with unit_of_work(runtime.sessions) as session:
        return apikeys_store.create(session, runtime.clock, name=name, role=role,
                                    created_by="host").key


def test_propose_approve_write_show(runtime: Runtime, tmp_path: Path) -> None:
    proposed = invoke(runtime, "run", "--due-by", "2026-04-30", "--json")
    assert proposed.exit_code == 0, proposed.output
    run = json.loads(proposed.output)
    assert run["total"] == "1734.56" and run["left_out"][0]["supplier"] == "No Bank Co"
    refused = invoke(runtime, "approve", str(run["id"]))              # no key: who approves?
    assert refused.exit_code == 2 and "API key" in refused.output
    clerk = invoke(runtime, "approve", str(run["id"]), "--api-key", _key(runtime, "clerk", "cl"))
    assert clerk.exit_code == 2 and "clerk key may not" in clerk.output
    approved = invoke(runtime, "approve", str(run["id"]), "--api-key",
                      _key(runtime, "approver", "bob"), "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["approved_by"].endswith(":bob")
    out = tmp_path / "run.aba"
    written = invoke(runtime, "write", str(run["id"]), "--out", str(out), "--on", "2026-04-30",
                     "--no-remittance", *ABA)
    assert written.exit_code == 0, written.output
    f = parse(out.read_bytes())
    assert f.totals.credit == 173_456 and [d.code for d in f.details] == ["50", "50", "13"]
    shown = json.loads(invoke(runtime, "show", str(run["id"]), "--json").output)
    assert shown["status"] == "written" and shown["file"]["records"] == 3


def test_a_refusal_is_one_line_and_exit_2(runtime: Runtime) -> None:
    result = invoke(runtime, "write", "99", *ABA)
    assert result.exit_code == 2 and "There is no payment run 99 [unknown_payment_run]" in result.output
