"""The committed baseline and the gate's comparison with it.

File format (evals/baselines/offline.json, live.json), written with sorted keys and indent 2 so a
baseline change reads well in review:

    {"version": 1, "mode": "offline",
     "suites": {"extraction": {"field_accuracy": {"value": 0.98, "higher_is_better": true,
                                                  "tolerance": 0.005}}}}

A metric regresses when it moves the wrong way by more than the baseline's tolerance. A metric the
baseline has but the run lacks is a regression too (a suite that silently stops measuring something
must not pass), unless the suite reports cases skipped because the corpus is absent on this
machine: then it is a warning. Suites not selected for this run are not compared. Improvements and
metrics new to the baseline pass and are reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evals.harness.model import Mode
from evals.harness.results import RunReport

VERSION = 1
DIRECTORY = Path(__file__).resolve().parents[1] / "baselines"
EPSILON = 1e-6        # values are stored to 6 decimals; smaller moves are noise
DECIMALS = 6


class BaselineError(ValueError):
    """A baseline file that cannot be read or is not in the format above."""


@dataclass(frozen=True)
class BaselineMetric:
    value: float
    higher_is_better: bool = True
    tolerance: float = 0.0


@dataclass(frozen=True)
class Baseline:
    mode: Mode = "offline"
    suites: dict[str, dict[str, BaselineMetric]] = field(default_factory=dict)

    def get(self, suite: str, metric: str) -> BaselineMetric | None:
        return self.suites.get(suite, {}).get(metric)


Kind = Literal["regression", "missing", "improvement", "warning", "new"]


@dataclass(frozen=True)
class Regression:
    """One change against the baseline. `kind` regression/missing fail the gate; the rest pass."""

    suite: str
    metric: str
    baseline: float | None
    now: float | None
    tolerance: float
    higher_is_better: bool = True
    kind: Kind = "regression"
    message: str = ""

    @property
    def fails(self) -> bool:
        return self.kind in ("regression", "missing")


def default_path(mode: Mode) -> Path:
    return DIRECTORY / f"{mode}.json"


def load(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    try:
        if data.get("version") != VERSION:
            raise BaselineError(f"baseline {path} has version {data.get('version')!r}; "
                                f"this harness reads version {VERSION}")
        suites = {s: {m: BaselineMetric(float(v["value"]), bool(v.get("higher_is_better", True)),
                                        float(v.get("tolerance", 0.0)))
                      for m, v in metrics.items()}
                  for s, metrics in data.get("suites", {}).items()}
        return Baseline(mode=data.get("mode", "offline"), suites=suites)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, BaselineError):
            raise
        raise BaselineError(f"baseline {path} is malformed: {exc!r}") from None


def _judge(suite: str, name: str, base: BaselineMetric, now: float) -> Regression | None:
    delta = now - base.value
    wrong_way = -delta if base.higher_is_better else delta
    fields: dict[str, Any] = {"suite": suite, "metric": name, "baseline": base.value, "now": now,
                              "tolerance": base.tolerance, "higher_is_better": base.higher_is_better}
    if wrong_way > base.tolerance + EPSILON:
        return Regression(**fields, kind="regression", message=(
            f"{suite}.{name}: {base.value:g} → {now:g} ({delta:+g}; tolerance {base.tolerance:g})"))
    if wrong_way < -EPSILON:
        return Regression(**fields, kind="improvement",
                          message=f"{suite}.{name}: {base.value:g} → {now:g} ({delta:+g})")
    return None


def review(report: RunReport, baseline: Baseline) -> list[Regression]:
    """Every change worth reporting, failing or not, in suite then metric order."""
    out: list[Regression] = []
    for suite in report.suites:
        expected = baseline.suites.get(suite.name, {})
        got = {m.name: m for m in suite.metrics}
        for name, base in sorted(expected.items()):
            metric = got.get(name)
            if metric is not None:
                change = _judge(suite.name, name, base, metric.value)
                if change:
                    out.append(change)
                continue
            why = suite.error or "the run did not report it"
            kind: Kind = "warning" if suite.skipped_for_corpus and not suite.error else "missing"
            if kind == "warning":
                why = f"not measured: cases skipped ({', '.join(suite.skipped)})"
            out.append(Regression(suite.name, name, base.value, None, base.tolerance,
                                  base.higher_is_better, kind, f"{suite.name}.{name}: {why}"))
        for name in sorted(set(got) - set(expected)):
            out.append(Regression(suite.name, name, None, got[name].value, got[name].tolerance,
                                  got[name].higher_is_better, "new",
                                  f"{suite.name}.{name}: {got[name].value:g} (not in the baseline)"))
    return out


def compare(report: RunReport, baseline: Baseline) -> list[Regression]:
    """The changes that fail the gate."""
    return [r for r in review(report, baseline) if r.fails]


def build(report: RunReport, previous: Baseline | None = None) -> Baseline:
    """The baseline after accepting this run: suites that ran replace their entries; suites not
    run, suites that errored, and metrics not measured for want of the corpus keep the old ones."""
    suites = {k: dict(v) for k, v in (previous.suites if previous else {}).items()}
    for suite in report.suites:
        if suite.error:
            continue
        kept = suites.get(suite.name, {}) if suite.skipped_for_corpus else {}
        fresh = {m.name: BaselineMetric(round(m.value, DECIMALS), m.higher_is_better, m.tolerance)
                 for m in suite.metrics}
        suites[suite.name] = {**kept, **fresh}
    return Baseline(mode=report.metadata.mode, suites=suites)


def dumps(baseline: Baseline) -> str:
    data = {"version": VERSION, "mode": baseline.mode, "suites": {
        s: {m: {"value": b.value, "higher_is_better": b.higher_is_better, "tolerance": b.tolerance}
            for m, b in metrics.items()} for s, metrics in baseline.suites.items()}}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def update(report: RunReport, path: Path) -> Baseline:
    """Write the baseline for this run to `path` (merged with what is there) and return it."""
    previous = load(path) if path.exists() else None
    baseline = build(report, previous)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(baseline), encoding="utf-8")
    return baseline
