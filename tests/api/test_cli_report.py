"""`backoffice report monthly` over the demo company: the JSON contract (default month: the last
complete month of the books), HTML and PDF files, --month validation, budgets, the LLM path through
the command (respx) and its offline fallback; and the demo's own month-end report in the home."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from demo.homes import copy_home
from demo.report_step import ReportSummary
from tests.agent.openai_http import BASE_URL, mock_llm

ENV_CLEAR = ("BACKOFFICE_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL")


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    environment: dict[str, str | None] = {"BACKOFFICE_HOME": str(home), **{k: None for k in ENV_CLEAR}}
    environment.update(env or {})
    return CliRunner().invoke(cli, list(args), env=environment, prog_name="backoffice")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    home = tmp_path_factory.mktemp("report") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home.parent)
        result = run(home, "demo", "--json")
        assert result.exit_code == 0, result.output
        yield home, json.loads(result.stdout)


def test_the_demo_writes_the_june_report_into_the_home(demo: tuple[Path, dict]) -> None:
    home, summary = demo
    report = summary["report"]
    assert report["month"] == "2026-06" and report["commentary"] == "offline" and report["reconciled"] is True
    assert Path(report["html"]) == (home / "reports" / "monthly-2026-06.html").resolve()
    html = Path(report["html"]).read_text(encoding="utf-8")
    assert "Harbour &amp; Vine Homewares Pty Ltd" in html and html.count("<svg") == 2
    data = json.loads(Path(report["json"]).read_text(encoding="utf-8"))
    assert data["month"] == "2026-06" and data["generated_at"].startswith("2026-06-30T17:00:00")  # the demo's clock
    assert data["cash_forecast"]["lowest"]["week"] == report["forecast_lowest_week"]
    text = ReportSummary(report["month"], Path(report["html"]), Path(report["json"]), "offline",
                         None, report["forecast_lowest_week"], None, True).as_text()
    assert text.startswith("  report       June 2026 month-end report (offline commentary)")
    assert "monthly-2026-06.html" in text and "(and monthly-2026-06.json)" in text


def test_json_for_the_default_month(demo: tuple[Path, dict]) -> None:
    home, _ = demo
    result = run(home, "report", "monthly")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("profit_and_loss", "balance_sheet", "cash_forecast", "variances", "commentary"):
        assert key in data
    assert data["month"] == "2026-06"     # the books end on 30 June 2026, whatever the calendar says
    assert len(data["cash_forecast"]["weeks"]) == 13
    assert data["comparisons"][1]["available"] is False and data["comparisons"][1]["reason"] == \
        "the books start on 1 July 2025"
    assert data["reconciliation"]["reconciled"] is True and data["balance_sheet"]["balanced"] is True
    commentary = data["commentary"]
    assert commentary["path"] == "offline" and commentary["fallback"] is None
    assert commentary["checks"]["numbers"] == commentary["checks"]["traceable"] > 40
    assert "Cost of Goods Sold was $0, down $69,740 (100.0%)" in " ".join(p["text"] for p in commentary["paragraphs"])
    explicit = json.loads(run(home, "report", "monthly", "--month", "2026-06", "--format", "json").stdout)
    data.pop("generated_at"), explicit.pop("generated_at")
    assert explicit == data


def test_html_and_pdf_files(demo: tuple[Path, dict], tmp_path: Path) -> None:
    home, _ = demo
    result = run(home, "report", "monthly", "--month", "2025-12", "--format", "html")
    assert result.exit_code == 0, result.output
    target = home / "reports" / "monthly-2025-12.html"
    assert result.stdout.strip() == f"report written: {target} (December 2025, html, commentary offline)"
    assert "Monthly report for December 2025" in target.read_text(encoding="utf-8")
    out = tmp_path / "dec.pdf"
    result = run(home, "report", "monthly", "--month", "2025-12", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and str(out) in result.stdout
    piped = run(home, "report", "monthly", "--month", "2025-12", "--format", "pdf", "--output", "-")
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(b"%PDF")
    page = run(home, "report", "monthly", "--month", "2025-12", "--format", "html", "--output", "-")
    assert page.stdout.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("month, message", [
    ("2026-13", "Invalid value for '--month': '2026-13' is not a month in the form YYYY-MM"),
    ("06/2026", "is not a month in the form YYYY-MM"),
    ("2999-01", "January 2999 has not started yet"),
    ("2024-05", "The books start on 1 July 2025; there is nothing to report for May 2024 [before_books]"),
])
def test_month_validation(demo: tuple[Path, dict], month: str, message: str) -> None:
    home, _ = demo
    result = run(home, "report", "monthly", "--month", month)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_a_budget_file_adds_the_budget_comparison(demo: tuple[Path, dict], tmp_path: Path) -> None:
    home, _ = demo
    budget = tmp_path / "budget.json"
    budget.write_text(json.dumps({"version": 1, "months": {"2026-06": {"4000": "150000.00", "4100": "30000.00",
                                                                       "5000": "60000.00", "6100": "12500.00"}}}))
    data = json.loads(run(home, "report", "monthly", "--budget", str(budget)).stdout)
    assert data["comparisons"][2] == {"key": "budget", "label": "Budget", "available": True,
                                      "start": "2026-06-01", "end": "2026-06-30", "reason": None}
    assert data["profit_and_loss"]["metrics"]["revenue"]["budget"] == "180000.00"
    assert any(v["comparison"] == "budget" for v in data["variances"]["items"])
    text = " ".join(p["text"] for p in data["commentary"]["paragraphs"])
    assert "Against budget, revenue was below $17,568" in text
    budget.write_text('{"months": {"2026-06": {"4000": 150000.5}}}')
    bad = run(home, "report", "monthly", "--budget", str(budget))
    assert bad.exit_code == 2 and "[bad_budget]" in bad.stderr


def test_home_budget_json_is_read_by_default(demo: tuple[Path, dict], tmp_path: Path) -> None:
    home = copy_home(demo[0], tmp_path / "home")
    (home / "budget.json").write_text('{"months": {"2026-06": {"4000": "100000.00"}}}')
    data = json.loads(run(home, "report", "monthly").stdout)
    assert data["profit_and_loss"]["metrics"]["revenue"]["budget"] == "100000.00"


def test_the_llm_path_through_the_command_and_its_offline_fallback(demo: tuple[Path, dict]) -> None:
    home, _ = demo
    offline = json.loads(run(home, "report", "monthly").stdout)["commentary"]
    draft = {"headline": offline["headline"],
             "paragraphs": [{"topic": p["topic"], "text": p["text"]} for p in offline["paragraphs"][:4]]}
    body = {"id": "chatcmpl-x", "object": "chat.completion", "created": 1767000000, "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(draft), "refusal": None}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
    env = {"OPENAI_BASE_URL": BASE_URL, "OPENAI_API_KEY": "sk-test-0000000000", "BACKOFFICE_LLM_MODEL": "test-model",
           "BACKOFFICE_LLM_MAX_ATTEMPTS": "1"}
    with mock_llm() as router:
        route = router.post("/chat/completions").mock(return_value=httpx.Response(200, json=body))
        used = json.loads(run(home, "report", "monthly", env=env).stdout)["commentary"]
        assert route.call_count == 1
        assert used["path"] == "llm" and used["model"] == "test-model" and used["prompt"].startswith("monthly_commentary@1#")
        forced = json.loads(run(home, "report", "monthly", "--offline", env=env).stdout)["commentary"]
        assert route.call_count == 1 and forced["path"] == "offline"
        route.mock(side_effect=httpx.ConnectError("refused"))
        fallback = json.loads(run(home, "report", "monthly", env=env).stdout)["commentary"]
    assert fallback["path"] == "offline" and fallback["fallback"]["reason"] == "connection"


def test_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "report", "monthly")
    assert result.exit_code == 3 and "backoffice db upgrade" in result.stderr


def test_the_service_uses_the_clock_for_the_default_month(demo: tuple[Path, dict]) -> None:
    from core.settings import load_settings
    from services.reports import monthly_report
    from memory.db import create_db_engine, session_factory, unit_of_work
    from adapters.clock import SteppingClock

    settings = load_settings(home=demo[0], database_url=None)
    engine = create_db_engine(settings.resolved_database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            at_may_end = monthly_report(session, None, settings,
                                        clock=SteppingClock(datetime(2026, 5, 31, 4, 0, tzinfo=UTC)))
            mid_june = monthly_report(session, None, settings,
                                      clock=SteppingClock(datetime(2026, 6, 15, 4, 0, tzinfo=UTC)))
    finally:
        engine.dispose()
    assert at_may_end.month.key == "2026-05" and mid_june.month.key == "2026-05"   # 31 May, 2 pm in Sydney
    assert at_may_end.commentary is not None and at_may_end.commentary.path == "offline"
