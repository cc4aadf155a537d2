"""Who may hand out and switch on keys that decide: pure rules over a key's history.

The person who manages keys never decides, so that rule must not be a matter of which key they use.
A key with a deciding role (approver, owner) minted through the API is created disabled, and a
second person, an existing owner, must activate it; the host's CLI (an owner at the machine) mints
keys that are active at once. When a key decides, it is refused if the person it belongs to
minted or activated it themselves, or while it is within the cooling-off period after it was
minted or switched on.

Keys are told apart by id; people by the key's `holder` (who the key was issued to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tools.ledger.problems import Problem

DECIDING_ROLES = frozenset({"approver", "owner"})
ACTIVATING_ROLE = "owner"


@dataclass(frozen=True)
class KeyHistory:
    """One key and the people behind its creation and activation. `created_by_key` and
    `activated_by_key` are the ids of the keys that did it (None: the host's CLI, or never)."""
    key_id: int
    role: str
    holder: str
    created_at: datetime
    created_by_key: int | None
    created_by_holder: str | None       # the person behind the creating key (None: the host)
    activated_at: datetime | None       # None: not yet activated (disabled)
    activated_by_key: int | None = None
    activated_by_holder: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Activator:
    key_id: int
    role: str
    holder: str


def same_person(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def starts_disabled(role: str, *, minted_on_host: bool) -> bool:
    """A deciding key minted through the API waits for an owner's activation."""
    return role in DECIDING_ROLES and not minted_on_host


def activation_problems(key: KeyHistory, activator: Activator) -> tuple[Problem, ...]:
    """Why `activator` may not switch `key` on (empty: it may)."""
    if activator.role != ACTIVATING_ROLE:
        return (Problem("role_cannot_activate", "Only an owner may activate a key."),)
    if key.revoked:
        return (Problem("key_revoked", f"Key {key.key_id} is revoked."),)
    if key.activated_at is not None:
        return (Problem("already_active", f"Key {key.key_id} is already active."),)
    problems: list[Problem] = []
    if activator.key_id == key.created_by_key or same_person(activator.holder, key.created_by_holder):
        problems.append(Problem("activator_created_key",
                                "A key is activated by a second person, not by whoever created it."))
    if same_person(activator.holder, key.holder):
        problems.append(Problem("activator_holds_key",
                                "Nobody activates a key issued to themselves."))
    return tuple(problems)


def deciding_problems(key: KeyHistory, *, now: datetime,
                      cooling_off: timedelta) -> tuple[Problem, ...]:
    """Why this key may not decide an approval now (empty: it may, as far as its history goes;
    the role, limit and segregation-of-duties checks come on top)."""
    if key.activated_at is None:
        return (Problem("key_not_activated", "This key has not been activated by an owner."),)
    problems: list[Problem] = []
    if same_person(key.created_by_holder, key.holder):
        problems.append(Problem("key_minted_by_holder",
                                "This key was created by the person it was issued to; it may not "
                                "decide. Ask another owner to issue one."))
    if same_person(key.activated_by_holder, key.holder):
        problems.append(Problem("key_activated_by_holder",
                                "This key was activated by the person it was issued to; it may not "
                                "decide."))
    since = max(key.created_at, key.activated_at)
    if since.tzinfo is None:  # SQLite keeps the writing clock's wall time, without its zone
        now = now.replace(tzinfo=None)
    if cooling_off and now < since + cooling_off:
        problems.append(Problem("key_cooling_off",
                                f"This key may decide from {since + cooling_off:%d/%m/%Y %H:%M} "
                                "(a new key waits out the cooling-off period)."))
    return tuple(problems)
