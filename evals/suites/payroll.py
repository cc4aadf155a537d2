"""The `payroll` suite: award interpretation exact to the cent, and pay-run checks that find every
seeded underpayment.

System under test: tools.payroll (the interpretation engine and the pay-run check), offline and
deterministic (no model is involved; live mode runs the same cases).

Cases:
* evals/data/payroll/scenarios.jsonl: shift scenarios for the General Retail Industry Award
  (MA000004) and the Clerks—Private Sector Award (MA000002), at least 40 each: weekdays, evenings,
  Saturdays, Sundays, public holidays (national, state, part-day, additional days), casual loading,
  minimum engagement, overtime (daily, weekly, span, tiers), juniors, shifts past midnight. Each
  expected line was worked by hand (see make_scenarios.py and each case's "working" field).
* evals/data/payroll/payruns.jsonl: pay runs with seeded errors (Sunday paid at ordinary rates, a
  missed minimum engagement, super short-paid, a rate below the award, unpaid evening, public-holiday
  and overtime rates) and clean controls (correct, above the minimum, no timesheet).

Judging: a scenario passes when every line matches (hours, rate, multiplier, amount, rule, in order),
every shift total and the grand total match, and the result flags an uncertain figure exactly when the
case expects one. A pay run passes when every employee's status, entitlement, back pay, super due and
super owed match, and the run's back pay and super owed match.

Metrics: cases, scenarios, scenario_exact_rate (overall and per award), line_exact_rate, cents_off
(sum of |got - expected| over scenario totals, in cents; lower is better), uncertain_flag_rate,
payruns, payrun_exact_rate, underpayments_found_rate (recall of seeded underpayments) and
false_underpayment_rate (clean employees reported underpaid; lower is better).
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evals.harness.model import DATA, Case, CaseResult, Metric, RunConfig
from evals.harness.standalone import run_alone

DATA_DIR = DATA / "payroll"
SCENARIOS_FILE = DATA_DIR / "scenarios.jsonl"
PAYRUNS_FILE = DATA_DIR / "payruns.jsonl"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedLine(_Strict):
    hours: str
    rate: Decimal
    multiplier: Decimal
    amount: Decimal
    rule: str


class ExpectedShift(_Strict):
    lines: tuple[ExpectedLine, ...]
    total: Decimal


class ExpectedScenario(_Strict):
    shifts: tuple[ExpectedShift, ...]
    total: Decimal
    uncertain: bool


class Scenario(_Strict):
    id: str
    award: Literal["MA000004", "MA000002"]
    description: str
    tags: tuple[str, ...]
    provenance: str
    shifts: tuple[dict[str, Any], ...]
    expected: ExpectedScenario
    working: str


class ExpectedEmployee(_Strict):
    status: Literal["underpaid", "above_minimum", "correct", "not_checked"]
    entitled_gross: Decimal | None = None
    back_pay: Decimal | None = None
    super_due: Decimal | None = None
    super_owed: Decimal | None = None


class ExpectedPayRun(_Strict):
    employees: dict[str, ExpectedEmployee]
    back_pay: Decimal
    super_owed: Decimal


class Paid(_Strict):
    employee_id: str
    gross: Decimal
    superannuation: Decimal
    hourly_rate_paid: Decimal | None = None


class PayRunCase(_Strict):
    id: str
    description: str
    provenance: str
    period_start: date
    period_end: date
    payment_date: date
    shifts: tuple[dict[str, Any], ...]
    paid: tuple[Paid, ...]
    expected: ExpectedPayRun
    working: str


@functools.cache
def load_scenarios() -> tuple[Scenario, ...]:
    return tuple(Scenario.model_validate_json(line) for line in
                 SCENARIOS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


@functools.cache
def load_payruns() -> tuple[PayRunCase, ...]:
    return tuple(PayRunCase.model_validate_json(line) for line in
                 PAYRUNS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


def _shifts(award: str | None, raw: Sequence[dict[str, Any]]) -> list[Any]:
    from tools.payroll.contract import parse_request

    data = json.loads(json.dumps({"shifts": list(raw), **({"award": award} if award else {})}),
                      parse_float=Decimal)
    return parse_request(data)


def judge_scenario(s: Scenario, results: Sequence[Any]) -> CaseResult:
    from tools.payroll.model import hours_text

    diffs: list[str] = []
    lines_total = lines_exact = 0
    got_shifts = []
    for n, (want, got) in enumerate(zip(s.expected.shifts, results, strict=True), start=1):
        got_lines = [{"hours": hours_text(ln.minutes), "rate": str(ln.rate), "multiplier": str(ln.multiplier),
                      "amount": str(ln.amount), "rule": ln.rule} for ln in got.lines]
        got_shifts.append({"lines": got_lines, "total": str(got.total)})
        for i in range(max(len(want.lines), len(got_lines))):
            w = want.lines[i] if i < len(want.lines) else None
            g = got_lines[i] if i < len(got_lines) else None
            if w is not None:
                lines_total += 1
            if w is None:
                diffs.append(f"shift {n} line {i + 1}: unexpected {g}")
                continue
            want_line = {"hours": w.hours, "rate": str(w.rate), "multiplier": str(w.multiplier),
                         "amount": str(w.amount), "rule": w.rule}
            if g is None:
                diffs.append(f"shift {n} line {i + 1}: missing {want_line}")
            elif _same_line(want_line, g):
                lines_exact += 1
            else:
                diffs.append(f"shift {n} line {i + 1}: want {want_line}, got {g}")
        if got.total != want.total:
            diffs.append(f"shift {n} total: want {want.total}, got {got.total}")
    total = sum((r.total for r in results), Decimal("0.00"))
    if total != s.expected.total:
        diffs.append(f"total: want {s.expected.total}, got {total}")
    uncertain = any(w.code == "uncertain_figure" for r in results for w in r.warnings)
    if uncertain != s.expected.uncertain:
        diffs.append(f"uncertain flag: want {s.expected.uncertain}, got {uncertain}")
    passed = not diffs
    return CaseResult(
        s.id, passed, expected=s.expected.model_dump(mode="json"),
        got={"shifts": got_shifts, "total": str(total), "uncertain": uncertain}, diff=tuple(diffs),
        counts={"scenarios": 1, "scenario_exact": int(passed), "lines": lines_total, "lines_exact": lines_exact,
                "cents_off": float(abs(total - s.expected.total) * 100),
                "uncertain_expected": int(s.expected.uncertain), "uncertain_ok": int(uncertain == s.expected.uncertain)},
        split=s.award, tags=(f"award:{s.award}", *s.tags))


def _same_line(want: dict[str, str], got: dict[str, str]) -> bool:
    return (Decimal(want["hours"]) == Decimal(got["hours"]) and Decimal(want["rate"]) == Decimal(got["rate"])
            and Decimal(want["multiplier"]) == Decimal(got["multiplier"]) and want["amount"] == got["amount"]
            and want["rule"] == got["rule"])


def judge_payrun(c: PayRunCase, check: Any) -> CaseResult:
    diffs: list[str] = []
    got_employees = {e.employee_id: e for e in check.employees}
    seeded = found = clean = false_alarms = 0
    for emp, want in c.expected.employees.items():
        got = got_employees.get(emp)
        if want.status == "underpaid":
            seeded += 1
        else:
            clean += 1
        if got is None:
            diffs.append(f"{emp}: missing from the check")
            continue
        if want.status == "underpaid" and got.status == "underpaid":
            found += 1
        if want.status != "underpaid" and got.status == "underpaid":
            false_alarms += 1
        if got.status != want.status:
            diffs.append(f"{emp} status: want {want.status}, got {got.status}")
        for key in ("entitled_gross", "back_pay", "super_due", "super_owed"):
            w = getattr(want, key)
            if w is not None and getattr(got, key) != w:
                diffs.append(f"{emp} {key}: want {w}, got {getattr(got, key)}")
    extra = sorted(set(got_employees) - set(c.expected.employees))
    if extra:
        diffs.append(f"unexpected employees {extra}")
    if check.back_pay != c.expected.back_pay:
        diffs.append(f"back_pay: want {c.expected.back_pay}, got {check.back_pay}")
    if check.super_owed != c.expected.super_owed:
        diffs.append(f"super_owed: want {c.expected.super_owed}, got {check.super_owed}")
    got = {e.employee_id: {"status": e.status, "entitled_gross": str(e.entitled_gross),
                           "back_pay": str(e.back_pay), "super_due": str(e.super_due),
                           "super_owed": str(e.super_owed)} for e in check.employees}
    return CaseResult(c.id, not diffs, expected=c.expected.model_dump(mode="json"),
                      got={"employees": got, "back_pay": str(check.back_pay), "super_owed": str(check.super_owed)},
                      diff=tuple(diffs),
                      counts={"payruns": 1, "payrun_exact": int(not diffs), "seeded": seeded, "found": found,
                              "clean": clean, "false_alarms": false_alarms},
                      split="payrun", tags=("payrun",))


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


class PayrollSuite:
    name = "payroll"
    description = ("Award interpretation (MA000004 Retail, MA000002 Clerks) exact to the cent on hand-worked "
                   "shift scenarios, and pay-run checks that find every seeded underpayment.")
    parallel = False

    def cases(self, config: RunConfig) -> Sequence[Case]:
        out = [Case(id=s.id, provenance=s.provenance, payload=s, split=s.award, tags=(f"award:{s.award}", *s.tags))
               for s in load_scenarios()]
        out += [Case(id=p.id, provenance=p.provenance, payload=p, split="payrun", tags=("payrun",))
                for p in load_payruns()]
        return out

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return {}

    def run_case(self, case: Case, config: RunConfig) -> CaseResult:
        from tools.payroll.check import PaidRecord, PayRunInput, check_pay_run
        from tools.payroll.interpret import interpret

        started = time.perf_counter()
        payload = case.payload
        try:
            if isinstance(payload, Scenario):
                result = judge_scenario(payload, interpret(_shifts(payload.award, payload.shifts)))
            else:
                run = PayRunInput(payload.period_start, payload.period_end, payload.payment_date,
                                  _shifts(None, payload.shifts),
                                  [PaidRecord(p.employee_id, p.gross, p.superannuation,
                                              hourly_rate_paid=p.hourly_rate_paid) for p in payload.paid])
                result = judge_payrun(payload, check_pay_run(run))
        except Exception as exc:  # noqa: BLE001  (a case that cannot run fails, with the reason)
            return CaseResult(case.id, False, error=f"{type(exc).__name__}: {exc}", split=case.split, tags=case.tags,
                              seconds=round(time.perf_counter() - started, 4))
        return CaseResult(**{**result.__dict__, "seconds": round(time.perf_counter() - started, 4)})

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        total: Counter[str] = Counter()
        by_award: dict[str, Counter[str]] = {}
        for r in results:
            total.update(r.counts)
            for tag in r.tags:
                if tag.startswith("award:"):
                    by_award.setdefault(tag[6:], Counter()).update(r.counts)
        errors = sum(1 for r in results if r.error)
        out = [
            Metric("cases", len(results)),
            Metric("errors", errors, higher_is_better=False),
            Metric("scenarios", total["scenarios"]),
            Metric("scenario_exact_rate", _rate(total["scenario_exact"], total["scenarios"])),
            Metric("line_exact_rate", _rate(total["lines_exact"], total["lines"])),
            Metric("cents_off", total["cents_off"], higher_is_better=False),
            Metric("uncertain_flag_rate", _rate(total["uncertain_ok"], total["scenarios"])),
            Metric("payruns", total["payruns"]),
            Metric("payrun_exact_rate", _rate(total["payrun_exact"], total["payruns"])),
            Metric("underpayments_found_rate", _rate(total["found"], total["seeded"])),
            Metric("false_underpayment_rate", _rate(total["false_alarms"], total["clean"]), higher_is_better=False),
        ]
        for award, c in sorted(by_award.items()):
            out.append(Metric(f"scenario_exact_rate.{award}", _rate(c["scenario_exact"], c["scenarios"])))
        return out


SUITE = PayrollSuite()


def main() -> int:
    return run_alone(SUITE)


if __name__ == "__main__":
    raise SystemExit(main())
