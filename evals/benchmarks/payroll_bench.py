"""Benchmark: the payroll interpretation engine on 10,000 shifts.

Run: python -m evals.benchmarks.payroll_bench [--shifts N] [--runs R] [--seed S]

The shifts are a seeded, realistic mix: 400 employees over four weeks from 1 December 2025 (so
Christmas, Boxing Day and New Year's Day fall in), both awards, all employment types, NSW/VIC/QLD/SA,
day, evening, weekend and overnight shifts, breaks, juniors and short casual shifts. Reports, as JSON,
the median and worst of R runs for:
* interpret: tools.payroll.interpret.interpret over all the shifts (the target: <= 2 s for 10,000);
* parse: the calc JSON contract (tools.payroll.contract.parse_request) for the same shifts;
* check: the pay-run check (interpret + per-employee entitlement and super) over the same shifts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

TARGET_SECONDS = 2.0
RETAIL = ("L1", "L1", "L2", "L2", "L3", "L4", "L5", "L6", "L7", "L8")
CLERKS = ("L1Y1", "L1Y2", "L1Y3", "L2Y1", "L2Y2", "L3", "L4", "L5", "CCPCS", "CCTA")
STATES = ("NSW", "NSW", "VIC", "QLD", "SA")


def make_request(n: int, seed: int) -> dict[str, Any]:
    """A calc request of n shifts: each employee works at most one shift a day (no overlaps)."""
    rng = random.Random(seed)
    employees = []
    for e in range(400):
        award = "MA000004" if e % 4 else "MA000002"
        employees.append({"employee_id": f"B{e:04d}", "award": award,
                          "classification": rng.choice(RETAIL if award == "MA000004" else CLERKS),
                          "employment_type": rng.choice(("full_time", "part_time", "casual", "casual")),
                          "state": rng.choice(STATES),
                          **({"age": rng.choice((15, 16, 17, 18, 19))} if rng.random() < 0.08 else {})})
    first = date(2025, 12, 1)
    shifts = []
    for i in range(n):
        emp = employees[i % len(employees)]
        day = first + timedelta(days=(i // len(employees)) % 28)
        start = rng.choice((6, 7, 8, 9, 9, 10, 12, 14, 16, 17, 18, 20, 22)) * 60 + rng.choice((0, 0, 15, 30))
        length = rng.choice((2, 3, 4, 5, 6, 7, 7.6, 8, 9, 10, 11))
        end = min(start + int(length * 60), 1440 + 300)  # overnight shifts end by 5 am: no overlaps
        shift = {**emp, "date": day.isoformat(), "start": f"{start // 60:02d}:{start % 60:02d}",
                 "end": f"{end // 60 % 24:02d}:{end % 60:02d}", "unpaid_break_minutes": 30 if length > 5 else 0}
        if end >= 1440:
            shift["end_date"] = (day + timedelta(days=1)).isoformat()
        if emp["employment_type"] == "part_time":
            shift["agreed_weekly_hours"] = "30"
        shifts.append(shift)
    return {"shifts": shifts}


def _time(fn: Any, runs: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return times, out


def run(n: int = 10_000, runs: int = 5, seed: int = 7) -> dict[str, Any]:
    from tools.payroll.check import PaidRecord, PayRunInput, check_pay_run
    from tools.payroll.contract import parse_request
    from tools.payroll.interpret import interpret

    request = json.loads(json.dumps(make_request(n, seed)), parse_float=Decimal)
    shifts = parse_request(request)
    interpret(shifts[:50])  # load the award data once, outside the timing
    parse_times, _ = _time(lambda: parse_request(request), runs)
    interpret_times, results = _time(lambda: interpret(shifts), runs)
    period_end = max(s.date for s in shifts)
    paid = [PaidRecord(e, Decimal("0.00"), Decimal("0.00")) for e in sorted({s.employee_id for s in shifts})]
    check_times, check = _time(lambda: check_pay_run(PayRunInput(date(2025, 12, 1), period_end,
                                                                 period_end + timedelta(days=3), shifts, paid)), runs)
    lines = sum(len(r.lines) for r in results)
    median = statistics.median(interpret_times)
    return {"benchmark": "payroll_interpret", "shifts": n, "runs": runs, "seed": seed, "lines": lines,
            "uncertain_shifts": sum(1 for r in results if r.warnings),
            "interpret_seconds_median": round(median, 3), "interpret_seconds_max": round(max(interpret_times), 3),
            "shifts_per_second": round(n / median),
            "parse_seconds_median": round(statistics.median(parse_times), 3),
            "check_seconds_median": round(statistics.median(check_times), 3),
            "employees_checked": len(check.employees),
            "target_seconds": TARGET_SECONDS, "meets_target": max(interpret_times) <= TARGET_SECONDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shifts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.shifts, args.runs, args.seed), indent=2))


if __name__ == "__main__":
    main()
