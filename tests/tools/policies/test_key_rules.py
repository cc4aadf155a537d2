"""The key rules as pure functions: who may activate a deciding key, when a key may decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tools.policies.key_rules import (
    Activator, KeyHistory, activation_problems, deciding_problems, starts_disabled,
)

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
PENDING = KeyHistory(key_id=7, role="owner", holder="Morgan", created_at=T0, created_by_key=2,
                     created_by_holder="Alex (admin)", activated_at=None)


def codes(problems: tuple) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in problems]


def test_only_deciding_keys_minted_off_the_host_start_disabled() -> None:
    assert starts_disabled("owner", minted_on_host=False) and starts_disabled("approver", minted_on_host=False)
    assert not starts_disabled("owner", minted_on_host=True)
    assert not any(starts_disabled(r, minted_on_host=False) for r in ("clerk", "auditor", "admin"))


def test_a_second_owner_activates() -> None:
    assert activation_problems(PENDING, Activator(3, "owner", "Jo")) == ()
    assert codes(activation_problems(PENDING, Activator(3, "admin", "Jo"))) == ["role_cannot_activate"]
    assert codes(activation_problems(PENDING, Activator(2, "owner", "Jo"))) == ["activator_created_key"]
    assert codes(activation_problems(PENDING, Activator(9, "owner", " alex (ADMIN) "))) == [
        "activator_created_key"]
    assert codes(activation_problems(PENDING, Activator(9, "owner", "morgan"))) == ["activator_holds_key"]
    assert codes(activation_problems(replace(PENDING, revoked=True), Activator(3, "owner", "Jo"))) == [
        "key_revoked"]
    assert codes(activation_problems(replace(PENDING, activated_at=T0), Activator(3, "owner", "Jo"))) == [
        "already_active"]


def test_when_a_key_may_decide() -> None:
    active = replace(PENDING, activated_at=T0 + timedelta(hours=1), activated_by_key=3,
                     activated_by_holder="Jo")
    later = T0 + timedelta(hours=2)
    assert codes(deciding_problems(PENDING, now=later, cooling_off=timedelta(0))) == ["key_not_activated"]
    assert deciding_problems(active, now=later, cooling_off=timedelta(0)) == ()
    assert codes(deciding_problems(active, now=later, cooling_off=timedelta(hours=2))) == ["key_cooling_off"]
    assert deciding_problems(active, now=later, cooling_off=timedelta(minutes=59)) == ()
    own = replace(active, created_by_holder="Morgan")
    assert codes(deciding_problems(own, now=later, cooling_off=timedelta(0))) == ["key_minted_by_holder"]
    self_activated = replace(active, activated_by_holder="MORGAN")
    assert codes(deciding_problems(self_activated, now=later, cooling_off=timedelta(0))) == [
        "key_activated_by_holder"]
    host_minted = replace(active, created_by_key=None, created_by_holder=None)
    assert deciding_problems(host_minted, now=later, cooling_off=timedelta(0)) == ()


def test_timestamps_without_a_zone_are_compared_on_the_same_clock() -> None:
    naive = replace(PENDING, created_at=T0.replace(tzinfo=None), activated_at=T0.replace(tzinfo=None),
                    activated_by_holder="Jo")
    assert codes(deciding_problems(naive, now=T0 + timedelta(minutes=5),
                                   cooling_off=timedelta(minutes=10))) == ["key_cooling_off"]
    assert deciding_problems(naive, now=T0 + timedelta(minutes=11), cooling_off=timedelta(minutes=10)) == ()
