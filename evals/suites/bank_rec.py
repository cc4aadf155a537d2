"""The `bank-rec` suite (issue 13): how much of a business's bank the reconciliation clears with
no person, how often what it clears is right, and whether what it leaves for a person comes with
the right suggestion - on months it never learned from, one business in a bank format no training
month used, one business never looked at line by line.

System under test: the real bank path on a fresh SQLite database per business -
services.bank_import.import_statement_file (tools.bank.read), services.bank_reconcile.reconcile_all
(ledger entries, then open bills and invoices, transfers, rules, the learned categoriser), and in
the training months services.bank_decide.accept / match / categorise, which also teach the
categoriser and propose the rules (services.bank_learning), as in real use.

Cases: one per business (evals.generators.bank_books): a year of the demo's books built from a seed,
some bills and trade invoices left unpaid in the books while their payments are in the bank, the
bank feed generated from the complete books (demo.bank_feed), and special lines in the held-out
months (same-amount bills of two suppliers paid with no name or reference, one payment for three
bills, a receipt short by a merchant fee). Splits: `dev` (looked at), `blind` (its numbers are
reported, its lines never shown: the report carries counts only).

The run, month by month. July to February train: the month's statements are imported and
reconciled (what clears the threshold posts itself), then a simulated bookkeeper decides every
exception from the truth - accepts the right suggestion when one is offered (any rank), else
matches the entry, the bills or the invoice, or categorises the line, as the truth says; lines of
unknown truth are left open, as a bookkeeper waiting for an answer would. March to June are HELD
OUT: imported (for the `heldout_format` business in QIF and camt.053, formats no training month
used) and reconciled, with no person at all.

Judging every held-out line (evals.suites.bank_rec_judge): reconciled by the run → its decision
right or wrong against the truth; left for a person → its top suggestion right or wrong.

Metrics (rates are shares of held-out lines; all higher is better unless noted):
heldout_lines, auto_rate (reconciled with no person), auto_precision (of those, right),
wrong_auto (count, lower), wrong_bill_matches (matches applied with no person to bills or invoices
the line does not pay, ambiguous twins included; lower, must be 0), ambiguous_auto (lower),
exception_top1 (exceptions of knowable truth whose top suggestion is right), auto_rate.<kind> and
auto_precision.<kind> per truth kind (entry, match, transfer, categorise), unknown_auto (lines
nobody could explain reconciled anyway; lower), late_auto_wrong (training lines left open and then
reconciled wrongly in a held-out run; lower), refused_files (lower), training_auto_precision, and
blind.* / heldout_format.* for those businesses alone. Targets (issue 13): auto_rate ≥ 0.92 at
auto_precision ≥ 0.995, and no wrong bill match.

Calibration: Judgement("bank:<kind>", confidence, right) and "bank:overall" for every held-out
line's decision (applied, or the top suggestion); the threshold in use is the product's
`bank_auto_confidence` (tests/evals/test_gate.py keeps it at or above the recommendation).

Run alone: python -m evals.suites.bank_rec [--only SUBSTRING] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from evals.harness.model import Case, CaseResult, Metric, RunConfig
from evals.harness.standalone import run_alone
from evals.harness.workdir import workdir_of

NAME = "bank-rec"
AEST = timezone(timedelta(hours=10))
BOOKKEEPER = "key:3 (bookkeeper)"
AUTO_RATE_TARGET, PRECISION_TARGET = 0.92, 0.995
BASE_KINDS = ("entry", "match", "transfer", "categorise")


@dataclass(frozen=True)
class BankRecCase:
    seed: int
    split: str                     # dev | blind
    heldout_format: bool = False   # the held-out months in QIF (cheque) and camt.053 (savings)

    @property
    def id(self) -> str:
        return f"business-{self.seed}" + ("-heldout-format" if self.heldout_format else "")


CASES = (BankRecCase(11, "dev"), BankRecCase(23, "dev", heldout_format=True),
         BankRecCase(37, "blind"))


def _policy() -> dict[str, Any]:
    """The product's defaults for the bank, pinned against the environment and any .env."""
    from core.settings import Settings

    return {n: Settings.model_fields[n].default
            for n in ("bank_auto_confidence", "bank_tolerance_amount", "bank_tolerance_fraction")}


def threshold() -> float:
    return float(_policy()["bank_auto_confidence"])


@dataclass
class _Ctx:
    settings: Any
    sessions: Any
    clock: Any


@dataclass
class BusinessRun:
    """What one business's year produced, before judging."""
    outcomes: list = field(default_factory=list)          # LineOutcome of every held-out line
    training: Counter = field(default_factory=Counter)
    late: list = field(default_factory=list)              # LineOutcome of training lines auto later
    refused: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)      # a person's decision the books refused
    training_wrong: list = field(default_factory=list)    # LineOutcome: wrong with no person
    default_tax: dict[str, str | None] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


# -- driving the bank -----------------------------------------------------------------------

def run_business(case: BankRecCase, folder: Path) -> BusinessRun:
    from adapters.clock import SteppingClock
    from core.settings import Settings
    from evals.generators.bank_books import HELDOUT_FROM, build_business, months
    from memory.db import create_db_engine, session_factory
    from services.bank_reconcile import reconcile_all

    run = BusinessRun()
    started = time.perf_counter()
    business = build_business(folder, case.seed, heldout_format=case.heldout_format)
    run.seconds["books"] = round(time.perf_counter() - started, 2)
    engine = create_db_engine(business.url)
    try:
        ctx = _Ctx(Settings(home=folder, **_policy()), session_factory(engine),
                   SteppingClock(datetime(2026, 7, 1, 9, 0, tzinfo=AEST)))
        run.default_tax = _default_tax(ctx)
        truths: dict[int, Any] = {}                       # bank line id -> FeedLine
        heldout: set[int] = set()
        left_open: set[int] = set()
        for month in months():
            for f in (f for f in business.files if f.month == month):
                for row_id, fl in _import(ctx, f, run):
                    truths[row_id] = fl
                    if month >= HELDOUT_FROM:
                        heldout.add(row_id)
            reconcile_all(ctx, actor="eval:run")
            if month < HELDOUT_FROM:
                _bookkeeper(ctx, truths, run)
            elif not left_open:
                left_open = {r for r in _open_ids(ctx) if r not in heldout}
                run.training["left_open"] = len(left_open)
        run.seconds["bank"] = round(time.perf_counter() - started - run.seconds["books"], 2)
        outcomes = _outcomes(ctx, truths)
        run.outcomes = [o for o in outcomes if o.line_id in heldout]
        run.late = [o for o in outcomes if o.line_id in left_open and o.auto]
        _training_autos(outcomes, heldout | left_open, run)
    finally:
        engine.dispose()
    return run


def _default_tax(ctx: _Ctx) -> dict[str, str | None]:
    from memory.db import read_only
    from memory.ledger_store import LedgerStore

    with read_only(ctx.sessions) as session:
        return {code: a.tax_code for code, a in LedgerStore(session, ctx.clock, "eval").accounts().items()}


def _import(ctx: _Ctx, f: Any, run: BusinessRun) -> list[tuple[int, Any]]:
    """Import one month file; the stored lines paired with the file's lines, in order."""
    from sqlalchemy import select

    from demo.bank_feed import IDENTIFIERS
    from memory.bank_schema import BankLineRow
    from memory.db import read_only
    from services.bank_import import BankImportError, import_statement_file

    try:
        done = import_statement_file(ctx, f.data, f.filename, actor="eval:import",
                                     account_code=f.account_code,
                                     account_number=IDENTIFIERS[f.account_code])
    except BankImportError as err:
        run.refused.append(f"{f.filename} ({f.format}): {err.code}: {err.message}")
        return []
    import_ids = [s.import_id for s in done.statements]
    with read_only(ctx.sessions) as session:
        rows = list(session.scalars(select(BankLineRow).where(BankLineRow.import_id.in_(import_ids))
                                    .order_by(BankLineRow.id)))
        pairs = [(r.id, r.posted, r.amount) for r in rows]
    if [(p, a) for _, p, a in pairs] != [(fl.line.posted, fl.line.amount) for fl in f.lines]:
        raise RuntimeError(f"{f.filename}: the stored lines are not the file's lines in order "
                           f"({len(pairs)} stored, {len(f.lines)} written)")
    return [(row_id, fl) for (row_id, _, _), fl in zip(pairs, f.lines)]


def _open_ids(ctx: _Ctx) -> set[int]:
    from memory.bank_store import BankStore
    from memory.db import read_only

    with read_only(ctx.sessions) as session:
        return {r.id for r in BankStore(session, ctx.clock, "eval").lines(status="open")}


def _bookkeeper(ctx: _Ctx, truths: Mapping[int, Any], run: BusinessRun) -> None:
    """A person works the exception queue from the truth (see the module doc)."""
    from evals.suites.bank_rec_judge import right
    from memory.bank_store import BankStore
    from memory.db import read_only
    from services import bank_decide
    from tools.ledger.problems import LedgerError

    with read_only(ctx.sessions) as session:
        queue = [(r.id, json.loads(r.suggestions or "[]"))
                 for r in BankStore(session, ctx.clock, "eval").lines(status="open")]
    for line_id, suggestions in queue:
        truth = truths[line_id].truth
        if truth.kind == "unknown":
            run.training["person_left_unknown"] += 1
            continue
        choice = next((n for n, s in enumerate(suggestions, 1) if right(s, truth, run.default_tax)), None)
        try:
            if choice is not None:
                try:
                    bank_decide.accept(ctx, line_id, actor=BOOKKEEPER, choice=choice)
                    run.training["person_accepted" if choice == 1 else "person_accepted_lower"] += 1
                    continue
                except LedgerError:
                    run.training["person_accept_refused"] += 1
            if truth.kind == "entry":
                bank_decide.match(ctx, line_id, [f"entry:{truth.entry}"], actor=BOOKKEEPER)
            elif truth.kind == "match":
                bank_decide.match(ctx, line_id, list(truth.items), actor=BOOKKEEPER)
            else:
                bank_decide.categorise(ctx, line_id, truth.account_code, truth.tax_code,
                                       actor=BOOKKEEPER)
            run.training[f"person_{truth.kind}"] += 1
        except LedgerError as err:
            run.training["person_blocked"] += 1
            line = truths[line_id].line
            run.blocked.append(f"{line.posted:%d/%m/%Y} {line.amount:+,.2f} {line.description[:60]!r}: "
                               f"truth {truth.note}: {err.codes[0]}: {str(err)[:160]}")


def _outcomes(ctx: _Ctx, truths: Mapping[int, Any]) -> list:
    from sqlalchemy import select

    from evals.suites.bank_rec_judge import LineOutcome
    from memory.bank_schema import BankLineRow, BankReconciliation
    from memory.bank_store import line_from_row
    from memory.db import read_only

    with read_only(ctx.sessions) as session:
        recs = {r.bank_line_id: r for r in session.scalars(select(BankReconciliation))}
        out = []
        for row in session.scalars(select(BankLineRow).order_by(BankLineRow.posted, BankLineRow.id)):
            fl = truths.get(row.id)
            if fl is None:
                continue
            rec = recs.get(row.id)
            auto = rec is not None and rec.decided_by == "auto"
            suggestions = json.loads(row.suggestions or "[]")
            applied = json.loads(rec.evidence).get("suggestion") if auto else None
            out.append(LineOutcome(
                row.id, fl.account_code, row.posted, row.amount, line_from_row(row).text, fl.truth,
                auto=auto, applied=applied,
                top=None if rec is not None else (suggestions[0] if suggestions else None)))
        return out


def _training_autos(outcomes: list, exclude: set[int], run: BusinessRun) -> None:
    from evals.suites.bank_rec_judge import judge

    for o in outcomes:
        if o.line_id in exclude:
            continue
        run.training["lines"] += 1
        if o.auto:
            ok = judge(o, run.default_tax).correct
            run.training["auto"] += 1
            run.training["auto_correct"] += ok
            if not ok:
                run.training_wrong.append(o)


# -- judging a business ---------------------------------------------------------------------

def result_of(case: BankRecCase, run: BusinessRun) -> CaseResult:
    from evals.suites import bank_rec_judge as bj

    verdicts = [bj.judge(o, run.default_tax) for o in run.outcomes]
    late = [bj.judge(o, run.default_tax) for o in run.late]
    counts = bj.counts(verdicts)
    counts.update({"late_auto": float(len(late)), "late_auto_wrong": float(sum(not v.correct for v in late)),
                   "refused_files": float(len(run.refused)),
                   "training_lines": float(run.training["lines"]),
                   "training_auto": float(run.training["auto"]),
                   "training_auto_correct": float(run.training["auto_correct"])})
    auto_rate = counts["auto"] / counts["heldout"] if counts["heldout"] else 0.0
    precision = counts["auto_correct"] / counts["auto"] if counts["auto"] else 0.0
    problems = []
    if counts["wrong_bill"]:
        problems.append(f"{counts['wrong_bill']:.0f} wrong bill/invoice match(es) with no person")
    if counts["ambiguous_auto"]:
        problems.append(f"{counts['ambiguous_auto']:.0f} ambiguous line(s) settled with no person")
    if precision < PRECISION_TARGET:
        problems.append(f"auto_precision {precision:.4f} < {PRECISION_TARGET}")
    if auto_rate < AUTO_RATE_TARGET:
        problems.append(f"auto_rate {auto_rate:.4f} < {AUTO_RATE_TARGET}")
    problems += [f"refused: {r}" for r in run.refused]
    summary = {"heldout_lines": int(counts["heldout"]), "auto": int(counts["auto"]),
               "auto_rate": round(auto_rate, 4), "auto_precision": round(precision, 4),
               "wrong_bill_matches": int(counts["wrong_bill"]),
               "exception_top1": round(counts["exceptions_top1"] / counts["exceptions_judged"], 4)
               if counts["exceptions_judged"] else None,
               "training": dict(sorted(run.training.items())), "seconds": run.seconds}
    if case.split == "blind":
        diff = tuple(problems) + ("lines withheld: blind split (counts only)",)
    else:
        training = [bj.judge(o, run.default_tax) for o in run.training_wrong]
        diff = (tuple(problems) + bj.diff_lines(verdicts)
                + tuple(f"late {line}" for line in bj.diff_lines([v for v in late if not v.correct], 20))
                + tuple(f"training {line}" for line in bj.diff_lines(training, 20))
                + tuple(f"training, a person's decision refused: {b}" for b in run.blocked[:20]))
    return CaseResult(
        case_id=case.id, passed=not problems,
        expected={"auto_rate": f">= {AUTO_RATE_TARGET}", "auto_precision": f">= {PRECISION_TARGET}",
                  "wrong_bill_matches": 0},
        got=summary, diff=diff, counts=counts, judgements=bj.judgements(verdicts),
        split=case.split, tags=_tags(case))


def _tags(case: BankRecCase) -> tuple[str, ...]:
    return (f"seed:{case.seed}", f"split:{case.split}",
            "format:heldout" if case.heldout_format else "format:training")


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


def _aggregate(results: Sequence[CaseResult], prefix: str = "") -> list[Metric]:
    t: Counter[str] = Counter()
    for r in results:
        t.update(r.counts)
    p = prefix
    out = [Metric(f"{p}heldout_lines", t["heldout"]),
           Metric(f"{p}auto_rate", _rate(t["auto"], t["heldout"])),
           Metric(f"{p}auto_precision", _rate(t["auto_correct"], t["auto"]))]
    if prefix:
        return out + [Metric(f"{p}wrong_bill_matches", t["wrong_bill"], higher_is_better=False)]
    out += [Metric("businesses", float(len(results))),
            Metric("wrong_auto", t["auto"] - t["auto_correct"], higher_is_better=False),
            Metric("wrong_bill_matches", t["wrong_bill"], higher_is_better=False),
            Metric("ambiguous_auto", t["ambiguous_auto"], higher_is_better=False),
            Metric("exception_top1", _rate(t["exceptions_top1"], t["exceptions_judged"])),
            Metric("unknown_auto", t["auto.unknown"], higher_is_better=False),
            Metric("late_auto_wrong", t["late_auto_wrong"], higher_is_better=False),
            Metric("refused_files", t["refused_files"], higher_is_better=False),
            Metric("training_auto_precision", _rate(t["training_auto_correct"], t["training_auto"]))]
    for truth_kind in ("entry", "match", "transfer", "category"):
        name = {"category": "categorise"}.get(truth_kind, truth_kind)
        out += [Metric(f"auto_rate.{name}", _rate(t[f"auto.{truth_kind}"], t[f"lines.{truth_kind}"])),
                Metric(f"auto_precision.{name}",
                       _rate(t[f"auto_correct.{truth_kind}"], t[f"auto.{truth_kind}"]))]
    return out


# -- the suite ------------------------------------------------------------------------------

class BankRecSuite:
    name = NAME
    parallel = True   # each business has its own folder and database
    description = ("Bank reconciliation on held-out months: three generated businesses learn from "
                   "July-February (a simulated bookkeeper works the exceptions), then March-June "
                   "are imported and reconciled with no person and every line judged against its "
                   "truth (one business in formats never used for training, one blind).")

    @property
    def thresholds_in_use(self) -> dict[str, tuple[float, ...]]:
        t = (threshold(),)
        return {"bank:overall": t, **{f"bank:{k}": t for k in (*BASE_KINDS, "rule")}}

    def cases(self, config: RunConfig) -> Sequence[Case]:
        return [Case(id=c.id, provenance=(f"evals.generators.bank_books seed {c.seed} (demo.history "
                                          f"books, demo.bank_feed statements); split {c.split}"),
                     payload=c, split=c.split, tags=_tags(c)) for c in CASES]

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return {}

    def run_case(self, case: Case, config: RunConfig, *, keep: bool = False) -> CaseResult:
        c: BankRecCase = case.payload
        started = time.perf_counter()
        folder = workdir_of(config) / "bank-rec" / c.id
        shutil.rmtree(folder, ignore_errors=True)
        try:
            result = result_of(c, run_business(c, folder))
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return replace(result, seconds=round(time.perf_counter() - started, 4))

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        out = _aggregate(results)
        blind = [r for r in results if r.split == "blind"]
        fmt = [r for r in results if "format:heldout" in r.tags]
        if blind:
            out += _aggregate(blind, "blind.")
        if fmt:
            out += _aggregate(fmt, "heldout_format.")
        return out


SUITE = BankRecSuite()


def main(argv: Sequence[str] | None = None) -> int:
    return run_alone(
        SUITE, argv,
        options=lambda p: p.add_argument("--keep", action="store_true", help="keep each business's folder"),
        run_case=lambda case, config, args: SUITE.run_case(case, config, keep=args.keep))


if __name__ == "__main__":
    sys.exit(main())


