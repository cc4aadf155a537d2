"""The offline regression gate, as CI runs it (pytest is CI's only command, so the gate lives here).

`backoffice eval run` over every registered suite, offline, against the committed baseline
evals/baselines/offline.json, must pass and write both reports; and a deliberately broken extractor
(every total off by +1.00) must fail it, naming the metric that dropped and showing the case diff.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from evals.harness.baseline import default_path
from evals.suites import SUITES, suite_target

BASELINE = default_path("offline")
NO_BASELINE = ("no committed offline baseline: run `backoffice eval run --update-baseline`, review "
               f"{BASELINE} and commit it")


def _require_suite_modules(*names: str) -> None:
    """Skip only while a registered suite's module has not been written (never for a broken one)."""
    for name in names or tuple(SUITES):
        module, _ = suite_target(name)
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"suite module {module} does not exist yet")


def _eval(*args: str) -> Result:
    return CliRunner().invoke(cli, ["eval", "run", *args], prog_name="backoffice")


def test_the_offline_gate_passes(tmp_path: Path) -> None:
    _require_suite_modules()
    assert BASELINE.is_file(), NO_BASELINE
    json_path, html_path = tmp_path / "eval.json", tmp_path / "eval.html"
    result = _eval("--json", str(json_path), "--html", str(html_path))
    assert result.exit_code == 0, result.output
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["passed"] is True and list(report["suites"]) == list(SUITES)
    assert report["metadata"]["mode"] == "offline"
    assert html_path.read_text(encoding="utf-8").startswith("<!doctype html>")
    _assert_the_auto_post_threshold_is_calibrated(report)
    _assert_the_bank_threshold_is_calibrated(report)


def _assert_the_bank_threshold_is_calibrated(report: dict[str, Any]) -> None:
    """Bank lines reconcile themselves at `bank_auto_confidence`: on the held-out months of the
    bank-rec eval that threshold must reach the target precision with enough support, for all
    decisions together and for each kind with enough support of its own."""
    from core.settings import Settings

    in_use = float(Settings.model_fields["bank_auto_confidence"].default)
    for calibration in report["suites"]["bank-rec"]["calibration"]:
        point = next(p for p in calibration["points"] if p["threshold"] == in_use)
        assert point["in_use"], point
        if calibration["decision"] == "bank:overall":
            assert point["support"] >= calibration["min_support"], point
        if point["support"] >= calibration["min_support"]:
            assert point["precision"] >= calibration["target_precision"], (calibration["decision"], point)


def _assert_the_auto_post_threshold_is_calibrated(report: dict[str, Any]) -> None:
    """The AP agent's default confidence threshold must reach the target precision on the
    extraction eval ("invoice:overall": every field and line read right) without the blind
    unseen-layout split, and stay within half a point of it with that split included (issue 12:
    on layouts never developed on, 2 of 330 confident readings are wrong today; see the closing
    note). Without the blind cases the precision is recomputed from the per-case judgements."""
    from core.settings import Settings

    in_use = float(Settings.model_fields["ap_min_confidence"].default)
    suite = report["suites"]["extraction"]
    calibration = next(c for c in suite["calibration"] if c["decision"] == "invoice:overall")
    point = next(p for p in calibration["points"] if p["threshold"] == in_use)
    assert point["in_use"] and point["support"] >= calibration["min_support"], point
    assert point["precision"] >= calibration["target_precision"] - 0.005, point
    confident = [ok for r in suite["results"] if r["split"] != "unseen_blind"
                 for name, conf, ok in r["judgements"] if name == "invoice:overall" and conf >= in_use]
    assert len(confident) >= calibration["min_support"]
    assert sum(confident) / len(confident) >= calibration["target_precision"], (sum(confident), len(confident))


def _off_by_one(extract: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(extract)
    def broken(*args: Any, **kwargs: Any) -> Any:
        ex = extract(*args, **kwargs)
        if ex.total is None:
            return ex
        return ex.model_copy(update={"total": ex.total + Decimal("1.00")})
    return broken


def _break_the_extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every path that produces an Extraction (layout/OCR and e-invoice XML) gets the wrong total,
    wherever a module imported the function by name."""
    from tools.documents import einvoice, layout

    for module, name in ((layout, "extract_fields"), (einvoice, "read_einvoice")):
        original = getattr(module, name)
        patched = _off_by_one(original)
        for mod in list(sys.modules.values()):
            if getattr(mod, name, None) is original and (mod.__name__ or "").startswith(
                    ("tools.", "evals.", "api.", "agent.")):
                monkeypatch.setattr(mod, name, patched)


def test_a_broken_extractor_fails_the_gate_with_a_readable_diff(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _require_suite_modules("extraction")
    assert BASELINE.is_file(), NO_BASELINE
    importlib.import_module(suite_target("extraction")[0])   # so its own imports get patched too
    _break_the_extractors(monkeypatch)
    json_path = tmp_path / "broken.json"
    # --jobs 1: the patch lives in this process (workers would inherit it by fork, not by spawn).
    result = _eval("extraction", "--jobs", "1", "--json", str(json_path))
    assert result.exit_code == 1, result.output
    assert re.search(r"^REGRESSION extraction\.\S+: \S+ → \S+ \(-", result.output, re.MULTILINE), \
        result.output
    assert re.search(r"total: want [\d.]+, got [\d.]+", result.output), result.output
    report = json.loads(json_path.read_text(encoding="utf-8"))
    assert report["passed"] is False
    assert report["regressions"] and {r["suite"] for r in report["regressions"]} == {"extraction"}
    diffs = [line for case in report["suites"]["extraction"]["results"] for line in case["diff"]]
    wrong = [m for m in (re.fullmatch(r"total: want ([\d.]+), got ([\d.]+)", d) for d in diffs) if m]
    assert wrong, diffs[:20]
    assert any(Decimal(got) - Decimal(want) == Decimal("1.00") for want, got in
               (m.groups() for m in wrong))
