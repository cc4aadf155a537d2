"""`backoffice apikey …`, `backoffice approvals …` and `backoffice worker --once` against a copy of
the API's test company: keys shown once, decisions through the same service as the API (checked,
recorded once, resumed), and clear exit codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from memory import apikeys_store
from memory.db import unit_of_work
from tests.api.conftest import Api, MakeApi, find_approval, with_message_id


def run(api: Api, *args: str, key: str | None = None) -> Result:
    env = {"BACKOFFICE_HOME": str(api.home), "BACKOFFICE_DATABASE_URL": None,
           "BACKOFFICE_API_KEY": key}
    return CliRunner().invoke(cli, list(args), env=env, prog_name="backoffice")


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def shared(make_api: MakeApi) -> Api:
    return make_api()


def _authenticates(api: Api, key: str) -> apikeys_store.Principal | None:
    with unit_of_work(api.runtime.sessions) as session:
        return apikeys_store.authenticate(session, key)


def _postable(api: Api) -> dict[str, Any]:
    return find_approval(api, "po_price_mismatch")


def test_help_lists_the_commands(shared: Api) -> None:
    for args in (["--help"], ["apikey", "--help"], ["approvals", "--help"], ["worker", "--help"],
                 ["serve", "--help"], ["approvals", "edit", "--help"]):
        result = run(shared, *args)
        assert result.exit_code == 0, result.output
    top = run(shared, "--help").output
    assert all(c in top for c in ("apikey", "approvals", "worker", "serve"))


def test_apikey_create_prints_the_key_once_and_it_works(shared: Api) -> None:
    result = run(shared, "apikey", "create", "--name", "Mail relay", "--role", "clerk", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    key = data["key"]
    assert key.startswith("bo_") and result.output.count(key) == 1
    assert data["role"] == "clerk" and data["name"] == "Mail relay"
    principal = _authenticates(shared, key)
    assert principal is not None and principal.role == "clerk" and principal.key_id == data["id"]
    listed = run(shared, "apikey", "list", "--json")
    assert listed.exit_code == 0 and key not in listed.output
    assert any(k["id"] == data["id"] and k["revoked_at"] is None for k in json.loads(listed.stdout))
    text = run(shared, "apikey", "create", "--name", "Bob", "--role", "approver")
    assert text.exit_code == 0 and text.output.count("bo_") == 1

    revoked = run(shared, "apikey", "revoke", str(data["id"]))
    assert revoked.exit_code == 0
    assert _authenticates(shared, key) is None
    assert run(shared, "apikey", "revoke", str(data["id"])).exit_code == 2


def test_apikey_create_refuses_bad_roles_and_names(shared: Api) -> None:
    assert run(shared, "apikey", "create", "--name", "x", "--role", "root").exit_code == 2
    result = run(shared, "apikey", "create", "--name", "   ", "--role", "clerk")
    assert result.exit_code == 2 and "name" in result.output


def test_approvals_list_and_show_need_a_key_with_the_right_role(shared: Api) -> None:
    for key, why in ((None, "unauthorized"), ("bo_nonsense", "unauthorized"),
                     (shared.keys["revoked"], "unauthorized"), (shared.keys["clerk"], "forbidden")):
        result = run(shared, "approvals", "list", key=key)
        assert result.exit_code == 2 and f"[{why}]" in result.output
    result = run(shared, "approvals", "list", "--json", key=shared.keys["auditor"])
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert len(items) >= 5 and all(len(a["proposal_hash"]) == 64 for a in items)
    text = run(shared, "approvals", "list", "--api-key", shared.keys["admin"])
    assert text.exit_code == 0 and len(text.output.splitlines()) == len(items)

    shown = run(shared, "approvals", "show", str(items[0]["id"]), "--json", key=shared.keys["approver"])
    assert shown.exit_code == 0
    detail = json.loads(shown.stdout)
    assert detail["proposal_hash"] == items[0]["proposal_hash"] and detail["evidence"]
    text = run(shared, "approvals", "show", str(items[0]["id"]), key=shared.keys["approver"])
    assert items[0]["proposal_hash"] in text.output and "1. " in text.output
    missing = run(shared, "approvals", "show", "999999", key=shared.keys["approver"])
    assert missing.exit_code == 1 and "[not_found]" in missing.output


def test_approve_through_the_cli_posts_the_bill_once(api: Api) -> None:
    a = _postable(api)
    key = api.keys["approver"]
    result = run(api, "approvals", "approve", str(a["id"]), "--comment", "ok", "--json",
                 "--idempotency-key", "cli-1", key=key)
    assert result.exit_code == 0, result.output
    assert a["proposal_hash"] in result.stderr  # the hash decided on is printed
    body = json.loads(result.stdout)
    assert body["run"]["state"] == "posted" and body["approval"]["comment"] == "ok"
    assert body["replayed"] is False
    bill = api.client.get(f"/v1/bills/{body['run']['bill_id']}", headers=api.auth("clerk")).json()
    assert bill["number"] == a["invoice_number"]

    again = run(api, "approvals", "approve", str(a["id"]), "--idempotency-key", "cli-1", key=key)
    assert again.exit_code == 0 and "nothing new happened" in again.output
    other = run(api, "approvals", "reject", str(a["id"]), key=api.keys["owner"])
    assert other.exit_code == 1 and "[already_decided]" in other.output


def test_reject_and_edit_through_the_cli(api: Api) -> None:
    a = _postable(api)
    stale = run(api, "approvals", "reject", str(a["id"]), "--hash", "0" * 64, key=api.keys["approver"])
    assert stale.exit_code == 1 and "[stale_proposal]" in stale.output
    bad_line = run(api, "approvals", "edit", str(a["id"]), "--line", "0=6030", key=api.keys["approver"])
    assert bad_line.exit_code == 2
    unknown = run(api, "approvals", "edit", str(a["id"]), "--line", "1=NOPE",
                  key=api.keys["approver"])
    assert unknown.exit_code == 2 and "[edit_account_unknown]" in unknown.output
    nothing = run(api, "approvals", "edit", str(a["id"]), key=api.keys["approver"])
    assert nothing.exit_code == 2

    owner_bill = find_approval(api, "above_approver_limit", role="owner")
    too_big = run(api, "approvals", "approve", str(owner_bill["id"]), key=api.keys["approver"])
    assert too_big.exit_code == 1 and "[above_role_limit]" in too_big.output
    auditor = run(api, "approvals", "reject", str(owner_bill["id"]), key=api.keys["auditor"])
    assert auditor.exit_code == 2 and "[forbidden]" in auditor.output

    rejected = run(api, "approvals", "reject", str(a["id"]), "--hash", a["proposal_hash"],
                   "--comment", "wrong prices", key=api.keys["approver"])
    assert rejected.exit_code == 0 and "rejected" in rejected.output
    view = api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("auditor")).json()
    assert view["status"] == "rejected" and view["comment"] == "wrong prices"


def test_edit_through_the_cli_recodes_the_line(api: Api) -> None:
    a = _postable(api)
    current = a["proposal"]["lines"][0]["account"]
    other = "6030" if current != "6030" else "6110"
    result = run(api, "approvals", "edit", str(a["id"]), "--line", f"1={other}", "--json",
                 key=api.keys["owner"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["run"]["state"] == "posted"
    bill = api.client.get(f"/v1/bills/{body['run']['bill_id']}", headers=api.auth("clerk")).json()
    assert bill["lines"][0]["account_code"] == other


def test_worker_once_processes_what_arrived(api: Api) -> None:
    a = _postable(api)
    raw = with_message_id(api.raw_message(a["inbox_message_id"]), "<cli-worker@example.com>")
    r = api.client.post("/v1/inbox/messages", content=raw,
                        headers=api.auth("clerk", **{"Content-Type": "message/rfc822"}))
    assert r.status_code == 202
    result = run(api, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "awaiting_approval" in result.output and "1 admitted" in result.output
    status = api.client.get(f"/v1/inbox/messages/{r.json()['id']}", headers=api.auth("clerk")).json()
    assert status["status"] == "awaiting_approval"
    idle = run(api, "worker", "--once", "--json")
    assert idle.exit_code == 0 and json.loads(idle.stdout)["results"] == []


def test_commands_on_an_unmigrated_database_exit_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"BACKOFFICE_HOME": str(tmp_path / "empty"), "BACKOFFICE_DATABASE_URL": None}
    for args in (["apikey", "list"], ["approvals", "list"], ["worker", "--once"], ["serve"]):
        result = CliRunner().invoke(cli, args, env=env)
        assert result.exit_code == 3, (args, result.output)
