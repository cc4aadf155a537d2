"""Write payruns.jsonl: pay-run cases for the `payroll` eval suite, with seeded errors, worked by hand.

Each case is a pay run's shifts and what was paid (gross, super, the hourly rate paid). The expected
entitlement is worked by hand from the pay-guide rates: the period's hours at each rate are totalled,
then rounded once (as a payslip shows them); super is 12 % of ordinary time earnings (everything but
overtime), half up. This script multiplies and writes the arithmetic into "working"; it never calls
the payroll engine.

Run: python -m evals.data.payroll.make_payruns
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

D = Decimal
OUT = Path(__file__).with_name("payruns.jsonl")
SG = D("0.12")


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def shift(emp: str, cls: str, employment: str, day: str, start: str, end: str, *, brk: int = 0,
          award: str = "MA000004", **extra: object) -> dict:
    out = {"employee_id": emp, "award": award, "classification": cls, "employment_type": employment,
           "date": day, "start": start, "end": end, "unpaid_break_minutes": brk, "state": "NSW"}
    out.update(extra)
    return out


CASES: list[dict] = []


def payrun(cid: str, description: str, period: tuple[str, str, str], shifts: list[dict], paid: list[dict],
           entitlement: dict[str, list[tuple[str, str, bool]]], status: dict[str, str]) -> None:
    """entitlement: employee → [(hours, rate, ordinary time?)] worked by hand."""
    working, employees = [], {}
    back_total = super_total = D("0.00")
    for p in paid + [{"employee_id": e} for e in entitlement if e not in {q["employee_id"] for q in paid}]:
        emp = p["employee_id"]
        gross_paid = D(p.get("gross", "0.00"))
        super_paid = D(p.get("superannuation", "0.00"))
        if emp not in entitlement:
            employees[emp] = {"status": status[emp]}
            working.append(f"{emp}: no shifts: not checked")
            continue
        entitled = ote = D("0.00")
        parts = []
        for hours, rate, ordinary in entitlement[emp]:
            amount = cents(D(hours) * D(rate))
            entitled += amount
            ote += amount if ordinary else 0
            parts.append(f"{hours} h x ${rate} = ${amount}{'' if ordinary else ' (overtime: not OTE)'}")
        super_due = cents(ote * SG)
        back = max(entitled - gross_paid, D("0.00"))
        owed = max(super_due - super_paid, D("0.00"))
        back_total += back
        super_total += owed
        employees[emp] = {"status": status[emp], "entitled_gross": str(entitled), "back_pay": str(back),
                          "super_due": str(super_due), "super_owed": str(owed)}
        working.append(f"{emp}: {' + '.join(parts)} = ${entitled}; paid ${gross_paid}: back pay ${back}; "
                       f"super 12 % x ${ote} = ${super_due}, paid ${super_paid}: owed ${owed}")
    CASES.append({"id": cid, "description": description, "provenance": "hand-worked pay run with a seeded error",
                  "period_start": period[0], "period_end": period[1], "payment_date": period[2],
                  "shifts": shifts, "paid": paid,
                  "expected": {"employees": employees, "back_pay": str(back_total), "super_owed": str(super_total)},
                  "working": "; ".join(working)})


JUNE = ("2026-06-01", "2026-06-14", "2026-06-17")
payrun("payrun-01", "A casual paid ordinary rates for a Sunday shift", JUNE,
       [shift("E7", "L1", "casual", "2026-06-02", "09:00", "15:00"),
        shift("E7", "L1", "casual", "2026-06-07", "10:00", "16:00")],
       [{"employee_id": "E7", "gross": "398.28", "superannuation": "47.79", "hourly_rate_paid": "33.19"}],
       {"E7": [("6", "33.19", True), ("6", "46.46", True)]}, {"E7": "underpaid"})
payrun("payrun-02", "A missed casual minimum engagement: 2 h worked, 2 h paid", JUNE,
       [shift("E8", "L1", "casual", "2026-06-05", "10:00", "12:00")],
       [{"employee_id": "E8", "gross": "66.38", "superannuation": "7.97", "hourly_rate_paid": "33.19"}],
       {"E8": [("3", "33.19", True)]}, {"E8": "underpaid"})
payrun("payrun-03", "Super short-paid at last year's 11.5 %", JUNE,
       [shift("E3", "L3", "full_time", d, "09:00", "17:06", brk=30) for d in
        ("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05")],
       [{"employee_id": "E3", "gross": "1048.04", "superannuation": "120.52", "hourly_rate_paid": "27.58"}],
       {"E3": [("38", "27.58", True)]}, {"E3": "underpaid"})
payrun("payrun-04", "Correct pay: part-time L2, three 8 h days", JUNE,
       [shift("E5", "L2", "part_time", d, "09:00", "17:30", brk=30) for d in
        ("2026-06-02", "2026-06-03", "2026-06-04")],
       [{"employee_id": "E5", "gross": "651.84", "superannuation": "78.22", "hourly_rate_paid": "27.16"}],
       {"E5": [("24", "27.16", True)]}, {"E5": "correct"})
payrun("payrun-05", "Above the minimum: a manager paid $34.50 an hour", JUNE,
       [shift("E1", "L5", "full_time", d, "09:00", "17:06", brk=30) for d in
        ("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05")],
       [{"employee_id": "E1", "gross": "1311.00", "superannuation": "157.32", "hourly_rate_paid": "34.50"}],
       {"E1": [("38", "29.27", True)]}, {"E1": "above_minimum"})
payrun("payrun-06", "A Clerks Level 2 paid the Level 1 Year 2 rate", JUNE,
       [shift("E19", "L2Y1", "part_time", d, "09:00", "17:06", brk=30, award="MA000002",
              agreed_weekly_hours="22.8") for d in ("2026-06-02", "2026-06-03", "2026-06-04")],
       [{"employee_id": "E19", "gross": "614.69", "superannuation": "73.76", "hourly_rate_paid": "26.96"}],
       {"E19": [("22.8", "28.12", True)]}, {"E19": "underpaid"})
payrun("payrun-07", "A casual's evening hours paid at the ordinary rate", JUNE,
       [shift("E9", "L1", "casual", "2026-06-02", "17:00", "21:00")],
       [{"employee_id": "E9", "gross": "132.76", "superannuation": "15.93", "hourly_rate_paid": "33.19"}],
       {"E9": [("1", "33.19", True), ("3", "39.83", True)]}, {"E9": "underpaid"})
payrun("payrun-08", "Christmas Day worked by a full-timer, paid at the ordinary rate",
       ("2025-12-22", "2026-01-04", "2026-01-07"),
       [shift("E4", "L1", "full_time", "2025-12-25", "09:00", "17:00", brk=30)],
       [{"employee_id": "E4", "gross": "199.13", "superannuation": "23.90", "hourly_rate_paid": "26.55"}],
       {"E4": [("7.5", "59.74", True)]}, {"E4": "underpaid"})
payrun("payrun-09", "Overtime paid flat: 40 h at the ordinary rate (overtime is not OTE)", JUNE,
       [shift("E6", "L1", "full_time", d, "08:00", "16:00") for d in
        ("2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05")],
       [{"employee_id": "E6", "gross": "1062.00", "superannuation": "127.44", "hourly_rate_paid": "26.55"}],
       {"E6": [("38", "26.55", True), ("2", "39.83", False)]}, {"E6": "underpaid"})
payrun("payrun-10", "A payslip with no timesheet cannot be checked; a shift with no payslip is owed in full",
       JUNE,
       [shift("E12", "L1", "casual", "2026-06-03", "09:00", "13:00")],
       [{"employee_id": "E11", "gross": "500.00", "superannuation": "60.00"}],
       {"E12": [("4", "33.19", True)]}, {"E11": "not_checked", "E12": "underpaid"})


def main() -> None:
    with OUT.open("w", encoding="utf-8") as handle:
        for c in CASES:
            handle.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} pay-run cases to {OUT}")


if __name__ == "__main__":
    main()
