"""The harness's contracts: what a suite is, what a case's result says, how a run is configured.

A suite module (evals/suites/<name>.py) exposes `SUITE`, an object with this shape. Cases are data
files with their provenance; evaluators are deterministic (no LLM judge in the offline gate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

Mode = Literal["offline", "live"]
DATA = Path(__file__).resolve().parents[1] / "data"
# The `skipped` reason for cases left out because ../shared/corpus is absent. The baseline gate
# turns a metric that is missing for this reason into a warning (any reason mentioning "corpus").
CORPUS_MISSING = "corpus not found"


@dataclass(frozen=True)
class Case:
    """One evaluation case. `payload` is the suite's own typed data (validated by the suite)."""

    id: str                      # stable, unique within the suite
    provenance: str              # where it came from: corpus path + licence, generator + seed, ...
    payload: Any
    split: str = "test"          # e.g. "dev" / "heldout" for generated layouts
    tags: tuple[str, ...] = ()
    safety: bool = False         # a failed safety case fails the run, whatever the metrics


@dataclass(frozen=True)
class Judgement:
    """A (decision type, confidence, correct?) triple for calibration: e.g. ("field:total", 0.97, True)."""

    decision: str
    confidence: float
    correct: bool


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    passed: bool
    expected: Any = None          # JSON-able; shown in the report next to `got`
    got: Any = None
    diff: tuple[str, ...] = ()    # human-readable differences, one per line ("total: want 10.00, got 1.00")
    # Numbers the suite aggregates (counts, not rates): e.g. {"fields": 11, "fields_exact": 10}
    counts: dict[str, float] = field(default_factory=dict)
    judgements: tuple[Judgement, ...] = ()
    error: str | None = None      # an exception while running the case (the case fails)
    seconds: float = 0.0
    split: str = "test"
    tags: tuple[str, ...] = ()
    safety: bool = False
    provenance: str = ""          # copied from the Case by the runner, for the report


@dataclass(frozen=True)
class Metric:
    name: str
    value: float
    higher_is_better: bool = True
    tolerance: float = 0.0        # how far it may move the wrong way before the gate fails


@dataclass(frozen=True)
class RunConfig:
    mode: Mode = "offline"
    workdir: Path | None = None   # scratch space for a suite (temporary databases, rendered files)
    corpus: Path | None = None    # ../shared/corpus (BACKOFFICE_CORPUS); None when not present
    settings: Any = None          # core.settings.Settings for live mode (the LLM endpoint)


class Suite(Protocol):
    """Optional attributes, read with getattr (absent = default):

    * ``parallel: bool = False`` - cases are independent (no shared state in `workdir`, no module
      globals mutated) and CPU-bound, so the runner may run them in a pool of worker processes.
      Case payloads and results must then be picklable.
    * ``thresholds_in_use: Mapping[str, Sequence[float]] = {}`` - decision type → the confidence
      thresholds the product uses for it; calibration reports precision/recall at those too.
    """

    name: str
    description: str

    def cases(self, config: RunConfig) -> Sequence[Case]:
        """Load the suite's cases from its data files (cases needing a missing corpus are left out
        and reported by `skipped`)."""
        ...

    def skipped(self, config: RunConfig) -> dict[str, int]:
        """Reason → number of cases not run (e.g. {"corpus not found": 136})."""
        ...

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        """Run one case deterministically and judge it."""
        ...

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        """Aggregate metrics for the table, the JSON report and the baseline gate."""
        ...
