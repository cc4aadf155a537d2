"""`backoffice backup`, `backup verify` and `restore` as an admin runs them: the archive in
HOME/backups by default, JSON that names the head hash, and the exit codes (0 verified, 1 a check
failed, 2 refused, 3 not migrated)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from api.cli import cli
from memory.db import unit_of_work
from tests.services.test_backup import company


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BACKOFFICE_HOME", "BACKOFFICE_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="backoffice",
                              env={"BACKOFFICE_HOME": str(home)})


@pytest.fixture
def source(tmp_path: Path) -> Path:
    runtime = company(tmp_path / "source")
    runtime.engine.dispose()
    return tmp_path / "source"


def test_backup_then_restore_into_a_new_home(source: Path, tmp_path: Path) -> None:
    made = run(source, "backup", "--json")
    assert made.exit_code == 0, made.output
    summary = json.loads(made.output)
    archive = Path(summary["archive"])
    assert archive.parent == (source / "backups").resolve()
    assert re.fullmatch(r"backoffice-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    assert summary["chain_intact"] and summary["counts"]["journals"] == 6

    done = run(tmp_path / "new", "restore", str(archive), "--json")
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["verified"] and result["differences"] == []
    assert result["head_hash"] == result["expected_head_hash"] == summary["head_hash"]
    assert result["total_debit"] == summary["total_debit"]
    verified = run(tmp_path / "new", "audit", "verify", "--expect-head", summary["head_hash"])
    assert verified.exit_code == 0, verified.output

    again = run(tmp_path / "new", "restore", str(archive))
    assert again.exit_code == 2 and "target_not_empty" in again.output
    forced = run(tmp_path / "new", "restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    assert "verified: audit head " + summary["head_hash"] in forced.output


def test_backup_verify_and_a_tampered_archive(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    assert run(source, "backup", "--out", str(out)).exit_code == 0
    checked = run(tmp_path / "elsewhere", "backup", "verify", str(out), "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["verified"]
    assert not (tmp_path / "elsewhere").exists()  # verify restores into a temporary home only

    raw = out.read_bytes()
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(raw[:100] + bytes([raw[100] ^ 0x55]) + raw[101:])
    refused = run(tmp_path / "target", "restore", str(bad))
    assert refused.exit_code == 2 and "error:" in refused.output
    assert not (tmp_path / "target").exists()  # refused before anything was made
    assert run(tmp_path / "x", "backup", "verify", str(bad)).exit_code == 2


def test_a_broken_chain_is_backed_up_with_exit_1(source: Path, tmp_path: Path) -> None:
    runtime = company(tmp_path / "broken")
    with unit_of_work(runtime.sessions) as session:
        session.execute(text("DROP TRIGGER audit_log_no_update"))
        session.execute(text("UPDATE audit_log SET payload = '{}' WHERE seq = 3"))
    runtime.engine.dispose()
    out = tmp_path / "broken.tar.gz"
    made = run(tmp_path / "broken", "backup", "--out", str(out))
    assert made.exit_code == 1 and "BROKEN at row 3" in made.output
    assert out.exists()
    restored = run(tmp_path / "r", "restore", str(out))
    assert restored.exit_code == 1 and "NOT verified" in restored.output


def test_backup_of_an_unmigrated_database_exits_3(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "backup")
    assert result.exit_code == 3 and "db upgrade" in result.output
