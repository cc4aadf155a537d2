"""Where the third-party bank-file corpus and our own fixtures live, for the reader tests.

The corpus (real files from public repositories, with their projects' expected outputs) sits
outside the repo; tests that need it skip when it is absent."""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

CORPUS = Path(os.environ.get("BACKOFFICE_CORPUS", "/work/shared/corpus"))
FIXTURES = Path(__file__).parent / "fixtures"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def corpus_files(folder: str, pattern: str) -> list[Path]:
    """Matching corpus files (none when the corpus is absent: the parametrised test is skipped)."""
    return sorted((CORPUS / folder).glob(pattern)) if CORPUS.is_dir() else []


def ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ofx_transactions(path: Path) -> list[tuple[date, Decimal]]:
    """(date, amount) of every STMTTRN in an expected OFX file, read with two plain patterns so
    the expectation does not depend on the reader under test."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = []
    for block in re.findall(r"<STMTTRN>(.*?)</STMTTRN>", text, re.DOTALL):
        posted = re.search(r"<DTPOSTED>(\d{4})(\d{2})(\d{2})", block)
        amount = re.search(r"<TRNAMT>\s*([-+0-9.]+)", block)
        assert posted and amount, block
        found.append((date(*map(int, posted.groups())), Decimal(amount.group(1))))
    return sorted(found)
