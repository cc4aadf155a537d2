"""`backoffice status`: a person's view of whether the back office is being worked, and its
exit code (1 when an alert holds, 0 when all is well, 3 before `db upgrade`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from tests.api.conftest import Api, MakeApi

# The test company's worker ran on 1 July 2026 and its approvals date from then: by the real
# clock the CLI reads, the worker has long stopped and every approval is overdue.
CALM = {"BACKOFFICE_ALERT_WORKER_STALE_SECONDS": "1e10", "BACKOFFICE_APPROVAL_ESCALATE_HOURS": "1e7",
        "BACKOFFICE_ALERT_QUEUE_AGE_SECONDS": "1e10"}


def run(home: Path, *args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="backoffice",
                              env={"BACKOFFICE_HOME": str(home), "BACKOFFICE_DATABASE_URL": None,
                                   **env})


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


def test_status_exits_1_and_names_what_needs_attention(shared: Api) -> None:
    result = run(shared.home, "status", "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["attention"] is True
    assert [a["code"] for a in data["alerts"]] == ["worker_stopped", "approval_overdue"]
    assert data["workers"]["live"] == 0
    assert {w["name"] for w in data["workers"]["list"]} == {"demo-worker", "template"}
    assert data["approvals"]["overdue"] == data["approvals"]["pending"] >= 5

    text = run(shared.home, "status")
    assert text.exit_code == 1
    assert "NEEDS ATTENTION" in text.output and "! worker_stopped: No AP worker has ticked for" in text.output
    assert "STALE template" in text.output and "not recorded by the watchdog yet" in text.output


def test_status_exits_0_when_all_is_well_and_matches_the_api(shared: Api) -> None:
    result = run(shared.home, "status", "--json", **CALM)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["attention"] is False and data["alerts"] == []
    assert data["workers"]["live"] == 2 and data["queue"]["waiting"] == 0
    text = run(shared.home, "status", **CALM)
    assert text.exit_code == 0 and "all well" in text.output and "Alerts: none" in text.output

    api = shared.client.get("/v1/status", headers=shared.auth("auditor")).json()
    assert set(api) == set(data)
    # the same numbers (the ages and limits are each process's clock and settings)
    assert (api["queue"]["waiting"], api["queue"]["received"]) == (0, 0)
    assert api["approvals"]["pending"] == data["approvals"]["pending"]
    assert api["runs"] == data["runs"]
    assert api["quarantined"] == data["quarantined"] and api["last_errors"] == data["last_errors"]


def test_status_before_the_database_is_set_up_exits_3(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "status")
    assert result.exit_code == 3
    assert "backoffice db upgrade" in result.output
