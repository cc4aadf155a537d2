"""One soak run: build the demo company in a PostgreSQL schema, start the API, the SMTP receiver
and several workers as separate `backoffice` processes, send fresh invoice emails over SMTP and the
API (some over both: the same message twice) while a chaos thread kills a random worker or the API
with SIGKILL every second or two and starts it again, wait until every message has come to rest,
stop everything and check the books (evals.soak.check)."""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from evals.soak.check import Findings, check, payment_problems, progress
from evals.soak.cluster import Cluster
from evals.soak.payments import PaymentOutcome, aba_credits, pay_through_api
from evals.soak.senders import send_api, send_smtp


@dataclass(frozen=True)
class SoakConfig:
    emails: int = 500
    workers: int = 3
    min_kills: int = 20          # sending is paced so that these land while mail is arriving
    seed: int = 1
    kill_every: tuple[float, float] = (0.5, 2.5)   # seconds between kills, drawn uniformly
    uptime: tuple[float, float] = (0.5, 5.0)       # how long a victim has worked, drawn uniformly
    both_channels: float = 0.1   # share of messages sent over SMTP and the API both
    smtp_share: float = 0.5      # of the rest, the share sent over SMTP (the others: the API)
    senders: int = 4
    lease_seconds: int = 3
    timeout: float = 900


@dataclass
class SoakReport:
    config: SoakConfig
    findings: Findings
    kills: dict[str, int]
    seconds: float
    channels: Counter[str] = field(default_factory=Counter)
    resends: int = 0             # deliveries that needed more than one attempt
    payment: PaymentOutcome | None = None

    @property
    def total_kills(self) -> int:
        return sum(self.kills.values())

    def as_dict(self) -> dict[str, object]:
        f = self.findings
        return {"seed": self.config.seed, "emails": self.config.emails,
                "workers": self.config.workers, "seconds": round(self.seconds, 1),
                "kills": self.kills, "total_kills": self.total_kills,
                "channels": dict(self.channels), "resends": self.resends,
                "recorded": f.recorded, "outcomes": dict(f.outcomes),
                "max_attempts": f.max_attempts, "retried_runs": f.retried_runs,
                "audit_entries": f.audit_entries,
                "audit_head": f.audit_head, "problems": f.problems, "ok": f.ok,
                "payment_run": None if self.payment is None else {
                    "id": self.payment.run_id, "status": self.payment.status,
                    "total": self.payment.total, "retries": self.payment.retries}}


@dataclass(frozen=True)
class Keys:
    clerk: str   # sends the mail and proposes the payment run
    owner: str   # approves the run and writes its file (not its creator)


def prepare(home: Path, database_url: str) -> Keys:
    """The demo company (its own mailbox recorded, not yet processed) and two people's keys."""
    from adapters.clock import SystemClock
    from core.settings import load_settings
    from demo.build import build_demo
    from memory import apikeys_store
    from memory.db import create_db_engine, session_factory, unit_of_work

    build_demo(load_settings(home=home, database_url=database_url), run_ap_agent=False,
               with_assistant=False, with_bank=False)
    engine = create_db_engine(database_url)
    with unit_of_work(session_factory(engine)) as session:
        keys = Keys(*(apikeys_store.create(session, SystemClock(), name=f"soak {role}", role=role,
                                           created_by="soak").key for role in ("clerk", "owner")))
    engine.dispose()
    return keys


def run_soak(config: SoakConfig, home: Path, database_url: str) -> SoakReport:
    from demo.mail_batch import invoice_emails
    from memory.db import create_db_engine, read_only, session_factory
    from tools.inbox.parsing import message_identity

    keys = prepare(home, database_url)
    emails = invoice_emails(config.emails, config.seed, tag="soak")
    ids = [message_identity(raw).message_id for raw in emails]
    rng = random.Random(config.seed)
    plan: queue.Queue[tuple[int, bytes, tuple[str, ...]]] = queue.Queue()
    channels: Counter[str] = Counter()
    for n, raw in enumerate(emails):
        route = (("smtp", "api") if rng.random() < config.both_channels
                 else ("smtp",) if rng.random() < config.smtp_share else ("api",))
        channels.update(route)
        plan.put((n, raw, route))

    cluster = Cluster(home, database_url, workers=config.workers,
                      lease_seconds=config.lease_seconds)
    engine = create_db_engine(database_url)
    sessions = session_factory(engine)
    started = time.monotonic()
    deadline = started + config.timeout
    resends: list[int] = []
    failures: list[BaseException] = []
    done = threading.Event()
    cluster.start()
    try:
        def deliver() -> None:
            with httpx.Client(base_url=cluster.api_url, timeout=30,
                              headers={"Authorization": f"Bearer {keys.clerk}"}) as client:
                while True:
                    try:
                        n, raw, route = plan.get_nowait()
                    except queue.Empty:
                        return
                    # The n-th message waits for its share of the kills, so that however fast
                    # this machine works, the kills are spread over the mail's arrival.
                    while cluster.kills < n * config.min_kills // len(emails):
                        if time.monotonic() > deadline:
                            failures.append(TimeoutError("the kills fell behind the mail"))
                            return
                        time.sleep(0.05)
                    try:
                        for channel in route:
                            attempts = (send_smtp(cluster.smtp_port, raw, deadline=deadline)
                                        if channel == "smtp"
                                        else send_api(client, raw, deadline=deadline)[1])
                            if attempts > 1:
                                resends.append(attempts)
                    except BaseException as exc:  # noqa: BLE001 — surfaced in the report
                        failures.append(exc)
                        return

        def chaos() -> None:
            # Every moment or two, kill one process that has been working for a random while
            # (a kill during start-up would only slow the run down), the least killed first so
            # the API is killed as often as each worker; half the time, when a worker holds a
            # run, a worker in the middle of one. Then start it again at once.
            chaos_rng = random.Random(config.seed * 7919)
            wanted = {s.name: chaos_rng.uniform(*config.uptime) for s in cluster.killable()}
            while not done.wait(chaos_rng.uniform(*config.kill_every)):
                working = [s for s in cluster.killable() if s.up_for() >= wanted[s.name]]
                busy = busy_pids(sessions)
                mid_run = [s for s in working if s.proc is not None and s.proc.pid in busy]
                if mid_run and chaos_rng.random() < 0.5:
                    working = mid_run
                if not working:
                    continue
                fewest = min(s.kills for s in working)
                victim = chaos_rng.choice([s for s in working if s.kills == fewest])
                victim.kill()
                victim.start()
                wanted[victim.name] = chaos_rng.uniform(*config.uptime)

        senders = [threading.Thread(target=deliver, name=f"sender-{i}")
                   for i in range(config.senders)]
        killer = threading.Thread(target=chaos, name="chaos")
        killer.start()
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        if failures:
            raise RuntimeError(f"a message could not be delivered: {failures[0]!r}")
        while time.monotonic() < deadline:
            with read_only(sessions) as session:
                recorded, in_flight = progress(session, ids)
            if recorded == len(ids) and in_flight == 0:
                break
            time.sleep(0.5)
        paid = _pay(cluster, keys, config, deadline)
        done.set()
        killer.join()
        elapsed = time.monotonic() - started
    finally:
        done.set()
        cluster.stop()
    with read_only(sessions) as session:
        findings = check(session, ids)
        findings.problems += paid.problems + payment_problems(session, paid.run_id,
                                                              aba_credits(paid.files[0]))
    engine.dispose()
    kills = {name: s.kills for name, s in cluster.services.items() if s.kills}
    return SoakReport(config, findings, kills, elapsed, channels, len(resends), paid)


def busy_pids(sessions: Any) -> set[int]:
    """The processes holding an AP run right now (a worker's name is host:pid:thread)."""
    from memory.ap_schema import ApRun
    from memory.db import read_only

    with read_only(sessions) as session:
        names = session.scalars(select(ApRun.claimed_by).where(
            ApRun.state.in_(("running", "resuming")), ApRun.claimed_by.is_not(None))).all()
    return {int(parts[-2]) for parts in (n.split(":") for n in names)
            if len(parts) >= 3 and parts[-2].isdigit()}


def _pay(cluster: Cluster, keys: Keys, config: SoakConfig, deadline: float) -> PaymentOutcome:
    """The payment run of every approved bill, through the API, while the kills go on."""
    def client(key: str) -> httpx.Client:
        return httpx.Client(base_url=cluster.api_url, timeout=30,
                            headers={"Authorization": f"Bearer {key}"})

    with client(keys.clerk) as clerk, client(keys.owner) as owner:
        return pay_through_api(clerk, owner, due_by="2026-12-31", key=f"soak-{config.seed}",
                               deadline=deadline)
