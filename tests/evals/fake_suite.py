"""Small fake suites for the harness tests, so they never depend on the real suites' data.

Each case asks `product(x)` (a stand-in for the code under evaluation, monkeypatched by tests to
"break" it) for a number and compares it with the expected one. Registered in tests with
`register(monkeypatch, fake="tests.evals.fake_suite:SUITE", ...)`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

import evals.suites
from evals.harness.model import Case, CaseResult, Judgement, Metric, RunConfig
from evals.harness.results import RunMetadata, RunReport, SuiteReport

PARENT = os.getpid()


def product(x: int) -> int:
    """The "product": doubles its input. Tests replace it to simulate a regression."""
    return 2 * x


@dataclass(frozen=True)
class Item:
    id: str
    x: int
    want: int
    confidence: float = 0.9
    boom: bool = False            # run_case raises
    crash: bool = False           # run_case kills its process (a native crash, in a worker only)
    safety: bool = False


@dataclass
class FakeSuite:
    name: str
    items: tuple[Item, ...]
    description: str = "A fake suite: doubles numbers."
    parallel: bool = False
    skip: dict[str, int] = field(default_factory=dict)
    thresholds_in_use: dict[str, tuple[float, ...]] = field(default_factory=dict)
    tolerance: float = 0.05

    def cases(self, config: RunConfig) -> Sequence[Case]:
        return [Case(id=i.id, provenance=f"tests/evals/fake_suite.py#{i.id}", payload=i,
                     split="dev" if n % 2 else "test", tags=("fake",), safety=i.safety)
                for n, i in enumerate(self.items)]

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return dict(self.skip)

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        item: Item = case.payload
        if item.boom:
            raise RuntimeError(f"boom in {case.id}")
        if item.crash and os.getpid() != PARENT:
            os._exit(70)
        got = product(item.x)
        ok = got == item.want
        return CaseResult(case_id=case.id, passed=ok, expected={"value": item.want},
                          got={"value": got, "pid": os.getpid()},
                          diff=() if ok else (f"value: want {item.want}, got {got}",),
                          counts={"right": float(ok)},
                          judgements=(Judgement("field:value", item.confidence, ok),))

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        n = len(results) or 1
        right = sum(r.counts.get("right", 0.0) for r in results)
        errors = sum(r.error is not None for r in results)
        return [Metric("accuracy", right / n, True, self.tolerance),
                Metric("error_rate", errors / n, False, 0.0)]


def items(n: int, *, prefix: str = "c") -> tuple[Item, ...]:
    return tuple(Item(f"{prefix}{i:03d}", i, 2 * i) for i in range(n))


SUITE = FakeSuite("fake", items(6))
BOOM = FakeSuite("boom", (*items(3), Item("c-boom", 1, 2, boom=True), *items(2, prefix="d")))
SAFETY = FakeSuite("safety", (Item("s-ok", 1, 2, safety=True), Item("s-bad", 2, 5, safety=True)))
SKIPPING = FakeSuite("skipping", items(2), skip={"corpus not found": 7})
PARALLEL = FakeSuite("parallel", items(12), parallel=True)
CRASHING = FakeSuite("crashing", (*items(8), Item("c-crash", 1, 2, crash=True)), parallel=True)


class _NoCases(FakeSuite):
    def cases(self, config: RunConfig) -> Sequence[Case]:
        raise FileNotFoundError("evals/data/broken/cases.jsonl")


BROKEN = _NoCases("broken", ())


def register(monkeypatch: pytest.MonkeyPatch, **suites: str) -> None:
    """Replace the registry by `name="module:ATTR"` entries, in the order given."""
    monkeypatch.setattr(evals.suites, "SUITES", dict(suites))


def make_report(*suites: SuiteReport, mode: str = "offline") -> RunReport:
    """A RunReport built by hand, for tests of what consumes one (baseline, reports)."""
    meta = RunMetadata(started_at="2026-01-01T00:00:00+00:00", mode=mode,  # type: ignore[arg-type]
                       git_commit="abc123", python="3.11", cores=2)
    return RunReport(metadata=meta, suites=tuple(suites))


def suite_report(name: str, **metrics: float | tuple[float, bool, float]) -> SuiteReport:
    """metrics: name=value (higher is better, tolerance 0) or name=(value, higher_is_better, tol)."""
    ms = tuple(Metric(k, *(v if isinstance(v, tuple) else (v,))) for k, v in metrics.items())
    return SuiteReport(name=name, metrics=ms)
