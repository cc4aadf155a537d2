"""Benchmark: seconds to back up the demo company and to restore (and verify) it, on SQLite.

Run: python -m evals.benchmarks.backup_bench [--home DIR] [--repeat N]

Builds the demo (`backoffice demo`: a year of books, the processed mailbox, bank statements, the
knowledge base) into a temporary BACKOFFICE_HOME, unless --home names one already built; then
N times: `services.backup.backup` (SQLite online backup, HOME's files, the manifest's fingerprint
read from the snapshot) and `services.backup.restore` into an empty home (every member's sha256,
the database and files put in place, the fingerprint read again and compared). Reports the
median and worst of each, the archive's size against the home's, and that each restore verified
(the audit head reproduced). Process start-up (the CLI's imports) is not included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def _size(path: Path) -> int:
    backups = path / "backups"
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and backups not in p.parents)


def bench(home: Path, repeat: int, scratch: Path) -> dict[str, object]:
    from core.settings import load_settings
    from services.backup import backup, restore
    from services.runtime import Runtime

    source = Runtime(load_settings(home=home, database_url=None))
    backups, restores, verified, heads = [], [], [], set()
    size = 0
    for i in range(repeat):
        t0 = time.perf_counter()
        done = backup(source, scratch / f"bench-{i}.tar.gz")
        backups.append(time.perf_counter() - t0)
        size = done.size
        target = Runtime(load_settings(home=scratch / f"restored-{i}", database_url=None))
        t0 = time.perf_counter()
        result = restore(target, done.archive, actor="bench")
        restores.append(time.perf_counter() - t0)
        target.engine.dispose()
        verified.append(result.verified and result.restored.head_hash == done.books.head_hash)
        heads.add(done.books.head_hash)
    source.engine.dispose()
    books = done.books
    return {
        "repeat": repeat, "home_bytes": _size(home), "archive_bytes": size,
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="backup-bench-") as tmp:
        scratch = Path(tmp)
        home, build_seconds = args.home, None
        if home is None:
            from core.settings import load_settings
            from demo.build import build_demo

            home = scratch / "demo"
            t0 = time.perf_counter()
            build_demo(load_settings(home=home, database_url=None))
            build_seconds = round(time.perf_counter() - t0, 1)
        result = bench(home.resolve(), args.repeat, scratch)
    print(json.dumps({"demo_build_seconds": build_seconds, **result}, indent=2))


if __name__ == "__main__":
    main()
