"""What a run produced: per suite, its results, metrics and calibration; for the run, enough
metadata to reproduce it (commit, mode, model and prompt versions, Python, cores, when)."""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.harness.calibration import DecisionCalibration
from evals.harness.model import CaseResult, Metric, Mode


@dataclass(frozen=True)
class Progress:
    """Reported after every case, in completion order."""

    suite: str
    case_id: str
    passed: bool
    suite_done: int
    suite_total: int
    done: int                    # over the whole run
    total: int


@dataclass(frozen=True)
class SuiteReport:
    name: str
    description: str = ""
    metrics: tuple[Metric, ...] = ()
    results: tuple[CaseResult, ...] = ()        # in case order
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    calibration: tuple[DecisionCalibration, ...] = ()
    workers: int = 1                             # processes the cases ran in
    error: str | None = None                     # the suite itself failed (loading, metrics)

    @property
    def passed_count(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def safety_failures(self) -> list[CaseResult]:
        return [r for r in self.results if r.safety and not r.passed]

    @property
    def skipped_for_corpus(self) -> bool:
        """The suite left cases out because the third-party corpus is absent on this machine."""
        return any("corpus" in reason.lower() and count for reason, count in self.skipped.items())

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)


@dataclass(frozen=True)
class RunMetadata:
    started_at: str               # ISO 8601, from the Clock seam
    mode: Mode
    seconds: float = 0.0
    git_commit: str | None = None
    git_dirty: bool | None = None
    python: str = ""
    platform: str = ""
    cores: int | None = None
    model: str | None = None      # live mode: the configured model name
    endpoint: str | None = None   # live mode: the base URL (never the key)
    prompts: dict[str, str] = field(default_factory=dict)   # live mode: name → "name@version#sha"
    corpus: str | None = None


@dataclass(frozen=True)
class RunReport:
    metadata: RunMetadata
    suites: tuple[SuiteReport, ...]

    def suite(self, name: str) -> SuiteReport | None:
        return next((s for s in self.suites if s.name == name), None)

    @property
    def safety_failures(self) -> list[tuple[str, CaseResult]]:
        return [(s.name, r) for s in self.suites for r in s.safety_failures]

    @property
    def suite_errors(self) -> list[tuple[str, str]]:
        return [(s.name, s.error) for s in self.suites if s.error]
