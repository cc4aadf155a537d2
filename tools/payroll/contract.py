"""The JSON contract of `backoffice payroll calc`: parse a request into Shifts, render results.

Request:
    {"award": "MA000004",                     # default for shifts that name none
     "shifts": [{"employee_id", "award"?, "classification", "employment_type",
                 "date": "YYYY-MM-DD", "start": "HH:MM", "end": "HH:MM", "end_date"?: "YYYY-MM-DD",
                 "unpaid_break_minutes"?: 0, "break_start"?: "HH:MM", "state": "NSW",
                 "age"?, "employment_start"?: "YYYY-MM-DD", "agreed_weekly_hours"?, "school_student"?,
                 "kind"?: "worked" | "public_holiday_not_worked"}]}

A shift that crosses midnight gives end_date (the next day); "end": "24:00" ends at midnight.
Response: {"shifts": [{"employee_id", "date", "lines": [{"hours", "rate", "multiplier", "amount",
"clause", ...}], "total", ...}], "total", "warnings"}: shifts in input order, amounts as decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tools.payroll.awards import parse_hhmm
from tools.payroll.errors import PayrollError, PayrollProblem
from tools.payroll.model import (
    SHIFT_KINDS,
    WORKED,
    PayLine,
    PayWarning,
    Shift,
    ShiftPay,
    hours_text,
)

REQUIRED = ("employee_id", "classification", "employment_type", "date", "start", "end", "state")
OPTIONAL = ("award", "unpaid_break_minutes", "end_date", "break_start", "age", "employment_start",
            "agreed_weekly_hours", "school_student", "kind", "ref")
MAX_SHIFTS = 200_000


def parse_request(data: Any) -> list[Shift]:
    """Shifts from a calc request; every malformed shift is reported, each naming its position."""
    if not isinstance(data, Mapping) or not isinstance(data.get("shifts"), list):
        raise PayrollError.single("bad_request", 'the request must be a JSON object with a "shifts" list')
    default_award = data.get("award")
    if default_award is not None and not isinstance(default_award, str):
        raise PayrollError.single("bad_request", '"award" must be an award code such as "MA000004"')
    if len(data["shifts"]) > MAX_SHIFTS:
        raise PayrollError.single("too_many_shifts", f"at most {MAX_SHIFTS} shifts in one request")
    shifts: list[Shift] = []
    problems: list[PayrollProblem] = []
    for n, raw in enumerate(data["shifts"], start=1):
        try:
            shifts.append(parse_shift(raw, n, default_award))
        except PayrollError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PayrollError(problems)
    return shifts


def parse_shift(raw: Any, index: int, default_award: str | None = None) -> Shift:
    label = f"shift {index}"
    if isinstance(raw, Mapping):
        label = (f"shift {index} ({raw.get('employee_id', '?')} {raw.get('date', '?')} "
                 f"{raw.get('start', '?')}-{raw.get('end', '?')})")
    problems: list[PayrollProblem] = []

    def bad(code: str, message: str) -> None:
        problems.append(PayrollProblem(code, f"{label}: {message}", label))

    if not isinstance(raw, Mapping):
        raise PayrollError.single("bad_shift", f"{label}: a shift must be a JSON object", label)
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        bad("unknown_field", f"unknown field {unknown[0]!r}")
    for key in REQUIRED:
        if raw.get(key) in (None, ""):
            bad("missing_field", f"{key} is required")
    award = raw.get("award", default_award)
    if not award:
        bad("missing_field", "award is required (on the shift or the request)")
    elif default_award and award != default_award:
        bad("award_mismatch", f"award {award!r} differs from the request's award {default_award!r}")
    if problems:
        raise PayrollError(problems)

    def text(key: str) -> str:
        value = raw[key]
        if not isinstance(value, str):
            bad("bad_field", f"{key} must be text")
            return ""
        return value

    def day(key: str) -> date | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            if isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
        except ValueError:
            pass
        bad("bad_date", f"{key} {value!r} is not a date YYYY-MM-DD")
        return None

    def clock(key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        try:
            return parse_hhmm(value)
        except ValueError:
            bad("bad_time", f"{key} {value!r} is not a time HH:MM")
            return None

    def whole(key: str, default: int | None) -> int | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            bad("bad_field", f"{key} must be a whole number")
            return default
        return value

    work_date = day("date")
    end_date = day("end_date")
    employment_start = day("employment_start")
    start, end, break_start = clock("start"), clock("end"), clock("break_start")
    if start == 1440:
        bad("bad_time", "start cannot be 24:00")
    if break_start == 1440:
        bad("bad_time", "break_start cannot be 24:00")
    agreed = raw.get("agreed_weekly_hours")
    agreed_hours = None
    if agreed is not None:
        if isinstance(agreed, (bool, float)):
            bad("bad_field", "agreed_weekly_hours must be a whole number or decimal text, not a float")
        else:
            try:
                agreed_hours = Decimal(str(agreed))
            except InvalidOperation:
                bad("bad_field", f"agreed_weekly_hours {agreed!r} is not a number")
    school = raw.get("school_student", False)
    if not isinstance(school, bool):
        bad("bad_field", "school_student must be true or false")
    kind = raw.get("kind", WORKED)
    if kind not in SHIFT_KINDS:
        bad("unknown_shift_kind", f"kind {kind!r} is not one of {', '.join(SHIFT_KINDS)}")
    employee_id, classification = str(raw["employee_id"]), text("classification")
    employment_type, state = text("employment_type"), text("state")
    age, unpaid = whole("age", None), whole("unpaid_break_minutes", 0)
    if problems or work_date is None or start is None or end is None:
        raise PayrollError(problems or [PayrollProblem("bad_shift", f"{label}: unreadable", label)])
    end_time = time(end // 60, end % 60) if end < 1440 else time(0)
    if end == 1440:
        if end_date not in (None, work_date + timedelta(days=1)):
            raise PayrollError.single("bad_end_date", f"{label}: end 24:00 is midnight at the end of "
                                                      f"{work_date}; end_date must be the next day", label)
        end_date = work_date + timedelta(days=1)
    ref = raw.get("ref")
    return Shift(
        employee_id=employee_id, award=str(award), classification=classification,
        employment_type=employment_type, date=work_date, start=time(start // 60, start % 60),
        end=end_time, state=state, unpaid_break_minutes=unpaid or 0, end_date=end_date,
        break_start=time(break_start // 60, break_start % 60) if break_start is not None else None,
        age=age, employment_start=employment_start, agreed_weekly_hours=agreed_hours,
        school_student=bool(school), kind=kind, index=index, ref=str(ref) if ref is not None else None)


def line_dict(line: PayLine) -> dict[str, Any]:
    return {"hours": hours_text(line.minutes), "base_rate": str(line.base_rate),
            "multiplier": str(line.multiplier), "rate": str(line.rate), "amount": str(line.amount),
            "clause": line.clause, "rule": line.rule, "kind": line.kind, "description": line.description,
            "from": line.starts_at.isoformat(timespec="minutes"), "to": line.ends_at.isoformat(timespec="minutes"),
            "ordinary_time": line.ordinary_time, "uncertain": line.uncertain}


def warning_dict(warning: PayWarning) -> dict[str, Any]:
    out: dict[str, Any] = {"code": warning.code, "message": warning.message}
    if warning.figure is not None:
        out["figure"] = {"what": warning.figure.what, "clause": warning.figure.clause,
                         "tag": warning.figure.tag, "source": warning.figure.source}
    return out


def shift_dict(result: ShiftPay) -> dict[str, Any]:
    s = result.shift
    end = "24:00" if s.end == time(0) and s.end_date is not None and s.end_date != s.date else f"{s.end:%H:%M}"
    out: dict[str, Any] = {
        "employee_id": s.employee_id, "date": s.date.isoformat(), "start": f"{s.start:%H:%M}", "end": end,
        "award": s.award, "classification": s.classification, "employment_type": s.employment_type,
        "state": s.state, "kind": s.kind, "lines": [line_dict(ln) for ln in result.lines],
        "total": str(result.total), "ordinary_time_earnings": str(result.ordinary_time_earnings),
        "award_data": result.award_file, "warnings": [warning_dict(w) for w in result.warnings]}
    if s.end_date is not None and s.end_date != s.date:
        out["end_date"] = s.end_date.isoformat()
    if s.ref is not None:
        out["ref"] = s.ref
    return out


def unique_warnings(results: Sequence[ShiftPay]) -> list[dict[str, Any]]:
    """Each uncertain figure once for the whole result, with how many shifts used it."""
    counts: dict[str, int] = {}
    first: dict[str, PayWarning] = {}
    for r in results:
        for w in r.warnings:
            key = w.figure.what if w.figure is not None else w.message
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, w)
    out = []
    for key, w in first.items():
        message = w.figure.describe() if w.figure is not None and w.code == "uncertain_figure" else w.message
        item = {"code": w.code, "message": message, "shifts": counts[key]}
        if w.figure is not None:
            item["figure"] = warning_dict(w)["figure"]
        out.append(item)
    return out


def calc_response(results: Sequence[ShiftPay]) -> dict[str, Any]:
    total = sum((r.total for r in results), Decimal("0.00"))
    return {"shifts": [shift_dict(r) for r in results], "total": str(total),
            "warnings": unique_warnings(results),
            "rounding": "ROUND_HALF_UP to the cent: rate = base x multiplier; amount = hours x rate",
            "award_data": sorted({r.award_file for r in results})}
