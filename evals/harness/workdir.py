"""Things a suite builds once per run in the run's workdir (a demo company's home), and reads of
the suites' versioned data files."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import fcntl  # serialises a build across worker processes (POSIX)
except ImportError:  # pragma: no cover - Windows: workers may then both build; each its own dir
    fcntl = None  # type: ignore[assignment]

_BUILT: dict[tuple[str, str], Path] = {}
_SCRATCH: list[Path] = []


def workdir_of(config: Any) -> Path:
    """The run's workdir (`config.workdir`), or else one scratch directory per process, removed
    when the process exits."""
    if config.workdir is not None:
        return Path(config.workdir)
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="backoffice-eval-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], True)
    return _SCRATCH[0]


def built_once(workdir: Path, name: str, build: Callable[[Path], None]) -> Path:
    """`workdir/name`, made by `build(path)` once per workdir — also across worker processes: a
    file lock serialises the build and a marker says it is complete."""
    key = (str(workdir), name)
    if key in _BUILT:
        return _BUILT[key]
    home, marker = workdir / name, workdir / f"{name}.ready"
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / f"{name}.lock").open("w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not marker.exists():
                build(home)
                marker.write_text("ok\n")
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
    _BUILT[key] = home
    return home


def jsonl_lines(path: Path) -> list[str]:
    """The non-blank lines of a JSON-lines file."""
    return [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
