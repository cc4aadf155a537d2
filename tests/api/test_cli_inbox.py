"""`backoffice inbox …` against a real data directory: import (.eml and bare documents, idempotent),
scan-maildir, list, poll-imap refusals, and typed errors as exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from core.settings import load_settings
from api.cli import cli
from api.cli_inbox import inbox
from services.runtime import Runtime
from adapters.inbox.maildir import deliver

FIXTURES = Path(__file__).parents[1] / "tools" / "inbox" / "fixtures"
CORPUS = Path("/work/shared/corpus")
UBL = CORPUS / "oasis-ubl-examples" / "UBL-Invoice-2.1-Example.xml"


@click.group()
@click.pass_context
def root(ctx: click.Context) -> None:
    """Stands in for api.cli.cli, whichever way the lead registers the group."""
    ctx.obj = Runtime(load_settings())


root.add_command(inbox)


def run(*args: str) -> Result:
    return CliRunner().invoke(root, list(args), prog_name="backoffice")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BACKOFFICE_HOME", str(home))
    for name in ("BACKOFFICE_DATABASE_URL", "BACKOFFICE_IMAP_HOST", "BACKOFFICE_IMAP_USER",
                 "BACKOFFICE_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def migrated(home: Path) -> Path:
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    return home


def test_help_lists_every_inbox_command(home: Path) -> None:
    result = run("inbox", "--help")
    assert result.exit_code == 0
    for command in ("import", "scan-maildir", "serve-smtp", "poll-imap", "list"):
        assert command in result.output
        assert run("inbox", command, "--help").exit_code == 0


def test_an_unmigrated_database_is_exit_3(home: Path) -> None:
    result = run("inbox", "import", str(FIXTURES / "invoice_pdf.eml"))
    assert result.exit_code == 3
    assert "backoffice db upgrade" in result.stderr


def test_importing_eml_files_records_each_once(migrated: Path) -> None:
    files = [str(FIXTURES / n) for n in ("invoice_pdf.eml", "forwarded_pdf.eml", "html_only.eml")]
    first = run("inbox", "import", *files)
    assert first.exit_code == 0, first.output + first.stderr
    lines = first.output.splitlines()
    assert [line.split()[0] for line in lines] == ["recorded"] * 3
    assert "<inv-1001.1@coastalceramics.com.au>" in lines[0]
    again = run("inbox", "import", files[0])
    assert again.output.split()[0] == "duplicate"
    blobs = list((migrated / "blobs").rglob("*"))
    assert sum(1 for p in blobs if p.is_file()) == 3


def test_bare_documents_are_wrapped_and_re_importing_them_is_a_duplicate(
        migrated: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% a tiny pdf for the test\n%%EOF\n")
    renamed = tmp_path / "scan (copy).pdf"
    renamed.write_bytes(pdf.read_bytes())
    result = run("inbox", "import", "--json", str(pdf), str(UBL), str(renamed))
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["result"] for r in rows] == ["recorded", "recorded", "duplicate"]
    assert rows[0]["message_id"].startswith("import-")
    assert rows[0]["attachments"][0].endswith(".pdf")
    assert rows[1]["attachments"][0].endswith(".xml")
    assert rows[0]["subject"] == "Imported document scan.pdf"


def test_a_file_that_is_neither_mail_nor_document_is_refused_with_exit_2(
        migrated: Path, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("just some words\n")
    result = run("inbox", "import", str(note), str(FIXTURES / "invoice_pdf.eml"))
    assert result.exit_code == 2
    assert "refused" in result.stderr and "note.txt" in result.stderr
    assert result.stdout.split()[0] == "recorded"   # the good file was still recorded


def test_an_over_limit_message_is_reported_quarantined_with_its_reason(
        migrated: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.eml"
    deep.write_bytes(b"From: a@example.com\nMessage-ID: <deep@example.com>\n" +
                     b"Content-Type: message/rfc822\n\n" * 1000 + b"\nhi\n")
    result = run("inbox", "import", str(deep))
    assert result.exit_code == 0
    assert result.output.startswith("quarantined") and "mime_too_deep" in result.output
    listed = json.loads(run("inbox", "list", "--json", "--status", "quarantined").output)
    assert [m["message_id"] for m in listed] == ["deep@example.com"]


def test_scan_maildir_records_the_home_maildir_and_list_shows_it(migrated: Path) -> None:
    maildir = migrated / "mail" / "inbox"
    deliver(maildir, (FIXTURES / "invoice_pdf.eml").read_bytes())
    deliver(maildir, (FIXTURES / "html_only.eml").read_bytes())
    result = run("inbox", "scan-maildir")
    assert result.exit_code == 0
    assert result.output.count("recorded") == 2 and "2 message(s) read" in result.output
    assert "0 message(s) read" in run("inbox", "scan-maildir").output
    listed = run("inbox", "list", "--json")
    records = json.loads(listed.stdout)
    assert {r["channel"] for r in records} == {"maildir"}
    assert {r["subject"] for r in records} == {"Invoice HSC-0042",
                                               "Tax invoice INV-1001 from Coastal Ceramics"}
    text = run("inbox", "list").output
    assert "accounts@coastalceramics.com.au" in text and "received" in text


def test_poll_imap_without_a_configured_mailbox_is_exit_2(migrated: Path) -> None:
    result = run("inbox", "poll-imap", "--once")
    assert result.exit_code == 2
    assert "BACKOFFICE_IMAP_HOST" in result.stderr


def test_poll_imap_refuses_plaintext_to_a_remote_server(migrated: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKOFFICE_IMAP_HOST", "mail.example.com")
    monkeypatch.setenv("BACKOFFICE_IMAP_USER", "ap")
    monkeypatch.setenv("BACKOFFICE_IMAP_PASSWORD", "pw")
    monkeypatch.setenv("BACKOFFICE_IMAP_TLS", "false")
    result = run("inbox", "poll-imap", "--once")
    assert result.exit_code == 2 and "imap_plaintext_refused" in result.stderr
