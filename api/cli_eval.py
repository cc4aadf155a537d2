"""`backoffice eval run [SUITE...]`: the regression evals and their gate.

Thin: parse the options, call evals.harness.runner, print the metrics table and the verdict, write
the reports. Exit codes: 0 the gate passes; 1 a metric regressed beyond its tolerance, a safety
case failed or a suite could not run; 2 a usage error (unknown suite, no LLM for --model live,
an unreadable baseline).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from evals.harness import baseline as baselines
from evals.harness import report_html, report_json
from evals.harness.gate import Verdict, judge
from evals.harness.metadata import find_corpus
from evals.harness.model import CaseResult, RunConfig
from evals.harness.results import Progress, RunReport
from evals.harness.runner import DEFAULT_WORKERS, run_suites
from evals.suites import suite_names

FAILED_CASES_SHOWN = 5


class _ProgressDisplay:
    """A bar per suite on a terminal; on a pipe (CI logs), a plain line per quarter of a suite."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: Any = None
        self.suite = ""

    def __call__(self, p: Progress) -> None:
        if not self.tty:
            if p.suite_done * 4 // p.suite_total > (p.suite_done - 1) * 4 // p.suite_total:
                click.echo(f"  {p.suite}: {p.suite_done}/{p.suite_total} cases", err=True)
            return
        if p.suite != self.suite:
            self.close()
            self.suite = p.suite
            self.bar = click.progressbar(length=p.suite_total, label=f"{p.suite:<12}", file=sys.stderr,
                                         show_pos=True)
            self.bar.__enter__()
        self.bar.update(1)
        if p.suite_done == p.suite_total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _delta(delta: float) -> str:
    return f"{0.0 if abs(delta) < baselines.EPSILON else delta:+.4f}"


def _table(report: RunReport, verdict: Verdict, baseline: baselines.Baseline | None) -> list[str]:
    failing = {(c.suite, c.metric) for c in verdict.regressions}
    rows = [("suite", "metric", "value", "baseline", "delta", "tol", "gate")]
    for s in report.suites:
        for m in s.metrics:
            base = baseline.get(s.name, m.name) if baseline else None
            rows.append((s.name, m.name, _fmt(m.value), _fmt(base.value if base else None),
                         _delta(m.value - base.value) if base else "-",
                         f"{(base or m).tolerance:g}", "FAIL" if (s.name, m.name) in failing else "ok"))
        for c in verdict.changes:
            if c.suite == s.name and c.now is None:
                rows.append((s.name, c.metric, "missing", _fmt(c.baseline), "-", f"{c.tolerance:g}",
                             "FAIL" if c.fails else "warn"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {2, 3, 4, 5}
    return ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                      for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


def _summary(report: RunReport) -> list[str]:
    lines = []
    for s in report.suites:
        skipped = ", ".join(f"{k}: {v}" for k, v in s.skipped.items() if v)
        lines.append(f"{s.name}: {len(s.results)} cases, {s.passed_count} passed, {len(s.failed)} failed"
                     f"{f'; skipped {skipped}' if skipped else ''} ({s.seconds:.1f} s"
                     f"{f', {s.workers} processes' if s.workers > 1 else ''})")
        if s.error:
            lines.append(f"  suite error: {s.error}")
    return lines


def _first_diffs(r: CaseResult, shown: int = 3) -> str:
    if not r.diff:
        return r.error or "failed"
    more = f" (+{len(r.diff) - shown} more)" if len(r.diff) > shown else ""
    return "; ".join(r.diff[:shown]) + more


def _verdict(report: RunReport, verdict: Verdict) -> list[str]:
    lines = [f"note: {n}" for n in verdict.notes]
    lines += [f"warning: {c.message}" for c in verdict.warnings]
    lines += [f"improved: {c.message}" for c in verdict.improvements]
    for c in verdict.regressions:
        lines.append(f"REGRESSION {c.message}")
    for name in dict.fromkeys(c.suite for c in verdict.regressions):
        found = report.suite(name)
        failed = found.failed if found else []
        if failed:
            lines.append(f"  {name}: {len(failed)} failed cases, first {min(len(failed), FAILED_CASES_SHOWN)}:")
        for r in failed[:FAILED_CASES_SHOWN]:
            lines.append(f"    {r.case_id}: {_first_diffs(r)}")
    for suite_name, r in verdict.safety_failures:
        lines.append(f"SAFETY FAILURE {suite_name}/{r.case_id}: {_first_diffs(r, 1)}")
    for suite_name, error in verdict.suite_errors:
        lines.append(f"SUITE ERROR {suite_name}: {error}")
    return lines


@click.group("eval")
def eval_group() -> None:
    """Regression evals: versioned cases, deterministic evaluators, a baseline gate."""


@eval_group.command("run")
@click.argument("suites", nargs=-1, metavar="[SUITE]...")
@click.option("--model", "mode", type=click.Choice(["offline", "live"]), default="offline",
              show_default=True, help="offline: the deterministic paths; live: the configured LLM.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full JSON report here.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the self-contained HTML report here.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Baseline to compare with [default: evals/baselines/<mode>.json].")
@click.option("--update-baseline", is_flag=True,
              help="Accept this run's metrics as the new baseline (merged with the old one).")
@click.option("--jobs", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, show_default=True,
              help="Worker processes for suites whose cases may run in parallel (1 = sequential).")
@click.pass_context
def eval_run(ctx: click.Context, suites: tuple[str, ...], mode: str, json_path: Path | None,
             html_path: Path | None, baseline_path: Path | None, update_baseline: bool,
             jobs: int) -> None:
    """Run SUITE(s) (default: all), print the metrics, compare with the baseline and exit 1 on a
    regression or a failed safety case."""
    known = suite_names()
    for name in suites:
        if name not in known:
            raise click.BadParameter(f"unknown suite {name!r}; choose from {', '.join(known)}",
                                     param_hint="SUITE")
    settings = None
    if mode == "live":
        from core.settings import load_settings

        settings = getattr(ctx.obj, "settings", None) or load_settings()
        if not settings.llm_enabled:
            click.echo("error: --model live needs an LLM endpoint: set BACKOFFICE_LLM_MODEL and "
                       "OPENAI_API_KEY (or OPENAI_BASE_URL)", err=True)
            sys.exit(2)
    explicit = baseline_path is not None
    path = baseline_path or baselines.default_path(mode)  # type: ignore[arg-type]
    old: baselines.Baseline | None = None
    if path.exists():
        try:
            old = baselines.load(path)
        except baselines.BaselineError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    elif explicit and not update_baseline:
        click.echo(f"error: baseline file {path} does not exist", err=True)
        sys.exit(2)

    names = list(dict.fromkeys(suites)) or known
    click.echo(f"eval: {', '.join(names)} ({mode})", err=True)
    display = _ProgressDisplay()
    try:
        report = run_suites(names, RunConfig(mode=mode, corpus=find_corpus(), settings=settings),  # type: ignore[arg-type]
                            progress=display, workers=jobs)
    finally:
        display.close()
    verdict = judge(report, old, str(path))
    for line in [*_table(report, verdict, old), "", *_summary(report), *_verdict(report, verdict)]:
        click.echo(line)
    if json_path:
        report_json.write(json_path, report, verdict, old)
        click.echo(f"JSON report: {json_path}")
    if html_path:
        report_html.write(html_path, report, verdict, old)
        click.echo(f"HTML report: {html_path}")
    regressions = f"{len(verdict.regressions)} regressions"
    if update_baseline:   # the numbers are accepted; safety cases and broken suites still fail
        baselines.update(report, path)
        click.echo(f"baseline written: {path}")
        failed = bool(verdict.safety_failures or verdict.suite_errors)
        regressions += " accepted"
    else:
        failed = not verdict.passed
    click.echo(f"eval {'FAILED' if failed else 'passed'}: {regressions}, "
               f"{len(verdict.safety_failures)} failed safety cases, {len(verdict.suite_errors)} suite errors")
    sys.exit(1 if failed else 0)
