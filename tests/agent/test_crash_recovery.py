"""Exactly once under kill -9: a worker process is killed with SIGKILL at random moments while it
works through the demo mailbox, and restarted until it finishes. Every message must end with exactly
one outcome, no bill or journal may exist twice, the books must balance and the audit chain verify."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from memory import audit
from memory.ap_schema import ApRun
from memory.db import read_only, unit_of_work
from memory.inbox_schema import InboxMessage
from memory.ledger_store import LedgerStore
from memory.schema import Invoice, Journal
from tests.agent.conftest import books_at, copy_home
from adapters.clock import SystemClock

ROOT = Path(__file__).resolve().parents[2]


def _start(home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BACKOFFICE_HOME": str(home), "BACKOFFICE_WORKER_LEASE_SECONDS": "1",
           "PYTHONPATH": str(ROOT)}
    env.pop("BACKOFFICE_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "tests.agent.crash_worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_a_claim(home: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the worker process holds an AP run (its name is host:pid:thread)."""
    books = books_at(home)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with read_only(books.sessions) as session:  # a WAL read: no lock the worker waits on
                if session.scalar(select(ApRun.id).where(
                        ApRun.state.in_(("running", "resuming")),
                        ApRun.claimed_by.like(f"%:{proc.pid}:%")).limit(1)) is not None:
                    return
            time.sleep(0.01)
    finally:
        books.engine.dispose()


@pytest.fixture(scope="module")
def full_run_seconds(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long one worker takes, imports included, to work through the whole mailbox here: the
    kills below fall inside that span, whatever the machine's speed (a fixed guess let a fast
    machine finish before the first kill)."""
    home = copy_home(demo_template, tmp_path_factory.mktemp("calibrate") / "home")
    started = time.monotonic()
    proc = _start(home)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()[-2000:]
    return time.monotonic() - started


@pytest.mark.parametrize("seed", [11, 23, 42])
def test_kill_9_at_random_moments_leaves_each_message_one_outcome(demo_template: Path, tmp_path: Path,
                                                                   full_run_seconds: float,
                                                                   seed: int) -> None:
    home = copy_home(demo_template, tmp_path / "home")
    rng = random.Random(seed)
    kills = 0
    for attempt in range(8):  # kill up to 8 times, each at a random moment of a fresh worker's life
        proc = _start(home)
        if attempt == 0:
            # The first kill lands in the middle of a run, however fast the machine is right now
            # (a kill timed from the calibration alone could come after the worker finished).
            _wait_for_a_claim(home, proc)
            time.sleep(rng.uniform(0, 0.2))
        else:
            # Imports take about half of a full run; the kills land from late imports to the end.
            time.sleep(rng.uniform(0.4, 0.9) * full_run_seconds)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    final = _start(home)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()[-2000:]
    assert kills >= 1

    books = books_at(home)
    with unit_of_work(books.sessions) as session:
        runs = session.scalars(select(ApRun)).all()
        messages = {m.id: m for m in session.scalars(select(InboxMessage))}
        assert len(runs) == len(messages) == len({r.inbox_message_id for r in runs})
        states = Counter(r.state for r in runs)
        assert set(states) <= {"posted", "awaiting_approval", "quarantined"}, states
        for run in runs:  # the message says the same as its run
            message = messages[run.inbox_message_id]
            expected = {"posted": "processed", "awaiting_approval": "processing",
                        "quarantined": "quarantined"}[run.state]
            assert message.status == expected, (run.state, message.status, run.last_error)
            assert (run.bill_id is not None) == (run.state == "posted")
        keys = session.scalars(select(Journal.idempotency_key).where(
            Journal.idempotency_key.like("ap-bill:%"))).all()
        assert len(keys) == len(set(keys)) == states["posted"]
        per_number = session.execute(select(Invoice.contact_id, Invoice.number, func.count())
                                     .group_by(Invoice.contact_id, Invoice.number)).all()
        assert all(n == 1 for _, _, n in per_number)
        tb = LedgerStore(session, SystemClock(), "test").trial_balance()
        assert tb.total_debit == tb.total_credit
        assert audit.verify(session).intact
    assert states["posted"] >= 7  # the clean invoices still went through, crashes or not
    books.engine.dispose()
