"""Run metadata: what is needed to reproduce or compare a run. Every probe tolerates failure (no
git in a tarball install, no prompts directory): metadata never stops an eval run."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from evals.harness.model import Mode
from evals.harness.results import RunMetadata
from core.clock import Clock

ROOT = Path(__file__).resolve().parents[2]   # the checkout (or site-packages when installed)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit() -> tuple[str | None, bool | None]:
    """(HEAD commit, working tree has changes) or (None, None) outside a git checkout."""
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None, None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return commit, (bool(status) if status is not None else None)


def prompt_refs() -> dict[str, str]:
    """name → "name@version#sha" for every versioned prompt, so a live run names what it used."""
    try:
        import prompts
        from prompts.loader import load_prompt

        directory = Path(prompts.__file__ or ".").parent
        return {p.stem: load_prompt(p.stem).ref for p in sorted(directory.glob("*.md"))}
    except Exception:  # noqa: BLE001 - a broken prompt file shows up in the suites, not here
        return {}


# Where this workplace keeps the shared folder, for checkouts that are not beside it (CI clones).
WORKPLACE_CORPUS = Path("/work/shared/corpus")


def find_corpus() -> Path | None:
    """BACKOFFICE_CORPUS if set; else ../shared/corpus beside the checkout, else the workplace's
    shared corpus; None when absent."""
    env = os.environ.get("BACKOFFICE_CORPUS")
    if env:
        return Path(env) if Path(env).is_dir() else None
    for candidate in (ROOT.parent / "shared" / "corpus", WORKPLACE_CORPUS):
        if candidate.is_dir():
            return candidate
    return None


def cores() -> int | None:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def collect(mode: Mode, clock: Clock, settings: Any = None, corpus: Path | None = None) -> RunMetadata:
    commit, dirty = git_commit()
    live = mode == "live" and settings is not None
    return RunMetadata(
        started_at=clock.now().isoformat(), mode=mode, git_commit=commit, git_dirty=dirty,
        python=sys.version.split()[0], platform=platform.platform(terse=True), cores=cores(),
        model=getattr(settings, "llm_model", None) if live else None,
        endpoint=getattr(settings, "openai_base_url", None) if live else None,
        prompts=prompt_refs() if live else {},
        corpus=str(corpus) if corpus else None)
