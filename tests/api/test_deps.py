"""Where the API's hot reads run: on the event loop for SQLite and a PostgreSQL on this machine,
in the thread pool for a remote one, unless BACKOFFICE_API_INLINE_READS says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.deps import reads_inline
from core.settings import load_settings


@pytest.mark.parametrize(("url", "inline"), [
    (None, True),  # the embedded SQLite
    ("postgresql://postgres@127.0.0.1:5432/test", True),
    ("postgresql+psycopg://postgres@localhost/test?options=-csearch_path%3Dx", True),
    ("postgresql://postgres@[::1]:5432/test", True),
    ("postgresql:///test?host=/var/run/postgresql", True),  # a Unix socket
    ("postgresql://app:secret@db.internal.example:5432/books", False),
    ("postgresql://app@10.0.0.7/books", False),
])
def test_auto_runs_reads_inline_only_where_a_round_trip_cannot_block_the_loop(
        tmp_path: Path, url: str | None, inline: bool) -> None:
    assert reads_inline(load_settings(home=tmp_path, database_url=url)) is inline


@pytest.mark.parametrize(("choice", "url", "inline"), [
    ("off", None, False),
    ("on", "postgresql://app@db.internal.example/books", True),
])
def test_the_setting_overrides_auto(tmp_path: Path, choice: str, url: str | None,
                                    inline: bool) -> None:
    settings = load_settings(home=tmp_path, database_url=url, api_inline_reads=choice)
    assert reads_inline(settings) is inline
