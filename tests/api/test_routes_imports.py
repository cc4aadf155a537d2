"""POST /v1/imports/{system}: the Xero and MYOB fixture exports, as JSON base64 files, into new
books (a company moving in: an organisation and no history); a dry run by default, then the
import, then nothing left to change; a refusal is 422 naming the file and row; owners and admins
only. Into the demo's books (locked to 31 March) the same export is refused, row by row."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import load_settings
from memory import apikeys_store
from memory.db import unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from services.runtime import Runtime
from tests.api.conftest import Api

FIXTURES = Path(__file__).parents[1] / "tools" / "imports" / "fixtures"


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Api]:
    """New books with one key per role, behind the API."""
    settings = load_settings(home=tmp_path / "home", database_url=None)
    runtime = Runtime(settings)
    upgrade(runtime.engine)
    with unit_of_work(runtime.sessions) as session:
        LedgerStore(session, runtime.clock, "test").create_organisation("Harbour & Vine Homewares",
                                                                         None)
        keys = {role: apikeys_store.create(session, runtime.clock, name=role, role=role,
                                           created_by="test").key
                for role in ("clerk", "approver", "owner", "auditor", "admin")}
    app = create_app(runtime)
    client = TestClient(app, raise_server_exceptions=False)
    yield Api(settings.home, settings, runtime, app, client, keys)
    client.close()
    if app.state.read_engine is not None:
        app.state.read_engine.dispose()
    runtime.engine.dispose()


def files(system: str, replace: tuple[str, bytes, bytes] | None = None) -> dict[str, Any]:
    out = []
    for path in sorted((FIXTURES / system).iterdir()):
        data = path.read_bytes()
        if replace and path.name == replace[0]:
            changed = data.replace(replace[1], replace[2], 1)
            assert changed != data
            data = changed
        out.append({"name": path.name, "content_base64": base64.b64encode(data).decode()})
    return {"files": out}


def post(api: Api, system: str, body: dict[str, Any], who: str = "owner", **params: str) -> Any:
    return api.client.post(f"/v1/imports/{system}", json=body, params=params,
                           headers=api.auth(who))


def bill_count(api: Api) -> int:
    from sqlalchemy import func, select

    from memory.schema import Invoice

    with unit_of_work(api.runtime.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(Invoice)
                                  .where(Invoice.kind == "bill")) or 0)


def test_xero_dry_run_then_import_then_nothing_to_change(fresh: Api) -> None:
    api = fresh
    before = bill_count(api)
    dry = post(api, "xero", files("xero"), as_at="2025-06-30")
    assert dry.status_code == 200, dry.text
    plan = dry.json()
    assert plan["dry_run"] is True and plan["applied"] is False
    posts = [i for i in plan["invoices"]["create"] if i["kind"] == "bill"]
    assert posts and bill_count(api) == before          # a dry run writes nothing
    done = post(api, "xero", files("xero"), as_at="2025-06-30", dry_run="false")
    assert done.status_code == 200, done.text
    assert done.json()["applied"] is True and done.json()["invoices"]["create"] == plan["invoices"]["create"]
    assert bill_count(api) == before + len(posts)
    again = post(api, "xero", files("xero"), as_at="2025-06-30", dry_run="false")
    assert again.status_code == 200 and again.json()["applied"] is False
    assert again.json()["invoices"]["create"] == []


def test_myob_dry_run(fresh: Api) -> None:
    api = fresh
    r = post(api, "myob", files("myob"), who="admin", as_at="2025-06-30")
    assert r.status_code == 200, r.text
    assert r.json()["system"] == "myob" and {f["file"] for f in r.json()["files"]} == {
        "ACCOUNTS.TXT", "SERVPURCH.TXT", "SUPPLIERS.TXT"}


def test_a_refusal_is_422_naming_file_and_row_and_writes_nothing(fresh: Api) -> None:
    api = fresh
    before = bill_count(api)
    bad = files("xero", ("Bills.csv", b"461,GST on Expenses", b"461,VAT 20%"))
    r = post(api, "xero", bad, as_at="2025-06-30", dry_run="false")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "import_refused"
    assert [(p["code"], p["file"], p["row"]) for p in error["problems"]] == [
        ("unknown_tax_type", "Bills.csv", 2)]
    assert "Bills.csv row 2" in error["problems"][0]["message"]
    assert bill_count(api) == before
    garbage = post(api, "xero", {"files": [{"name": "Bills.csv", "content_base64": "%%%"}]})
    assert garbage.status_code == 422 and garbage.json()["error"]["problems"][0]["code"] == "not_base64"


def test_only_owners_and_admins_import_and_the_body_is_checked(api: Api) -> None:
    for who in ("clerk", "approver", "auditor"):
        assert post(api, "xero", files("xero"), who=who).status_code == 403
    assert post(api, "quickbooks", files("xero")).status_code == 422
    assert post(api, "xero", {"files": []}).status_code == 422
    path = post(api, "xero", {"files": [{"name": "../../etc/passwd", "content_base64": "eA=="}]})
    assert path.status_code == 422 and path.json()["error"]["code"] == "invalid_request"


def test_into_the_demos_locked_books_every_row_is_refused(api: Api) -> None:
    before = bill_count(api)
    r = post(api, "xero", files("xero"), as_at="2025-06-30", dry_run="false")
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    assert {p["code"] for p in problems} == {"period_locked"}
    assert ("Bills.csv", 2) in {(p["file"], p["row"]) for p in problems}
    assert ("TrialBalance.csv", None) in {(p["file"], p["row"]) for p in problems}
    assert bill_count(api) == before
