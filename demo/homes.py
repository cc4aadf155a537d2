"""Copying a built home (its SQLite database and files): tests, evals and benchmarks build the demo
once and work on copies, so each starts from the same books."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path


def copy_home(source: Path, target: Path, *, files: Iterable[str] = ("blobs", "demo", "mail", "knowledge")) -> Path:
    """`target` gets a consistent copy of `source`'s database (SQLite's online backup, so a WAL
    in use is included) and of the named folders that exist; returns `target`."""
    target.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(source / "backoffice.db"), sqlite3.connect(target / "backoffice.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    for name in files:
        if (source / name).exists():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
    return target
