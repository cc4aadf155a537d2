"""The `backoffice` command line against a real data directory: help everywhere, a clear refusal on an
unmigrated database, supplier import that is all-or-nothing, and machine-readable --json output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from adapters.clock import SystemClock
from tools.ledger.chart import standard_accounts

FIXTURES = Path(__file__).parent / "fixtures"
SUPPLIERS = json.loads((FIXTURES / "suppliers.json").read_text(encoding="utf-8"))
SUPPLIER_ABNS = [s["abn"].replace(" ", "") for s in SUPPLIERS]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty BACKOFFICE_HOME; no database URL, no stray .env from the working directory."""
    home = tmp_path / "home"
    monkeypatch.setenv("BACKOFFICE_HOME", str(home))
    for name in ("BACKOFFICE_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="backoffice")


@pytest.fixture
def books(home: Path) -> Iterator[Path]:
    """A migrated home with an organisation (and so the standard chart) set up."""
    assert run("db", "upgrade").exit_code == 0
    engine = create_db_engine(f"sqlite:///{home / 'backoffice.db'}")
    with unit_of_work(session_factory(engine)) as session:
        LedgerStore(session, SystemClock(), "test").create_organisation(
            "Harbour & Vine Homewares Pty Ltd", "51 824 753 556", state="NSW")
    engine.dispose()
    yield home


def _write(tmp: Path, records: object) -> str:
    path = tmp / "suppliers-upload.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def _all_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*path, name))


# -- help ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("group", "commands"), [
    ((), ["db", "demo", "ledger", "suppliers", "audit"]),
    (("db",), ["upgrade"]),
    (("ledger",), ["accounts", "trial-balance", "journal", "lock"]),
    (("suppliers",), ["import"]),
    (("audit",), ["verify"]),
])
def test_help_on_every_group_lists_its_commands(home: Path, group: tuple[str, ...],
                                                commands: list[str]) -> None:
    for flag in ("--help", "-h"):
        result = run(*group, flag)
        assert result.exit_code == 0, result.output
        assert "Usage: backoffice" in result.output
        assert "Commands:" in result.output
        for command in commands:
            assert f"  {command} " in result.output or f"  {command}\n" in result.output, command
    assert not home.exists()  # asking for help touches no data


def test_every_command_has_help(home: Path) -> None:
    paths = [path for path, _ in _all_commands(cli)]
    assert ("audit", "verify") in paths and ("suppliers", "import") in paths
    for path in paths:
        result = run(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert f"Usage: backoffice {' '.join(path)}" in result.output


# -- the schema check ------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("ledger", "accounts"), ("ledger", "trial-balance", "--json"), ("ledger", "journal"),
    ("audit", "verify"), ("suppliers", "import", str(FIXTURES / "suppliers.json")),
    ("ledger", "lock", "2026-03-31"),
])
def test_an_unmigrated_home_is_refused_with_exit_3_and_the_fix(home: Path, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.exit_code == 3, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Run `backoffice db upgrade`" in result.output
    assert "has no Backoffice tables" in result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""  # the message goes to stderr


def test_db_upgrade_creates_the_schema_and_is_repeatable(home: Path) -> None:
    first = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert "database is at the current schema" in first.output
    assert (home / "backoffice.db").exists()
    assert run("db", "upgrade").exit_code == 0
    result = run("audit", "verify")
    assert result.exit_code == 0
    assert "audit log intact: 0 rows" in result.output


# -- suppliers -------------------------------------------------------------------------------

def test_import_prints_counts_then_json_reports_unchanged(books: Path) -> None:
    result = run("suppliers", "import", str(FIXTURES / "suppliers.json"))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "4 created, 0 updated, 0 unchanged"

    again = run("suppliers", "import", "--json", str(FIXTURES / "suppliers.json"))
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {"created": [], "updated": [], "unchanged": SUPPLIER_ABNS}


def test_import_updates_a_changed_supplier(books: Path, tmp_path: Path) -> None:
    assert run("suppliers", "import", str(FIXTURES / "suppliers.json")).exit_code == 0
    changed = [dict(s) for s in SUPPLIERS]
    changed[1]["email"] = "accounts@yarravalleycoffee.com.au"
    changed[1]["bsb"] = "063-010"
    result = run("suppliers", "import", "--json", _write(tmp_path, changed))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"created": [], "updated": [SUPPLIER_ABNS[1]],
                                         "unchanged": [SUPPLIER_ABNS[i] for i in (0, 2, 3)]}
    verify = run("audit", "verify", "--json")
    assert verify.exit_code == 0
    report = json.loads(verify.stdout)
    assert report["intact"] is True and report["rows_checked"] > 10


def test_a_bad_abn_fails_the_whole_import_with_a_readable_message(books: Path, tmp_path: Path) -> None:
    records = [dict(s) for s in SUPPLIERS]
    records[2]["abn"] = "21 459 004 214"
    result = run("suppliers", "import", _write(tmp_path, records))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert ("error: Supplier 3 (Brisbane Northside Electrical Pty Ltd): abn: ABN 21 459 004 214 "
            "fails the ATO checksum") in result.stderr
    assert "[bad_supplier]" in result.stderr
    # nothing was written: the good file now creates all four
    good = run("suppliers", "import", str(FIXTURES / "suppliers.json"))
    assert good.output.strip() == "4 created, 0 updated, 0 unchanged"


def test_a_bad_record_message_names_the_supplier(books: Path, tmp_path: Path) -> None:
    """A bookkeeper fixing a long file needs the supplier's name, as the unknown-account message
    already gives it ("Supplier 3 (Brisbane Northside Electrical Pty Ltd): ...")."""
    records = [dict(s) for s in SUPPLIERS]
    records[2]["abn"] = "21 459 004 214"
    result = run("suppliers", "import", _write(tmp_path, records))
    assert result.exit_code == 2
    assert "Brisbane Northside Electrical Pty Ltd" in result.stderr


def test_an_unknown_account_names_the_supplier(books: Path, tmp_path: Path) -> None:
    records = [dict(s) for s in SUPPLIERS]
    records[3]["default_account"] = "6999"
    result = run("suppliers", "import", _write(tmp_path, records))
    assert result.exit_code == 2
    assert ("error: Supplier 4 (Swan River Printing Co): there is no account '6999' [unknown_account]"
            in result.stderr)


@pytest.mark.parametrize(("content", "words"), [
    ('[{"name": "Kingsgrove Timber",', "is not valid JSON"),
    ("", "is not valid JSON"),
    ('{"name": "Kingsgrove Timber"}', "must hold a JSON list of suppliers"),
    (b"\xff\xfe not utf-8", "is not valid JSON"),
])
def test_a_file_that_is_not_a_json_list_exits_2(books: Path, tmp_path: Path, content: str | bytes,
                                                words: str) -> None:
    path = tmp_path / "broken.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run("suppliers", "import", str(path))
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "broken.json" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_file_is_a_usage_error(books: Path) -> None:
    result = run("suppliers", "import", "no-such-file.json")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_import_before_an_organisation_exists_says_so(home: Path) -> None:
    """With no organisation there is no chart; blaming each supplier's account code would mislead."""
    assert run("db", "upgrade").exit_code == 0
    result = run("suppliers", "import", str(FIXTURES / "suppliers.json"))
    assert result.exit_code == 2
    assert "[no_organisation]" in result.stderr
    assert "[unknown_account]" not in result.stderr


# -- ledger ----------------------------------------------------------------------------------

def test_ledger_accounts_json_lists_the_standard_chart(books: Path) -> None:
    result = run("ledger", "accounts", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == sorted(a.code for a in standard_accounts())
    roles = {r["role"]: r["code"] for r in rows if r["role"]}
    assert roles["accounts_payable"] == "2100"
    assert roles["gst_paid"] == "2210"
    assert roles["gst_collected"] == "2200"
    assert roles["bank"] == "1100"
    payable = next(r for r in rows if r["code"] == "2100")
    assert payable == {"code": "2100", "name": "Trade Creditors", "type": "liability",
                       "subtype": "current", "tax_code": "N-T", "role": "accounts_payable",
                       "active": True}
    text = run("ledger", "accounts")
    assert "2210   GST Paid" in text.output


def test_trial_balance_of_new_books_is_zero_and_balanced(books: Path) -> None:
    result = run("ledger", "trial-balance", "--json")
    assert result.exit_code == 0, result.output
    tb = json.loads(result.stdout)
    assert tb["total_debit"] == tb["total_credit"] == "0.00"
    assert tb["balanced"] is True and tb["as_of"] is None
    assert len(tb["rows"]) == len(standard_accounts())


def test_ledger_lock_moves_the_lock_date_and_audits_it(books: Path) -> None:
    result = run("ledger", "lock", "2026-03-31", "--reason", "March BAS lodged")
    assert result.exit_code == 0, result.output
    assert "books locked up to 2026-03-31" in result.output
    bad_date = run("ledger", "lock", "31/03/2026")
    assert bad_date.exit_code == 2
    assert "Traceback" not in bad_date.output
    verify = json.loads(run("audit", "verify", "--json").stdout)
    assert verify["intact"] and verify["rows_checked"] == 2


def test_org_create_sets_up_the_books_and_refuses_a_bad_abn(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BACKOFFICE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BACKOFFICE_DATABASE_URL", raising=False)
    assert run("db", "upgrade").exit_code == 0
    bad = run("org", "create", "Typo Pty Ltd", "--abn", "53 004 085 617")
    assert bad.exit_code == 2 and "ATO checksum" in bad.stderr
    made = run("org", "create", "Corner Store Pty Ltd", "--abn", "53 004 085 616", "--state", "VIC")
    assert made.exit_code == 0, made.output
    shown = json.loads(run("org", "show", "--json").stdout)
    assert shown["name"] == "Corner Store Pty Ltd" and shown["abn"] == "53004085616"
    assert run("org", "create", "Again", "--abn", "53 004 085 616").exit_code == 2
    accounts = json.loads(run("ledger", "accounts", "--json").stdout)
    assert any(a["role"] == "accounts_payable" for a in accounts)
