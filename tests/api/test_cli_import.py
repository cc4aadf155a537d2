"""`backoffice import xero|myob` (api.cli_import.import_group, wired into `backoffice` by the lead):
the dry run prints the plan and writes nothing, --json is machine-readable, a refusal exits 2
naming the file and row, a second import reports nothing to change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli_import import import_group
from core.settings import load_settings
from memory.db import unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from services.runtime import Runtime

XERO = Path(__file__).parents[1] / "tools" / "imports" / "fixtures" / "xero"


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    rt = Runtime(load_settings(home=tmp_path / "home", database_url=None))
    upgrade(rt.engine)
    with unit_of_work(rt.sessions) as session:
        LedgerStore(session, rt.clock, "test").create_organisation("Harbour & Vine Homewares", None)
    return rt


def run(runtime: Runtime, *args: str) -> Result:
    return CliRunner().invoke(import_group, list(args), obj=runtime, prog_name="backoffice import")


def _files() -> list[str]:
    return [str(p) for p in sorted(XERO.glob("*.csv"))]


def test_dry_run_then_import_then_nothing_to_change(runtime: Runtime) -> None:
    dry = run(runtime, "xero", *_files(), "--as-at", "2025-06-30", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "bills and invoices: 18 to post, 0 already here" in dry.output
    assert "  + bill Harbourside Print & Signage HPS-2401 2025-07-08 231.00, paid 231.00" in dry.output
    assert "  = 800 -> 2100" in dry.output and "opening balances as at 2025-06-30: 5 lines" in dry.output
    assert dry.output.rstrip().endswith("dry run: nothing written")
    done = run(runtime, "xero", *_files(), "--as-at", "2025-06-30", "--json")
    data = json.loads(done.output)
    assert done.exit_code == 0 and data["applied"] and len(data["invoices"]["create"]) == 18
    again = run(runtime, "xero", *_files(), "--as-at", "2025-06-30")
    assert again.exit_code == 0 and "nothing to change" in again.output
    assert "bills and invoices: 0 to post, 18 already here" in again.output


def test_a_refused_export_exits_2_naming_file_and_row(runtime: Runtime, tmp_path: Path) -> None:
    bad = tmp_path / "Bills.csv"
    bad.write_bytes((XERO / "Bills.csv").read_bytes().replace(b"461,GST on Expenses", b"461,VAT 20%", 1))
    result = run(runtime, "xero", str(XERO / "ChartOfAccounts.csv"), str(bad), "--json")
    assert result.exit_code == 2
    refused = json.loads(result.stdout)["refused"]
    assert [(p["code"], p["file"], p["row"]) for p in refused] == [("unknown_tax_type", "Bills.csv", 2)]
