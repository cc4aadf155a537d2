"""The gate's verdict on a run: it fails on any regression against the baseline, any failed safety
case (whatever the metrics say) and any suite that could not run. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from evals.harness.baseline import Baseline, Regression, review
from evals.harness.model import CaseResult
from evals.harness.results import RunReport


@dataclass(frozen=True)
class Verdict:
    changes: tuple[Regression, ...] = ()
    safety_failures: tuple[tuple[str, CaseResult], ...] = ()
    suite_errors: tuple[tuple[str, str], ...] = ()
    baseline_path: str | None = None
    notes: tuple[str, ...] = ()          # e.g. "no baseline at ...", a mode mismatch

    @property
    def regressions(self) -> list[Regression]:
        return [c for c in self.changes if c.fails]

    @property
    def improvements(self) -> list[Regression]:
        return [c for c in self.changes if c.kind == "improvement"]

    @property
    def warnings(self) -> list[Regression]:
        return [c for c in self.changes if c.kind in ("warning", "new")]

    @property
    def passed(self) -> bool:
        return not (self.regressions or self.safety_failures or self.suite_errors)


def judge(report: RunReport, baseline: Baseline | None, baseline_path: str | None = None) -> Verdict:
    notes = []
    if baseline is None:
        notes.append(f"no baseline{f' at {baseline_path}' if baseline_path else ''}: metrics are "
                     "not compared (write one with --update-baseline)")
    elif baseline.mode != report.metadata.mode:
        notes.append(f"the baseline is for mode {baseline.mode!r}, this run is {report.metadata.mode!r}")
    return Verdict(changes=tuple(review(report, baseline)) if baseline else (),
                   safety_failures=tuple(report.safety_failures),
                   suite_errors=tuple((n, e) for n, e in report.suite_errors),
                   baseline_path=baseline_path, notes=tuple(notes))
