"""The processes of a soak: `backoffice` commands started as a user would start them (the API, the
SMTP receiver, several workers), each killable with SIGKILL and started again.

Processes are started with the same interpreter's `backoffice` entry point and an environment that
points them at one home and one database; their output goes to a log file per process so a failure
can be read afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def backoffice_command() -> list[str]:
    """The installed `backoffice` script beside this interpreter, else the module."""
    script = Path(sys.executable).with_name("backoffice")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def direct_entry_settings() -> dict[str, str]:
    """The demo business's ABA details, as BACKOFFICE_ABA_* settings (the soak writes a file)."""
    from demo.pay_step import remitter

    r = remitter()
    return {"BACKOFFICE_ABA_BANK": r.bank, "BACKOFFICE_ABA_APCA_ID": r.apca_id,
            "BACKOFFICE_ABA_USER_NAME": r.user_name, "BACKOFFICE_ABA_BSB": r.bsb,
            "BACKOFFICE_ABA_ACCOUNT": r.account_number, "BACKOFFICE_ABA_REMITTER": r.remitter_name}


@dataclass
class Service:
    """One long-running `backoffice` command."""
    name: str
    args: list[str]
    env: dict[str, str]
    logs: Path
    ready_line: bytes            # what the command prints once it is working
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    _log_offset: int = 0
    _ready_at: float | None = None

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.name}.log"

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_path, "ab")  # noqa: SIM115 — the child owns it
        log.write(f"\n--- start {self.starts} at {time.time():.3f}\n".encode())
        log.flush()
        self._log_offset = log.tell()
        self._ready_at = None
        self.proc = subprocess.Popen([*backoffice_command(), *self.args], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def up_for(self) -> float:
        """Seconds since it finished starting (imports, binding) and said so; 0 while starting
        or dead. A kill after that interrupts work rather than a start."""
        if not self.alive():
            return 0.0
        if self._ready_at is None:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                if self.ready_line not in log.read():
                    return 0.0
            self._ready_at = time.monotonic()
        return time.monotonic() - self._ready_at

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, as in a power cut of that process."""
        if self.proc is not None and self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.kills += 1
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, for the end of the run: the command stops cleanly."""
        if self.proc is not None and self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class Cluster:
    home: Path
    database_url: str
    workers: int = 3
    lease_seconds: int = 3
    api_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    services: dict[str, Service] = field(default_factory=dict)

    def __post_init__(self) -> None:
        logs = self.home / "soak-logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "BACKOFFICE_HOME": str(self.home),
               "BACKOFFICE_DATABASE_URL": self.database_url,
               "BACKOFFICE_WORKER_LEASE_SECONDS": str(self.lease_seconds),
               "BACKOFFICE_WORKER_POLL_SECONDS": "0.2",
               "BACKOFFICE_SMTP_PORT": str(self.smtp_port), "BACKOFFICE_API_PORT": str(self.api_port),
               "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1",
               "PYTHONUNBUFFERED": "1"}  # each line reaches its log at once (readiness)
        env.update(direct_entry_settings())
        for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BACKOFFICE_LLM_MODEL"):
            env.pop(key, None)  # the soak is about the offline path's exactly-once, not a model
        self.services["api"] = Service("api", ["serve", "--no-worker", "--no-smtp"], env, logs,
                                       b"Application startup complete")
        self.services["smtp"] = Service("smtp", ["inbox", "serve-smtp"], env, logs,
                                        b"receiving mail on")
        for i in range(1, self.workers + 1):
            self.services[f"worker-{i}"] = Service(f"worker-{i}", ["worker"], env, logs,
                                                   b"running every")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def killable(self) -> list[Service]:
        """What the soak kills: the workers and the API (the SMTP receiver is the mail relay's
        peer; a relay retries on its own, which the senders do too)."""
        return [s for name, s in self.services.items() if name != "smtp"]

    def start(self) -> None:
        for service in self.services.values():
            service.start()
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api_url}/healthz", timeout=2).status_code == 200 and \
                        socket.create_connection(("127.0.0.1", self.smtp_port), timeout=2):
                    return
            except (httpx.HTTPError, OSError):
                pass
            for service in self.services.values():
                if service.proc is not None and service.proc.poll() not in (None, 0, -9):
                    raise RuntimeError(f"{service.name} exited {service.proc.returncode}; see "
                                       f"{service.log_path}")
            time.sleep(0.2)
        raise TimeoutError(f"the API and SMTP receiver were not ready in {timeout}s")

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    @property
    def kills(self) -> int:
        return sum(s.kills for s in self.services.values())
