"""API keys linked to an employee: `create(..., employee_id=)` checks the employee exists, the
principal carries it, and `backoffice apikey create --employee` sets it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from api.cli import cli
from memory import apikeys_store
from memory.db import unit_of_work
from tests.agent.chat.tools.conftest import Books


def test_a_key_carries_its_employee(books: Books) -> None:
    with unit_of_work(books.sessions) as session:
        created = apikeys_store.create(session, books.clock, name="Chloe", role="clerk",
                                       created_by="test", employee_id="E007")
        plain = apikeys_store.create(session, books.clock, name="Till", role="clerk",
                                     created_by="test")
        assert created.principal.employee_id == "E007"
        assert apikeys_store.authenticate(session, created.key).employee_id == "E007"  # type: ignore[union-attr]
        assert apikeys_store.authenticate(session, plain.key).employee_id is None  # type: ignore[union-attr]
        with pytest.raises(ValueError, match="no employee"):
            apikeys_store.create(session, books.clock, name="Ghost", role="clerk",
                                 created_by="test", employee_id="E999")


def test_the_cli_links_a_key_to_an_employee(books: Books, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    env = {"BACKOFFICE_HOME": str(books.home), "BACKOFFICE_DATABASE_URL": None,
           "BACKOFFICE_API_KEY": None}
    result = CliRunner().invoke(cli, ["apikey", "create", "--name", "Chloe", "--role", "clerk",
                                      "--employee", "E007", "--json"], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["employee"] == "E007"
    with unit_of_work(books.sessions) as session:
        assert apikeys_store.authenticate(session, body["key"]).employee_id == "E007"  # type: ignore[union-attr]
    bad = CliRunner().invoke(cli, ["apikey", "create", "--name", "x", "--role", "clerk",
                                   "--employee", "E999"], env=env)
    assert bad.exit_code == 2
