"""`backoffice kb ingest|search|list`: JSON out, plain errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import cli_kb
from memory.knowledge.kb import KnowledgeBase

from .conftest import FIXTURES, HashingEmbedder


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("BACKOFFICE_HOME", str(tmp_path / "home"))
    # the CLI opens HOME/knowledge; the hashing double stands in for MiniLM here
    monkeypatch.setattr(cli_kb, "_open", lambda ctx: KnowledgeBase(
        cli_kb._settings(ctx).home / "knowledge", HashingEmbedder()))
    return CliRunner()


def test_ingest_search_and_list(runner: CliRunner, tmp_path: Path) -> None:
    out = runner.invoke(cli_kb.kb, ["ingest", str(FIXTURES / "award-extract.md"),
                                    str(FIXTURES / "delegations.html"), "--json"])
    assert out.exit_code == 0, out.output
    assert [r["status"] for r in json.loads(out.output)] == ["added", "added"]
    assert (tmp_path / "home" / "knowledge").is_dir()

    out = runner.invoke(cli_kb.kb, ["search", "clause 25.5", "-k", "2", "--json"])
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)
    assert len(hits) == 2 and (hits[0]["document_id"], hits[0]["clause"]) == ("award-extract", "25.5")

    out = runner.invoke(cli_kb.kb, ["search", "petty cash"])
    assert out.exit_code == 0 and "Delegations Schedule, clause 4.3 Petty cash" in out.output

    out = runner.invoke(cli_kb.kb, ["list", "--json"])
    assert {d["document_id"] for d in json.loads(out.output)} == {"award-extract", "delegations"}


def test_options_set_the_metadata(runner: CliRunner) -> None:
    out = runner.invoke(cli_kb.kb, ["ingest", str(FIXTURES / "delegations.html"), "--audience",
                                    "managers", "--effective-from", "2025-07-01",
                                    "--document-id", "schedule"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli_kb.kb, ["list", "--json"])
    doc = json.loads(out.output)[0]
    assert (doc["document_id"], doc["audience"], doc["effective_from"]) == (
        "schedule", "managers", "2025-07-01")


def test_refused_input_is_one_line_and_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a docx")
    out = runner.invoke(cli_kb.kb, ["ingest", str(bad)])
    assert out.exit_code == 2
    assert out.output.startswith("error: ") and "[unreadable]" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(cli_kb.kb, ["search", "   "])
    assert out.exit_code == 2 and "[bad_query]" in out.output
