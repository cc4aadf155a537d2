"""Write scenarios.jsonl: shift scenarios for the `payroll` eval suite, worked by hand.

Every expected line below was decided by hand from the award rules (which hours are ordinary, which
penalty, which overtime tier) and its rate typed from the pay-guide tables (facts-2025-26.md section
2.2 for Retail; computed as base x multiplier, half up, for the rest). This script is only the
calculator: it multiplies hours by the typed rate, rounds half up to the cent, and writes the arithmetic
into each case's "working" field so a reviewer can check it. It never calls the payroll engine.
It also checks each typed rate against base x multiplier, so a typo in a rate is caught here.

Run: python -m evals.data.payroll.make_scenarios   (rewrites scenarios.jsonl beside this file)
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

D = Decimal
OUT = Path(__file__).with_name("scenarios.jsonl")
PROVENANCE = ("hand-worked: rates from ../shared/awards/facts-2025-26.md (sections 2 and 3), "
              "pay-guide conventions (rate = base x multiplier, amount = hours x rate, half up)")
BASE = {  # minimum hourly rates, facts 2.1 and 3.1
    "MA000004": {"L1": "26.55", "L2": "27.16", "L3": "27.58", "L4": "28.12", "L5": "29.27",
                 "L6": "29.70", "L7": "31.19", "L8": "32.45"},
    "MA000002": {"L1Y1": "25.74", "L1Y2": "26.96", "L1Y3": "27.79", "L2Y1": "28.12", "L2Y2": "28.64",
                 "L3": "29.70", "CCPCS": "29.91", "L4": "31.19", "L5": "32.45", "CCTA": "35.55"},
}


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def L(hours: str, rate: str, mult: str, rule: str, base: str | None = None) -> dict:
    return {"hours": hours, "rate": rate, "multiplier": mult, "rule": rule, "base": base}


def shift(emp: str, cls: str, employment: str, day: str, start: str, end: str, *, brk: int = 0,
          state: str = "NSW", **extra: object) -> dict:
    out = {"employee_id": emp, "classification": cls, "employment_type": employment, "date": day,
           "start": start, "end": end, "unpaid_break_minutes": brk, "state": state}
    out.update(extra)
    return out


CASES: list[dict] = []


def case(cid: str, award: str, description: str, tags: list[str], shifts: list[dict],
         lines: list[list[dict]], *, uncertain: bool = False, note: str = "") -> None:
    working, shift_out, grand = [], [], D("0.00")
    for n, (s, ls) in enumerate(zip(shifts, lines, strict=True), start=1):
        total = D("0.00")
        out = []
        for ln in ls:
            base = D(ln["base"] or BASE[award][s["classification"]])
            rate, mult = D(ln["rate"]), D(ln["multiplier"])
            assert cents(base * mult) == rate, (cid, ln, cents(base * mult))
            hours = D(ln["hours"])
            exact = hours * rate
            amount = cents(exact)
            if ln["hours"] == "3.3333":  # 200 minutes: the engine works from exact minutes
                exact = D(200) * rate / 60
                amount = cents(exact)
            prev, once = (out[-1] if out else None), ""
            if (prev is not None and ln["rule"].startswith("minimum_engagement")
                    and not prev["rule"].startswith("minimum_engagement") and D(prev["rate"]) == rate):
                # Worked time and its top-up at one rate are the engaged hours, rounded once.
                amount = cents((D(prev["hours"]) + hours) * rate) - D(prev["amount"])
                once = " (rounded once with the worked hours before it)"
            total += amount
            out.append({"hours": ln["hours"], "rate": ln["rate"], "multiplier": ln["multiplier"],
                        "amount": str(amount), "rule": ln["rule"]})
            working.append(f"shift {n}: {ln['rule']}: {ln['hours']} h x ${rate} (${base} x {mult}) = "
                           f"{exact.normalize():f} -> ${amount}{once}")
        grand += total
        shift_out.append({"lines": out, "total": str(total)})
        working.append(f"shift {n} total ${total}")
    if len(shifts) > 1:
        working.append(f"grand total ${grand}")
    if note:
        working.insert(0, note)
    CASES.append({"id": cid, "award": award, "description": description, "tags": tags,
                  "provenance": PROVENANCE, "shifts": shifts,
                  "expected": {"shifts": shift_out, "total": str(grand), "uncertain": uncertain},
                  "working": "; ".join(working)})


R, C = "MA000004", "MA000002"
MON, TUE, WED, THU, FRI, SAT, SUN = (f"2025-07-{d:02d}" for d in range(7, 14))

# ---------------------------------------------------------------- General Retail Industry Award
case("retail-01", R, "Full-time L1 weekday 9-5 with a 30 min break", ["weekday", "full_time"],
     [shift("E1", "L1", "full_time", MON, "09:00", "17:00", brk=30)],
     [[L("7.5", "26.55", "1.00", "ordinary")]])
case("retail-02", R, "Part-time L2 weekday 9-3", ["weekday", "part_time"],
     [shift("E1", "L2", "part_time", TUE, "09:00", "15:00")], [[L("6", "27.16", "1.00", "ordinary")]])
case("retail-03", R, "Casual L1 weekday 9-2: casual loading 25 %", ["weekday", "casual"],
     [shift("E1", "L1", "casual", WED, "09:00", "14:00")], [[L("5", "33.19", "1.25", "ordinary")]])
case("retail-04", R, "Casual L3 weekday with a break", ["weekday", "casual"],
     [shift("E1", "L3", "casual", THU, "10:00", "16:00", brk=30)], [[L("5.5", "34.48", "1.25", "ordinary")]])
case("retail-05", R, "Full-time L4 8-4.30 with a break", ["weekday", "full_time"],
     [shift("E1", "L4", "full_time", FRI, "08:00", "16:30", brk=30)], [[L("8", "28.12", "1.00", "ordinary")]])
case("retail-06", R, "Full-time L5 noon-8 pm, break at 3 pm: evening after 6 pm", ["evening", "full_time"],
     [shift("E1", "L5", "full_time", MON, "12:00", "20:00", brk=30, break_start="15:00")],
     [[L("5.5", "29.27", "1.00", "ordinary"), L("2", "36.59", "1.25", "penalty.weekday_evening")]],
     note="12-3 and 3.30-6 ordinary (5.5 h), 6-8 pm evening 125 %")
case("retail-07", R, "Casual L1 5-9 pm: one ordinary hour, three evening hours", ["evening", "casual"],
     [shift("E1", "L1", "casual", TUE, "17:00", "21:00")],
     [[L("1", "33.19", "1.25", "ordinary"), L("3", "39.83", "1.50", "penalty.weekday_evening")]])
case("retail-08", R, "Part-time L3 3-9 pm, break at 6 pm", ["evening", "part_time"],
     [shift("E1", "L3", "part_time", WED, "15:00", "21:00", brk=30, break_start="18:00")],
     [[L("3", "27.58", "1.00", "ordinary"), L("2.5", "34.48", "1.25", "penalty.weekday_evening")]])
case("retail-09", R, "Full-time L2 Saturday 9-5 with a break", ["saturday", "full_time"],
     [shift("E1", "L2", "full_time", SAT, "09:00", "17:00", brk=30)],
     [[L("7.5", "33.95", "1.25", "penalty.saturday")]])
case("retail-10", R, "Casual L2 Saturday 10-4", ["saturday", "casual"],
     [shift("E1", "L2", "casual", SAT, "10:00", "16:00")], [[L("6", "40.74", "1.50", "penalty.saturday")]])
case("retail-11", R, "Part-time L1 Sunday 10-4", ["sunday", "part_time"],
     [shift("E1", "L1", "part_time", SUN, "10:00", "16:00")], [[L("6", "39.83", "1.50", "penalty.sunday")]])
case("retail-12", R, "Casual L1 Sunday 9-5 with a break", ["sunday", "casual"],
     [shift("E1", "L1", "casual", SUN, "09:00", "17:00", brk=30)], [[L("7.5", "46.46", "1.75", "penalty.sunday")]])
case("retail-13", R, "Casual L5 Sunday 11-3", ["sunday", "casual"],
     [shift("E1", "L5", "casual", SUN, "11:00", "15:00")], [[L("4", "51.22", "1.75", "penalty.sunday")]])
case("retail-14", R, "Full-time L8 Sunday 9-1", ["sunday", "full_time"],
     [shift("E1", "L8", "full_time", SUN, "09:00", "13:00")], [[L("4", "48.68", "1.50", "penalty.sunday")]])
case("retail-15", R, "Full-time L1 Christmas Day (NSW) 9-5 with a break", ["public_holiday", "full_time"],
     [shift("E1", "L1", "full_time", "2025-12-25", "09:00", "17:00", brk=30)],
     [[L("7.5", "59.74", "2.25", "penalty.public_holiday")]])
case("retail-16", R, "Casual L1 Christmas Day 10-2 (casual 250 %: uncertain)", ["public_holiday", "casual"],
     [shift("E1", "L1", "casual", "2025-12-25", "10:00", "14:00")],
     [[L("4", "66.38", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-17", R, "Part-time L3 Good Friday 9-1", ["public_holiday", "part_time"],
     [shift("E1", "L3", "part_time", "2026-04-03", "09:00", "13:00")],
     [[L("4", "62.06", "2.25", "penalty.public_holiday")]])
case("retail-18", R, "Casual L2 Easter Saturday (NSW) 9-3", ["public_holiday", "casual"],
     [shift("E1", "L2", "casual", "2026-04-04", "09:00", "15:00")],
     [[L("6", "67.90", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-19", R, "Casual L1 Melbourne Cup Day in VIC", ["public_holiday", "casual", "state"],
     [shift("E1", "L1", "casual", "2025-11-04", "10:00", "14:00", state="VIC")],
     [[L("4", "66.38", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-20", R, "Casual L1 Melbourne Cup Day in NSW: an ordinary Tuesday", ["weekday", "casual", "state"],
     [shift("E1", "L1", "casual", "2025-11-04", "10:00", "14:00", state="NSW")],
     [[L("4", "33.19", "1.25", "ordinary")]])
case("retail-21", R, "Casual L1 SA Christmas Eve 5-9 pm: public holiday from 7 pm", ["public_holiday", "casual",
                                                                                   "part_day", "state"],
     [shift("E1", "L1", "casual", "2025-12-24", "17:00", "21:00", state="SA")],
     [[L("1", "33.19", "1.25", "ordinary"), L("1", "39.83", "1.50", "penalty.weekday_evening"),
       L("2", "66.38", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-22", R, "Full-time L1 QLD Christmas Eve 2-8 pm: public holiday from 6 pm",
     ["public_holiday", "full_time", "part_day", "state"],
     [shift("E1", "L1", "full_time", "2025-12-24", "14:00", "20:00", state="QLD")],
     [[L("4", "26.55", "1.00", "ordinary"), L("2", "59.74", "2.25", "penalty.public_holiday")]])
case("retail-23", R, "Casual L1 NSW additional Anzac Day Monday 27 April 2026", ["public_holiday", "casual",
                                                                              "substitute"],
     [shift("E1", "L1", "casual", "2026-04-27", "09:00", "13:00")],
     [[L("4", "66.38", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-24", R, "Casual L1 VIC Monday 27 April 2026: no additional day in VIC", ["weekday", "casual",
                                                                                   "substitute"],
     [shift("E1", "L1", "casual", "2026-04-27", "09:00", "13:00", state="VIC")],
     [[L("4", "33.19", "1.25", "ordinary")]])
case("retail-25", R, "Casual L1 4-5 pm: minimum engagement 3 h, paid as if continued to 7 pm",
     ["minimum_engagement", "casual"],
     [shift("E1", "L1", "casual", MON, "16:00", "17:00")],
     [[L("1", "33.19", "1.25", "ordinary"), L("1", "33.19", "1.25", "minimum_engagement.ordinary"),
       L("1", "39.83", "1.50", "minimum_engagement.weekday_evening")]])
case("retail-26", R, "Casual L2 Sunday 10-12: 1 h top-up at the Sunday rate", ["minimum_engagement", "casual",
                                                                             "sunday"],
     [shift("E1", "L2", "casual", SUN, "10:00", "12:00")],
     [[L("2", "47.53", "1.75", "penalty.sunday"), L("1", "47.53", "1.75", "minimum_engagement.sunday")]])
case("retail-27", R, "Part-time L1 10-12: part-time minimum 3 h (cl 10.9)", ["minimum_engagement", "part_time"],
     [shift("E1", "L1", "part_time", TUE, "10:00", "12:00")],
     [[L("2", "26.55", "1.00", "ordinary"), L("1", "26.55", "1.00", "minimum_engagement.ordinary")]])
case("retail-28", R, "Casual school student 3.30-5 pm: 1.5 h minimum met", ["minimum_engagement", "casual",
                                                                          "student"],
     [shift("E1", "L1", "casual", WED, "15:30", "17:00", school_student=True)],
     [[L("1.5", "33.19", "1.25", "ordinary")]])
case("retail-29", R, "Casual school student 3.30-4.30 pm: topped up to 1.5 h", ["minimum_engagement", "casual",
                                                                             "student"],
     [shift("E1", "L1", "casual", WED, "15:30", "16:30", school_student=True)],
     [[L("1", "33.19", "1.25", "ordinary"), L("0.5", "33.19", "1.25", "minimum_engagement.ordinary")]])
case("retail-30", R, "Casual school student on a Saturday: the 3 h minimum applies",
     ["minimum_engagement", "casual", "student", "saturday"],
     [shift("E1", "L1", "casual", SAT, "10:00", "11:00", school_student=True)],
     [[L("1", "39.83", "1.50", "penalty.saturday"), L("2", "39.83", "1.50", "minimum_engagement.saturday")]])
case("retail-31", R, "Full-time L1 8-7 with 1 h break: 10 h, the week's one long day (11 h)",
     ["overtime", "full_time", "long_day"],
     [shift("E1", "L1", "full_time", MON, "08:00", "19:00", brk=60)],
     [[L("9", "26.55", "1.00", "ordinary"), L("1", "33.19", "1.25", "penalty.weekday_evening")]],
     note="break centred 1-2 pm; 8-1 and 2-6 ordinary (9 h), 6-7 pm evening; 10 h <= 11 h long day")
case("retail-32", R, "Full-time L1 two 10 h days: the second is overtime after 9 h",
     ["overtime", "full_time", "long_day"],
     [shift("E1", "L1", "full_time", MON, "08:00", "19:00", brk=60),
      shift("E1", "L1", "full_time", TUE, "08:00", "19:00", brk=60)],
     [[L("9", "26.55", "1.00", "ordinary"), L("1", "33.19", "1.25", "penalty.weekday_evening")],
      [L("9", "26.55", "1.00", "ordinary"), L("1", "39.83", "1.50", "overtime.mon_sat_first")]])
case("retail-33", R, "Full-time L2 6 am start: the hour before 7 am is outside the span (overtime)",
     ["overtime", "full_time", "span"],
     [shift("E1", "L2", "full_time", MON, "06:00", "14:00")],
     [[L("1", "40.74", "1.50", "overtime.mon_sat_first"), L("7", "27.16", "1.00", "ordinary")]], uncertain=True)
case("retail-34", R, "Full-time L1 1-11 pm: evening, then overtime after 9 pm", ["overtime", "full_time", "span",
                                                                              "evening"],
     [shift("E1", "L1", "full_time", TUE, "13:00", "23:00", brk=30)],
     [[L("4.75", "26.55", "1.00", "ordinary"), L("2.75", "33.19", "1.25", "penalty.weekday_evening"),
       L("2", "39.83", "1.50", "overtime.mon_sat_first")]], uncertain=True,
     note="break centred 5.45-6.15 pm")
case("retail-35", R, "Full-time L1 Saturday noon-10 pm: overtime after 6 pm, 3 h then 200 %",
     ["overtime", "full_time", "saturday", "tiers"],
     [shift("E1", "L1", "full_time", SAT, "12:00", "22:00")],
     [[L("6", "33.19", "1.25", "penalty.saturday"), L("3", "39.83", "1.50", "overtime.mon_sat_first"),
       L("1", "53.10", "2.00", "overtime.mon_sat_after")]], uncertain=True)
case("retail-36", R, "Full-time L1 Sunday 7 am-7 pm: outside the Sunday span is Sunday overtime",
     ["overtime", "full_time", "sunday", "span"],
     [shift("E1", "L1", "full_time", SUN, "07:00", "19:00")],
     [[L("2", "53.10", "2.00", "overtime.sunday"), L("9", "39.83", "1.50", "penalty.sunday"),
       L("1", "53.10", "2.00", "overtime.sunday")]], uncertain=True)
case("retail-37", R, "Full-time L1 Christmas Day noon-11 pm: public-holiday overtime after 9 pm",
     ["overtime", "full_time", "public_holiday"],
     [shift("E1", "L1", "full_time", "2025-12-25", "12:00", "23:00")],
     [[L("9", "59.74", "2.25", "penalty.public_holiday"), L("2", "66.38", "2.50", "overtime.public_holiday")]],
     uncertain=True)
case("retail-38", R, "Casual L1 8 am-8 pm: 11 ordinary hours on the long day, then casual overtime",
     ["overtime", "casual", "long_day"],
     [shift("E1", "L1", "casual", MON, "08:00", "20:00")],
     [[L("10", "33.19", "1.25", "ordinary"), L("1", "39.83", "1.50", "penalty.weekday_evening"),
       L("1", "46.46", "1.75", "overtime.mon_sat_first")]])
case("retail-39", R, "Casual L1 5-9 am: before the span, paid at the casual rate (flagged reading)",
     ["span", "casual"],
     [shift("E1", "L1", "casual", WED, "05:00", "09:00")],
     [[L("4", "33.19", "1.25", "ordinary")]], uncertain=True)
case("retail-40", R, "Casual L1 Saturday 10 pm to Sunday 2 am: split at midnight", ["midnight", "casual"],
     [shift("E1", "L1", "casual", SAT, "22:00", "02:00", end_date=SUN)],
     [[L("2", "39.83", "1.50", "penalty.saturday"), L("2", "46.46", "1.75", "penalty.sunday")]], uncertain=True)
case("retail-41", R, "Full-time L1 Friday 8 pm to Saturday 1 am: overtime tiers across midnight",
     ["midnight", "full_time", "overtime", "tiers"],
     [shift("E1", "L1", "full_time", FRI, "20:00", "01:00", end_date=SAT)],
     [[L("1", "33.19", "1.25", "penalty.weekday_evening"), L("3", "39.83", "1.50", "overtime.mon_sat_first"),
       L("1", "53.10", "2.00", "overtime.mon_sat_after")]], uncertain=True)
case("retail-42", R, "Full-time L3 five 8 h days: overtime after 38 h in the week", ["overtime", "full_time",
                                                                                  "weekly"],
     [shift("E1", "L3", "full_time", d, "08:00", "16:00") for d in (MON, TUE, WED, THU, FRI)],
     [[L("8", "27.58", "1.00", "ordinary")]] * 4 +
     [[L("6", "27.58", "1.00", "ordinary"), L("2", "41.37", "1.50", "overtime.mon_sat_first")]])
case("retail-43", R, "Part-time L2 with 20 agreed hours works 21: the last hour is overtime",
     ["overtime", "part_time", "weekly"],
     [shift("E1", "L2", "part_time", d, "09:00", "16:00", agreed_weekly_hours="20") for d in (MON, TUE, WED)],
     [[L("7", "27.16", "1.00", "ordinary")], [L("7", "27.16", "1.00", "ordinary")],
      [L("6", "27.16", "1.00", "ordinary"), L("1", "40.74", "1.50", "overtime.mon_sat_first")]])
case("retail-44", R, "Junior casual L1 aged 17 (60 %)", ["junior", "casual"],
     [shift("E1", "L1", "casual", MON, "09:00", "13:00", age=17)],
     [[L("4", "19.91", "1.25", "ordinary", base="15.93")]], uncertain=True,
     note="junior weekly 1008.90 x 60 % = 605.34; hourly 605.34 / 38 = 15.9300 -> 15.93")
case("retail-45", R, "Junior full-time L2 aged 16 (50 %) on a Saturday", ["junior", "full_time", "saturday"],
     [shift("E1", "L2", "full_time", SAT, "09:00", "13:00", age=16)],
     [[L("4", "16.98", "1.25", "penalty.saturday", base="13.58")]], uncertain=True,
     note="junior weekly 1032.00 x 50 % = 516.00; hourly 516.00 / 38 = 13.5789 -> 13.58")
case("retail-46", R, "Junior casual L1 aged 15 (under 16: 45 %) on a Sunday", ["junior", "casual", "sunday"],
     [shift("E1", "L1", "casual", SUN, "10:00", "13:00", age=15)],
     [[L("3", "20.91", "1.75", "penalty.sunday", base="11.95")]], uncertain=True,
     note="junior weekly 1008.90 x 45 % = 454.005 -> 454.01; hourly 454.01 / 38 = 11.9476 -> 11.95")
case("retail-47", R, "Casual L1 aged 20 with 6 months' service: adult rate", ["junior", "casual"],
     [shift("E1", "L1", "casual", MON, "09:00", "13:00", age=20, employment_start="2024-01-01")],
     [[L("4", "33.19", "1.25", "ordinary")]], uncertain=True)
case("retail-48", R, "Casual L1 aged 20 with 2 months' service: 90 %", ["junior", "casual"],
     [shift("E1", "L1", "casual", MON, "09:00", "13:00", age=20, employment_start="2025-05-01")],
     [[L("4", "29.88", "1.25", "ordinary", base="23.90")]], uncertain=True,
     note="junior weekly 1008.90 x 90 % = 908.01; hourly 908.01 / 38 = 23.8950 -> 23.90")
case("retail-49", R, "Casual L4 aged 18: junior rates are for Levels 1-3 only", ["junior", "casual"],
     [shift("E1", "L4", "casual", MON, "09:00", "13:00", age=18)], [[L("4", "35.15", "1.25", "ordinary")]])
case("retail-50", R, "Casual L1 with the break placed at noon", ["weekday", "casual", "break"],
     [shift("E1", "L1", "casual", THU, "10:00", "16:30", brk=30, break_start="12:00")],
     [[L("6", "33.19", "1.25", "ordinary")]])
case("retail-51", R, "Full-time L1 King's Birthday not worked (NSW): paid 7.6 h at the base rate",
     ["public_holiday", "full_time", "not_worked"],
     [shift("E1", "L1", "full_time", "2026-06-08", "09:00", "17:06", brk=30, kind="public_holiday_not_worked")],
     [[L("7.6", "26.55", "1.00", "public_holiday_absence")]])
case("retail-52", R, "Full-time L1 Anzac Day on a Saturday: the public-holiday rate", ["public_holiday",
                                                                                     "full_time", "saturday"],
     [shift("E1", "L1", "full_time", "2026-04-25", "10:00", "14:00")],
     [[L("4", "59.74", "2.25", "penalty.public_holiday")]])
case("retail-53", R, "Casual L7 Saturday morning", ["saturday", "casual"],
     [shift("E1", "L7", "casual", SAT, "08:00", "12:00")], [[L("4", "46.79", "1.50", "penalty.saturday")]])
case("retail-54", R, "Casual L6 Friday 6-9 pm", ["evening", "casual"],
     [shift("E1", "L6", "casual", FRI, "18:00", "21:00")], [[L("3", "44.55", "1.50", "penalty.weekday_evening")]])
case("retail-55", R, "Casual L8 Boxing Day", ["public_holiday", "casual"],
     [shift("E1", "L8", "casual", "2025-12-26", "09:00", "12:00")],
     [[L("3", "81.13", "2.50", "penalty.public_holiday")]], uncertain=True)
case("retail-56", R, "Casual L1 9.10 am-12.30 pm: 200 minutes", ["weekday", "casual", "minutes"],
     [shift("E1", "L1", "casual", MON, "09:10", "12:30")], [[L("3.3333", "33.19", "1.25", "ordinary")]],
     note="200 min x $33.19 / 60 = 110.633 -> 110.63 (hours shown to 4 places)")
case("retail-57", R, "Casual L1 two 9.5 h days: the second day's last half hour is overtime",
     ["overtime", "casual", "long_day"],
     [shift("E1", "L1", "casual", MON, "08:00", "17:30"), shift("E1", "L1", "casual", TUE, "08:00", "17:30")],
     [[L("9.5", "33.19", "1.25", "ordinary")],
      [L("9", "33.19", "1.25", "ordinary"), L("0.5", "46.46", "1.75", "overtime.mon_sat_first")]])
case("retail-58", R, "Casual L2 1-3.30 pm paid as 3 h: the engaged hours are rounded once",
     ["minimum_engagement", "casual", "rounding"],
     [shift("E1", "L2", "casual", WED, "13:00", "15:30")],
     [[L("2.5", "33.95", "1.25", "ordinary"), L("0.5", "33.95", "1.25", "minimum_engagement.ordinary")]],
     note="3 h x $33.95 = 101.85; the 0.5 h top-up carries 101.85 - 84.88 = 16.97 (rounded apart: 16.98)")

# ---------------------------------------------------------------- Clerks—Private Sector Award
case("clerks-01", C, "Full-time L1Y1 9-5 with a break", ["weekday", "full_time"],
     [shift("E2", "L1Y1", "full_time", MON, "09:00", "17:00", brk=30)], [[L("7.5", "25.74", "1.00", "ordinary")]])
case("clerks-02", C, "Full-time L1Y2 7.6 h day", ["weekday", "full_time"],
     [shift("E2", "L1Y2", "full_time", TUE, "09:00", "17:06", brk=30)], [[L("7.6", "26.96", "1.00", "ordinary")]])
case("clerks-03", C, "Part-time L1Y3 9-3", ["weekday", "part_time"],
     [shift("E2", "L1Y3", "part_time", WED, "09:00", "15:00")], [[L("6", "27.79", "1.00", "ordinary")]])
case("clerks-04", C, "Casual L2Y1 9-1: casual loading", ["weekday", "casual"],
     [shift("E2", "L2Y1", "casual", THU, "09:00", "13:00")], [[L("4", "35.15", "1.25", "ordinary")]],
     uncertain=False)
case("clerks-05", C, "Casual L2Y2 with a break", ["weekday", "casual"],
     [shift("E2", "L2Y2", "casual", FRI, "10:00", "16:30", brk=30)], [[L("6", "35.80", "1.25", "ordinary")]])
case("clerks-06", C, "Full-time L3 9.5 h within the 10 h daily maximum", ["weekday", "full_time"],
     [shift("E2", "L3", "full_time", MON, "07:00", "17:30", brk=60)], [[L("9.5", "29.70", "1.00", "ordinary")]])
case("clerks-07", C, "Full-time L4 7 am-7 pm: overtime after 10 h", ["overtime", "full_time", "daily"],
     [shift("E2", "L4", "full_time", TUE, "07:00", "19:00")],
     [[L("10", "31.19", "1.00", "ordinary"), L("2", "46.79", "1.50", "overtime.mon_sat_first")]])
case("clerks-08", C, "Full-time L5 6 am-6 pm: before the span and after 10 h, tiers per day",
     ["overtime", "full_time", "span", "tiers"],
     [shift("E2", "L5", "full_time", WED, "06:00", "18:00")],
     [[L("1", "48.68", "1.50", "overtime.mon_sat_first"), L("10", "32.45", "1.00", "ordinary"),
       L("1", "48.68", "1.50", "overtime.mon_sat_first")]],
     note="6-7 outside the span (first OT hour); 7-5 ordinary (10 h); 5-6 after 10 h (second OT hour, "
          "still within the first 2 h)")
case("clerks-09", C, "Full-time L2Y1 5-10 pm: overtime after 7 pm, 2 h then 200 %", ["overtime", "full_time",
                                                                                 "span", "tiers"],
     [shift("E2", "L2Y1", "full_time", MON, "17:00", "22:00")],
     [[L("2", "28.12", "1.00", "ordinary"), L("2", "42.18", "1.50", "overtime.mon_sat_first"),
       L("1", "56.24", "2.00", "overtime.mon_sat_after")]])
case("clerks-10", C, "Full-time L1Y1 Saturday 8-12: Saturday ordinary hours 125 % (uncertain)",
     ["saturday", "full_time"],
     [shift("E2", "L1Y1", "full_time", SAT, "08:00", "12:00")], [[L("4", "32.18", "1.25", "penalty.saturday")]],
     uncertain=True)
case("clerks-11", C, "Full-time L1Y1 Saturday 9-3: overtime after 12.30 pm", ["saturday", "full_time",
                                                                            "overtime", "tiers"],
     [shift("E2", "L1Y1", "full_time", SAT, "09:00", "15:00")],
     [[L("3.5", "32.18", "1.25", "penalty.saturday"), L("2", "38.61", "1.50", "overtime.mon_sat_first"),
       L("0.5", "51.48", "2.00", "overtime.mon_sat_after")]], uncertain=True)
case("clerks-12", C, "Casual L2Y1 Saturday 8-12", ["saturday", "casual"],
     [shift("E2", "L2Y1", "casual", SAT, "08:00", "12:00")], [[L("4", "42.18", "1.50", "penalty.saturday")]],
     uncertain=True)
case("clerks-13", C, "Casual L2Y1 Saturday 11-3: casual overtime after 12.30 pm", ["saturday", "casual",
                                                                                 "overtime"],
     [shift("E2", "L2Y1", "casual", SAT, "11:00", "15:00")],
     [[L("1.5", "42.18", "1.50", "penalty.saturday"), L("2", "49.21", "1.75", "overtime.mon_sat_first"),
       L("0.5", "63.27", "2.25", "overtime.mon_sat_after")]], uncertain=True)
case("clerks-14", C, "Full-time L3 Sunday 9-1 (200 %, uncertain)", ["sunday", "full_time"],
     [shift("E2", "L3", "full_time", SUN, "09:00", "13:00")], [[L("4", "59.40", "2.00", "penalty.sunday")]],
     uncertain=True)
case("clerks-15", C, "Casual L3 Sunday 10-2 (225 %)", ["sunday", "casual"],
     [shift("E2", "L3", "casual", SUN, "10:00", "14:00")], [[L("4", "66.83", "2.25", "penalty.sunday")]],
     uncertain=True)
case("clerks-16", C, "Part-time L4 Sunday 9-5 with a break", ["sunday", "part_time"],
     [shift("E2", "L4", "part_time", SUN, "09:00", "17:00", brk=30)], [[L("7.5", "62.38", "2.00", "penalty.sunday")]],
     uncertain=True)
case("clerks-17", C, "Full-time L1Y1 Christmas Day 9-5 with a break (250 %)", ["public_holiday", "full_time"],
     [shift("E2", "L1Y1", "full_time", "2025-12-25", "09:00", "17:00", brk=30)],
     [[L("7.5", "64.35", "2.50", "penalty.public_holiday")]], uncertain=True)
case("clerks-18", C, "Casual L2Y1 Good Friday (275 %)", ["public_holiday", "casual"],
     [shift("E2", "L2Y1", "casual", "2026-04-03", "10:00", "14:00")],
     [[L("4", "77.33", "2.75", "penalty.public_holiday")]], uncertain=True)
case("clerks-19", C, "Part-time L5 Easter Monday 9-12", ["public_holiday", "part_time"],
     [shift("E2", "L5", "part_time", "2026-04-06", "09:00", "12:00")],
     [[L("3", "81.13", "2.50", "penalty.public_holiday")]], uncertain=True)
case("clerks-20", C, "Casual L1Y1 10-12: minimum engagement 3 h (uncertain)", ["minimum_engagement", "casual"],
     [shift("E2", "L1Y1", "casual", MON, "10:00", "12:00")],
     [[L("2", "32.18", "1.25", "ordinary"), L("1", "32.18", "1.25", "minimum_engagement.ordinary")]],
     uncertain=True)
case("clerks-21", C, "Part-time L2Y1 9-11: minimum engagement 3 h (uncertain)", ["minimum_engagement",
                                                                                "part_time"],
     [shift("E2", "L2Y1", "part_time", TUE, "09:00", "11:00")],
     [[L("2", "28.12", "1.00", "ordinary"), L("1", "28.12", "1.00", "minimum_engagement.ordinary")]],
     uncertain=True)
case("clerks-22", C, "Casual L1Y1 6-7 pm: top-up priced at the ordinary casual rate, never overtime",
     ["minimum_engagement", "casual"],
     [shift("E2", "L1Y1", "casual", MON, "18:00", "19:00")],
     [[L("1", "32.18", "1.25", "ordinary"), L("2", "32.18", "1.25", "minimum_engagement.ordinary")]],
     uncertain=True)
case("clerks-23", C, "Casual L1Y1 7-11 pm: outside the span, casual overtime (flagged reading)",
     ["overtime", "casual", "span", "tiers"],
     [shift("E2", "L1Y1", "casual", MON, "19:00", "23:00")],
     [[L("2", "45.05", "1.75", "overtime.mon_sat_first"), L("2", "57.92", "2.25", "overtime.mon_sat_after")]],
     uncertain=True)
case("clerks-24", C, "Casual L1Y1 6-10 am: the hour before 7 am is overtime", ["overtime", "casual", "span"],
     [shift("E2", "L1Y1", "casual", TUE, "06:00", "10:00")],
     [[L("1", "45.05", "1.75", "overtime.mon_sat_first"), L("3", "32.18", "1.25", "ordinary")]], uncertain=True)
case("clerks-25", C, "Full-time L3 five 8 h days: overtime after 38 h", ["overtime", "full_time", "weekly"],
     [shift("E2", "L3", "full_time", d, "08:00", "16:00") for d in (MON, TUE, WED, THU, FRI)],
     [[L("8", "29.70", "1.00", "ordinary")]] * 4 +
     [[L("6", "29.70", "1.00", "ordinary"), L("2", "44.55", "1.50", "overtime.mon_sat_first")]])
case("clerks-26", C, "Casual L2Y1 five 8 h days: casual overtime after 38 h (flagged reading)",
     ["overtime", "casual", "weekly"],
     [shift("E2", "L2Y1", "casual", d, "08:00", "16:00") for d in (MON, TUE, WED, THU, FRI)],
     [[L("8", "35.15", "1.25", "ordinary")]] * 4 +
     [[L("6", "35.15", "1.25", "ordinary"), L("2", "49.21", "1.75", "overtime.mon_sat_first")]], uncertain=True)
case("clerks-27", C, "Part-time L1Y2 agreed 22.8 h works a fourth day: all overtime", ["overtime", "part_time",
                                                                                     "weekly", "tiers"],
     [shift("E2", "L1Y2", "part_time", d, "09:00", "17:06", brk=30, agreed_weekly_hours="22.8")
      for d in (MON, TUE, WED)] +
     [shift("E2", "L1Y2", "part_time", THU, "09:00", "12:00", agreed_weekly_hours="22.8")],
     [[L("7.6", "26.96", "1.00", "ordinary")]] * 3 +
     [[L("2", "40.44", "1.50", "overtime.mon_sat_first"), L("1", "53.92", "2.00", "overtime.mon_sat_after")]])
case("clerks-28", C, "Full-time L1Y1 Friday 10 pm to Saturday 2 am: overtime tiers across midnight",
     ["midnight", "full_time", "overtime", "tiers"],
     [shift("E2", "L1Y1", "full_time", FRI, "22:00", "02:00", end_date=SAT)],
     [[L("2", "38.61", "1.50", "overtime.mon_sat_first"), L("2", "51.48", "2.00", "overtime.mon_sat_after")]])
case("clerks-29", C, "Casual L1Y1 Saturday 10 pm to Sunday 2 am: overtime, then the Sunday rate",
     ["midnight", "casual", "sunday"],
     [shift("E2", "L1Y1", "casual", SAT, "22:00", "02:00", end_date=SUN)],
     [[L("2", "45.05", "1.75", "overtime.mon_sat_first"), L("2", "57.92", "2.25", "penalty.sunday")]],
     uncertain=True)
case("clerks-30", C, "Junior casual L1Y1 aged 17 (60 %)", ["junior", "casual"],
     [shift("E2", "L1Y1", "casual", MON, "09:00", "13:00", age=17)],
     [[L("4", "19.31", "1.25", "ordinary", base="15.45")]],
     note="junior weekly 978.20 x 60 % = 586.92; hourly 586.92 / 38 = 15.4453 -> 15.45")
case("clerks-31", C, "Junior full-time L2Y1 aged 19 (80 %)", ["junior", "full_time"],
     [shift("E2", "L2Y1", "full_time", TUE, "09:00", "17:00", brk=30, age=19)],
     [[L("7.5", "22.49", "1.00", "ordinary", base="22.49")]],
     note="junior weekly 1068.40 x 80 % = 854.72; hourly 854.72 / 38 = 22.4926 -> 22.49")
case("clerks-32", C, "Junior casual L1Y1 aged 20 (90 %: no service rule in the Clerks data)", ["junior", "casual"],
     [shift("E2", "L1Y1", "casual", WED, "09:00", "13:00", age=20)],
     [[L("4", "28.96", "1.25", "ordinary", base="23.17")]],
     note="junior weekly 978.20 x 90 % = 880.38; hourly 880.38 / 38 = 23.1679 -> 23.17")
case("clerks-33", C, "Junior casual L1Y1 aged 15 (45 %)", ["junior", "casual"],
     [shift("E2", "L1Y1", "casual", THU, "09:00", "13:00", age=15)],
     [[L("4", "14.48", "1.25", "ordinary", base="11.58")]],
     note="junior weekly 978.20 x 45 % = 440.19; hourly 440.19 / 38 = 11.5839 -> 11.58")
case("clerks-34", C, "Junior part-time L1Y2 aged 16 on a Saturday", ["junior", "part_time", "saturday"],
     [shift("E2", "L1Y2", "part_time", SAT, "08:00", "12:00", age=16)],
     [[L("4", "16.85", "1.25", "penalty.saturday", base="13.48")]], uncertain=True,
     note="junior weekly 1024.40 x 50 % = 512.20; hourly 512.20 / 38 = 13.4789 -> 13.48")
case("clerks-35", C, "Full-time call centre principal customer contact specialist", ["weekday", "full_time"],
     [shift("E2", "CCPCS", "full_time", MON, "09:00", "17:00", brk=30)], [[L("7.5", "29.91", "1.00", "ordinary")]])
case("clerks-36", C, "Casual call centre technical associate", ["weekday", "casual"],
     [shift("E2", "CCTA", "casual", TUE, "09:00", "13:00")], [[L("4", "44.44", "1.25", "ordinary")]])
case("clerks-37", C, "Full-time L1Y1 King's Birthday not worked (NSW)", ["public_holiday", "full_time",
                                                                       "not_worked"],
     [shift("E2", "L1Y1", "full_time", "2026-06-08", "09:00", "17:06", brk=30, kind="public_holiday_not_worked")],
     [[L("7.6", "25.74", "1.00", "public_holiday_absence")]])
case("clerks-38", C, "Full-time L2Y1 SA Christmas Eve 4-8 pm: public holiday from 7 pm",
     ["public_holiday", "full_time", "part_day", "state"],
     [shift("E2", "L2Y1", "full_time", "2025-12-24", "16:00", "20:00", state="SA")],
     [[L("3", "28.12", "1.00", "ordinary"), L("1", "70.30", "2.50", "penalty.public_holiday")]], uncertain=True)
case("clerks-39", C, "Casual L1Y1 9.10 am-12.40 pm", ["weekday", "casual", "minutes"],
     [shift("E2", "L1Y1", "casual", MON, "09:10", "12:40")], [[L("3.5", "32.18", "1.25", "ordinary")]])
case("clerks-40", C, "Full-time L1Y1 Saturday 7 am-12.30 pm: the whole Saturday span", ["saturday", "full_time"],
     [shift("E2", "L1Y1", "full_time", SAT, "07:00", "12:30")], [[L("5.5", "32.18", "1.25", "penalty.saturday")]],
     uncertain=True)
case("clerks-41", C, "Casual L4 Saturday 6-10 am: casual overtime before 7 am", ["saturday", "casual", "span"],
     [shift("E2", "L4", "casual", SAT, "06:00", "10:00")],
     [[L("1", "54.58", "1.75", "overtime.mon_sat_first"), L("3", "46.79", "1.50", "penalty.saturday")]],
     uncertain=True)
case("clerks-42", C, "Full-time L5 Sunday 8 am-8 pm: Sunday overtime after 10 h", ["sunday", "full_time",
                                                                                 "overtime"],
     [shift("E2", "L5", "full_time", SUN, "08:00", "20:00")],
     [[L("10", "64.90", "2.00", "penalty.sunday"), L("2", "64.90", "2.00", "overtime.sunday")]], uncertain=True)
case("clerks-43", C, "Casual L1Y3 WA additional Anzac Day Monday", ["public_holiday", "casual", "substitute",
                                                                   "state"],
     [shift("E2", "L1Y3", "casual", "2026-04-27", "09:00", "13:00", state="WA")],
     [[L("4", "76.42", "2.75", "penalty.public_holiday")]], uncertain=True)
case("clerks-44", C, "Casual L1Y3 QLD Monday 27 April 2026: not a holiday in QLD", ["weekday", "casual",
                                                                                  "substitute", "state"],
     [shift("E2", "L1Y3", "casual", "2026-04-27", "09:00", "13:00", state="QLD")],
     [[L("4", "34.74", "1.25", "ordinary")]])
case("clerks-45", C, "Full-time L2Y2 QLD King's Birthday (first Monday in October)", ["public_holiday",
                                                                                    "full_time", "state"],
     [shift("E2", "L2Y2", "full_time", "2025-10-06", "09:00", "13:00", state="QLD")],
     [[L("4", "71.60", "2.50", "penalty.public_holiday")]], uncertain=True)


def main() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    with OUT.open("w", encoding="utf-8") as handle:
        for c in CASES:
            handle.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"wrote {len(CASES)} scenarios to {OUT}")


if __name__ == "__main__":
    main()
