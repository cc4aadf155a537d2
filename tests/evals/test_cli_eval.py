"""`backoffice eval run` against fake suites: the table, the reports, the exit codes (0 pass,
1 regression or safety failure, 2 usage), and the baseline round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from tests.evals import fake_suite
from tests.evals.fake_suite import register


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    register(monkeypatch, fake="tests.evals.fake_suite:SUITE", safety="tests.evals.fake_suite:SAFETY",
             boom="tests.evals.fake_suite:BOOM")
    monkeypatch.chdir(tmp_path)          # no .env from the checkout; BACKOFFICE_HOME under tmp
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL",
                "BACKOFFICE_OPENAI_API_KEY", "BACKOFFICE_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["eval", "run", *args], prog_name="backoffice", env=env)


def _baseline(tmp_path: Path, suite: str = "fake", **metrics: tuple[float, bool, float]) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"version": 1, "mode": "offline", "suites": {suite: {
        k: {"value": v, "higher_is_better": h, "tolerance": t} for k, (v, h, t) in metrics.items()}}}),
        encoding="utf-8")
    return path


def test_a_passing_run_prints_the_table_and_writes_both_reports(tmp_path: Path) -> None:
    base = _baseline(tmp_path, accuracy=(0.9, True, 0.05), error_rate=(0.0, False, 0.0))
    result = run("fake", "--baseline", str(base), "--json", "r.json", "--html", "r.html")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["suite", "metric", "value", "baseline", "delta", "tol", "gate"]
    assert lines[1].split() == ["fake", "accuracy", "1.0000", "0.9000", "+0.1000", "0.05", "ok"]
    assert lines[2].split() == ["fake", "error_rate", "0.0000", "0.0000", "+0.0000", "0", "ok"]
    assert "fake: 6 cases, 6 passed, 0 failed" in result.stdout
    assert "improved: fake.accuracy: 0.9 → 1 (+0.1)" in result.stdout
    assert "eval passed: 0 regressions, 0 failed safety cases, 0 suite errors" in result.stdout
    assert "fake: 6/6 cases" in result.stderr            # progress, plain lines off a terminal
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["passed"] is True
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_a_regression_exits_1_and_names_metric_and_cases(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    base = _baseline(tmp_path, accuracy=(1.0, True, 0.05), error_rate=(0.0, False, 0.0))
    monkeypatch.setattr(fake_suite, "product", lambda x: 2 * x + (1 if x % 2 else 0))
    result = run("fake", "--baseline", str(base), "--json", "r.json")
    assert result.exit_code == 1, result.output
    assert "REGRESSION fake.accuracy: 1 → 0.5 (-0.5; tolerance 0.05)" in result.stdout
    assert "  fake: 3 failed cases, first 3:" in result.stdout
    assert "    c001: value: want 2, got 3" in result.stdout
    assert any(line.split()[-1] == "FAIL" and "accuracy" in line for line in result.stdout.splitlines())
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["metric"] for r in report["regressions"]] == ["accuracy"]


def test_a_failed_safety_case_exits_1_even_when_metrics_are_fine(tmp_path: Path) -> None:
    base = _baseline(tmp_path, "safety", accuracy=(0.5, True, 0.0), error_rate=(0.0, False, 0.0))
    result = run("safety", "--baseline", str(base))
    assert result.exit_code == 1, result.output
    assert "REGRESSION" not in result.stdout
    assert "SAFETY FAILURE safety/s-bad: value: want 5, got 4" in result.stdout
    assert "eval FAILED: 0 regressions, 1 failed safety cases" in result.stdout


def test_update_baseline_writes_a_file_that_then_passes(tmp_path: Path) -> None:
    path = tmp_path / "baselines" / "offline.json"
    first = run("fake", "boom", "--baseline", str(path), "--update-baseline")
    assert first.exit_code == 0, first.output
    assert f"baseline written: {path}" in first.stdout
    written = json.loads(path.read_text(encoding="utf-8"))
    assert set(written["suites"]) == {"fake", "boom"}
    assert written["suites"]["boom"]["accuracy"] == {"value": 0.833333, "higher_is_better": True,
                                                     "tolerance": 0.05}
    again = run("fake", "boom", "--baseline", str(path))
    assert again.exit_code == 0, again.output
    assert "REGRESSION" not in again.stdout and "improved" not in again.stdout


def test_update_baseline_still_fails_on_a_safety_case(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    result = run("safety", "--baseline", str(path), "--update-baseline")
    assert result.exit_code == 1 and path.exists()


def test_all_registered_suites_run_by_default(tmp_path: Path) -> None:
    result = run("--baseline", str(_baseline(tmp_path, accuracy=(0.0, True, 0.0))))
    assert [ln.split(":")[0] for ln in result.stdout.splitlines() if " cases, " in ln and ln.split(":")[0] != "eval FAILED"] == [
        "fake", "safety", "boom"]
    assert result.exit_code == 1          # the fake safety suite has a failing case


@pytest.mark.parametrize("args, message", [
    (["nope"], "unknown suite 'nope'; choose from fake, safety, boom"),
    (["--model", "gpt"], "Invalid value for '--model'"),
    (["--baseline", "missing.json"], "baseline file missing.json does not exist"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_an_unreadable_baseline_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"version": 9}', encoding="utf-8")
    result = run("fake", "--baseline", str(path))
    assert result.exit_code == 2 and "version 9" in result.stderr


def test_live_mode_without_llm_settings_exits_2() -> None:
    result = run("--model", "live")
    assert result.exit_code == 2
    assert "--model live needs an LLM endpoint" in result.stderr and "BACKOFFICE_LLM_MODEL" in result.stderr


def test_live_mode_with_llm_settings_runs_and_records_the_model(tmp_path: Path) -> None:
    env = {"BACKOFFICE_LLM_MODEL": "local-model", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    result = run("fake", "--model", "live", "--baseline", str(tmp_path / "live.json"),
                 "--update-baseline", "--json", "r.json", env=env)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["metadata"]
    assert (meta["mode"], meta["model"]) == ("live", "local-model")
    assert json.loads((tmp_path / "live.json").read_text(encoding="utf-8"))["mode"] == "live"


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(cli, ["eval", "run", "--help"])
    assert result.exit_code == 0
    for option in ("--model", "--json", "--html", "--baseline", "--update-baseline", "--jobs"):
        assert option in result.output


def test_a_suite_that_cannot_run_fails_the_gate_and_loses_its_metrics(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, broken="tests.evals.fake_suite:BROKEN")
    base = _baseline(tmp_path, "broken", accuracy=(1.0, True, 0.0))
    result = run("broken", "--baseline", str(base))
    assert result.exit_code == 1
    assert "SUITE ERROR broken: could not load the suite's cases: FileNotFoundError" in result.stdout
    assert ["broken", "accuracy", "missing", "1.0000", "-", "0", "FAIL"] in \
        [line.split() for line in result.stdout.splitlines()]
