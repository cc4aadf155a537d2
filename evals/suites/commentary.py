"""The `commentary` suite: every number in every drafted commentary is one of the facts, direction
words agree with the signs, and the reports the commentary is written from reconcile to the trial
balance.

System under test: tools.reports (facts, the offline narrative, the number checker, the report
kernel) over memory.report_queries; in live mode also the LLM drafts (tools.reports.llm_commentary)
through the endpoint in the run's settings.

Cases:
* evals/data/commentary/demo_months.jsonl: the 12 months of the demo company's books, built once
  per run into the run's workdir (demo.build, about 5 s). Each month's report is computed and
  its commentary drafted; then, independently of the report kernel, through the ledger store:
  net profit for the month = the movement of the income and expense accounts between the trial
  balances at the month's ends; total assets and total liabilities = the trial balance's; assets =
  liabilities + equity + current-year earnings; cash = the bank accounts' balances; 1A and 1B = the
  movements of the GST accounts without BAS settlements (journals listed by the store); aged
  receivables and payables = their control accounts; the forecast has 13 weekly buckets, chained,
  with the lowest one flagged.
* evals/data/commentary/synthetic.jsonl: hand-written fact inputs with known signs (profit to loss,
  budget above and below, last year, overdrawn forecast, buffer, GST refund, names with digits,
  millions and cents, nothing changed); the narrative must hold the expected phrases.
* evals/data/commentary/checker.jsonl: prose against those facts: clean drafts (LLM-style
  abbreviations and roundings) must pass, drafts with planted errors must be caught.

Metrics: cases, numbers_traceable_rate (numbers in drafts traced to a fact), direction_agreement_rate
(checked direction words that agree), reconciliation_rate (demo months that reconcile), numbers,
directions_checked, phrases_found_rate, planted_errors_caught_rate, clean_drafts_passed_rate;
in live mode llm_drafts_used_rate and llm_numbers_traceable_rate too.
"""

from __future__ import annotations

import functools
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evals.harness.model import DATA, Case, CaseResult, Metric, RunConfig
from evals.harness.standalone import run_alone
from evals.harness.workdir import jsonl_lines

DATA_DIR = DATA / "commentary"
DEMO_FILE = DATA_DIR / "demo_months.jsonl"
SYNTHETIC_FILE = DATA_DIR / "synthetic.jsonl"
CHECKER_FILE = DATA_DIR / "checker.jsonl"
ZERO = Decimal("0.00")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemoMonth(_Strict):
    id: str
    month: str
    provenance: str
    tags: tuple[str, ...] = ()


class Expect(_Strict):
    phrases: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


class Synthetic(_Strict):
    id: str
    description: str
    provenance: str
    inputs: dict[str, Any]
    expect: Expect = Expect()


class CheckerCase(_Strict):
    id: str
    case: str
    kind: Literal["clean", "planted"]
    text: str
    provenance: str
    expect_untraceable: tuple[str, ...] = ()
    expect_disagree: tuple[str, ...] = ()


@functools.cache
def load_demo_months() -> tuple[DemoMonth, ...]:
    return tuple(DemoMonth.model_validate_json(ln) for ln in jsonl_lines(DEMO_FILE))


@functools.cache
def load_synthetic() -> tuple[Synthetic, ...]:
    return tuple(Synthetic.model_validate_json(ln) for ln in jsonl_lines(SYNTHETIC_FILE))


@functools.cache
def load_checker() -> tuple[CheckerCase, ...]:
    return tuple(CheckerCase.model_validate_json(ln) for ln in jsonl_lines(CHECKER_FILE))


# ----------------------------------------------------------------------------- the demo books
_DEMO_LOCK = threading.Lock()
_DEMO_HOMES: dict[Path, Any] = {}


def demo_settings(config: RunConfig) -> Any:
    """The demo company's settings, built once per workdir (the build takes about 5 s)."""
    from core.settings import load_settings
    from demo.build import build_demo

    base = config.workdir or Path(tempfile.gettempdir()) / "backoffice-commentary-eval"
    home = (base / "demo").resolve()
    with _DEMO_LOCK:
        if home not in _DEMO_HOMES:
            settings = load_settings(home=home, database_url=None)
            build_demo(settings, with_assistant=False)
            _DEMO_HOMES[home] = settings
        return _DEMO_HOMES[home]


def _live_model(config: RunConfig) -> Any:
    if config.mode != "live" or config.settings is None:
        return None
    from adapters.llm import OpenAIChatModel

    return OpenAIChatModel.from_settings(config.settings)


def independent_checks(session: Any, report: Any) -> list[str]:
    """Differences between the report and the ledger store's own figures (empty: reconciled)."""
    from memory.ledger_store import LedgerStore
    from adapters.clock import SystemClock
    from tools.reports.model import SETTLEMENT_SOURCES

    store = LedgerStore(session, SystemClock(), "eval")
    month = report.month
    end = store.trial_balance(month.end)
    before = store.trial_balance(month.start - timedelta(days=1))
    diffs: list[str] = []
    if not end.balanced:
        diffs.append("the trial balance does not balance")
    prev = {r.code: r.balance for r in before.rows}
    net = -sum((r.balance - prev.get(r.code, ZERO) for r in end.rows if r.type in ("revenue", "expense")), ZERO)
    got = report.profit_and_loss.metric("net_profit")
    if got != net:
        diffs.append(f"net profit: ledger {net}, report {got}")
    bs = report.balance_sheet
    by_type: Counter[str] = Counter()
    for r in end.rows:
        by_type[r.type] += r.balance  # type: ignore[assignment]
    assets, liabilities = by_type["asset"], -by_type["liability"]
    if bs.totals["assets"]["current"] != assets:
        diffs.append(f"assets: ledger {assets}, report {bs.totals['assets']['current']}")
    if bs.totals["liabilities"]["current"] != liabilities:
        diffs.append(f"liabilities: ledger {liabilities}, report {bs.totals['liabilities']['current']}")
    equity_lines = {ln.name: ln.values["current"] for s in bs.sections if s.group == "equity" for ln in s.lines}
    equity = bs.totals["equity"]["current"]
    if assets != liabilities + equity:
        diffs.append(f"assets {assets} != liabilities {liabilities} + equity {equity}")
    earnings = equity_lines.get("Current year earnings")
    fy_journals = store.journals(report.profit_and_loss.columns[-1].period.start, month.end)
    accounts = store.accounts()
    cy = -sum((ln.amount for _, j in fy_journals for ln in j.lines
               if accounts[ln.account_code].type in ("revenue", "expense")), ZERO)
    if earnings != cy:
        diffs.append(f"current year earnings: ledger {cy}, report {earnings}")
    roles = store.roles()
    banks = [c for c, a in accounts.items() if a.subtype == "bank" or a.role == "bank"]
    balances = {r.code: r.balance for r in end.rows}
    cash = sum((balances.get(c, ZERO) for c in banks), ZERO)
    if report.cash_position.total.closing != cash:
        diffs.append(f"cash: ledger {cash}, report {report.cash_position.total.closing}")
    month_journals = store.journals(month.start, month.end)
    for role, label, sign, got_value in (("gst_collected", "1A", -1, report.gst_month.gst_on_sales),
                                         ("gst_paid", "1B", 1, report.gst_month.gst_on_purchases)):
        code = roles[role]
        moved = sum((ln.amount for _, j in month_journals if j.source_type not in SETTLEMENT_SOURCES
                     for ln in j.lines if ln.account_code == code), ZERO) * sign
        if moved != got_value:
            diffs.append(f"{label}: GST account movement {moved}, report {got_value}")
    for aged, role, sign in ((report.receivables, "accounts_receivable", 1),
                             (report.payables, "accounts_payable", -1)):
        control = balances.get(roles[role], ZERO) * sign
        if aged.total != control:
            diffs.append(f"aged {aged.kind}: control account {control}, open items {aged.total}")
    weeks = report.forecast.weeks
    if len(weeks) != 13:
        diffs.append(f"the forecast has {len(weeks)} weeks, not 13")
    chained = all(a.closing == b.opening for a, b in pairwise(weeks)) and weeks[0].opening == cash
    if not chained:
        diffs.append("the forecast's weeks do not chain from the closing cash")
    if report.forecast.lowest.closing != min(w.closing for w in weeks):
        diffs.append("the lowest week is not the lowest closing balance")
    diffs += [f"kernel check {c.name}: {c.expected} vs {c.got}" for c in report.reconciliation if not c.ok]
    return diffs


def _commentary_counts(commentary: Any, prefix: str = "") -> tuple[dict[str, float], list[str]]:
    check = commentary.check
    checked = [d for d in check.directions if d.status != "unchecked"]
    counts = {f"{prefix}numbers": len(check.numbers), f"{prefix}traceable": len(check.numbers) - len(check.untraceable),
              f"{prefix}directions": len(checked), f"{prefix}agree": sum(d.status == "agree" for d in checked)}
    return counts, check.problems()


def run_demo(case: DemoMonth, config: RunConfig) -> CaseResult:
    from memory.db import create_db_engine, session_factory, unit_of_work
    from memory.report_queries import load_snapshot
    from tools.reports.config import ReportConfig
    from tools.reports.periods import Month
    from tools.reports.report import build_report, compute_report, with_commentary

    settings = demo_settings(config)
    month = Month.parse(case.month)
    engine = create_db_engine(settings.resolved_database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            snapshot = load_snapshot(session, month)
            report = build_report(snapshot, month, ReportConfig.from_settings(settings))
            recon = independent_checks(session, report)
    finally:
        engine.dispose()
    assert report.commentary is not None
    counts, problems = _commentary_counts(report.commentary)
    counts.update({"reconciled": int(not recon), "demo_months": 1})
    diffs = [f"commentary: {p}" for p in problems] + [f"reconciliation: {d}" for d in recon]
    model = _live_model(config)
    got: dict[str, Any] = {"headline": report.commentary.draft.headline, "path": report.commentary.path}
    if model is not None:
        live = with_commentary(compute_report(snapshot, month, ReportConfig.from_settings(settings)), model)
        assert live.commentary is not None
        live_counts, live_problems = _commentary_counts(live.commentary, "llm_")
        counts.update(live_counts)
        counts["llm_used"] = int(live.commentary.path == "llm")
        counts["llm_cases"] = 1
        got["llm"] = {"path": live.commentary.path, "fallback": live.commentary.fallback_reason,
                      "text": live.commentary.text}
        diffs += [f"llm draft: {p}" for p in live_problems]
    return CaseResult(case.id, not diffs, expected={"numbers_traceable": True, "reconciled": True},
                      got=got, diff=tuple(diffs), counts=counts, split="demo", tags=case.tags)


def run_synthetic(case: Synthetic, config: RunConfig) -> CaseResult:
    from tools.reports.commentary import write_commentary
    from tools.reports.facts import CommentaryInputs, build_facts

    inputs = CommentaryInputs.model_validate(case.inputs)
    facts = build_facts(inputs)
    commentary = write_commentary(facts, inputs, _live_model(config))
    offline = commentary if commentary.path == "offline" else write_commentary(facts, inputs)
    counts, problems = _commentary_counts(commentary)
    diffs = [f"commentary: {p}" for p in problems]
    text = offline.text
    found = [p for p in case.expect.phrases if p in text]
    diffs += [f"missing phrase: {p!r}" for p in case.expect.phrases if p not in text]
    diffs += [f"unexpected phrase: {p!r}" for p in case.expect.absent if p in text]
    counts.update({"phrases": len(case.expect.phrases), "phrases_found": len(found)})
    return CaseResult(case.id, not diffs, expected=case.expect.model_dump(), got={"text": text, "path": commentary.path},
                      diff=tuple(diffs), counts=counts, split="synthetic")


def run_checker(case: CheckerCase, config: RunConfig) -> CaseResult:
    from tools.reports.facts import CommentaryInputs, build_facts
    from tools.reports.numbers import check_text

    source = next(s for s in load_synthetic() if s.id == case.case)
    facts = build_facts(CommentaryInputs.model_validate(source.inputs))
    result = check_text(case.text, facts)
    untraceable = [n.text for n in result.untraceable]
    disagree = [d.word for d in result.disagreements]
    diffs: list[str] = []
    counts: dict[str, float] = {}
    if case.kind == "clean":
        counts = {"clean": 1, "clean_passed": int(result.ok)}
        diffs += [f"false alarm: {p}" for p in result.problems()]
    else:
        want = set(case.expect_untraceable) | {f"dir:{w}" for w in case.expect_disagree}
        got = set(untraceable) | {f"dir:{w}" for w in disagree}
        counts = {"planted": len(want), "caught": len(want & got)}
        diffs += [f"not caught: {w}" for w in sorted(want - got)]
        diffs += [f"unexpected: {g}" for g in sorted(got - want)]
    return CaseResult(case.id, not diffs,
                      expected={"untraceable": list(case.expect_untraceable), "disagree": list(case.expect_disagree)},
                      got={"untraceable": untraceable, "disagree": disagree}, diff=tuple(diffs), counts=counts,
                      split="checker", tags=(case.kind,))


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 1.0


class CommentarySuite:
    name = "commentary"
    description = ("Month-end commentary: every number in every draft is a fact, direction words agree with "
                   "the signs, and the reports reconcile to the trial balance (12 demo months, synthetic facts, "
                   "planted errors).")
    parallel = False

    def cases(self, config: RunConfig) -> Sequence[Case]:
        out = [Case(c.id, c.provenance, c, split="demo", tags=c.tags) for c in load_demo_months()]
        out += [Case(c.id, c.provenance, c, split="synthetic") for c in load_synthetic()]
        out += [Case(c.id, c.provenance, c, split="checker", tags=(c.kind,)) for c in load_checker()]
        return out

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return {}

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        started = time.perf_counter()
        payload = case.payload
        try:
            if isinstance(payload, DemoMonth):
                result = run_demo(payload, config)
            elif isinstance(payload, Synthetic):
                result = run_synthetic(payload, config)
            else:
                result = run_checker(payload, config)
        except Exception as exc:  # noqa: BLE001  (a case that cannot run fails, with the reason)
            return CaseResult(case.id, False, error=f"{type(exc).__name__}: {exc}", split=case.split,
                              tags=case.tags, seconds=round(time.perf_counter() - started, 4))
        return CaseResult(**{**result.__dict__, "seconds": round(time.perf_counter() - started, 4)})

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        t: Counter[str] = Counter()
        for r in results:
            t.update(r.counts)
        out = [
            Metric("cases", len(results)),
            Metric("errors", sum(1 for r in results if r.error), higher_is_better=False),
            Metric("numbers_traceable_rate", _rate(t["traceable"], t["numbers"])),
            Metric("direction_agreement_rate", _rate(t["agree"], t["directions"])),
            Metric("reconciliation_rate", _rate(t["reconciled"], t["demo_months"])),
            Metric("numbers", t["numbers"]),
            Metric("directions_checked", t["directions"]),
            Metric("phrases_found_rate", _rate(t["phrases_found"], t["phrases"])),
            Metric("planted_errors_caught_rate", _rate(t["caught"], t["planted"])),
            Metric("clean_drafts_passed_rate", _rate(t["clean_passed"], t["clean"])),
        ]
        if t["llm_cases"]:
            out += [Metric("llm_drafts_used_rate", _rate(t["llm_used"], t["llm_cases"])),
                    Metric("llm_numbers_traceable_rate", _rate(t["llm_traceable"], t["llm_numbers"])),
                    Metric("llm_direction_agreement_rate", _rate(t["llm_agree"], t["llm_directions"]))]
        return out


SUITE = CommentarySuite()


def main() -> int:
    return run_alone(SUITE)


if __name__ == "__main__":
    raise SystemExit(main())
