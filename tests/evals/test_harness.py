"""The runner: every case reported as it finishes, a broken case or suite never aborts the run,
results carry their case's identity, the process pool changes nothing but speed, and the metadata
says what ran where."""

from __future__ import annotations

import multiprocessing

from datetime import UTC, datetime

import pytest

import evals.suites
from evals.harness import metadata
from evals.harness.model import Case, RunConfig
from evals.harness.results import Progress
from evals.harness.runner import run_suites
from evals.suites import UnknownSuite, load_suite
from tests.evals import fake_suite
from tests.evals.fake_suite import register


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, fake="tests.evals.fake_suite:SUITE", boom="tests.evals.fake_suite:BOOM",
             safety="tests.evals.fake_suite:SAFETY", broken="tests.evals.fake_suite:BROKEN",
             parallel="tests.evals.fake_suite:PARALLEL", skipping="tests.evals.fake_suite:SKIPPING")


def test_the_registry_loads_suites_and_names_unknown_ones() -> None:
    assert load_suite("fake") is fake_suite.SUITE
    with pytest.raises(UnknownSuite, match="unknown eval suite 'nope'; known suites: fake, boom"):
        load_suite("nope")
    with pytest.raises(UnknownSuite):
        run_suites(["fake", "nope"], RunConfig())


def test_the_real_registry_lists_the_suites_in_run_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    assert list(evals.suites.SUITES)[:3] == ["extraction", "validation", "safety"]
    assert evals.suites.suite_target("safety") == ("evals.suites.safety", "SUITE")


def test_progress_is_reported_once_per_case() -> None:
    seen: list[Progress] = []
    report = run_suites(["fake", "safety"], RunConfig(), progress=seen.append)
    assert [(p.suite, p.case_id) for p in seen] == [
        *(("fake", f"c{i:03d}") for i in range(6)), ("safety", "s-ok"), ("safety", "s-bad")]
    assert [p.done for p in seen] == list(range(1, 9)) and {p.total for p in seen} == {8}
    assert [(p.suite_done, p.suite_total) for p in seen[-2:]] == [(1, 2), (2, 2)]
    assert [p.passed for p in seen[-2:]] == [True, False]
    assert [s.name for s in report.suites] == ["fake", "safety"]


def test_an_exception_fails_its_case_and_the_run_goes_on() -> None:
    report = run_suites(["boom", "fake"], RunConfig())
    boom = report.suites[0]
    assert [r.case_id for r in boom.results] == ["c000", "c001", "c002", "c-boom", "d000", "d001"]
    failed = boom.results[3]
    assert not failed.passed
    assert failed.error is not None and failed.error.startswith("RuntimeError: boom in c-boom (at fake_suite.py:")
    assert failed.diff == (f"error: {failed.error}",)
    assert [r.passed for r in boom.results if r is not failed] == [True] * 5
    assert boom.metric("error_rate").value == pytest.approx(1 / 6)  # type: ignore[union-attr]
    assert boom.error is None and report.suites[1].passed_count == 6


def test_a_suite_that_cannot_load_is_reported_and_the_others_run() -> None:
    report = run_suites(["broken", "fake"], RunConfig())
    broken, fake = report.suites
    assert broken.error is not None and broken.error.startswith(
        "could not load the suite's cases: FileNotFoundError: evals/data/broken/cases.jsonl "
        "(at fake_suite.py:")
    assert broken.results == () and broken.metrics == ()
    assert report.suite_errors == [("broken", broken.error)]
    assert fake.passed_count == 6


def test_results_carry_the_case_identity_skips_and_calibration() -> None:
    report = run_suites(["safety", "skipping"], RunConfig())
    safety, skipping = report.suites
    bad = safety.results[1]
    assert (bad.case_id, bad.safety, bad.split, bad.tags) == ("s-bad", True, "dev", ("fake",))
    assert bad.provenance == "tests/evals/fake_suite.py#s-bad" and bad.seconds > 0
    assert bad.diff == ("value: want 5, got 4",)
    assert report.safety_failures == [("safety", bad)]
    assert skipping.skipped == {"corpus not found": 7} and skipping.skipped_for_corpus
    [cal] = safety.calibration
    assert (cal.decision, cal.n, cal.n_correct) == ("field:value", 2, 1)


def test_the_pool_runs_parallel_suites_with_the_same_results_in_case_order() -> None:
    seen: list[Progress] = []
    pooled = run_suites(["parallel"], RunConfig(), progress=seen.append, workers=2).suites[0]
    alone = run_suites(["parallel"], RunConfig(), workers=1).suites[0]
    if (metadata.cores() or 1) >= 2:
        assert pooled.workers == 2
        assert len({r.got["pid"] for r in pooled.results} - {r.got["pid"] for r in alone.results}) >= 1
    assert alone.workers == 1
    assert [r.case_id for r in pooled.results] == [r.case_id for r in alone.results]
    assert [r.got["value"] for r in pooled.results] == [r.got["value"] for r in alone.results]
    assert sorted(p.case_id for p in seen) == [r.case_id for r in alone.results]
    assert pooled.metrics == alone.metrics


def test_small_or_unsafe_suites_stay_in_process() -> None:
    report = run_suites(["fake", "boom"], RunConfig(), workers=2)   # parallel=False / < 8 cases
    assert {s.workers for s in report.suites} == {1}


def test_cases_the_pool_cannot_take_run_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    suite = fake_suite.PARALLEL
    unpicklable = [Case(id=f"u{i}", provenance="test", payload=fake_suite.Item(f"u{i}", i, 2 * i))
                   for i in range(8)]
    unpicklable[0] = Case(id="u0", provenance="test", payload=fake_suite.Item("u0", 0, 0),
                          tags=(lambda: None,))  # type: ignore[arg-type]
    monkeypatch.setattr(suite, "cases", lambda config: unpicklable)
    result = run_suites(["parallel"], RunConfig(), workers=2).suites[0]
    assert [r.case_id for r in result.results] == [f"u{i}" for i in range(8)]
    assert all(r.passed for r in result.results)


def test_metadata_records_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    report = run_suites(["fake"], RunConfig(), clock=FixedClock())
    meta = report.metadata
    assert meta.started_at == "2026-03-01T09:30:00+00:00" and meta.mode == "offline"
    assert meta.python.count(".") == 2 and meta.cores and meta.cores >= 1
    assert meta.model is None and meta.prompts == {}
    monkeypatch.setattr(metadata, "_git", lambda *args: None)     # no git: tolerated
    assert run_suites(["fake"], RunConfig()).metadata.git_commit is None


def test_live_metadata_names_the_model_and_the_prompts() -> None:
    from core.settings import Settings

    settings = Settings(llm_model="qwen2.5-7b-instruct", openai_base_url="http://127.0.0.1:8000/v1")
    meta = run_suites(["fake"], RunConfig(mode="live", settings=settings)).metadata
    assert (meta.mode, meta.model, meta.endpoint) == ("live", "qwen2.5-7b-instruct",
                                                      "http://127.0.0.1:8000/v1")
    assert meta.prompts["extract_invoice"].startswith("extract_invoice@")


def test_suites_get_their_own_scratch_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen = []
    original = fake_suite.SUITE.run_case

    def spy(case, config):  # type: ignore[no-untyped-def]
        seen.append(config.workdir)
        return original(case, config)

    fake_suite.SUITE.run_case = spy  # type: ignore[method-assign]
    try:
        run_suites(["fake"], RunConfig(workdir=tmp_path))
    finally:
        del fake_suite.SUITE.run_case
    assert set(seen) == {tmp_path / "fake"} and (tmp_path / "fake").is_dir()


def test_a_threaded_process_spawns_its_workers_instead_of_forking() -> None:
    import threading

    from evals.harness import runner

    assert runner._context().get_start_method() in ("fork", "spawn")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        assert runner._context().get_start_method() == "spawn"
        pooled = run_suites(["parallel"], RunConfig(), workers=2).suites[0]
    finally:
        stop.set()
        thread.join()
    assert [r.got["value"] for r in pooled.results] == [2 * i for i in range(12)]


def test_a_worker_that_dies_fails_its_cases_and_the_run_survives(monkeypatch: pytest.MonkeyPatch) -> None:
    if (metadata.cores() or 1) < 2:
        pytest.skip("one core: no pool")
    register(monkeypatch, crashing="tests.evals.fake_suite:CRASHING", fake="tests.evals.fake_suite:SUITE")
    # The registry patched above lives only in this process: the workers must be forked from it
    # (the runner would spawn them when earlier tests left torch loaded; the fakes never run it).
    monkeypatch.setattr("evals.harness.runner._context", lambda: multiprocessing.get_context("fork"))
    report = run_suites(["crashing", "fake"], RunConfig(), workers=2)
    crashing, fake = report.suites
    assert len(crashing.results) == 9 and crashing.workers == 2
    lost = [r for r in crashing.results if r.error and "worker process died" in r.error]
    assert lost and all(not r.passed for r in lost)
    assert "c-crash" in {r.case_id for r in lost}
    assert fake.passed_count == 6
