"""`backoffice payroll calc|check`: the calc JSON contract, plain-text output, errors that name the
shift, the check over a small ledger, and the demo's seeded underpayments found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from demo.payroll_step import SEEDED
from memory.db import create_db_engine, session_factory, unit_of_work
from tests.conftest import TickingClock
from tests.memory.test_payroll_store import build_small_ledger

SHIFT = {"employee_id": "E7", "classification": "L1", "employment_type": "casual", "date": "2025-07-06",
         "start": "09:00", "end": "17:00", "unpaid_break_minutes": 30, "state": "NSW"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BACKOFFICE_HOME", str(home))
    for name in ("BACKOFFICE_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="backoffice", input=stdin)


def _request(tmp_path: Path, shifts: list[dict], award: str = "MA000004") -> Path:
    path = tmp_path / "shifts.json"
    path.write_text(json.dumps({"award": award, "shifts": shifts}), encoding="utf-8")
    return path


def test_calc_json_contract(tmp_path: Path, home: Path) -> None:
    shifts = [SHIFT,
              {**SHIFT, "employee_id": "E8", "classification": "L2", "employment_type": "full_time",
               "date": "2025-07-07", "start": "17:00", "end": "23:00", "unpaid_break_minutes": 0},
              {**SHIFT, "employee_id": "E9", "date": "2025-07-05", "start": "22:00", "end": "02:00",
               "end_date": "2025-07-06", "unpaid_break_minutes": 0, "age": 17}]
    result = run("payroll", "calc", str(_request(tmp_path, shifts)), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [s["employee_id"] for s in out["shifts"]] == ["E7", "E8", "E9"]   # input order
    first = out["shifts"][0]
    assert first["date"] == "2025-07-06" and first["total"] == "348.45"
    assert first["lines"] == [{
        "hours": "7.5", "base_rate": "26.55", "multiplier": "1.75", "rate": "46.46", "amount": "348.45",
        "clause": "cl 22; Sch B", "rule": "penalty.sunday", "kind": "penalty", "description": "Sunday",
        "from": "2025-07-06T09:00", "to": "2025-07-06T17:00", "ordinary_time": True, "uncertain": False}]
    for s in out["shifts"]:
        assert {"employee_id", "date", "lines", "total"} <= set(s)
        for ln in s["lines"]:
            assert {"hours", "rate", "multiplier", "amount", "clause"} <= set(ln)
            assert all(isinstance(ln[k], str) for k in ("hours", "rate", "multiplier", "amount"))
        assert Decimal(s["total"]) == sum(Decimal(ln["amount"]) for ln in s["lines"])
    assert out["total"] == str(sum(Decimal(s["total"]) for s in out["shifts"]))
    assert [ln["rule"] for ln in out["shifts"][1]["lines"]] == ["ordinary", "penalty.weekday_evening",
                                                               "overtime.mon_sat_first"]
    assert out["shifts"][2]["end_date"] == "2025-07-06"
    assert {w["figure"]["what"] for w in out["warnings"]} >= {"MA000004 junior rates (% of the adult rate by age)"}
    assert "ROUND_HALF_UP" in out["rounding"] and out["award_data"] == ["MA000004-2025-07-01.toml"]


def test_calc_prints_a_table_and_reads_stdin(home: Path) -> None:
    result = run("payroll", "calc", "-", stdin=json.dumps({"award": "MA000004", "shifts": [SHIFT]}))
    assert result.exit_code == 0, result.output
    assert "E7  2025-07-06 09:00-17:00  MA000004 L1 casual" in result.output
    assert "Sunday" in result.output and "$26.55 x 175% = $46.46" in result.output
    assert "Total $348.45 for 1 shift(s)" in result.output


def test_calc_errors_name_the_shift(tmp_path: Path, home: Path) -> None:
    bad = [SHIFT, {**SHIFT, "classification": "L9"}, {**SHIFT, "start": "18:00", "end": "09:00"},
           {**SHIFT, "date": "2024-07-06"}]
    result = run("payroll", "calc", str(_request(tmp_path, bad)))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: shift 2 (E7 2025-07-06 09:00-17:00): unknown classification 'L9'" in result.stderr
    assert "error: shift 3 (E7 2025-07-06 18:00-09:00): ends at 09:00, not after it starts at 18:00" in result.stderr
    assert "error: shift 4 (E7 2024-07-06 09:00-17:00): 2024-07-06 is outside the MA000004 data" in result.stderr
    overlap = run("payroll", "calc", str(_request(tmp_path, [SHIFT, {**SHIFT, "start": "16:00", "end": "20:00"}])))
    assert overlap.exit_code == 2 and "[overlapping_shifts]" in overlap.stderr
    unknown = run("payroll", "calc", str(_request(tmp_path, [SHIFT], award="MA123456")))
    assert unknown.exit_code == 2 and "unknown award 'MA123456'" in unknown.stderr
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    broken = run("payroll", "calc", str(tmp_path / "broken.json"))
    assert broken.exit_code == 2 and "is not valid JSON" in broken.stderr


@pytest.fixture
def ledger_home(home: Path) -> Path:
    assert run("db", "upgrade").exit_code == 0
    engine = create_db_engine(f"sqlite:///{home / 'backoffice.db'}")
    with unit_of_work(session_factory(engine)) as session:
        build_small_ledger(session, TickingClock())
    engine.dispose()
    return home


def test_check_over_a_small_ledger(ledger_home: Path) -> None:
    result = run("payroll", "check", "--period", "2026-06-01..2026-06-30", "--json")
    assert result.exit_code == 1, result.output  # someone was underpaid
    report = json.loads(result.stdout)
    assert report["underpaid_employees"] == 2 and report["back_pay"] == "106.07" and report["super_owed"] == "12.74"
    employees = {e["employee_id"]: e for e in report["pay_runs"][0]["employees"]}
    assert {k: e["status"] for k, e in employees.items()} == {
        "E007": "underpaid", "E012": "correct", "E014": "above_minimum", "E019": "underpaid"}
    assert employees["E007"]["back_pay"] == "79.62"
    assert any(ln["clause"] == "cl 22; Sch B" and ln["amount"] == "278.76" for ln in employees["E007"]["lines"])
    text = run("payroll", "check", "--period", "2026-06-01..2026-06-30")
    assert text.exit_code == 1
    assert "2 employee(s) underpaid, $106.07 back pay, $12.74 super owed" in text.output
    assert "6 h Sunday (2026-06-07 10:00-16:00) at $46.46 (175 %, cl 22; Sch B)" in text.output
    only = run("payroll", "check", "--period", "2026-06-01..2026-06-30", "--employee", "E012", "--json")
    assert only.exit_code == 0 and json.loads(only.stdout)["underpaid_employees"] == 0


def test_check_periods_and_refusals(ledger_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    none = run("payroll", "check", "--period", "2026-05-01..2026-05-31")
    assert none.exit_code == 0 and "no pay run lies wholly within 2026-05-01 to 2026-05-31" in none.output
    bad = run("payroll", "check", "--period", "June")
    assert bad.exit_code == 2 and "YYYY-MM-DD..YYYY-MM-DD" in bad.output
    backwards = run("payroll", "check", "--period", "2026-06-30..2026-06-01")
    assert backwards.exit_code == 2
    monkeypatch.setenv("BACKOFFICE_HOME", str(tmp_path / "empty"))
    unmigrated = run("payroll", "check", "--period", "2026-06-01..2026-06-30")
    assert unmigrated.exit_code == 3 and "backoffice db upgrade" in unmigrated.stderr


def test_help_is_there() -> None:
    for args in (("payroll", "--help"), ("payroll", "calc", "--help"), ("payroll", "check", "--help")):
        result = run(*args)
        assert result.exit_code == 0 and "Usage:" in result.output


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    home = tmp_path_factory.mktemp("payroll-demo") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home.parent)
        mp.setenv("BACKOFFICE_HOME", str(home))
        mp.delenv("BACKOFFICE_DATABASE_URL", raising=False)
        result = run("demo", "--json")
        assert result.exit_code == 0, result.output
        yield home, json.loads(result.stdout)


def test_the_demo_finds_exactly_the_seeded_underpayments(demo_home: tuple[Path, dict],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    home, summary = demo_home
    payroll = summary["payroll"]
    assert payroll["payment_date"] == "2026-06-17" and payroll["pay_run"] == "2026-06-01 to 2026-06-14"
    assert sorted(payroll["underpaid"]) == sorted(SEEDED) and payroll["underpayments"] == 6
    assert set(payroll["above_minimum"]) == {"E001", "E002", "E010", "E014", "E017", "E020"}  # incl. juniors
    assert Decimal(payroll["back_pay"]) > 0 and Decimal(payroll["super_owed"]) > 0
    assert payroll["shifts"] > 100
    monkeypatch.setenv("BACKOFFICE_HOME", str(home))
    monkeypatch.delenv("BACKOFFICE_DATABASE_URL", raising=False)
    report = json.loads(run("payroll", "check", "--period", "2026-06-01..2026-06-14", "--json").stdout)
    employees = {e["employee_id"]: e for e in report["pay_runs"][0]["employees"]}
    codes = {k: [f["code"] for f in e["findings"]] for k, e in employees.items()}
    assert "penalty_rate" in codes["E007"]                # the Sunday at ordinary rates
    assert "minimum_engagement" in codes["E016"]          # the 2-hour shift
    assert codes["E013"] == ["super_underpaid"]           # super at 11.5 %
    for emp in ("E009", "E015", "E019"):
        assert "rate_below_award" in codes[emp]
    assert report["back_pay"] == payroll["back_pay"] and report["super_owed"] == payroll["super_owed"]
    assert all(e["status"] != "not_checked" for e in employees.values())


def test_the_demo_summary_line(demo_home: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    from demo.payroll_step import PayrollSummary

    _, summary = demo_home
    p = summary["payroll"]
    line = PayrollSummary(p["pay_run"], date.fromisoformat(p["payment_date"]), p["shifts"],
                          p["underpaid"], p["above_minimum"], Decimal(p["back_pay"]),
                          Decimal(p["super_owed"])).as_text()
    assert line.startswith("  payroll check last pay run 2026-06-17: 6 underpayments found ($")
