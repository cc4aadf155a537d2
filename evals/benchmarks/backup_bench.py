"""Benchmark: seconds to back up the demo company and to restore (and verify) it, on SQLite.

Run: python -m evals.benchmarks.backup_bench [--home DIR] [--repeat N] [--postgres URL]

Builds the demo (`backoffice demo`: a year of books, the processed mailbox, bank statements, the
knowledge base) into a temporary BACKOFFICE_HOME, unless --home names one already built; then
N times: `services.backup.backup` (SQLite online backup, HOME's files, the manifest's fingerprint
read from the snapshot) and `services.backup.restore` into an empty home (every member's sha256,
the database and files put in place, the fingerprint read again and compared). Reports the
median and worst of each, the archive's size against the home's, and that each restore verified
(the audit head reproduced). Process start-up (the CLI's imports) is not included.
`--postgres URL` does the same on PostgreSQL: the demo in a schema of its own, pg_dump, and each
restore into another fresh schema (all dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from evals.benchmarks.pg_schemas import drop_schema, schema_url


def _size(path: Path) -> int:
    backups = path / "backups"
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and backups not in p.parents)


def _schema(server: str | None, made: list[str]) -> str | None:
    """A new, empty schema on the server, as a URL whose search_path names it."""
    if server is None:
        return None
    import uuid

    name = f"bench_{uuid.uuid4().hex[:10]}"
    url = schema_url(server, name)
    made.append(name)
    return url


def _drop(server: str | None, made: list[str]) -> None:
    if server is not None and made:
        drop_schema(server, *made)


def bench(home: Path, repeat: int, scratch: Path, source_url: str | None = None,
          server: str | None = None, made: list[str] | None = None) -> dict[str, object]:
    from core.settings import load_settings
    from services.backup import backup, restore
    from services.runtime import Runtime

    source = Runtime(load_settings(home=home, database_url=source_url))
    backups, restores, verified, heads = [], [], [], set()
    size = 0
    for i in range(repeat):
        t0 = time.perf_counter()
        done = backup(source, scratch / f"bench-{i}.tar.gz")
        backups.append(time.perf_counter() - t0)
        size = done.size
        target = Runtime(load_settings(home=scratch / f"restored-{i}",
                                       database_url=_schema(server, made if made is not None else [])))
        t0 = time.perf_counter()
        result = restore(target, done.archive, actor="bench")
        restores.append(time.perf_counter() - t0)
        target.engine.dispose()
        verified.append(result.verified and result.restored.head_hash == done.books.head_hash)
        heads.add(done.books.head_hash)
    source.engine.dispose()
    books = done.books
    return {
        "database": source.engine.dialect.name, "repeat": repeat, "home_bytes": _size(home), "archive_bytes": size,
        "members": len(done.manifest["members"]),  # type: ignore[arg-type]
        "audit_rows": books.chain_length, "journals": books.counts.get("journals"),
        "inbox_messages": books.counts.get("inbox_messages"),
        "backup_seconds_median": round(statistics.median(backups), 3),
        "backup_seconds_max": round(max(backups), 3),
        "restore_seconds_median": round(statistics.median(restores), 3),
        "restore_seconds_max": round(max(restores), 3),
        "all_verified": all(verified), "head_hash": sorted(heads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", type=Path, help="A demo home already built (default: build one).")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="A PostgreSQL database to use schemas of.")
    args = parser.parse_args()
    made: list[str] = []
    with tempfile.TemporaryDirectory(prefix="backup-bench-") as tmp:
        scratch = Path(tmp)
        home, build_seconds, url = args.home, None, _schema(args.postgres, made)
        try:
            if home is None or url is not None:
                from core.settings import load_settings
                from demo.build import build_demo

                home = scratch / "demo"
                t0 = time.perf_counter()
                build_demo(load_settings(home=home, database_url=url))
                build_seconds = round(time.perf_counter() - t0, 1)
            result = bench(home.resolve(), args.repeat, scratch, url, args.postgres, made)
        finally:
            _drop(args.postgres, made)
    print(json.dumps({"demo_build_seconds": build_seconds, **result}, indent=2))


if __name__ == "__main__":
    main()
