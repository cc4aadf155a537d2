"""The watchdog's rules as pure functions: which conditions hold for a snapshot, and what an
evaluation changes given the incidents already open."""

from __future__ import annotations

from tools.monitoring.alerts import (
    APPROVAL_OVERDUE, QUEUE_AGED, WORKER_STOPPED, Condition, Snapshot, Thresholds, evaluate,
    live_workers, plan,
)

LIMITS = Thresholds(worker_stale_seconds=300, queue_age_seconds=3600,
                    approval_overdue_seconds=48 * 3600)


def snap(ages: tuple[float, ...] = (10.0,), waiting: int = 0, oldest: float | None = None,
         overdue: int = 0, oldest_approval: float | None = None) -> Snapshot:
    return Snapshot(ages, waiting, oldest, overdue, oldest_approval)


def codes(snapshot: Snapshot) -> list[str]:
    return [c.code for c in evaluate(snapshot, LIMITS)]


def test_a_live_worker_an_empty_queue_and_no_overdue_approval_raise_nothing() -> None:
    assert evaluate(snap(), LIMITS) == []
    assert codes(snap(waiting=3, oldest=3599, oldest_approval=48 * 3600 - 1)) == []


def test_live_means_a_tick_within_the_stale_limit() -> None:
    assert live_workers((0.0, 300.0, 300.5, 9999.0), 300) == 2
    assert live_workers((), 300) == 0


def test_the_worker_has_stopped_when_no_heartbeat_is_recent() -> None:
    [condition] = evaluate(snap(ages=(301.0, 7200.0), waiting=2, oldest=100), LIMITS)
    assert condition.code == WORKER_STOPPED
    assert condition.details == {"last_tick_age_seconds": 301, "waiting": 2,
                                 "stale_after_seconds": 300}
    assert "5 min" in condition.summary and "2 message(s) waiting" in condition.summary
    # one live worker among dead ones is enough
    assert codes(snap(ages=(7200.0, 12.0))) == []


def test_no_worker_ever_is_only_a_problem_when_mail_waits() -> None:
    assert codes(snap(ages=())) == []  # a fresh install: nothing to do, nobody to do it
    [condition] = evaluate(snap(ages=(), waiting=1, oldest=5), LIMITS)
    assert condition.code == WORKER_STOPPED and "ever run" in condition.summary


def test_the_queue_has_aged_past_its_limit() -> None:
    assert codes(snap(waiting=4, oldest=3600)) == []  # at the limit is not past it
    [condition] = evaluate(snap(waiting=4, oldest=3601), LIMITS)
    assert condition.code == QUEUE_AGED
    assert condition.details["oldest_age_seconds"] == 3601 and condition.details["waiting"] == 4


def test_an_overdue_approval_by_count_or_by_the_oldest_age() -> None:
    [by_count] = evaluate(snap(overdue=3, oldest_approval=50 * 3600), LIMITS)
    assert by_count.code == APPROVAL_OVERDUE and by_count.details["overdue"] == 3
    assert "3 approval(s)" in by_count.summary and "2.0 days" in by_count.summary
    assert codes(snap(overdue=0, oldest_approval=48 * 3600 + 1)) == [APPROVAL_OVERDUE]


def test_every_condition_at_once_in_a_stable_order() -> None:
    everything = snap(ages=(9000.0,), waiting=9, oldest=7200, overdue=1, oldest_approval=10**6)
    assert codes(everything) == [WORKER_STOPPED, QUEUE_AGED, APPROVAL_OVERDUE]


def test_the_plan_opens_new_incidents_and_resolves_cleared_ones_only() -> None:
    stopped = Condition(WORKER_STOPPED, "stopped")
    aged = Condition(QUEUE_AGED, "aged")
    first = plan(set(), [stopped])
    assert first.to_open == (stopped,) and first.to_resolve == ()
    # still holding: nothing to do (no second email)
    again = plan({WORKER_STOPPED}, [stopped])
    assert again.to_open == () and again.to_resolve == ()
    # the worker is back, the queue has aged meanwhile
    later = plan({WORKER_STOPPED}, [aged])
    assert later.to_open == (aged,) and later.to_resolve == (WORKER_STOPPED,)
    assert plan({QUEUE_AGED, APPROVAL_OVERDUE}, []).to_resolve == (APPROVAL_OVERDUE, QUEUE_AGED)
