"""Run suites: load every suite's cases, run each case (isolated: an exception fails that case, never
the run), aggregate metrics and calibration, and time it all.

Cases of a suite that declares `parallel = True` run in a pool of worker processes (2 by default,
as on the CI machines) when there are enough of them for the pool to pay for itself; otherwise, and
whenever the pool cannot be used, they run here in order. Workers import the suite by module path,
so they never depend on state the parent changed at run time except through fork.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from evals.harness import metadata
from evals.harness.calibration import calibrate
from evals.harness.model import Case, CaseResult, RunConfig, Suite
from evals.harness.results import Progress, RunReport, SuiteReport
from evals.suites import load_target, suite_target
from adapters.clock import SystemClock
from core.clock import Clock

ProgressCallback = Callable[[Progress], None]
# Below this many cases a pool costs more (start-up, pickling) than it saves.
MIN_PARALLEL_CASES = 8
DEFAULT_WORKERS = 2


def describe_error(exc: BaseException) -> str:
    """"TypeError: message (at module.py:12 in function)" - the innermost frame is where to look."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<")]
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})" \
        if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_case(suite: Suite, case: Case, config: RunConfig) -> CaseResult:
    """One case, never raising: the suite's result stamped with the case's identity and timing, or
    a failed result carrying the error."""
    started = time.perf_counter()
    try:
        result = suite.run_case(case, config)
        if not isinstance(result, CaseResult):
            raise TypeError(f"run_case returned {type(result).__name__}, not CaseResult")
    except Exception as exc:  # noqa: BLE001 - a broken case is a failed case, the run goes on
        error = describe_error(exc)
        result = CaseResult(case_id=case.id, passed=False, error=error, diff=(f"error: {error}",))
    seconds = result.seconds or time.perf_counter() - started
    return replace(result, case_id=case.id, passed=result.passed and result.error is None,
                   seconds=seconds, split=case.split, tags=case.tags,
                   safety=case.safety or result.safety, provenance=case.provenance)


def _run_in_worker(module: str, attribute: str, case: Case, config: RunConfig) -> CaseResult:
    return run_case(load_target(module, attribute), case, config)


@dataclass
class _Loaded:
    name: str
    suite: Suite | None
    target: tuple[str, str]
    cases: Sequence[Case] = ()
    skipped: dict[str, int] | None = None
    error: str | None = None
    seconds: float = 0.0


def _load(name: str, config: RunConfig) -> _Loaded:
    started = time.perf_counter()
    target = suite_target(name)
    loaded = _Loaded(name, None, target)
    try:
        loaded.suite = load_target(*target)
        loaded.cases = list(loaded.suite.cases(config))
        loaded.skipped = dict(loaded.suite.skipped(config))
    except Exception as exc:  # noqa: BLE001 - reported as the suite's error
        loaded.error = f"could not load the suite's cases: {describe_error(exc)}"
    loaded.seconds = time.perf_counter() - started
    return loaded


def _pool_size(suite: Suite, cases: Sequence[Case], workers: int) -> int:
    if not getattr(suite, "parallel", False) or len(cases) < MIN_PARALLEL_CASES:
        return 1
    return max(1, min(workers, metadata.cores() or 1, len(cases)))


def _context() -> multiprocessing.context.BaseContext:
    """fork starts a worker in milliseconds with everything already imported (spawn re-imports the
    product in each worker, about a second); but forking a process that runs other threads can
    deadlock the child on a lock one of them held, so then (and where there is no fork) spawn.
    Native thread pools count too: once torch is loaded (the knowledge base's embedding model),
    a forked child that runs the model crashes in OpenMP, so then spawn as well."""
    if ("fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            and "torch" not in sys.modules):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _lost(case: Case) -> CaseResult:
    error = "a worker process died while this case was queued or running; not judged"
    return replace(CaseResult(case_id=case.id, passed=False, error=error, diff=(f"error: {error}",)),
                   split=case.split, tags=case.tags, safety=case.safety, provenance=case.provenance)


def _run_cases(loaded: _Loaded, config: RunConfig, workers: int,
               report: Callable[[CaseResult], None]) -> tuple[list[CaseResult], int]:
    assert loaded.suite is not None
    cases = loaded.cases
    size = _pool_size(loaded.suite, cases, workers)
    if size == 1:
        results = []
        for case in cases:
            results.append(run_case(loaded.suite, case, config))
            report(results[-1])
        return results, 1
    found: dict[int, CaseResult] = {}
    with ProcessPoolExecutor(max_workers=size, mp_context=_context()) as pool:
        futures: dict[Future[CaseResult], int] = {
            pool.submit(_run_in_worker, *loaded.target, case, config): i for i, case in enumerate(cases)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                found[i] = future.result()
            except BrokenProcessPool:
                # A worker died (a crash in native code?). Re-running here could take the whole run
                # down with it, so the cases that were in the pool fail, saying why.
                found[i] = _lost(cases[i])
            except Exception:  # noqa: BLE001 - could not ship the case or result: run it here
                found[i] = run_case(loaded.suite, cases[i], config)
            report(found[i])
    return [found[i] for i in range(len(cases))], size


def _finish(loaded: _Loaded, results: list[CaseResult], workers: int, seconds: float) -> SuiteReport:
    suite = loaded.suite
    base = SuiteReport(name=loaded.name, description=getattr(suite, "description", ""),
                       results=tuple(results), skipped=loaded.skipped or {}, seconds=seconds,
                       workers=workers, error=loaded.error)
    if suite is None or loaded.error:
        return base
    try:
        metrics = tuple(suite.metrics(results))
        judgements = [j for r in results for j in r.judgements]
        calibration = tuple(calibrate(judgements, getattr(suite, "thresholds_in_use", None) or {}))
    except Exception as exc:  # noqa: BLE001
        return replace(base, error=f"could not compute metrics: {describe_error(exc)}")
    return replace(base, metrics=metrics, calibration=calibration)


def run_suites(names: Sequence[str], config: RunConfig, *, progress: ProgressCallback | None = None,
               clock: Clock | None = None, workers: int = DEFAULT_WORKERS) -> RunReport:
    """Run the named suites (registry names, in the order given) and report on them.

    Raises evals.suites.UnknownSuite for a name not in the registry; everything else that goes
    wrong is in the report (a case's `error`, a suite's `error`)."""
    for name in names:
        suite_target(name)
    meta = metadata.collect(config.mode, clock or SystemClock(), config.settings, config.corpus)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="backoffice-eval-") as scratch:
        base = config.workdir or Path(scratch)
        configs = {n: replace(config, workdir=base / n) for n in names}
        for c in configs.values():
            assert c.workdir is not None
            c.workdir.mkdir(parents=True, exist_ok=True)
        loads = [_load(n, configs[n]) for n in names]
        total = sum(len(x.cases) for x in loads)
        done = 0
        reports = []
        for loaded in loads:
            suite_done = 0

            def report(result: CaseResult, loaded: _Loaded = loaded) -> None:
                nonlocal done, suite_done
                done, suite_done = done + 1, suite_done + 1
                if progress:
                    progress(Progress(loaded.name, result.case_id, result.passed, suite_done,
                                      len(loaded.cases), done, total))

            t0 = time.perf_counter()
            results, used = _run_cases(loaded, configs[loaded.name], workers, report) \
                if loaded.suite is not None and not loaded.error else ([], 1)
            reports.append(_finish(loaded, results, used, loaded.seconds + time.perf_counter() - t0))
    meta = replace(meta, seconds=round(time.perf_counter() - started, 3))
    return RunReport(metadata=meta, suites=tuple(reports))
