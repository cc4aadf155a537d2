"""The human report: one self-contained HTML file (inline CSS, no scripts, no external URLs) that a
reviewer can open from a CI artefact.

Every value from a run goes through `_e` (html.escape): case data holds hostile strings on purpose
(prompt injections, markup in invoice text), and a report must never execute what it shows.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evals.harness.baseline import Baseline, Regression
from evals.harness.calibration import DecisionCalibration
from evals.harness.gate import Verdict
from evals.harness.model import CaseResult
from evals.harness.report_json import json_default
from evals.harness.results import RunReport, SuiteReport

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2330}
h1{margin:0 0 .5rem}h2{margin-top:2rem;border-bottom:2px solid #ccd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccd;padding:.2rem .5rem;
text-align:left;vertical-align:top}th{background:#eef0f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#0a6b2d;font-weight:600}.fail{color:#b3141c;font-weight:700}.warn{color:#8a5a00}
.banner{padding:.6rem 1rem;border-radius:4px;font-size:1.2rem;display:inline-block}
.banner.pass{background:#e3f6e8}.banner.fail{background:#fde7e8}
pre{background:#f6f7fa;padding:.5rem;overflow:auto;max-height:30rem;white-space:pre-wrap;margin:.2rem 0}
.cols{display:flex;gap:1rem}.cols>div{flex:1;min-width:0}ul.diff{margin:.2rem 0;font-family:monospace}
tr.recommended td{background:#e3f6e8}tr.inuse td{font-weight:600}.muted{color:#667}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _status(ok: bool, good: str = "pass", bad: str = "FAIL") -> str:
    return f'<span class="{"pass" if ok else "fail"}">{good if ok else bad}</span>'


def _table(headers: Iterable[str], rows: Iterable[str], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=json_default, sort_keys=False)


def _changes(title: str, changes: list[Regression], cls: str) -> str:
    if not changes:
        return ""
    items = "".join(f"<li>{_e(c.message)}</li>" for c in changes)
    return f'<h3 class="{cls}">{_e(title)}</h3><ul>{items}</ul>'


def _gate(verdict: Verdict) -> str:
    parts = [_changes("Regressions", verdict.regressions, "fail")]
    if verdict.safety_failures:
        items = "".join(f"<li>{_e(s)} / {_e(r.case_id)}: {_e(r.diff[0] if r.diff else r.error or '')}</li>"
                        for s, r in verdict.safety_failures)
        parts.append(f'<h3 class="fail">Failed safety cases</h3><ul>{items}</ul>')
    if verdict.suite_errors:
        items = "".join(f"<li>{_e(s)}: {_e(e)}</li>" for s, e in verdict.suite_errors)
        parts.append(f'<h3 class="fail">Suites that could not run</h3><ul>{items}</ul>')
    parts.append(_changes("Warnings", verdict.warnings, "warn"))
    parts.append(_changes("Improvements", verdict.improvements, "pass"))
    if verdict.notes:
        parts.append("<ul>" + "".join(f'<li class="warn">{_e(n)}</li>' for n in verdict.notes) + "</ul>")
    return "".join(parts)


def _metadata(report: RunReport, verdict: Verdict) -> str:
    m = report.metadata
    rows = [("mode", m.mode), ("started", m.started_at), ("seconds", m.seconds),
            ("git commit", f"{m.git_commit or 'unknown'}{' (uncommitted changes)' if m.git_dirty else ''}"),
            ("python", m.python), ("platform", m.platform), ("cores", m.cores),
            ("corpus", m.corpus or "not found"), ("baseline", verdict.baseline_path or "none")]
    if m.mode == "live":
        rows += [("model", m.model), ("endpoint", m.endpoint)]
        rows += [(f"prompt {k}", v) for k, v in m.prompts.items()]
    return _table(("", ""), (f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows))


def _metrics(suite: SuiteReport, baseline: Baseline | None, verdict: Verdict) -> str:
    failing = {(c.suite, c.metric) for c in verdict.regressions}
    rows = []
    names = [m.name for m in suite.metrics] + [c.metric for c in verdict.changes
                                               if c.suite == suite.name and c.now is None]
    for name in names:
        metric = suite.metric(name)
        base = baseline.get(suite.name, name) if baseline else None
        value = metric.value if metric else None
        delta = value - base.value if value is not None and base else None
        tol = base.tolerance if base else (metric.tolerance if metric else None)
        ok = (suite.name, name) not in failing
        gate = _status(ok) if metric else ('<span class="warn">not measured</span>' if ok
                                           else _status(False, bad="MISSING"))
        arrow = "↑" if (metric.higher_is_better if metric else base and base.higher_is_better) else "↓"
        rows.append(f"<tr><td>{_e(name)} <span class='muted'>{arrow}</span></td>"
                    f"<td class='num'>{_e(_num(value))}</td>"
                    f"<td class='num'>{_e(_num(base.value) if base else '–')}</td>"
                    f"<td class='num'>{_e(f'{delta:+.4f}' if delta is not None else '–')}</td>"
                    f"<td class='num'>{_e(_num(tol))}</td><td>{gate}</td></tr>")
    return _table(("metric", "value", "baseline", "delta", "tolerance", "gate"), rows)


def _calibration(c: DecisionCalibration) -> str:
    rows = []
    for p in c.points:
        cls = "inuse" if p.in_use else ""
        rows.append(f"<tr class='{cls}'><td class='num'>{_e(p.threshold)}{' (in use)' if p.in_use else ''}"
                    f"</td><td class='num'>{p.support}</td><td class='num'>{p.correct}</td>"
                    f"<td class='num'>{_pct(p.precision)}</td><td class='num'>{_pct(p.recall)}</td>"
                    f"<td class='num'>{_pct(p.coverage)}</td></tr>")
    r = c.recommended
    found = (f"lowest threshold reaching {c.target_precision:.1%} precision: <b>{_e(r.threshold)}</b> "
             f"(recall {_pct(r.recall)}, support {r.support})" if r else _e(c.note))
    return (f"<h4>{_e(c.decision)} <span class='muted'>n={c.n}, correct={c.n_correct}</span></h4>"
            f"<p>{found}</p>"
            + _table(("threshold", "support", "correct", "precision", "recall", "coverage"), rows))


def _case(r: CaseResult) -> str:
    diff = "".join(f"<li>{_e(line)}</li>" for line in r.diff)
    error = f"<p class='fail'>error: {_e(r.error)}</p>" if r.error else ""
    body = (f"<details><summary>{'diff, ' if r.diff else ''}expected vs got</summary>{error}"
            f"{f'<ul class=diff>{diff}</ul>' if diff else ''}<div class='cols'>"
            f"<div><b>expected</b><pre>{_e(_pretty(r.expected))}</pre></div>"
            f"<div><b>got</b><pre>{_e(_pretty(r.got))}</pre></div></div></details>")
    first = _e(r.diff[0]) if r.diff else ""
    return (f"<tr><td>{_status(r.passed)}{' <b>safety</b>' if r.safety else ''}</td>"
            f"<td>{_e(r.case_id)}</td><td>{_e(r.split)}</td><td>{_e(', '.join(r.tags))}</td>"
            f"<td>{_e(r.provenance)}</td><td class='num'>{r.seconds:.3f}</td>"
            f"<td>{first}{body}</td></tr>")


def _suite(suite: SuiteReport, baseline: Baseline | None, verdict: Verdict) -> str:
    skipped = ", ".join(f"{_e(k)}: {v}" for k, v in suite.skipped.items()) or "none"
    error = f"<p class='fail'>suite error: {_e(suite.error)}</p>" if suite.error else ""
    ordered = sorted(suite.results, key=lambda r: (r.passed, not r.safety))   # failures first
    return (f"<section><h2 id='{_e(suite.name)}'>{_e(suite.name)}</h2><p>{_e(suite.description)}</p>"
            f"{error}<p>{len(suite.results)} cases, {suite.passed_count} passed, "
            f"{len(suite.failed)} failed; skipped: {skipped}; {suite.seconds:.1f} s "
            f"({suite.workers} process{'es' if suite.workers > 1 else ''})</p>"
            + _metrics(suite, baseline, verdict)
            + ("<h3>Calibration</h3>" + "".join(_calibration(c) for c in suite.calibration)
               if suite.calibration else "")
            + "<h3>Cases</h3>"
            + _table(("result", "id", "split", "tags", "provenance", "s", "diff"),
                     (_case(r) for r in ordered)) + "</section>")


def render(report: RunReport, verdict: Verdict, baseline: Baseline | None = None) -> str:
    title = f"Backoffice evals ({report.metadata.mode}) – {'PASS' if verdict.passed else 'FAIL'}"
    banner = f'<div class="banner {"pass" if verdict.passed else "fail"}">{_e(title)}</div>'
    summary = _table(("suite", "cases", "passed", "failed", "skipped", "seconds"), (
        f"<tr><td><a href='#{_e(s.name)}'>{_e(s.name)}</a></td><td class='num'>{len(s.results)}</td>"
        f"<td class='num'>{s.passed_count}</td><td class='num'>{len(s.failed)}</td>"
        f"<td class='num'>{sum(s.skipped.values())}</td><td class='num'>{s.seconds:.1f}</td></tr>"
        for s in report.suites))
    body = (banner + _metadata(report, verdict) + _gate(verdict) + summary
            + "".join(_suite(s, baseline, verdict) for s in report.suites))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
            f"<style>{CSS}</style></head><body><h1>Backoffice eval report</h1>{body}</body></html>\n")


def write(path: Path, report: RunReport, verdict: Verdict, baseline: Baseline | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report, verdict, baseline), encoding="utf-8")
