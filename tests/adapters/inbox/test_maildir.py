"""Maildir delivery and import: record first, then mark Seen; tmp/ ignored; re-import harmless."""

from __future__ import annotations

import os
from pathlib import Path

from services.intake import MessageIntake
from adapters.inbox.maildir import deliver, import_maildir

from .conftest import FIXTURES


def _files(maildir: Path, sub: str) -> list[str]:
    return sorted(os.listdir(maildir / sub))


def test_delivery_goes_through_tmp_into_new_with_unique_names(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    paths = [deliver(maildir, b"Subject: x\n\nbody\n") for _ in range(3)]
    assert len({p.name for p in paths}) == 3
    assert _files(maildir, "new") == sorted(p.name for p in paths)
    assert _files(maildir, "tmp") == []
    assert paths[0].read_bytes() == b"Subject: x\n\nbody\n"


def test_import_records_new_and_unseen_cur_messages_and_marks_them_seen(
        tmp_path: Path, intake: MessageIntake) -> None:
    maildir = tmp_path / "Maildir"
    deliver(maildir, (FIXTURES / "invoice_pdf.eml").read_bytes())
    deliver(maildir, (FIXTURES / "html_only.eml").read_bytes())
    forwarded = (FIXTURES / "forwarded_pdf.eml").read_bytes()
    (maildir / "cur" / "1.unseen.host:2,F").write_bytes(forwarded)
    (maildir / "cur" / "2.seen.host:2,S").write_bytes((FIXTURES / "bad_encodings.eml").read_bytes())
    (maildir / "tmp" / "3.in-progress.host").write_bytes(b"Subject: half written")

    results = import_maildir(maildir, intake)
    assert [r.result.created for r in results] == [True, True, True]
    subjects = {r.result.message.subject for r in results}
    assert "Invoice HSC-0042" in subjects
    assert "Fwd: Tax invoice INV-1001 from Coastal Ceramics" in subjects
    assert _files(maildir, "new") == []
    cur = _files(maildir, "cur")
    assert "1.unseen.host:2,FS" in cur and "2.seen.host:2,S" in cur
    assert all(name.endswith(("S", ":2,FS")) for name in cur) and len(cur) == 4
    assert _files(maildir, "tmp") == ["3.in-progress.host"]
    assert import_maildir(maildir, intake) == []  # everything is Seen now
    assert all(r.result.message.channel == "maildir" for r in results)


def test_a_crash_between_recording_and_moving_re_records_idempotently(
        tmp_path: Path, intake: MessageIntake) -> None:
    maildir = tmp_path / "Maildir"
    path = deliver(maildir, (FIXTURES / "invoice_pdf.eml").read_bytes())
    [first] = import_maildir(maildir, intake)
    # Simulate the crash: the file is back in new/ as if the move never happened.
    [moved] = (maildir / "cur").iterdir()
    os.replace(moved, path)
    [again] = import_maildir(maildir, intake)
    assert not again.result.created and again.result.message.id == first.result.message.id
    assert len(intake.store.list_recent()) == 1


def test_a_message_the_parser_refuses_is_quarantined_and_still_moved(
        tmp_path: Path, intake: MessageIntake) -> None:
    maildir = tmp_path / "Maildir"
    deep = b"From: a@example.com\n" + b"Content-Type: message/rfc822\n\n" * 1000 + b"\nhi\n"
    deliver(maildir, deep)
    [result] = import_maildir(maildir, intake)
    assert result.result.message.status == "quarantined"
    assert (result.result.message.quarantine_reason or "").startswith("mime_too_deep")
    assert _files(maildir, "new") == []


def test_importing_a_missing_maildir_creates_it_empty(tmp_path: Path,
                                                     intake: MessageIntake) -> None:
    assert import_maildir(tmp_path / "fresh", intake) == []
    assert {p.name for p in (tmp_path / "fresh").iterdir()} == {"tmp", "new", "cur"}
