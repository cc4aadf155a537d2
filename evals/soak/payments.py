"""The soak's payment run, through the API while the API is being killed: a clerk proposes the run
of every approved bill due, an owner approves it and writes the ABA file, each call retried until
it is answered, as an integration would. A retried proposal must give back the same run, a retried
approval find the run approved, and the file asked for twice must be the same bytes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class PaymentOutcome:
    run_id: int
    status: str
    total: str
    files: list[bytes] = field(default_factory=list)
    retries: int = 0
    problems: list[str] = field(default_factory=list)


def _call(client: httpx.Client, method: str, path: str, *, deadline: float,
          **kwargs: Any) -> tuple[httpx.Response, int]:
    """One call, sent again after a dropped connection or a 5xx; (the answer, the attempts)."""
    attempts = 0
    while True:
        attempts += 1
        try:
            response = client.request(method, path, **kwargs)
            if response.status_code < 500:
                return response, attempts
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{method} {path} was not answered after {attempts} attempts")
        time.sleep(0.2)


def pay_through_api(clerk: httpx.Client, owner: httpx.Client, *, due_by: str, key: str,
                    deadline: float) -> PaymentOutcome:
    proposed, n1 = _call(clerk, "POST", "/v1/payments/runs", json={"due_by": due_by},
                         headers={"Idempotency-Key": key}, deadline=deadline)
    if proposed.status_code not in (200, 201):
        raise RuntimeError(f"the run was not proposed: {proposed.status_code} {proposed.text[:300]}")
    run = proposed.json()
    run_id = int(run["id"])
    again, _ = _call(clerk, "POST", "/v1/payments/runs", json={"due_by": due_by},
                     headers={"Idempotency-Key": key}, deadline=deadline)
    outcome = PaymentOutcome(run_id, run["status"], str(run["total"]), retries=n1 - 1)
    if again.status_code not in (200, 201) or int(again.json()["id"]) != run_id:
        outcome.problems.append(f"twice: proposing again with key {key} gave {again.text[:200]}")

    approved, n2 = _call(owner, "POST", f"/v1/payments/runs/{run_id}/approval", deadline=deadline)
    outcome.retries += n2 - 1
    if approved.status_code == 409:  # an earlier attempt approved it before the API died
        approved, _ = _call(owner, "GET", f"/v1/payments/runs/{run_id}", deadline=deadline)
    if approved.status_code != 200 or approved.json().get("status") != "approved":
        raise RuntimeError(f"the run was not approved: {approved.status_code} {approved.text[:300]}")

    for _ in range(2):  # the second time is a replay: the same bytes
        written, n3 = _call(owner, "POST", f"/v1/payments/runs/{run_id}/file", deadline=deadline)
        outcome.retries += n3 - 1
        if written.status_code != 200:
            raise RuntimeError(f"the file was not written: {written.status_code} {written.text[:300]}")
        outcome.files.append(written.content)
    if len(set(outcome.files)) != 1:
        outcome.problems.append(f"twice: run {run_id}'s file differs when asked for again")
    shown, _ = _call(owner, "GET", f"/v1/payments/runs/{run_id}", deadline=deadline)
    outcome.status = shown.json()["status"]
    return outcome


def aba_credits(content: bytes) -> list[tuple[str, int]]:
    """(lodgement reference, cents) of every credit (detail record, transaction code 50-57) in an
    ABA file: what the bank would pay."""
    credits = []
    for record in content.decode("ascii").split("\r\n"):
        if record.startswith("1") and record[18:20].isdigit() and 50 <= int(record[18:20]) <= 57:
            credits.append((record[62:80].strip(), int(record[20:30])))
    return credits
