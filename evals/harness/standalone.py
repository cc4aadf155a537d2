"""Running one suite on its own while working on it (`python -m evals.suites.<name>`): every case,
or those whose id contains --only, with the failures' diffs and the suite's metrics printed. The
gate, reports and baseline are `backoffice eval run`'s; this is the quick loop."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evals.harness.model import CaseResult, RunConfig


def run_alone(suite: Any, argv: Sequence[str] | None = None, *,
              options: Callable[[argparse.ArgumentParser], None] | None = None,
              run_case: Callable[[Any, RunConfig, argparse.Namespace], CaseResult] | None = None) -> int:
    """`options` adds a suite's own flags; `run_case` runs one case with them (default: the
    suite's run_case). Exit status 0 when every case passed."""
    parser = argparse.ArgumentParser(prog=f"python -m evals.suites.{suite.name.replace('-', '_')}",
                                     description=suite.description)
    parser.add_argument("--only", default="", help="run the cases whose id contains this")
    parser.add_argument("--workdir", type=Path, default=None, help="the suite's scratch space")
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    config = RunConfig(workdir=args.workdir)
    started = time.perf_counter()
    results = []
    for case in [c for c in suite.cases(config) if args.only in c.id]:
        result = run_case(case, config, args) if run_case else suite.run_case(case, config)
        results.append(result)
        if not result.passed:
            print(f"FAIL {case.id}{' (safety)' if result.safety else ''}: {result.error or ''}")
            for line in result.diff:
                print(f"     {line}")
    for m in suite.metrics(results):
        print(f"{m.name:55s} {m.value:.4f}")
    print(f"skipped: {suite.skipped(config)}")
    print(f"{sum(r.passed for r in results)}/{len(results)} passed in "
          f"{time.perf_counter() - started:.1f} s")
    return 0 if all(r.passed for r in results) else 1
